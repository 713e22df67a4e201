"""The hook runner: ``python -I -m coordinator_tui.agents.hook --dir DIR --agent KIND``.

Claude Code, Codex and Gemini CLI run this on every prompt and tool call, so its
import path is the standard library plus ``agents/`` (no Textual, rich,
store or settings) and it reads only the files an event needs — never the whole
directory. It must never break the agent: whatever goes wrong (bad stdin, a
missing or read-only directory, a full disk) it exits 0 with nothing on stdout and
one line in ``DIR/.coordinator/hooks.log``. The only refusal it ever makes is a
PreToolUse ``ask`` or ``deny`` for a path another live session claimed, and that goes
out as JSON, exit 0. Messages are marked delivered only once the reply is written.

Output shapes are the ones each agent documents (``../shared/AGENTS.md``):
``hookSpecificOutput.additionalContext`` for context, ``permissionDecision`` for
Claude/Codex PreToolUse, ``decision``/``reason`` for Gemini BeforeTool.
"""

from __future__ import annotations

import json
import os
import sys
import time

from coordinator_tui.agents import (
    approvals,
    claims,
    client,
    context,
    launched,
    receipts,
    usage_fields,
    watch,
)
from coordinator_tui.agents.inbox import Inbox, Lock
from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

AGENTS = ("claude", "codex", "gemini")
BEAT_THROTTLE_S = 30.0
MAX_STDIN = 4 << 20
# Gemini's names for the events, mapped onto Claude's.
GEMINI_EVENTS = {
    "BeforeAgent": "UserPromptSubmit",
    "AfterAgent": "Stop",
    "BeforeTool": "PreToolUse",
    "AfterTool": "PostToolUse",
}
WAITING_NOTICES = ("permission_prompt", "elicitation_dialog", "ToolPermission")
PATH_KEYS = ("file_path", "notebook_path", "path", "absolute_path")
PATCH_MARKERS = ("*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: ")
HOOK_CONTEXT = ("<hook_context>", "</hook_context>")
CANNOT_ASK = ("codex", "gemini")
"""Agents where the default ``ask`` is a ``deny``: Codex has no ``ask`` in PreToolUse
(its binary: "unsupported permissionDecision:ask"), so a claimed path would not be
protected; Gemini CLI 0.61's BeforeTool ``ask`` hangs a headless run (``gemini -p``)
waiting for a confirmation nobody can give."""
RESUME_DROPS_HISTORY = ("gemini",)
"""Agents whose ``--resume`` does not send the earlier turns back to the model (Gemini
CLI 0.61.0 drops the first prompt with our introduction): introduced again on resume."""


class Options:
    """The installed command line, parsed by hand (argparse costs milliseconds)."""

    def __init__(self, argv: list[str]) -> None:
        self.root = ""
        self.agent = "claude"
        self.conflict = "ask"
        self.event = ""
        self.payload_arg: str | None = None
        self.approval_wait: float | None = None
        values = iter(argv)
        for word in values:
            if word in ("--dir", "--agent", "--conflict", "--event"):
                setattr(self, "root" if word == "--dir" else word[2:], next(values, ""))
            elif word == "--approval-wait":
                self.approval_wait = float(next(values, "nan"))
            else:
                self.payload_arg = word
        if self.agent not in AGENTS or self.conflict not in ("ask", "deny"):
            raise ValueError(f"bad options: agent {self.agent!r}, conflict {self.conflict!r}")
        if not self.root or not os.path.isabs(self.root):
            raise ValueError(f"--dir must be an absolute path, got {self.root!r}")


def read_payload(options: Options) -> dict[str, Any]:
    """The event's JSON: Codex ``notify`` passes it as the last argument, hooks on stdin."""
    if options.payload_arg is not None:
        raw = options.payload_arg.encode("utf-8", "replace")
    else:
        raw = sys.stdin.buffer.read(MAX_STDIN + 1) if sys.stdin is not None else b""
        if len(raw) > MAX_STDIN:
            raise ValueError("stdin larger than 4 MiB")
    if not raw.strip():
        raise ValueError("empty input")
    payload = json.loads(raw.decode("utf-8", "replace"))
    if not isinstance(payload, dict):
        raise ValueError("input is not a JSON object")
    return payload


def event_of(options: Options, payload: dict[str, Any]) -> str:
    if options.event == "notify" or payload.get("type") == "agent-turn-complete":
        return "notify"
    name = str(payload.get("hook_event_name") or options.event)
    return GEMINI_EVENTS.get(name, name) if options.agent == "gemini" else name


def session_of(payload: dict[str, Any]) -> str:
    sid = payload.get("session_id") or payload.get("thread-id") or payload.get("thread_id")
    return client.check_id(sid)


