"""What a history file's name tells without opening it: when, who, and which folder.

History files (heartbeat events and messages) are named ``<stamp>-<who>.json`` with
the stamp ``YYYY-MM-DD_HH-MM-SS`` (the real scripts, the demo and ``send``), so the
newest files of a session, or the newest messages, are found from a listing alone:
300,000 names list in a fraction of a second, parsing them takes a minute.
A name without a recognised stamp sorts as the oldest and is its own group (it is
read as before: nothing in it is guessed).
"""

from __future__ import annotations

import heapq
import re
import time
from collections import defaultdict
from collections.abc import Collection
from operator import itemgetter

from coordinator_tui.files.layout import is_below

HEARTBEAT_FOLDERS = ("heartbeats", "sessions/HEARTBEATS")
"""Folders of heartbeat event files (``sessions/HEARTBEATS`` holds one per session)."""
BROADCAST_FOLDER = "messages/broadcast"
DIRECT_FOLDER = "messages/direct"
HISTORY_KINDS = ("heartbeat", "broadcast", "direct")

_STAMP = re.compile(
    r"(\d{4})-?(\d\d)-?(\d\d)[_T-]?(\d\d)[-:]?(\d\d)[-:]?(\d\d)(?:\.\d+)?Z?[-_](.+)\.json\Z"
)


def is_common(name: str) -> bool:
    """The name has the usual shape, ``2025-11-15_19-30-31-<who>.json``: its first 19
    characters are its stamp, and names of one folder sort by time."""
    return name[10:11] == "_" and name[19:20] == "-" and name[4:5] == "-" and len(name) > 25


def newest_of_each(names: Collection[str], count: int) -> dict[str, list[str]] | None:
    """The ``count`` newest names of each session, by session, when every name has the
    usual shape (a digit first, ``-``/``_`` where ``2025-11-15_19-30-31-`` has them, a
    session, ``.json``); None when one has not (then each name must be looked at on its
    own).

    A month of heartbeat events is a quarter of a million names: the shape is looked at
    by passes that run in C (``map`` with an ``itemgetter`` into a set: 22 ms where a
    loop over the names took 32), then one loop groups them by what follows the stamp,
    which is then the session.
    """
    if not names:
        return {}
    if not _stamped_alike(names):
        return None
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for name in names:
        groups[name[20:]].append(name)
    if not all(rest.endswith(".json") for rest in groups):
        return None
    return {
        rest[:-5]: group if len(group) <= count else heapq.nlargest(count, group)
        for rest, group in groups.items()
    }


def newest_names(names: Collection[str], count: int) -> list[str] | None:
    """The ``count`` newest names of a message folder (the largest: their stamps sort by
    time), when every name has the usual shape (as ``newest_of_each``); else None."""
    if not names:
        return []
    if not _stamped_alike(names) or set(map(_SUFFIX, names)) != {".json"}:
        return None
    return heapq.nlargest(count, names)


def _stamped_alike(names: Collection[str]) -> bool:
    """Every name is longer than a stamp and its dash, starts with a digit and has ``-`` and
    ``_`` where ``2025-11-15_19-30-31-`` has them (passes that run in C)."""
    return (
        min(map(len, names)) > 25
        and set(map(_SEPARATORS, names)) == {"--_---"}
        and _DIGITS.issuperset(map(_FIRST, names))
    )


_SEPARATORS = itemgetter(slice(4, 20, 3))
"""Characters 4, 7, 10, 13, 16 and 19 of a name: ``--_---`` in the usual shape."""
_FIRST = itemgetter(0)
_SUFFIX = itemgetter(slice(-5, None))
_DIGITS = frozenset("0123456789")


def newest_beats(
    names: Collection[str], count: int
) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """(each session's ``count`` newest ``(stamp, name)``, the names without a stamp)."""
    quick = newest_of_each(names, count)
    if quick is not None:
        return {who: [(name[:19], name) for name in newest] for who, newest in quick.items()}, []
    return newest_beats_one_by_one(names, count)


