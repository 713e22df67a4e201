"""``coordinator-tui serve``: refuses what it must, answers on loopback, works in a browser.

Every server here listens on 127.0.0.1 on a free port, runs in its own process
group, and is killed (group and all, dashboards included) when the test ends.
The browser test drives Debian's Chromium through Playwright; the page draws
the terminal on a canvas, so it checks effects: the broadcast typed in the
browser appears as a file, and the screenshot is a PNG with many colours.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from tests.collective import session

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``coordinator-tui serve ARGS`` on a free loopback port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "coordinator_tui", "serve", *args, "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, process.communicate()[1].decode()
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "serve did not answer in time"
                time.sleep(0.2)
        yield url, process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_serve_refuses_a_public_address_without_public(collective: Path, capsys) -> None:
    for host in ("0.0.0.0", "192.168.1.5", "::"):
        assert main(["serve", str(collective), "--host", host]) == 2
        error = capsys.readouterr().err.strip()
        assert len(error.splitlines()) == 1
        assert f"refusing to listen on {host} without --public" in error
        assert "control the dashboard" in error


def test_serve_bad_port_and_missing_directory_are_usage_errors(tmp_path: Path, capsys) -> None:
    assert main(["serve", str(tmp_path), "--port", "70000"]) == 2
    assert "a port is 1-65535" in capsys.readouterr().err
    assert main(["serve", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_serve_without_the_web_extra_says_how_to_get_it(collective: Path) -> None:
    code = (
        "import sys; sys.modules['textual_serve'] = None\n"
        "from coordinator_tui.cli import main\n"
        f"raise SystemExit(main(['serve', {str(collective)!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "coordinator-tui: serve needs the web extra: pip install 'coordinator-tui[web]'"
    )


def test_serve_answers_on_loopback_with_the_page(collective: Path) -> None:
    with serving(str(collective)) as (url, _process), urllib.request.urlopen(url) as response:
        status, page = response.status, response.read().decode()
    assert status == 200
    assert "<div>coordinator-tui</div>" in page  # the start screen names the application
    port = url.rsplit(":", 1)[1].strip("/")
    assert f"ws://127.0.0.1:{port}/ws" in page


def test_serve_public_says_who_controls_it(collective: Path) -> None:
    with serving(str(collective), "--public") as (_url, process):
        os.killpg(process.pid, signal.SIGTERM)
        _out, err = process.communicate(timeout=10)
    assert "anyone who reaches this port controls the dashboard" in err.decode()


_COUNT_COLOURS = """async (data) => {
  const image = new Image();
  image.src = "data:image/png;base64," + data;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  const seen = new Set();
  for (let i = 0; i < pixels.length; i += 4 * 7) {
    seen.add(pixels[i] << 16 | pixels[i + 1] << 8 | pixels[i + 2]);
  }
  return seen.size;
}"""


def _broadcasts_saying(folder: Path, text: str) -> list[dict[str, str]]:
    found = []
    for path in sorted((folder / "messages" / "broadcast").glob("*.json")):
        with contextlib.suppress(ValueError):
            document = json.loads(path.read_text())
            if isinstance(document, dict) and document.get("message") == text:
                found.append(document)
    return found


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: install Debian's (apt-get install chromium) to run the "
    "browser test",
)
def test_a_browser_sends_a_broadcast_through_the_web_dashboard(
    collective: Path, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    # No letter the dashboard binds (b e g m q r s): a key that lands on the dashboard
    # while the dialog is still opening does nothing there.
    text = "Hi Alan, touch down at UTC noon"
    fresh = datetime.now(timezone.utc)  # the dashboard runs on the real clock: live sessions
    session(collective, "session-web-1", "web view build", fresh, count=7)
    session(collective, "session-web-2", "sync through git", fresh, count=3)
    with serving(str(collective)) as (url, _process), sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", _local_only)
            page.goto(url, timeout=30_000)
            page.wait_for_selector("body.-first-byte", state="attached", timeout=60_000)
            _wait_until_drawn(page)
            sent = _send_broadcast(page, collective, text, tmp_path)
            shot = tmp_path / "web-dashboard.png"
            page.screenshot(path=str(shot))
            data = shot.read_bytes()
            colours = page.evaluate(_COUNT_COLOURS, base64.b64encode(data).decode())
            page.keyboard.press("Control+q")
        finally:
            browser.close()
    assert sent["subject"] == "Hi Alan"
    assert sent["from"] == "coordinator"
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert colours > 16, f"the screenshot {shot} is nearly blank ({colours} colours)"
    if os.environ.get("KEEP_SCREENSHOT"):  # to look at it: KEEP_SCREENSHOT=/tmp/web.png pytest
        Path(os.environ["KEEP_SCREENSHOT"]).write_bytes(data)


def _local_only(route) -> None:  # type: ignore[no-untyped-def]
    """The page asks for a web font from the internet: only loopback is answered."""
    if route.request.url.startswith("http://127.0.0.1"):
        route.continue_()
    else:
        route.abort()


def _colours(page) -> int:  # type: ignore[no-untyped-def]
    shot = page.screenshot()
    return int(page.evaluate(_COUNT_COLOURS, base64.b64encode(shot).decode()))


def _wait_until_drawn(page) -> None:  # type: ignore[no-untyped-def]
    """The first byte is the terminal set-up; the dashboard is up once the canvas shows
    many colours (its tables and borders), not the one of an empty terminal."""
    for _poll in range(150):
        if _colours(page) > 16:
            page.wait_for_timeout(500)
            return
        page.wait_for_timeout(200)
    raise AssertionError("the dashboard was never drawn in the browser")


def _send_broadcast(page, folder: Path, text: str, shots: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Press b, type, ctrl+s; retried (escape first) while the dashboard is still starting,
    until the broadcast file appears."""
    for attempt in range(10):
        page.locator("textarea.xterm-helper-textarea").first.focus()  # xterm's key input
        page.keyboard.press("b")
        page.wait_for_timeout(1500)  # the dialog mounts and takes the focus
        page.keyboard.type("Hi Alan")
        page.keyboard.press("Tab")
        page.wait_for_timeout(700)  # focus moves through Textual's queue: keys may overtake it
        page.keyboard.type(text)
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / f"attempt-{attempt}.png"))  # kept for a failure
        page.keyboard.press("Control+s")
        for _poll in range(25):
            found = _broadcasts_saying(folder, text)
            if found:
                return found[0]
            page.wait_for_timeout(200)
        for _key in range(3):
            page.keyboard.press("Escape")
    raise AssertionError(f"no broadcast file after 10 tries in the browser; see {shots}")
