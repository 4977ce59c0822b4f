"""SIGKILL a worker process at a random moment of its work, as a power cut or the OOM killer
would: the crash-safety tests then check what it left in the store."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from multiprocessing.context import BaseContext


def kill_mid_run(
    processes: BaseContext, work: Callable[..., None], args: tuple, most: int, rng: random.Random
) -> bool:
    """Run `work(*args, progress)` in a child, which sends one message on `progress` per step and
    "done" at the end; SIGKILL it after a random number of steps (up to `most`) plus a random few
    milliseconds. False when it finished before the kill."""
    receiver, sender = processes.Pipe(duplex=False)
    child = processes.Process(target=work, args=(*args, sender))
    child.start()
    sender.close()
    try:
        for _ in range(rng.randint(0, most)):
            if not receiver.poll(120) or receiver.recv() == "done":
                break
        time.sleep(rng.uniform(0, 0.05))
        finished = not child.is_alive()
        if not finished:
            os.kill(child.pid, signal.SIGKILL)
    except EOFError:
        finished = True
    finally:
        child.join()
        receiver.close()
    return not finished
