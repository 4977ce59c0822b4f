"""llama.cpp's thread count when the settings leave it unset: the cores other processes leave
free (its threads wait on each other, so one sharing a busy core stalls them all)."""

import os
import subprocess
import sys
import time

import pytest

from qa.models import local_gguf
from qa.models.local_gguf import free_cores, others_running


@pytest.mark.parametrize(
    ("cores", "others", "threads"), [(2, 0, 2), (2, 1, 1), (2, 5, 1), (8, 2, 6), (1, 0, 1)]
)
def test_threads_are_the_cores_left_free(monkeypatch, cores, others, threads):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(local_gguf, "others_running", lambda: others)
    assert free_cores() == threads


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="reads Linux's /proc/stat")
def test_a_busy_process_beside_it_is_counted():
    spinning = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        assert others_running() >= 1
    finally:
        spinning.kill()
        spinning.wait()
