"""The approval core: the private folder, requests, decisions and their checks, the
inbox reader and the audit log (rules and words are in test_approvals_rules.py)."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from coordinator_tui.approvals import audit, decisions, ids, requests
from coordinator_tui.approvals.decisions import Decision, Refused
from coordinator_tui.approvals.ids import key_of
from coordinator_tui.approvals.inbox import Inbox, NotFound, answer
from coordinator_tui.approvals.state import Place, StateError, open_state, places
from coordinator_tui.files.config_file import config_file, user_state_folder
from tests.approvals.kit import decision_document, make, pending, place_for


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "coordination"
    folder.mkdir()
    return folder


# --- the private folder -----------------------------------------------------------------


def test_state_folder_follows_xdg_then_home() -> None:
    assert user_state_folder({"XDG_STATE_HOME": "/x/state", "HOME": "/h"}) == (
        "/x/state/coordinator-tui"
    )
    assert user_state_folder({"XDG_STATE_HOME": "relative", "HOME": "/h"}) == (
        "/h/.local/state/coordinator-tui"
    )
    assert config_file({"XDG_CONFIG_HOME": "/h/.config"}) == (
        "/h/.config/coordinator-tui/config.toml",
        False,
    )
    assert config_file({"COORDINATOR_TUI_CONFIG": "/c.toml"}) == ("/c.toml", True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the rule written out is Linux's")
@pytest.mark.parametrize("xdg", [None, "", "relative/state", "/somewhere/state"])
def test_the_state_folder_is_the_one_platformdirs_names(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None
) -> None:
    import platformdirs

    if xdg is None:
        monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_STATE_HOME", xdg)
    assert user_state_folder() == platformdirs.user_state_dir("coordinator-tui", appauthor=False)


def test_state_folder_is_made_private_and_closed_when_open(tmp_path: Path) -> None:
    made = open_state(str(tmp_path / "deep" / "state"))
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
    os.chmod(made, 0o755)
    open_state(made)
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700


def test_state_folder_that_is_a_link_or_not_ours_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(StateError, match="link"):
        open_state(str(tmp_path / "link"))
    if os.geteuid() == 0:
        foreign = tmp_path / "foreign"
        foreign.mkdir(mode=0o700)
        os.chown(foreign, 12345, 12345)
        with pytest.raises(StateError, match="another user"):
            open_state(str(foreign))


def test_state_inside_the_coordination_directory_is_refused(root: Path) -> None:
    with pytest.raises(StateError, match="inside the coordination directory"):
        Place(open_state(str(root / ".state")), str(root))


def test_places_lists_each_directory_once_by_its_own_path(tmp_path: Path) -> None:
    state = open_state()
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        pending(Place(state, str(tmp_path / name)), make(Place(state, str(tmp_path / name))))
    assert sorted(place.root for place in places(state)) == [
        str((tmp_path / "a").resolve()),
        str((tmp_path / "b").resolve()),
    ]
    assert key_of("/x/my coord") != key_of("/y/my coord")
    assert key_of("/x/my coord").startswith("my_coord-")


# --- requests -------------------------------------------------------------------------


def test_digest_binds_tool_and_input_whatever_the_key_order() -> None:
    one = ids.digest("Bash", {"command": "ls", "description": "list"})
    assert one == ids.digest("Bash", {"description": "list", "command": "ls"})
    assert one != ids.digest("Bash", {"command": "ls ", "description": "list"})
    assert one != ids.digest("Write", {"command": "ls", "description": "list"})


def test_a_request_is_written_once_read_back_and_removed(root: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    with pytest.raises(FileExistsError):
        requests.write(place, request)
    assert requests.load(place, request.id) == request
    assert requests.pending(place) == [request]
    assert requests.remove(place, request.id) is True
    assert requests.remove(place, request.id) is False
    assert requests.pending(place) == []


def test_request_files_that_are_not_requests_are_problems_not_crashes(root: Path) -> None:
    place = place_for(root)
    good = pending(place, make(place))
    folder = Path(place.pending)
    (folder / "junk.json").write_text("{not json")
    (folder / "aaaaaaaaaaaaaaaaaaaa.json").write_text(json.dumps({"id": "b" * 20}))
    (folder / ("c" * 20 + ".json")).write_text(json.dumps({"id": "x"}))
    os.mkfifo(folder / "fifo.json")
    found, problems = requests.read_all(place)
    assert found == [good]
    reasons = {Path(path).name: why for path, why in problems}
    assert set(reasons) == {
        "junk.json",
        "aaaaaaaaaaaaaaaaaaaa.json",
        "c" * 20 + ".json",
        "fifo.json",
    }
    assert "not JSON" in reasons["junk.json"]
    assert "regular" in reasons["fifo.json"]


def test_a_request_is_gone_when_its_wait_is_over_or_its_hook_is_dead(root: Path) -> None:
    place = place_for(root)
    now = time.time()
    assert make(place, now=now).alive(now + 30)
    assert not make(place, now=now, wait_s=10).alive(now + 10 + requests.GRACE_S + 0.1)
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    assert not make(place, now=now, pid=dead, pid_start=None).alive(now)
    assert not make(place, now=now, pid_start=-1).alive(now)  # our pid, another start
    assert make(place, now=now, host="elsewhere", pid=dead).alive(now)


def test_long_inputs_are_clipped_in_the_file_not_in_the_digest() -> None:
    stored, clipped = requests.clip_input({"content": "x" * 300_000})
    assert clipped and len(stored["content"]) == requests.MAX_STRING_CHARS
    assert requests.clip_input({"command": "ls"}) == ({"command": "ls"}, False)
    assert requests.clip_input(["a"]) == ({"value": ["a"]}, False)


# --- decisions ----------------------------------------------------------------------------


def test_a_decision_is_taken_once(root: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    written = decisions.write(place, request, "deny", "not now", "cli", time.time())
    with pytest.raises(decisions.AlreadyAnswered):
        decisions.write(place, request, "allow", "", "dashboard", time.time())
    taken = decisions.take(place, request, time.time())
    assert taken == written and isinstance(taken, Decision)
    assert (taken.behavior, taken.message, taken.by) == ("deny", "not now", "cli")
    assert decisions.take(place, request, time.time()) is None


def _forge(place: Place, request_id: str, document: dict[str, object]) -> Path:
    folder = Path(place.folder("decisions"))
    path = folder / f"{request_id}.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"request_id": "f" * 20}, "another request"),
        ({"digest": "0" * 64}, "another tool or input"),
        ({"behavior": "maybe"}, "unknown"),
        ({"by": "agent"}, "unknown"),
        ({"decided_at": "now"}, "no time"),
        ({"decided_at": time.time() - 3600}, "not made while"),
    ],
)
def test_a_decision_for_anything_else_is_refused_and_removed(
    root: Path, changes: dict[str, object], reason: str
) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    path = _forge(place, request.id, decision_document(request, **changes))
    taken = decisions.take(place, request, time.time())
    assert isinstance(taken, Refused) and reason in taken.reason
    assert not path.exists()


def test_a_stale_decision_is_refused(root: Path) -> None:
    place = place_for(root)
    now = time.time()
    request = pending(place, make(place, now=now - 600, wait_s=3600))
    _forge(place, request.id, decision_document(request, decided_at=now - decisions.MAX_AGE_S - 5))
    taken = decisions.take(place, request, now)
    assert isinstance(taken, Refused) and "too old" in taken.reason


def test_a_decision_that_is_a_link_a_fifo_or_not_ours_is_refused(
    root: Path, tmp_path: Path
) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    outside = tmp_path / "forged.json"
    outside.write_text(json.dumps(decision_document(request)))
    link = Path(place.folder("decisions")) / f"{request.id}.json"
    link.symlink_to(outside)
    taken = decisions.take(place, request, time.time())
    assert isinstance(taken, Refused) and "link" in taken.reason
    assert not os.path.lexists(link) and outside.exists()

    os.mkfifo(link)
    taken = decisions.take(place, request, time.time())
    assert isinstance(taken, Refused) and "regular" in taken.reason

    if os.geteuid() == 0:
        path = _forge(place, request.id, decision_document(request))
        os.chown(path, 12345, 12345)
        taken = decisions.take(place, request, time.time())
        assert isinstance(taken, Refused) and "another user" in taken.reason


# --- the inbox reader -----------------------------------------------------------------------


def test_inbox_reads_oldest_first_and_notices_changes_cheaply(root: Path) -> None:
    place = place_for(root)
    inbox = Inbox([str(root)])
    now = time.time()
    assert inbox.changed(now) and inbox.read(now).requests == ()
    assert not inbox.changed(now)
    newer = pending(place, make(place, now=now - 1))
    older = pending(place, make(place, now=now - 5))
    assert inbox.changed(now)
    assert inbox.read(now).requests == (older, newer)
    assert not inbox.changed(now)
    assert inbox.changed(now + 3)  # RECHECK_S: a killed hook shows only by its pid


def test_inbox_sweeps_what_a_dead_hook_left_and_audits_it(root: Path) -> None:
    place = place_for(root)
    now = time.time()
    over = pending(place, make(place, now=now - 100, wait_s=10))
    inbox = Inbox([str(root)])
    assert inbox.read(now).requests == ()
    assert not os.path.exists(place.pending_path(over.id))
    (line,) = audit.read(place)
    assert (line["event"], line["by"], line["id"]) == ("ended", "timeout", over.id)


def test_find_takes_a_unique_prefix(root: Path) -> None:
    place = place_for(root)
    one = pending(place, make(place, id="abcd1" + "0" * 15))
    pending(place, make(place, id="abcd2" + "0" * 15))
    inbox = Inbox([str(root)])
    assert inbox.find("ABCD1").id == one.id
    with pytest.raises(NotFound, match="names 2"):
        inbox.find("abcd")
    with pytest.raises(NotFound, match="at least"):
        inbox.find("ab")
    with pytest.raises(NotFound, match="no request"):
        inbox.find("ffff")


def test_answer_writes_the_decision_and_audits_who(root: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    inbox = Inbox(None)
    assert [p.root for p in inbox.places] == [place.root]
    answer(inbox, request, "allow", "", "dashboard")
    assert decisions.exists(place, request.id)
    (line,) = audit.read(place)
    assert (line["event"], line["by"], line["behavior"]) == ("decided", "dashboard", "allow")
    shown = pending(place, make(place, answerable=False, note="answer in the pane"))
    with pytest.raises(ValueError, match="pane"):
        answer(inbox, shown, "allow", "", "cli")


def test_audit_log_is_never_written_through_a_link(root: Path, tmp_path: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    target = tmp_path / "elsewhere.log"
    target.write_text("")
    Path(place.audit).symlink_to(target)
    assert audit.record(place, "request", request) is False
    assert target.read_text() == ""
