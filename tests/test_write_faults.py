"""Write faults (issue 5): a full disk, a refused folder, ``kill -9``, 200 writers, a torn rewrite.

Every failure must be a clear one-line error (exit 1 for the CLI) that leaves
no partial or temporary file behind; a report interrupted by ``kill -9`` is the
old report or the new one; 200 simultaneous senders give 200 distinct valid
files; and a writer rewriting session files in place never makes a session
vanish from the analysis or show as an error while the grace period applies.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.analysis import analyse
from coordinator_tui.files import fsio
from coordinator_tui.files.layout import classify
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.write.messages import Draft, write_message
from tests.collective import NOW

REPO = Path(__file__).resolve().parents[1]
CHILD_ENV = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8:strict"}


def every_file(folder: Path) -> list[Path]:
    """Every file below ``folder``, hidden temporary files included."""
    return sorted(p for p in folder.rglob("*") if not p.is_dir())


def run_cli(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "coordinator_tui", *argv],
        capture_output=True,
        text=True,
        env=CHILD_ENV,
        timeout=60,
        **kwargs,
    )


def send_args(root: Path, body: str = "hello") -> list[str]:
    return ["send", str(root), "--to", "broadcast", "--subject", "s", "--message", body]


# --- disk full ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["write", "fsync"])
def test_write_message_disk_full_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "write":
        real_write = os.write

        def write_then_fill(fd: int, data: Any) -> int:
            real_write(fd, bytes(data[:10]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(fsio.os, "write", write_then_fill)
    else:

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(fsio.os, "fsync", full)
    with pytest.raises(OSError) as raised:
        write_message(tmp_path, Draft(to="broadcast", subject="s", body="x" * 5000), NOW)
    assert raised.value.errno == errno.ENOSPC
    assert every_file(tmp_path) == []


@contextlib.contextmanager
def tiny_tmpfs() -> Iterator[Path]:
    """A 64 KiB tmpfs, when this user may mount one (root in a container); else skip."""
    mount_point = Path(tempfile.mkdtemp(prefix="coordinator-tmpfs-"))
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        mounted = None
    if mounted is None or mounted.returncode != 0:
        mount_point.rmdir()
        pytest.skip("cannot mount a tmpfs here (needs root); the monkeypatched test covers it")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True, timeout=10)
        mount_point.rmdir()


def _fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_send_on_a_really_full_disk(tmp_path: Path) -> None:
    with tiny_tmpfs() as disk:
        root = disk / "coordination"
        (root / "messages" / "broadcast").mkdir(parents=True)
        _fill(disk)
        before = every_file(disk)
        with pytest.raises(OSError) as raised:
            write_message(root, Draft(to="broadcast", subject="s", body="x" * 20_000), NOW)
        assert raised.value.errno == errno.ENOSPC
        result = run_cli(*send_args(root, "y" * 20_000))
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.startswith("coordinator-tui: could not write the message")
        assert result.stderr.count("\n") == 1 and "No space left on device" in result.stderr
        assert every_file(disk) == before


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead


def test_send_refused_by_the_kernel_mid_write(tmp_path: Path) -> None:
    """A real failed write(2) (EFBIG past RLIMIT_FSIZE), without root or mocks."""
    result = run_cli(*send_args(tmp_path, "z" * 50_000), preexec_fn=_limit_file_size)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("coordinator-tui: could not write the message")
    assert result.stderr.count("\n") == 1 and "File too large" in result.stderr
    assert every_file(tmp_path) == []


# --- permission denied ----------------------------------------------------------------------


def _without_root_powers() -> list[str]:
    """A command prefix under which permissions apply: root ignores them unless its
    capabilities to override them are dropped."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: permissions cannot be enforced")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def test_send_permission_denied_is_exit_1(tmp_path: Path) -> None:
    root = tmp_path / "coordination"
    folder = root / "messages" / "broadcast"
    folder.mkdir(parents=True)
    for path in (root, root / "messages", folder):
        path.chmod(0o555)
    try:
        result = subprocess.run(
            [*_without_root_powers(), sys.executable, "-m", "coordinator_tui", *send_args(root)],
            capture_output=True,
            text=True,
            env=CHILD_ENV,
            timeout=60,
        )
    finally:
        for path in (root, root / "messages", folder):
            path.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("coordinator-tui: could not write the message")
    assert result.stderr.count("\n") == 1 and "Permission denied" in result.stderr
    assert every_file(root) == []


