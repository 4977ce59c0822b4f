"""llama.cpp's thread count when the settings leave it unset: the cores other processes leave
free (its threads wait on each other, so one sharing a busy core stalls them all)."""

import os

import pytest

from qa.models.local_gguf import free_cores


@pytest.mark.parametrize(
    ("cores", "load", "threads"),
    [(2, 0.1, 2), (2, 0.7, 1), (2, 1.2, 1), (2, 9.0, 1), (8, 2.4, 6), (1, 0.0, 1)],
)
def test_threads_are_the_cores_left_free(monkeypatch, cores, load, threads):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert free_cores() == threads
