"""One writer per store at a time; readers never wait.

A second `newsqa ingest` on the same store fails at once and says which process holds the lock,
instead of interleaving writes. A holder that says it is `brief` (a `newsqa watch` poll writing
the few articles it found) is waited for, up to BRIEF_WAIT seconds, so that an ingest or a
server upload started beside a running watch does not fail because a poll was writing.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index_store.errors import StoreLocked

BRIEF_WAIT = 300.0
HANDOVER_WAIT = 2.0


@contextmanager
def write_lock(store_dir: Path, *, brief: bool = False) -> Iterator[None]:
    """Hold the store's write lock for the duration of the block; `brief`: tell other writers
    this holder will be done soon, so they wait for it."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(store_dir / ".write.lock"))
    holder = store_dir / ".write.holder"
    try:
        lock.acquire(timeout=0)
    except Timeout:
        info = _holder(holder)
        # No holder named: it has just let go, or has not written its name yet; look again.
        wait = BRIEF_WAIT if info.get("brief") else None if info else HANDOVER_WAIT
        try:
            if wait is None:
                raise Timeout(lock.lock_file) from None
            lock.acquire(timeout=wait)
        except Timeout:
            raise StoreLocked(
                f"store {store_dir} is being written by {_describe(holder)}; wait for it to "
                "finish or stop that process"
            ) from None
    try:
        holder.write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "command": " ".join(os.path.basename(a) for a in sys.argv[:2]),
                    "since": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "brief": brief,
                }
            )
        )
        yield
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


def _holder(holder: Path) -> dict:
    try:
        info = json.loads(holder.read_text())
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _describe(holder: Path) -> str:
    info = _holder(holder)
    if not {"pid", "host", "command", "since"} <= info.keys():
        return "another process"
    return f"pid {info['pid']} on {info['host']} ({info['command']}, since {info['since']})"
