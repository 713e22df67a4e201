"""A scripted stand-in for the three model APIs, on 127.0.0.1, recording every request.

One server answers all three: Anthropic Messages (``/v1/messages``, SSE), OpenAI
Responses (``/v1/responses``, SSE) and Gemini (``…:streamGenerateContent`` SSE and
``…:generateContent``). A test scripts the model's answers to the agent's main loop
(``Say``, ``Call``, ``Hang``); requests that carry no tools (titles, quota checks,
routing) get a short fixed answer and never consume the script. Every request body
is kept, so a test can count what reached the model's context.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Say:
    """The model answers with text and ends its turn."""

    text: str = "Done."


@dataclass(frozen=True)
class Call:
    """The model calls one tool: ``edit`` (write a file) is translated per agent. With
    ``text``, an Anthropic response says it first (two content blocks, one message)."""

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True)
class Hang:
    """The model never answers (until the server stops): the agent sits in its turn."""


Step = Say | Call | Hang


@dataclass
class Request:
    path: str
    body: Any
    main: bool
    at: float
    snapshot: Any = None

    @property
    def text(self) -> str:
        return json.dumps(self.body, ensure_ascii=False)


USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)
"""The counts an Anthropic response reports (``input_tokens`` excludes the cached parts)."""


def fixed_usage(number: int) -> dict[str, Any]:
    """Every response's usage unless a test sets ``MockAPI.usage``."""
    return dict(zip(USAGE_FIELDS, (120, 7, 0, 0), strict=True))


@dataclass(frozen=True)
class Sent:
    """One Anthropic response as the mock sent it: its id, model and usage."""

    message_id: str
    model: str
    usage: dict[str, Any]
    main: bool


class MockAPI:
    """``start()`` gives the base URL; ``script(*steps)`` sets the next answers."""

    def __init__(self, on_main_request: Callable[[], Any] | None = None) -> None:
        self.requests: list[Request] = []
        self._steps: list[Step] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.on_main_request = on_main_request
        self.server: ThreadingHTTPServer | None = None
        self._counter = 0
        self.usage: Callable[[int], dict[str, Any]] = fixed_usage
        """The usage of the Anthropic response numbered n (``USAGE_FIELDS``, and
        ``cache_creation`` for the part written for an hour)."""
        self.model: str | None = None
        """The model Anthropic responses name; None: the one the request asked for."""
        self.sent: list[Sent] = []

    # --- control --------------------------------------------------------------------
    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"api": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self._stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def script(self, *steps: Step) -> None:
        with self._lock:
            self._steps = list(steps)

    def main_requests(self) -> list[Request]:
        with self._lock:
            return [request for request in self.requests if request.main]

    def wait_for_main(self, count: int, timeout: float = 60.0) -> Request:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.main_requests()
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise TimeoutError(f"the agent sent {len(self.main_requests())} of {count} requests")

    def next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    # --- answering ------------------------------------------------------------------
    def record(self, path: str, body: Any, main: bool) -> Step:
        snapshot = self.on_main_request() if main and self.on_main_request else None
        with self._lock:
            self.requests.append(Request(path, body, main, time.time(), snapshot))
            if not main:
                return Say("ok")
            return self._steps.pop(0) if self._steps else Say("Done.")

    def hang(self) -> None:
        self._stopping.wait()

    def sent_main(self) -> list[Sent]:
        """The answers to the agent's main loop (side requests are in no transcript)."""
        with self._lock:
            return [sent for sent in self.sent if sent.main]