def newest_beats_one_by_one(
    names: Collection[str], count: int
) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """``newest_beats`` looking at each name on its own (any name of another shape)."""
    buckets: dict[str, list[str]] = {}
    odd: list[tuple[str, str, str]] = []
    unstamped: list[str] = []
    for name in names:
        if name[10:11] == "_" and name[19:20] == "-" and name[4:5] == "-":
            buckets.setdefault(name[20:-5], []).append(name)
        else:
            key, who = split_name(name)
            if key:
                odd.append((key, who, name))
            else:
                unstamped.append(name)
    groups: dict[str, list[tuple[str, str]]] = {
        who: [(name[:19], name) for name in heapq.nlargest(count, bucket)]
        for who, bucket in buckets.items()
    }
    for key, who, name in odd:
        groups.setdefault(who, []).append((key, name))
    return {who: heapq.nlargest(count, items) for who, items in groups.items()}, unstamped


def newest_messages_of(
    names: Collection[str], count: int
) -> tuple[list[tuple[str, str]], list[str]]:
    """(the ``count`` newest ``(stamp, name)`` of a message folder, the names without a
    stamp); straight from the names when all have the usual shape (``newest_names``)."""
    quick = newest_names(names, count)
    if quick is not None:
        return [(name[:19], name) for name in quick], []
    return newest_messages_one_by_one(names, count)


def newest_messages_one_by_one(
    names: Collection[str], count: int
) -> tuple[list[tuple[str, str]], list[str]]:
    """``newest_messages_of`` looking at each name on its own."""
    common = heapq.nlargest(count, (n for n in names if is_common(n)))
    own = [(name[:19], name) for name in common]
    unstamped = []
    for name in names:
        if not is_common(name):
            key, _ = split_name(name)
            if key:
                own.append((key, name))
            else:
                unstamped.append(name)
    return heapq.nlargest(count, own), unstamped


def split_name(name: str) -> tuple[str, str]:
    """``(stamp, who)`` of a history file name: the stamp as ``YYYY-MM-DD_HH-MM-SS``
    (``""`` without one; it sorts by time) and ``who`` the rest (session or sender)."""
    if is_common(name) and name.endswith(".json"):
        return name[:19], name[20:-5]
    match = _STAMP.match(name)
    if match is None:
        return "", name[:-5] if name.endswith(".json") else name
    year, month, day, hour, minute, second, who = match.groups()
    return f"{year}-{month}-{day}_{hour}-{minute}-{second}", who


def kind_of_folder(folder: str) -> str | None:
    """``heartbeat``, ``broadcast`` or ``direct`` for a history folder, else None."""
    if folder in HEARTBEAT_FOLDERS:
        return "heartbeat"
    if folder == BROADCAST_FOLDER:
        return "broadcast"
    if folder.startswith(DIRECT_FOLDER + "/") and "/" not in folder[len(DIRECT_FOLDER) + 1 :]:
        return "direct"
    return None


def is_history(relative: str) -> bool:
    """A heartbeat event or message file (by where it lies and its extension)."""
    folder, _, name = relative.rpartition("/")
    return (
        name.endswith(".json") and not name.startswith(".") and kind_of_folder(folder) is not None
    )


def stamp_text(key: str) -> str:
    """``YYYY-MM-DD HH:MM:SS`` from a stamp (``""`` when the name had none)."""
    if len(key) != 19:
        return ""
    return f"{key[:10]} {key[11:13]}:{key[14:16]}:{key[17:19]}"


def cutoff_key(epoch: float) -> str:
    """The stamp of the UTC moment ``epoch``: names with a smaller stamp are older."""
    return time.strftime("%Y-%m-%d_%H-%M-%S", time.gmtime(epoch))


_HISTORY_ROOTS = ("heartbeats", "sessions/HEARTBEATS", "messages")


def touches_history(relative: str) -> bool:
    """A gone path at or above (or inside) a history folder: the folders are listed again."""
    return any(is_below(root, relative) or is_below(relative, root) for root in _HISTORY_ROOTS)