def test_an_unreadable_folder_is_listed_by_status(tmp_path: Path) -> None:
    """A folder the reader may not list is an error with its reason, with real permissions
    (the store's own test fakes ``os.scandir``)."""
    root = tmp_path / "coordination"
    for name in ("session-1", "session-2"):
        (root / "sessions").mkdir(parents=True, exist_ok=True)
        (root / "sessions" / f"{name}.json").write_text(json.dumps({"session_id": name}))
    (root / "claims").mkdir()
    (root / "claims" / "x.claim").write_text("{}")
    (root / "claims").chmod(0)
    command = [sys.executable, "-m", "coordinator_tui", "status", str(root), "--json"]
    try:
        result = subprocess.run(
            [*_without_root_powers(), *command],
            capture_output=True,
            text=True,
            env=CHILD_ENV,
            timeout=60,
        )
    finally:
        (root / "claims").chmod(0o755)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == [
        {
            "path": "claims",
            "reason": "folder not listed: Permission denied",
            "kind": "folder",
            "severity": "error",
        }
    ]
    assert document["files"]["sessions"]["read"] == 2


def test_write_message_permission_denied_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(fsio.os, "link", refuse)  # the temp file exists; naming it fails
    with pytest.raises(PermissionError):
        write_message(tmp_path, Draft(to="session-1", subject="s", body="b"), NOW)
    assert every_file(tmp_path) == []


# --- kill -9 during a report write ----------------------------------------------------------

_REPORT_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from coordinator_tui.files.fsio import replace_file

    path = Path(sys.argv[1])
    version = int(sys.argv[2])
    while True:
        version += 1
        body = (f"line {version}\\n" * (40_000 + version % 7)).encode()
        data = b"BEGIN %d %d\\n" % (version, len(body)) + body + b"END %d\\n" % version
        replace_file(path.parent, path.name, data)
        print(version, flush=True)
    """
)


def _check_report(data: bytes) -> int:
    """The version a complete report holds; fails on anything partial."""
    head, _, rest = data.partition(b"\n")
    begin, version, length = head.split(b" ")
    assert begin == b"BEGIN"
    body, end = rest[: int(length)], rest[int(length) :]
    assert end == b"END %d\n" % int(version)
    assert body == b"line %d\n" % int(version) * (len(body) // len(b"line %d\n" % int(version)))
    return int(version)


def test_kill_9_during_report_writes_leaves_old_or_new(tmp_path: Path) -> None:
    report = tmp_path / "SPRINT_REPORT.md"
    rng = random.Random(5)
    seen: set[int] = set()
    version = 0
    for _ in range(25):
        writer = subprocess.Popen(
            [sys.executable, "-c", _REPORT_WRITER, str(report), str(version)],
            stdout=subprocess.PIPE,
            env=CHILD_ENV,
        )
        assert writer.stdout is not None
        writer.stdout.readline()  # one report written: the writer is in its loop
        time.sleep(rng.uniform(0, 0.05))  # a random moment in the middle of later writes
        writer.kill()
        writer.wait(timeout=10)
        writer.stdout.close()
        version = _check_report(report.read_bytes())
        seen.add(version)
    assert len(seen) >= 10  # the kills landed at different moments
    visible = [p.name for p in every_file(tmp_path) if not p.name.startswith(".")]
    assert visible == ["SPRINT_REPORT.md"]
    # Leftover temporary files (a kill between create and rename) are hidden and ignored.
    assert all(classify(f"sessions/{p.name}") is None for p in every_file(tmp_path))


# --- 200 senders at once --------------------------------------------------------------------

_FORK_SENDERS = textwrap.dedent(
    """
    import json, os, sys
    from coordinator_tui.cli import main

    root, count = sys.argv[1], int(sys.argv[2])
    gate_read, gate_write = os.pipe()
    children = []
    for index in range(count):
        pid = os.fork()
        if pid == 0:
            os.close(gate_write)
            os.read(gate_read, 1)  # every child waits here until the gate opens
            code = main(["send", root, "--to", "broadcast", "--subject", f"s{index}",
                         "--message", f"message {index}", "--from", "session-9",
                         "--now", "2025-11-15T20:00:00Z"])
            sys.stdout.flush()
            os._exit(code)
        children.append(pid)
    os.close(gate_write)  # open the gate: all senders start at once
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    print(json.dumps(codes), file=sys.stderr)
    """
)


def test_200_senders_at_once_give_200_distinct_valid_files(tmp_path: Path) -> None:
    """200 processes running ``send`` at the same instant, all with the same file name."""
    result = subprocess.run(
        [sys.executable, "-c", _FORK_SENDERS, str(tmp_path), "200"],
        capture_output=True,
        text=True,
        env=CHILD_ENV,
        timeout=120,
    )
    codes = json.loads(result.stderr.strip().splitlines()[-1])
    assert codes == [0] * 200
    # Paths only: children's lines may interleave on the shared pipe.
    printed = sorted(re.findall(r"/\S+?\.json", result.stdout))
    files = every_file(tmp_path)
    assert sorted(str(p) for p in files) == printed
    assert len(set(printed)) == 200
    bodies = sorted(json.loads(p.read_text(encoding="utf-8"))["message"] for p in files)
    assert bodies == sorted(f"message {index}" for index in range(200))
    assert all(not p.name.startswith(".") for p in files)


# --- a non-atomic rewriter racing the store -------------------------------------------------

_REWRITER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    folder, count = Path(sys.argv[1]), int(sys.argv[2])
    stop = folder.parent / "stop"
    round_ = 0
    while not stop.exists():
        round_ += 1
        for index in range(count):
            text = json.dumps({
                "session_id": f"session-{index}",
                "status": "active",
                "current_work": f"work {index} " + "detail " * 40,
                "capabilities": ["build", "docs"],
                "last_heartbeat": sys.argv[3],
                "heartbeat_count": round_,
            }, indent=2)
            with open(folder / f"session-{index}.json", "w") as handle:  # truncates first
                handle.write(text[: len(text) // 2])
                handle.flush()  # a torn state that readers can see
                handle.write(text[len(text) // 2 :])
        if round_ == 1:
            print("started", flush=True)
    """
)


