"""Create a file only if its name is free, safely on local disks and on (old) NFS.

``open(O_CREAT | O_EXCL)`` is not atomic on NFSv2 and on Linux NFS clients
before 2.6.5: two machines can both "create" the same claim. ``link(2)`` is
atomic on every NFS version, but a retransmitted request can report failure
after the link was made. The procedure open(2) and the Linux NFS FAQ give:

1. write the whole content to a temporary file with a name no other writer
   uses (host, pid, random) in the same folder, and fsync it;
2. ``link`` it to the wanted name — on success the name is ours;
3. if ``link`` reports *any* error, ``stat`` the temporary file: a link count
   of 2 means the link was made after all, and the name is ours;
4. remove the temporary name either way.

Readers never see a partial file: the name appears with its full content. The
same code is right on a local filesystem, so claims use it everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from pathlib import Path

TEMP_PREFIX = ".tmp-"


def _unique_temp(folder: Path) -> Path:
    host = "".join(char for char in socket.gethostname() if char.isalnum() or char in "-_")
    return folder / f"{TEMP_PREFIX}{host[:40] or 'host'}-{os.getpid()}-{os.urandom(8).hex()}"


def _write(temp: Path, data: bytes) -> None:
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def create_exclusive(path: Path | str, data: bytes) -> bool:
    """Write ``data`` at ``path`` if no file has that name; True when this call created it,
    False when the name was taken. Other failures (permissions, a full disk) raise
    ``OSError``; nothing partial is left behind either way."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = _unique_temp(target.parent)
    _write(temp, data)
    try:
        try:
            os.link(temp, target, follow_symlinks=False)
            return True
        except OSError as error:
            # The reply may have been lost after the server made the link: believe the
            # link count of our own temporary name, not the error.
            with contextlib.suppress(OSError):
                if os.lstat(temp).st_nlink == 2:
                    return True
            if error.errno == errno.EEXIST:
                return False
            raise
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