def edited_paths(tool_input: object) -> list[str]:
    """Files an edit tool call would write: ``file_path`` & co, or the targets of a Codex
    ``apply_patch`` body (``tool_input.command``: a string, or an argv whose last word is
    the patch)."""
    if not isinstance(tool_input, dict):
        return []
    paths = [tool_input[key] for key in PATH_KEYS if isinstance(tool_input.get(key), str)]
    values = list(tool_input.values())
    values += [word for value in values if isinstance(value, list) for word in value]
    for value in values:
        if isinstance(value, str) and "*** " in value:
            for line in value.splitlines():
                for marker in PATCH_MARKERS:
                    if line.startswith(marker) and line[len(marker) :].strip():
                        paths.append(line[len(marker) :].strip())
    return [path for path in paths if path]


def user_prompt(text: object) -> str | None:
    """The person's prompt: Gemini puts the SessionStart context in front of it as
    ``<hook_context>…</hook_context>`` blocks, which are ours, not the work."""
    if not isinstance(text, str):
        return None
    rest = text.lstrip()
    while rest.startswith(HOOK_CONTEXT[0]):
        end = rest.find(HOOK_CONTEXT[1])
        if end < 0:
            return None
        rest = rest[end + len(HOOK_CONTEXT[1]) :].lstrip()
    return client.one_line(rest)


def context_output(event: str, text: str) -> dict[str, Any] | None:
    if not text:
        return None
    return {"hookSpecificOutput": {"hookEventName": event, "additionalContext": text}}


class Runner:
    """One event for one session: state written, context or decision returned."""

    def __init__(self, options: Options, payload: dict[str, Any], event: str) -> None:
        self.options = options
        self.payload = payload
        self.event = event
        self.root = options.root
        self.now = time.time()
        self.sid = launched.session_for(self.root, session_of(payload))
        cwd = payload.get("cwd")
        self.cwd: str = cwd if isinstance(cwd, str) and os.path.isabs(cwd) else os.getcwd()
        self._place: dict[str, Any] | None = None
        self._pending: tuple[Lock, Inbox, list[dict], bool] | None = None

    @property
    def place(self) -> dict[str, Any]:
        """Where the agent runs, its own process included (read once per event)."""
        if self._place is None:
            self._place = client.environment(self.cwd, agent=self.options.agent)
        return self._place

    @property
    def reply_event(self) -> str:
        """The event name the agent sent (Gemini's own names go back to Gemini)."""
        return str(self.payload.get("hook_event_name") or self.event)

    def run(self) -> dict[str, Any] | None:
        handler = {
            "SessionStart": self.session_start,
            "UserPromptSubmit": self.prompt,
            "PreToolUse": self.pre_tool,
            "PostToolUse": self.post_tool,
            "PermissionRequest": self.permission,
            "Notification": self.notification,
            "Stop": self.idle,
            "SessionEnd": self.session_end,
            "notify": self.codex_turn,
        }.get(self.event)
        approvals.on_event(
            self.root, self.options.agent, self.event, self.sid, self.cwd, self.payload, self.log
        )
        return handler() if handler is not None else None

    def log(self, text: str) -> None:
        fsio.log_line(self.root, text)

    def permission(self) -> dict[str, Any] | None:
        """Rules, then the approval inbox (``agents/approvals``); waiting while it asks."""
        return approvals.ask(
            self.root,
            self.options.agent,
            self.sid,
            self.cwd,
            self.payload,
            self.options.approval_wait,
            self.waiting,
            self.log,
        )

    def _beat(self, **changes: Any) -> dict[str, Any] | None:
        return client.beat(
            self.root, self.sid, now=self.now, agent=self.options.agent, place=self.place, **changes
        )

    def session_start(self) -> dict[str, Any] | None:
        """Register (or bring back) the session; introduce it unless this is a resume of a
        session already introduced (its transcript holds the introduction)."""
        resumed = (
            self.payload.get("source") == "resume"
            and self.options.agent not in RESUME_DROPS_HISTORY
            and client.load(self.root, self.sid) is not None
        )
        client.start(self.root, self.sid, self.options.agent, place=self.place, now=self.now)
        lock, inbox = self._open_inbox()
        unread = inbox.unread() if lock.held else []
        text, shown = context.start_context(
            self.root, self.sid, unread, self.now, introduce=not resumed
        )
        self._pending = (lock, inbox, shown, len(shown) == len(unread))
        return context_output(self.reply_event, text)

    def _open_inbox(self) -> tuple[Lock, Inbox]:
        """The session's inbox, read under its lock (held until ``delivered``)."""
        lock = Lock(self.root, self.sid)
        return lock, Inbox(self.root, self.sid, self.now)

    def delivered(self) -> None:
        """The reply is out: mark the messages it carried as read, then let go the lock;
        their receipts say so (and a turn's end marks what it delivered as acted on)."""
        shown: list[dict] = []
        if self._pending is not None:
            lock, inbox, carried, everything = self._pending
            self._pending = None
            try:
                if lock.held:
                    inbox.mark(carried, everything=everything)
                    inbox.save()
                    shown = carried
            finally:
                lock.release()
        receipts.note(self.root, self.sid, self.event, shown, self.now)

    def abandon(self) -> None:
        """The reply could not be written: nothing is marked, the lock goes."""
        if self._pending is not None:
            self._pending[0].release()
            self._pending = None

    def prompt(self) -> dict[str, Any] | None:
        work = user_prompt(self.payload.get("prompt"))
        self._beat(work=work, state="working", source=client.SET_BY_PROMPT)
        return self._messages(urgent_only=False, title="New messages")

    def _messages(self, urgent_only: bool, title: str) -> dict[str, Any] | None:
        lock, inbox = self._open_inbox()
        unread = inbox.unread(urgent_only=urgent_only) if lock.held else []
        text, shown = context.messages_context(unread, title)
        self._pending = (lock, inbox, shown, len(shown) == len(unread))
        return context_output(self.reply_event, text)

    def pre_tool(self) -> dict[str, Any] | None:
        paths = edited_paths(self.payload.get("tool_input"))
        hits = claims.path_conflicts(self.root, self.sid, paths, self.cwd, self.now)
        if not hits:
            return None
        claim, path = hits[0]
        holder = str(claim.get("claimed_by"))
        work = client.one_line((client.load(self.root, holder) or {}).get("current_work"), 120)
        reason = (
            "Coordination rule, not a failure: "
            f"{context.clean(path, 200)} is claimed by session {context.clean(holder, 80)}"
            + (f" (working on: {context.clean(work, 120)})" if work else "")
            + f" — claim {context.clean(claim.get('resource_name'), 200)}"
            f" until {context.clean(claim.get('expires_at'), 40)}."
            " Leave this file alone or coordinate with that session first."
        )
        decision = self.options.conflict
        if decision == "ask" and self.options.agent in CANNOT_ASK:
            decision = "deny"
        if self.options.agent == "gemini":
            return {"decision": decision, "reason": reason, "systemMessage": reason}
        return {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": decision,
                "permissionDecisionReason": reason,
            }
        }

    def post_tool(self) -> dict[str, Any] | None:
        self._beat(state="working", throttle_s=BEAT_THROTTLE_S)
        return self._messages(urgent_only=True, title="Urgent direct messages")

    def waiting(self) -> None:
        """Waiting for the person; a detached watcher of the transcript clears it when the
        request is answered or refused, if no later event does first."""
        document = self._beat(state="waiting")
        stamp = fsio.utc_stamp(self.now)
        if document is None or document.get("state_since") != stamp:
            return  # already waiting: its watcher runs
        transcript = self.payload.get("transcript_path")
        size = watch.transcript_size(transcript)
        if size is None:
            return
        place = self.place
        agent = (place["pid"], place["pid_start"]) if place.get("pid_start") else None
        tool_use = self.payload.get("tool_use_id")
        tool_use_id = tool_use if isinstance(tool_use, str) else None
        watch.spawn(
            watch.Wait(self.root, self.sid, stamp, str(transcript), size, agent, tool_use_id)
        )

    def notification(self) -> None:
        kind = self.payload.get("notification_type")
        if kind in WAITING_NOTICES:
            self.waiting()
        elif kind == "idle_prompt":
            self._beat(state="idle")

    def idle(self) -> None:
        self._beat(state="idle")

    def session_end(self) -> None:
        if client.end(self.root, self.sid, self.now) is not None:
            claims.release(self.root, self.sid)

    def codex_turn(self) -> None:
        inputs = self.payload.get("input-messages")
        last = inputs[-1] if isinstance(inputs, list) and inputs else None
        self._beat(work=client.one_line(last), state="idle", source=client.SET_BY_PROMPT)


