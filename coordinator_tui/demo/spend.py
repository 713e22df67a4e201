"""What the demo's sessions spend: small transcripts in each agent's own shape.

Each simulated session is given an agent (Claude Code, Codex or Gemini CLI, and one
model no price list knows, to show "price unknown") and a transcript in
``DIR/.transcripts/`` that its session file names, as the hooks record it. A working
session appends one model response per heartbeat; the initial collective gets a few
hours of past responses so every view has spend to show at once. Shapes are the ones
``usage.readers`` documents (a Claude response as two content-block lines with one id,
Codex's cumulative ``token_count``, Gemini's message appended again when it changes).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

FOLDER = ".transcripts"
AGENTS = (
    ("claude", "claude-sonnet-4-5"),
    ("codex", "gpt-5-codex"),
    ("claude", "claude-sonnet-4-5"),
    ("gemini", "gemini-2.5-pro"),
    ("claude", "claude-haiku-4-5"),
    ("claude", "house-model-1"),
)
"""Given out in turn; the last is a model no price list knows."""


class Spender:
    """The demo's transcripts; ``fields`` for a session file, ``respond`` to spend."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = Path(root)
        self.random = rng
        self._agents: dict[str, tuple[str, str]] = {}
        self._codex_totals: dict[str, list[int]] = {}
        self._count = 0

    def agent(self, session_id: str) -> tuple[str, str]:
        known = self._agents.get(session_id)
        if known is None:
            known = self._agents[session_id] = AGENTS[len(self._agents) % len(AGENTS)]
        return known

    def path(self, session_id: str) -> Path:
        return (self.root / FOLDER / f"{session_id}.jsonl").absolute()

    def fields(self, session_id: str) -> dict[str, Any]:
        """What the hooks would have recorded in the session's file."""
        agent, model = self.agent(session_id)
        return {"agent": agent, "transcript_path": str(self.path(session_id)), "model": model}

    def respond(self, session_id: str, now: datetime) -> None:
        """One model response, appended to the session's transcript."""
        agent, model = self.agent(session_id)
        self._count += 1
        context = self.random.randint(8_000, 120_000)
        fresh = self.random.randint(200, 4_000)
        output = self.random.randint(80, 2_500)
        lines = {
            "claude": self._claude,
            "codex": self._codex,
            "gemini": self._gemini,
        }[agent](session_id, model, now, context, fresh, output)
        path = self.path(session_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(json.dumps(line) + "\n" for line in lines))

    def history(self, session_id: str, now: datetime, hours: float) -> None:
        """Responses over the past ``hours`` (the collective was at work before the demo)."""
        moment = now - timedelta(hours=hours)
        while moment < now:
            self.respond(session_id, moment)
            moment += timedelta(minutes=self.random.randint(2, 9))

    def _claude(
        self, session: str, model: str, now: datetime, context: int, fresh: int, output: int
    ) -> list[dict[str, Any]]:
        usage = {
            "input_tokens": fresh,
            "cache_creation_input_tokens": self.random.randint(0, 3_000),
            "cache_read_input_tokens": context,
            "output_tokens": output,
        }
        message = {"id": f"msg_demo_{self._count:06d}", "model": model, "usage": usage}
        return [
            {
                "type": "assistant",
                "sessionId": session,
                "timestamp": _stamp(now),
                "message": {**message, "content": [{"type": block}]},
            }
            for block in ("text", "tool_use")
        ]

    def _codex(
        self, session: str, model: str, now: datetime, context: int, fresh: int, output: int
    ) -> list[dict[str, Any]]:
        total = self._codex_totals.setdefault(session, [0, 0, 0])
        total[0] += context + fresh
        total[1] += context
        total[2] += output
        usage = {
            "input_tokens": total[0],
            "cached_input_tokens": total[1],
            "output_tokens": total[2],
        }
        return [
            {"timestamp": _stamp(now), "type": "turn_context", "payload": {"model": model}},
            {
                "timestamp": _stamp(now),
                "type": "event_msg",
                "payload": {"type": "token_count", "info": {"total_token_usage": usage}},
            },
        ]

    def _gemini(
        self, session: str, model: str, now: datetime, context: int, fresh: int, output: int
    ) -> list[dict[str, Any]]:
        message = {
            "id": f"demo-{self._count:06d}",
            "timestamp": _stamp(now),
            "type": "gemini",
            "content": [{"text": "…"}],
            "tokens": {
                "input": context + fresh,
                "output": output,
                "cached": context,
                "thoughts": output // 3,
                "tool": 0,
                "total": context + fresh + output + output // 3,
            },
            "model": model,
        }
        return [message, {**message, "toolCalls": [{"id": "c", "name": "read_file"}]}]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
