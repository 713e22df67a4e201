"""``coordinator-tui serve``: refuses what it must, answers only the token, works in a browser.

Every server here listens on 127.0.0.1 on a free port, runs in its own process
group, and is killed (group and all, dashboards included) when the test ends.
The access checks are tested twice: in process, on textual-serve's own aiohttp
application with aiohttp's test client, and end to end on ``serve`` itself. The
browser test drives Debian's Chromium through Playwright, logged in with the URL
``serve`` prints; the page draws the terminal on a canvas, so it checks effects:
the broadcast typed in the browser appears as a file, the screenshot is a PNG with
many colours, and a second browser without the token gets a 403 page and no
dashboard.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import http.cookiejar
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.commands.serve import dashboard_command
from coordinator_tui.settings import Settings
from coordinator_tui.tui.keys import KEYS, WRITING, help_lines
from coordinator_tui.tui.serve import REFUSED, access_for, guarded_server
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
LOGIN = re.compile(r"open (http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _opener() -> urllib.request.OpenerDirector:
    """A client that keeps cookies, as a browser does."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


@contextlib.contextmanager
def serving(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``coordinator-tui serve ARGS`` on a free loopback port until the block ends; the
    login URL it printed (within ``START_TIMEOUT_S``)."""
    port = free_port()
    command = [sys.executable, "-m", "coordinator_tui", "serve", *args, "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        assert process.stdout is not None
        ready, _w, _x = select.select([process.stdout], [], [], START_TIMEOUT_S)
        assert ready, "serve printed no URL in time"
        printed = process.stdout.readline().decode()
        found = LOGIN.search(printed)
        assert found, f"no login URL in {printed!r}: {process.communicate()[1].decode()}"
        login = found.group(1)
        with _opener().open(login, timeout=30):  # printed once it answers: no retry needed
            pass
        yield login, process
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
    assert "a port is 1-65535" in capsys.readouterr().err  # arguments.between
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


def test_serve_answers_the_printed_url_and_refuses_the_rest(collective: Path) -> None:
    with serving(str(collective)) as (login, _process):
        base = login.split("?")[0]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base, timeout=10)
        with _opener().open(login, timeout=10) as response:
            status, page = response.status, response.read().decode()
    assert (refused.value.code, refused.value.read().decode()) == (403, REFUSED)
    assert status == 200
    assert "<div>coordinator-tui</div>" in page  # the start screen names the application
    port = base.rsplit(":", 1)[1].strip("/")
    assert f"ws://127.0.0.1:{port}/ws" in page
    assert "token" not in page  # the page never repeats the token


def test_serve_on_every_address_needs_a_public_url(collective: Path, capsys) -> None:
    assert main(["serve", str(collective), "--host", "0.0.0.0", "--public"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        "coordinator-tui: listening on 0.0.0.0 needs --public-url (the address browsers use): "
        "only it and loopback names are answered"
    )


def test_serve_public_says_who_controls_it(collective: Path) -> None:
    with serving(str(collective), "--public") as (_url, process):
        os.killpg(process.pid, signal.SIGTERM)
        _out, err = process.communicate(timeout=10)
    assert "anyone who reaches this port controls the dashboard" in err.decode()


# --- the access checks, in process, on textual-serve's own application ---

TOKEN = "the-test-token"


def _against_a_guarded_server(check, public_url: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Run ``check(client, access)`` against ``serve``'s aiohttp application on a free port
    (its dashboard command is ``true``: a WebSocket that gets through ends at once)."""
    from aiohttp.test_utils import TestClient, TestServer

    async def run() -> None:
        port = free_port()
        access = access_for(port, public_url or f"http://127.0.0.1:{port}", token=TOKEN)
        app = await guarded_server("true", "127.0.0.1", port, access)._make_app()
        async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
            await check(client, access)
        # textual-serve never closes a dashboard's stdin pipe: let it go while the loop runs.
        await asyncio.sleep(0.2)
        gc.collect()

    asyncio.run(run())


def _cookie(access) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Cookie": f"{access.cookie}={access.token}"}


def test_without_the_token_every_route_is_403_and_nothing_else() -> None:
    async def check(client, access) -> None:  # type: ignore[no-untyped-def]
        origin = {"Origin": f"http://127.0.0.1:{access.port}"}
        for path in ("/", "/static/js/textual.js", "/static/", "/download/x", "/?token=wrong"):
            response = await client.get(path, allow_redirects=False)
            assert (response.status, await response.text()) == (403, REFUSED), path
            assert "Set-Cookie" not in response.headers
        response = await client.get("/ws", headers={**origin, "Upgrade": "websocket"})
        assert (response.status, await response.text()) == (403, REFUSED)
        wrong = {"Cookie": f"{access.cookie}=not-the-token"}
        assert (await client.get("/", headers=wrong)).status == 403

    _against_a_guarded_server(check)


def test_the_token_url_sets_a_cookie_and_the_cookie_opens_the_page() -> None:
    async def check(client, access) -> None:  # type: ignore[no-untyped-def]
        login = await client.get(f"/?token={TOKEN}&fontsize=20", allow_redirects=False)
        assert login.status == 302
        assert login.headers["Location"] == "/?fontsize=20"  # the token leaves the address
        cookie = login.cookies[access.cookie]
        assert cookie.value == TOKEN
        assert (cookie["httponly"], cookie["samesite"], cookie["path"]) == (True, "Lax", "/")
        assert not cookie["secure"]  # plain http on loopback: a secure cookie would be dropped
        page = await client.get("/?fontsize=20", headers=_cookie(access))
        assert page.status == 200
        assert "<div>coordinator-tui</div>" in await page.text()
        assert page.headers["X-Frame-Options"] == "DENY"
        script = await client.get("/static/js/textual.js", headers=_cookie(access))
        assert script.status == 200

    _against_a_guarded_server(check)


def test_a_host_that_is_not_loopback_or_the_public_url_is_refused() -> None:
    async def check(client, access) -> None:  # type: ignore[no-untyped-def]
        for host in (f"attacker.example:{access.port}", "127.0.0.1:1", "localhost", ""):
            headers = {**_cookie(access), "Host": host}
            assert (await client.get("/", headers=headers)).status == 403, host
            login = await client.get(f"/?token={TOKEN}", headers={"Host": host})
            assert login.status == 403, host
        for host in (f"localhost:{access.port}", f"[::1]:{access.port}"):
            assert (await client.get("/", headers={**_cookie(access), "Host": host})).status == 200

    _against_a_guarded_server(check)


def test_a_websocket_from_another_origin_is_refused() -> None:
    from aiohttp import WSServerHandshakeError

    async def check(client, access) -> None:  # type: ignore[no-untyped-def]
        for origin in ("http://attacker.example", f"http://127.0.0.1:{access.port + 1}", "null"):
            with pytest.raises(WSServerHandshakeError) as refused:
                await client.ws_connect("/ws", headers={**_cookie(access), "Origin": origin})
            assert refused.value.status == 403, origin
        with pytest.raises(WSServerHandshakeError) as no_origin:
            await client.ws_connect("/ws", headers=_cookie(access))
        assert no_origin.value.status == 403
        with pytest.raises(WSServerHandshakeError) as no_token:
            await client.ws_connect("/ws", headers={"Origin": f"http://127.0.0.1:{access.port}"})
        assert no_token.value.status == 403
        own = {**_cookie(access), "Origin": f"http://localhost:{access.port}"}
        socket = await client.ws_connect("/ws", headers=own)  # the page's own origin
        await socket.close()
        page = await client.get(
            "/", headers={**_cookie(access), "Origin": "http://attacker.example"}
        )
        assert page.status == 403

    _against_a_guarded_server(check)


def test_behind_a_tls_proxy_the_public_url_is_answered() -> None:
    async def check(client, access) -> None:  # type: ignore[no-untyped-def]
        public = {"Host": "dash.example.com"}
        login = await client.get(f"/?token={TOKEN}", headers=public, allow_redirects=False)
        assert login.status == 302
        assert login.cookies[access.cookie]["secure"]  # set through the https address
        page = await client.get("/", headers={**public, **_cookie(access)})
        assert page.status == 200
        assert "wss://dash.example.com/ws" in await page.text()
        origin = {**public, **_cookie(access), "Origin": "https://dash.example.com"}
        socket = await client.ws_connect("/ws", headers=origin)
        await socket.close()
        plain = {**origin, "Origin": "http://dash.example.com"}
        assert (await client.get("/", headers=plain)).status == 403

    _against_a_guarded_server(check, public_url="https://dash.example.com")


def test_the_allowed_hosts_and_origins() -> None:
    access = access_for(8000, "https://Dash.Example.com:8443/", token="t")
    assert access.hosts == {
        "localhost:8000",
        "127.0.0.1:8000",
        "[::1]:8000",
        "dash.example.com:8443",
    }
    assert access.origins == {
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "http://[::1]:8000",
        "https://dash.example.com:8443",
    }
    assert access.login_url == "https://Dash.Example.com:8443/?token=t"
    assert len(access_for(8000, "http://127.0.0.1:8000").token) >= 40  # 32 random bytes
    assert access_for(8000, "http://x").token != access_for(8000, "http://x").token


# --- --read-only: no key that writes ---


def test_serve_read_only_starts_read_only_dashboards(tmp_path: Path) -> None:
    assert dashboard_command([tmp_path], poll=False, read_only=True).endswith(" --read-only")
    assert "--read-only" not in dashboard_command([tmp_path], poll=False)


def _drive(app, keys: str) -> tuple[set[str], set[str], str, list[str]]:  # type: ignore[no-untyped-def]
    """(bound actions shown, actions the palette offers, the screen after ``keys``, reports)."""
    from coordinator_tui.tui.palette import DashboardCommands

    async def run() -> tuple[set[str], set[str], str, list[str]]:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            shown = {active.binding.action for active in app.screen.active_bindings.values()}
            offered = {item.action for item in DashboardCommands(app.screen)._available()}
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            await app.workers.wait_for_complete()
            screen = type(app.screen).__name__
        return shown, offered, screen, sorted(path.name for path in root.glob("SPRINT_REPORT_*"))

    root = app.found[0].root
    return asyncio.run(run())


def test_a_read_only_dashboard_binds_and_offers_no_key_that_writes(collective: Path) -> None:
    from coordinator_tui.tui.app import create_app

    shown, offered, screen, reports = _drive(
        create_app(collective, Settings(), watch=False, read_only=True), "bmrSwX"
    )
    assert {"broadcast", "message", "report", "start_agent", "wake", "stop_agent"} == WRITING
    assert not shown & WRITING and not offered & WRITING
    assert {"filter", "help", "quit"} <= shown | offered
    assert (screen, reports) == ("ReadOnlyDashboardScreen", [])
    writing = {item.meaning for item in KEYS if item.writes}  # S is also the quality view's
    assert len(writing) == 6 and not writing & {meaning for _key, meaning in help_lines(True)}
    shown, offered, screen, _reports = _drive(create_app(collective, Settings(), watch=False), "b")
    assert shown >= WRITING and offered >= WRITING  # the same test sees them when they are there
    assert screen != "DashboardScreen"  # b opened the broadcast dialog


def test_a_read_only_dashboard_over_several_directories_binds_no_key_that_writes(
    tmp_path: Path,
) -> None:
    from coordinator_tui.tui.app import create_app
    from tests.collective import build_collective

    roots = [build_collective(tmp_path / name) for name in ("one", "two")]
    app = create_app(roots, Settings(), watch=False, read_only=True)
    shown, offered, screen, reports = _drive(app, "br")
    assert not (shown | offered) & WRITING
    assert (screen, reports) == ("ReadOnlyDashboardScreen", [])


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


ATTACKER_PAGE = """<html><body><script>
window.outcome = null;
const socket = new WebSocket("ws://127.0.0.1:PORT/ws?width=80&height=24");
socket.onopen = () => {
  window.outcome = "open";
  socket.send(JSON.stringify(["stdin", "b"]));
};
socket.onclose = () => { if (window.outcome === null) window.outcome = "refused"; };
</script></body></html>"""
"""A page on another site, open in the same browser, that tries to drive the dashboard."""


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: install Debian's (apt-get install chromium) and "
    "pip install playwright (the dev extra) to run the browser test",
)
def test_a_browser_logged_in_with_the_printed_url_sends_a_broadcast(
    collective: Path, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    # No letter the dashboard binds (b e g m q r s): a key that lands on the dashboard
    # while the dialog is still opening does nothing there.
    text = "Hi Alan, touch down at UTC noon"
    fresh = datetime.now(timezone.utc)  # the dashboard runs on the real clock: live sessions
    session(collective, "session-web-1", "web view build", fresh, count=7)
    session(collective, "session-web-2", "sync through git", fresh, count=3)
    with serving(str(collective)) as (login, _process), sync_api.sync_playwright() as playwright:
        base = login.split("?")[0]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            user = browser.new_context(viewport={"width": 1280, "height": 800})
            user.route("**/*", _local_only)
            page = user.new_page()
            page.goto(login, timeout=30_000)
            address = page.url
            page.wait_for_selector("body.-first-byte", state="attached", timeout=60_000)
            _wait_until_drawn(page)
            sent = _send_broadcast(page, collective, text, tmp_path)
            shot = tmp_path / "web-dashboard.png"
            page.screenshot(path=str(shot))
            data = shot.read_bytes()
            colours = page.evaluate(_COUNT_COLOURS, base64.b64encode(data).decode())
            # Another site in the same, logged-in browser tries the dashboard's socket.
            attacker = user.new_page()
            port = base.rsplit(":", 1)[1].strip("/")
            page_text = ATTACKER_PAGE.replace("PORT", port)
            attacker.route(
                "http://attacker.example/",
                lambda route: route.fulfill(status=200, content_type="text/html", body=page_text),
            )
            attacker.goto("http://attacker.example/", timeout=30_000)
            attacker.wait_for_function("window.outcome !== null", timeout=30_000)
            from_another_site = attacker.evaluate("window.outcome")
            page.keyboard.press("Control+q")
            # A second browser, without the token: refused, no dashboard.
            stranger = browser.new_context().new_page()
            refused = stranger.goto(base, timeout=30_000)
            assert refused is not None
            refused_status, refused_text = refused.status, stranger.inner_text("body")
            stranger.wait_for_timeout(1000)
            stranger_terminal = stranger.locator("canvas").count()
        finally:
            browser.close()
    assert address == base  # the token left the address bar
    assert sent["subject"] == "Hi Alan"
    assert sent["from"] == "coordinator"
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert colours > 16, f"the screenshot {shot} is nearly blank ({colours} colours)"
    assert from_another_site == "refused"
    assert (refused_status, refused_text.strip(), stranger_terminal) == (403, REFUSED.strip(), 0)
    if os.environ.get("KEEP_SCREENSHOT"):  # to look at it: KEEP_SCREENSHOT=/tmp/web.png pytest
        Path(os.environ["KEEP_SCREENSHOT"]).write_bytes(data)


def _local_only(route) -> None:  # type: ignore[no-untyped-def]
    """The page asks for a web font from the internet: only loopback is answered (and the
    attacker's page, which its own route serves)."""
    if route.request.url.startswith("http://127.0.0.1"):
        route.continue_()
    elif route.request.url.startswith("http://attacker.example/"):
        route.fallback()
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
