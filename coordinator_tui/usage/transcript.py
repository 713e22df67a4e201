"""Following one transcript: from the last offset, whole lines only, a bounded read a step.

A transcript is named by a session file, so it is untrusted twice: its path (checked
by ``acceptable_path``) and its content. It is opened once per step by the file layer
(``fsio.open_checked``: never through a final link, non-blocking, so a FIFO cannot hang
the reader) and read only if it is a regular file. The layer's whole-file reads refuse
a file over their cap, and a transcript is far over any: so a step reads windows of the
open descriptor itself (``os.pread`` at the offset), at most ``budget`` bytes, and a
200 MB file is read over several steps, never held whole. A line is counted once it is
complete (ends in a newline); one longer than ``MAX_LINE`` is skipped and said.

What changed since the last step is told by the file's identity (device, inode), its
size and a hash of its first bytes (``HEAD_BYTES``):

- same file, grown: the new lines are read;
- the same first bytes but a new file or a shorter one (rewritten in place, as Gemini
  CLI does on recovery): read again from the start, totals rebuilt (no double count);
- other first bytes (rotated away, or truncated and started afresh): the spend read so
  far is kept (``carried``) and the new file is read from its start.

The first look at a large file with nothing saved reads only its tail
(``step(tail=…)``): the totals are then "at least" (``complete`` False) until a
reader from offset 0 has caught up (the follower runs one in the background).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from typing import Any

from coordinator_tui.files.fsio import open_checked
from coordinator_tui.usage.ledger import Ledger
from coordinator_tui.usage.readers import GeminiReader, Reader, reader_for
from coordinator_tui.usage.tokens import UNKNOWN_MODEL

HEAD_BYTES = 512
MAX_LINE = 32 << 20
"""A line longer than this is skipped (a transcript line holding a huge tool output)."""
MAX_WHOLE_JSON = 32 << 20
"""The older Gemini format is one JSON document, read whole: at most this large."""
MAX_PATH = 4096
SUFFIXES = (".jsonl", ".json")
_NOT_FOUND = os.strerror(errno.ENOENT)


def acceptable_path(path: object) -> str | None:
    """Why a transcript path from a session file is refused, or None when it may be read:
    an absolute path to a ``.jsonl``/``.json`` file, no control characters."""
    if not isinstance(path, str) or not path:
        return "no transcript path"
    if len(path) > MAX_PATH or not path.isprintable():
        return "transcript path is not a plain path"
    if not os.path.isabs(path):
        return "transcript path is not absolute"
    if not path.endswith(SUFFIXES):
        return "transcript path is not a .jsonl or .json file"
    return None


Signature = tuple[int, int, int, int]
"""(device, inode, size, modification time in ns) of a transcript when it was read."""


def signature(info: os.stat_result) -> Signature:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


@dataclass
class Identity:
    """What a transcript was when last read."""

    device: int = -1
    inode: int = -1
    head_length: int = 0
    head: str = ""
    """Hash of the first ``head_length`` bytes."""


class Transcript:
    """One transcript file of one session, followed from step to step."""

    def __init__(self, path: str, agent: str, default_model: str = UNKNOWN_MODEL) -> None:
        reader = reader_for(agent, default_model)
        if reader is None:
            raise ValueError(f"no reader for agent {agent!r}")
        self.path = path
        self.agent = agent
        self.reader: Reader = reader
        self.ledger = Ledger()
        self.carried = Ledger()
        """Spend of earlier files at this path (rotated or truncated away)."""
        self.offset = 0
        self.identity: Identity | None = None
        self.complete = True
        self.started_at = 0
        """Where reading started (0, or the tail a first look began at)."""
        self.problem: str | None = None
        self.skipped_lines = 0
        self.whole_json = path.endswith(".json")
        self.whole_signature: tuple[int, float] | None = None
        self.changed = False
        """Something was counted since the state was last saved."""
        self.more = False
        """The last step stopped at its budget: more is waiting to be read."""
        self.seen: Signature | None = None
        """The file as the last step found it (``signature``); what was counted covers it
        to its end unless ``more``."""

    # --- a step --------------------------------------------------------------------------

    def step(self, budget: int, tail: int = 0, whole_below: int = 0) -> int:
        """Read what is new (at most ``budget`` bytes); the bytes read. On a first look at
        a file of ``whole_below`` bytes or more, only its last ``tail`` bytes are read."""
        fd, reason = open_checked(self.path, None)
        if fd is None:
            found = reason != _NOT_FOUND
            self.problem = f"transcript not read: {reason}" if found else "transcript not found"
            return 0
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self.problem = "transcript is not a regular file"
                return 0
            self.seen = signature(info)
            self.problem = self._skipped()
            if self.whole_json:
                return self._whole(fd, info)
            self._check_identity(fd, info, tail if info.st_size >= whole_below else 0)
            return self._read(fd, info, budget)
        except OSError as error:
            self.problem = f"transcript not read: {error.strerror or type(error).__name__}"
            return 0
        finally:
            os.close(fd)

    def _check_identity(self, fd: int, info: os.stat_result, start_at_tail: int) -> None:
        known = self.identity
        size = info.st_size
        if known is None:
            self.identity = self._identity(fd, info)
            if start_at_tail and size > start_at_tail and self.offset == 0:
                self.offset = self.started_at = self._line_after(fd, size - start_at_tail)
                self.complete = self.offset == 0
            return
        same_file = (known.device, known.inode) == (info.st_dev, info.st_ino)
        head_now = _head_hash(fd, known.head_length)
        if same_file and size >= self.offset and head_now == known.head:
            if known.head_length < HEAD_BYTES and size > known.head_length:
                self.identity = self._identity(fd, info)
            return
        if head_now != known.head:
            self.carried.merge(self.ledger)  # a new file: what the old one counted stays
        self._restart()
        self.identity = self._identity(fd, info)

    def _restart(self) -> None:
        reader = reader_for(self.agent, self.reader.default_model)
        assert reader is not None
        self.reader = reader
        self.ledger = Ledger()
        self.offset = self.started_at = 0
        self.complete = True
        self.changed = True

    def _identity(self, fd: int, info: os.stat_result) -> Identity:
        length = min(info.st_size, HEAD_BYTES)
        return Identity(info.st_dev, info.st_ino, length, _head_hash(fd, length))

    def _line_after(self, fd: int, offset: int) -> int:
        """The start of the first whole line at or after ``offset``."""
        if offset <= 0:
            return 0
        position = offset - 1  # a line that starts exactly at offset follows a newline there
        size = 1 << 12
        while True:
            chunk = os.pread(fd, size, position)
            if not chunk:
                return position
            newline = chunk.find(b"\n")
            if newline >= 0:
                return position + newline + 1
            position += len(chunk)
            size = min(size * 4, 1 << 20)

    def _read(self, fd: int, info: os.stat_result, budget: int) -> int:
        fallback = info.st_mtime
        total = 0
        self.more = False
        while total < budget and self.offset < info.st_size:
            want = min(budget - total, info.st_size - self.offset, MAX_LINE)
            chunk = os.pread(fd, want, self.offset)
            if not chunk:
                break
            end = chunk.rfind(b"\n")
            if end < 0:
                if len(chunk) >= MAX_LINE:
                    skipped = self._skip_line(fd)
                    total += skipped
                    continue
                break  # a line still being written, or one longer than the budget left
            self._lines(chunk[: end + 1], fallback)
            self.offset += end + 1
            total += end + 1
        # Stopped by the budget with more than what is left of it still to read.
        self.more = info.st_size - self.offset > budget - total
        return total

    def _skip_line(self, fd: int) -> int:
        start = self.offset
        self.offset = self._line_after(fd, self.offset + MAX_LINE)
        self.skipped_lines += 1
        self.problem = self._skipped()
        return self.offset - start

    def _skipped(self) -> str | None:
        if not self.skipped_lines:
            return None
        return f"{self.skipped_lines} line(s) over {MAX_LINE:,} bytes skipped"

    def _lines(self, chunk: bytes, fallback: float) -> None:
        """Feed the reader every line holding one of its needles, in file order."""
        starts: set[int] = set()
        for needle in self.reader.needles:
            position = chunk.find(needle)
            while position >= 0:
                line_start = chunk.rfind(b"\n", 0, position) + 1
                starts.add(line_start)
                line_end = chunk.find(b"\n", position)
                position = chunk.find(needle, line_end)
        for line_start in sorted(starts):
            line_end = chunk.find(b"\n", line_start)
            self.reader.feed(chunk[line_start:line_end], self.ledger, fallback)
            self.changed = True

    def _whole(self, fd: int, info: os.stat_result) -> int:
        """The older Gemini ``.json``: read whole when it changed, totals rebuilt."""
        signature = (info.st_size, info.st_mtime)
        if signature == self.whole_signature:
            return 0
        if info.st_size > MAX_WHOLE_JSON:
            self.problem = f"transcript is over {MAX_WHOLE_JSON >> 20} MiB; not read"
            return 0
        data = os.pread(fd, MAX_WHOLE_JSON + 1, 0)
        import json

        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            self.problem = "transcript is not JSON (yet); read again when it changes"
            return len(data)
        self.whole_signature = signature
        self.ledger = Ledger()
        reader = GeminiReader(self.reader.default_model)
        reader.whole(document, self.ledger, info.st_mtime)
        self.reader = reader
        self.offset = len(data)
        self.changed = True
        return len(data)

    # --- saved between runs --------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        identity = self.identity or Identity()
        return {
            "path": self.path,
            "agent": self.agent,
            "offset": self.offset,
            "started_at": self.started_at,
            "complete": self.complete,
            "device": identity.device,
            "inode": identity.inode,
            "head_length": identity.head_length,
            "head": identity.head,
            "reader": self.reader.state(),
        }


def _head_hash(fd: int, length: int) -> str:
    if length <= 0:
        return ""
    data = os.pread(fd, length, 0)
    if len(data) < length:
        return "short"
    return hashlib.blake2b(data, digest_size=16).hexdigest()