class _Handler(BaseHTTPRequestHandler):
    api: MockAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.headers.get("Content-Encoding") == "zstd" or not raw:
            return raw.decode("latin-1")
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def do_GET(self) -> None:
        self.api.requests.append(Request(self.path, None, False, time.time()))
        if "/models" in self.path:
            self._json({"data": [], "models": []})
            return
        self._json({}, status=404)

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self._body()
        path = self.path
        if "/messages/count_tokens" in path:
            self.api.requests.append(Request(path, body, False, time.time()))
            self._json({"input_tokens": 100})
        elif path.split("?")[0].endswith("/messages"):
            self._anthropic(body)
        elif path.split("?")[0].endswith("/responses"):
            self._responses(body)
        elif ":streamGenerateContent" in path or ":generateContent" in path:
            self._gemini(body, stream=":streamGenerateContent" in path)
        elif ":countTokens" in path:
            self.api.requests.append(Request(path, body, False, time.time()))
            self._json({"totalTokens": 100})
        else:
            self.api.requests.append(Request(path, body, False, time.time()))
            self._json({}, status=404)

    # --- plumbing -------------------------------------------------------------------
    def _json(self, document: Any, status: int = 200) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events: list[tuple[str | None, Any]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for name, data in events:
            chunk = (f"event: {name}\n" if name else "") + f"data: {json.dumps(data)}\n\n"
            self.wfile.write(chunk.encode())
            self.wfile.flush()

    # --- Anthropic Messages ---------------------------------------------------------
    def _anthropic(self, body: Any) -> None:
        main = isinstance(body, dict) and bool(body.get("tools"))
        step = self.api.record(self.path, body, main)
        if isinstance(step, Hang):
            self.api.hang()
            return
        number = self.api.next_id()
        asked = body.get("model", "claude") if isinstance(body, dict) else "claude"
        model = self.api.model or asked
        usage = self.api.usage(number)
        with self.api._lock:
            self.api.sent.append(Sent(f"msg_{number:04d}", model, dict(usage), main))
        blocks: list[dict[str, Any]] = []
        if isinstance(step, Call):
            if step.text:
                blocks.append({"type": "text", "text": step.text})
            blocks.append(
                {
                    "type": "tool_use",
                    "id": f"toolu_{number:04d}",
                    "name": step.tool,
                    "input": step.arguments,
                }
            )
            stop = "tool_use"
        else:
            blocks.append({"type": "text", "text": step.text})
            stop = "end_turn"
        message = {
            "id": f"msg_{number:04d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }
        if not (isinstance(body, dict) and body.get("stream")):
            self._json(message)
            return
        # As the API streams: message_start says the input and one output token so far;
        # message_delta the final counts (Claude Code writes a transcript line per block).
        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {**usage, "output_tokens": min(1, usage["output_tokens"])},
        }
        events: list[tuple[str | None, Any]] = [
            ("message_start", {"type": "message_start", "message": start})
        ]
        for index, block in enumerate(blocks):
            events += _anthropic_block(index, block)
        events += [
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": usage,
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        self._sse(events)

    # --- OpenAI Responses -----------------------------------------------------------
    def _responses(self, body: Any) -> None:
        step = self.api.record(self.path, body, True)
        if isinstance(step, Hang):
            self.api.hang()
            return
        number = self.api.next_id()
        if isinstance(step, Call):
            item = _responses_call(step, body, number)
        else:
            item = {
                "type": "message",
                "id": f"msg_{number}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": step.text, "annotations": []}],
            }
        response = {
            "id": f"resp_{number}",
            "object": "response",
            "status": "in_progress",
            "model": body.get("model", "mock") if isinstance(body, dict) else "mock",
            "output": [],
        }
        usage = {
            "input_tokens": 120,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 7,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 127,
        }
        events: list[tuple[str | None, Any]] = [
            ("response.created", {"type": "response.created", "response": response}),
            (
                "response.output_item.added",
                {"type": "response.output_item.added", "output_index": 0, "item": item},
            ),
        ]
        if item["type"] == "message":
            events.append(
                (
                    "response.output_text.delta",
                    {
                        "type": "response.output_text.delta",
                        "item_id": item["id"],
                        "output_index": 0,
                        "content_index": 0,
                        "delta": step.text,
                    },
                )
            )  # type: ignore[union-attr]
        events += [
            (
                "response.output_item.done",
                {"type": "response.output_item.done", "output_index": 0, "item": item},
            ),
            (
                "response.completed",
                {
                    "type": "response.completed",
                    "response": {
                        **response,
                        "status": "completed",
                        "output": [item],
                        "usage": usage,
                    },
                },
            ),
        ]
        self._sse(events)

    # --- Gemini ---------------------------------------------------------------------
    def _gemini(self, body: Any, stream: bool) -> None:
        main = stream and isinstance(body, dict) and bool(body.get("tools"))
        step = self.api.record(self.path, body, main)
        if isinstance(step, Hang):
            self.api.hang()
            return
        if isinstance(step, Call):
            part: dict[str, Any] = {"functionCall": {"name": step.tool, "args": step.arguments}}
        elif main:
            part = {"text": step.text}
        else:  # a side question (routing, next speaker): answer in the JSON it asks for
            part = {
                "text": json.dumps(
                    {
                        "reasoning": "mock",
                        "next_speaker": "user",
                        "model_choice": "flash",
                        "complexity_score": 1,
                    }
                )
            }
        answer = {
            "candidates": [
                {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": {
                "promptTokenCount": 120,
                "candidatesTokenCount": 7,
                "totalTokenCount": 127,
            },
            "modelVersion": "gemini-mock",
        }
        if stream:
            self._sse([(None, answer)])
        else:
            self._json(answer)


def _anthropic_block(index: int, block: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """One content block streamed: start, its content as one delta, stop."""
    if block["type"] == "tool_use":
        empty = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    else:
        empty = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    return [
        (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": empty},
        ),
        ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
        ("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]


def _responses_call(step: Call, body: Any, number: int) -> dict[str, Any]:
    """A function call, or a freeform ``custom_tool_call`` when the request declares the
    tool that way (Codex's ``apply_patch`` is freeform for most models)."""
    kind = "function"
    for tool in body.get("tools", []) if isinstance(body, dict) else []:
        if isinstance(tool, dict) and tool.get("name") == step.tool:
            kind = tool.get("type", "function")
    if kind == "custom":
        return {
            "type": "custom_tool_call",
            "id": f"ctc_{number}",
            "call_id": f"call_{number}",
            "name": step.tool,
            "input": step.arguments.get("input", ""),
            "status": "completed",
        }
    return {
        "type": "function_call",
        "id": f"fc_{number}",
        "call_id": f"call_{number}",
        "name": step.tool,
        "arguments": json.dumps(step.arguments),
        "status": "completed",
    }
