"""The hook runner: ``python -I -m coordinator_tui.agents.hook --dir DIR --agent KIND``.

Claude Code, Codex and Gemini CLI run this on every prompt and tool call, so its
import path is the standard library plus ``agents/`` (no Textual, rich,
store or settings) and it reads only the files an event needs — never the whole
directory. It must never break the agent: whatever goes wrong (bad stdin, a
missing or read-only directory, a full disk) it exits 0 with nothing on stdout and
one line in ``DIR/.coordinator/hooks.log``. The only refusal it ever makes is a
PreToolUse ``deny`` the installer configured, and that goes out as JSON, exit 0.

Output shapes are the ones each agent documents (``../shared/AGENTS.md``):
``hookSpecificOutput.additionalContext`` for context, ``permissionDecision`` for
Claude/Codex PreToolUse, ``decision``/``reason`` for Gemini BeforeTool.
"""

from __future__ import annotations

import json
import os
import sys
import time

from coordinator_tui.agents import claims, client, context, launched, receipts, usage_fields
from coordinator_tui.agents.inbox import Inbox
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


class Options:
    """The installed command line, parsed by hand (argparse costs milliseconds)."""

    def __init__(self, argv: list[str]) -> None:
        self.root = ""
        self.agent = "claude"
        self.conflict = "ask"
        self.event = ""
        self.payload_arg: str | None = None
        values = iter(argv)
        for word in values:
            if word in ("--dir", "--agent", "--conflict", "--event"):
                setattr(self, "root" if word == "--dir" else word[2:], next(values, ""))
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
    ``apply_patch`` body."""
    if not isinstance(tool_input, dict):
        return []
    paths = [tool_input[key] for key in PATH_KEYS if isinstance(tool_input.get(key), str)]
    for value in tool_input.values():
        if isinstance(value, str) and "*** " in value:
            for line in value.splitlines():
                for marker in PATCH_MARKERS:
                    if line.startswith(marker) and line[len(marker) :].strip():
                        paths.append(line[len(marker) :].strip())
    return [path for path in paths if path]


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
        self.shown: list[dict] = []
        """The messages this event put into the context (``receipts``)."""
        cwd = payload.get("cwd")
        self.cwd: str = cwd if isinstance(cwd, str) and os.path.isabs(cwd) else os.getcwd()

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
            "PermissionRequest": self.waiting,
            "Notification": self.notification,
            "Stop": self.idle,
            "SessionEnd": self.session_end,
            "notify": self.codex_turn,
        }.get(self.event)
        return handler() if handler is not None else None

    def _beat(self, **changes: Any) -> None:
        client.beat(self.root, self.sid, now=self.now, agent=self.options.agent, **changes)

    def session_start(self) -> dict[str, Any] | None:
        place = client.environment(self.cwd)
        client.start(self.root, self.sid, self.options.agent, place=place, now=self.now)
        inbox = Inbox(self.root, self.sid, self.now)
        unread = inbox.unread()
        text, shown = context.start_context(self.root, self.sid, unread, self.now)
        self._deliver(inbox, unread, shown)
        return context_output(self.reply_event, text)

    def _deliver(self, inbox: Inbox, unread: list[dict], shown: list[dict]) -> None:
        self.shown = shown
        inbox.mark(shown, everything=len(shown) == len(unread))
        inbox.save()

    def prompt(self) -> dict[str, Any] | None:
        work = client.one_line(self.payload.get("prompt"))
        self._beat(work=work, state="working", source=client.SET_BY_PROMPT)
        return self._messages(urgent_only=False, title="New messages")

    def _messages(self, urgent_only: bool, title: str) -> dict[str, Any] | None:
        inbox = Inbox(self.root, self.sid, self.now)
        unread = inbox.unread(urgent_only=urgent_only)
        text, shown = context.messages_context(unread, title)
        self._deliver(inbox, unread, shown)
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
            f"{context.clean(path, 200)} is claimed by session {context.clean(holder, 80)}"
            + (f" (working on: {context.clean(work, 120)})" if work else "")
            + f" — claim {context.clean(claim.get('resource_name'), 200)}"
            f" until {context.clean(claim.get('expires_at'), 40)}."
            " Coordinate with that session before editing."
        )
        if self.options.agent == "gemini":
            if self.options.conflict == "deny":
                return {"decision": "deny", "reason": reason}
            return {"systemMessage": reason}
        return {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": self.options.conflict,
                "permissionDecisionReason": reason,
            }
        }

    def post_tool(self) -> dict[str, Any] | None:
        self._beat(state="working", throttle_s=BEAT_THROTTLE_S)
        return self._messages(urgent_only=True, title="Urgent direct messages")

    def waiting(self) -> None:
        self._beat(state="waiting")

    def notification(self) -> None:
        kind = self.payload.get("notification_type")
        if kind in WAITING_NOTICES:
            self._beat(state="waiting")
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
        usage_fields.record(root, payload)  # where its transcript is, for what it costs
    except Exception as error:  # the agent must never see a failure of ours
        return _fail(root, f"{type(error).__name__}: {error}")
    if output is not None:
        try:
            sys.stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        except (OSError, ValueError) as error:
            return _fail(root, f"could not write the reply: {error}")
    try:
        receipts.note(root, runner.sid, event, runner.shown, runner.now)
    except (OSError, ValueError) as error:  # the reply is out; only the receipt is lost
        return _fail(root, f"receipt not recorded: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