def test_non_atomic_rewriter_never_makes_a_session_flicker(tmp_path: Path) -> None:
    root = tmp_path / "coordination"
    folder = root / "sessions"
    folder.mkdir(parents=True)
    count = 12
    beat = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for index in range(count):
        (folder / f"session-{index}.json").write_text(
            json.dumps({"session_id": f"session-{index}", "last_heartbeat": beat})
        )
    store = Store(root, Settings())
    store.scan()
    expected = {f"sessions/session-{index}.json" for index in range(count)}
    writer = subprocess.Popen(
        [sys.executable, "-c", _REWRITER, str(folder), str(count), beat],
        stdout=subprocess.PIPE,
        env=CHILD_ENV,
    )
    assert writer.stdout is not None
    torn_reads = 0
    rounds = 0
    try:
        assert writer.stdout.readline() == b"started\n"
        paths = sorted(expected)
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline or (torn_reads == 0 and rounds < 20_000):
            rounds += 1
            store.apply(paths)
            if rounds % 50 == 0:
                store.scan()
            analysis = analyse(store.snapshot(), datetime.now(timezone.utc), store.settings)
            assert {view.key for view in analysis.sessions} == expected
            assert [e for e in analysis.errors if e.path in expected] == []
            torn_reads += sum(view.kept_last_good for view in analysis.sessions)
    finally:
        (root / "stop").touch()
        writer.wait(timeout=30)
        writer.stdout.close()
    assert writer.returncode == 0
    assert torn_reads > 0, "the race was never hit: the test proved nothing"
    store.apply(sorted(expected))
    settled = analyse(store.snapshot(), datetime.now(timezone.utc), store.settings)
    assert not any(view.kept_last_good for view in settled.sessions)
    assert all(view.session.current_work for view in settled.sessions)


# --- what is written can be read by the other sessions ----------------------------------------


def test_written_files_get_the_mode_open_would_give(tmp_path: Path) -> None:
    # Core fix: mkstemp's 0600 used to stay on every message and report, so sessions
    # running as other users could not read a broadcast in a shared directory.
    reference = tmp_path / "reference"
    reference.write_text("x")
    expected = reference.stat().st_mode & 0o777
    message = write_message(tmp_path, Draft(to="broadcast", subject="s", body="b"), NOW)
    report = Path(fsio.replace_file(tmp_path, "SPRINT_REPORT.md", b"# report\n"))
    assert message.stat().st_mode & 0o777 == expected
    assert report.stat().st_mode & 0o777 == expected


_UMASK_PROBE = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path

    os.umask(0o027)
    calls = []
    real_umask = os.umask

    def spy(mask):
        calls.append(mask)
        return real_umask(mask)

    os.umask = spy
    import coordinator_tui.cli
    import coordinator_tui.write.messages
    from coordinator_tui.files import fsio

    path = Path(fsio.replace_file(sys.argv[1], "report.md", b"x"))
    os.umask = real_umask
    after = os.umask(0o027)
    print(json.dumps({"calls": calls, "mode": path.stat().st_mode & 0o777, "umask_after": after}))
    """
)


def test_the_umask_is_never_read_or_changed(tmp_path: Path) -> None:
    """Files are made with mode 0666 and the kernel takes the umask off, as ``open()``
    does: no process-wide state is read or set, at import or at a write."""
    result = subprocess.run(
        [sys.executable, "-c", _UMASK_PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        env=CHILD_ENV,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == {"calls": [], "mode": 0o640, "umask_after": 0o027}