def write_all(fd: int, data: bytes) -> None:
    """Every byte to ``fd`` (straight to the descriptor: a closed or broken stdout is an
    ``OSError`` here, not a failure at exit after the messages were marked read)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fail(root: str, what: str) -> int:
    """One log line, nothing on stdout, exit 0: the agent carries on."""
    if not (root and os.path.isabs(root) and os.path.isdir(root) and fsio.log_line(root, what)):
        try:
            sys.stderr.write(f"coordinator-tui hook: {what}\n")
        except (OSError, ValueError):
            return 0
    return 0


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    root = ""
    try:
        options = Options(words)
        root = options.root
        payload = read_payload(options)
        event = event_of(options, payload)
        if not os.path.isdir(root):
            return _fail(root, f"{event}: coordination directory {root} does not exist")
        runner = Runner(options, payload, event)
        output = runner.run()
        usage_fields.record(root, {**payload, "session_id": runner.sid})  # its transcript
    except Exception as error:  # the agent must never see a failure of ours
        return _fail(root, f"{type(error).__name__}: {error}")
    if output is not None:
        try:
            write_all(1, (json.dumps(output) + "\n").encode())  # ASCII: nothing breaks it
        except OSError as error:
            runner.abandon()
            return _fail(root, f"could not write the reply: {error}")
    try:
        runner.delivered()
    except Exception as error:  # the reply is out; only the read marks are lost
        return _fail(root, f"{type(error).__name__} marking messages read: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
