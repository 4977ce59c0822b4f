"""Ingest jobs that run in the background, one at a time, with progress a client can poll.

A job owns the temporary folder its uploaded or posted articles were written to, and deletes it
when it ends. Paths in its messages are shown relative to that folder, as the client named them.
A job's inputs are a client's, so it fetches only from public addresses (`public_only`).
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from index_store.errors import NewsQAError
from qa.api import NewsQA
from qa.server.errors import IngestBusy, JobNotFound

log = logging.getLogger(__name__)

State = Literal["running", "done", "failed"]


@dataclass
class Job:
    """One ingest run: what it was given, how far it got, and how it ended."""

    id: str
    inputs: list[str]
    state: State = "running"
    processed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    summary: dict[str, int] | None = None
    errors: list[str] = field(default_factory=list)
    error: str | None = None
    started: str = field(default_factory=lambda: _now())
    finished: str | None = None


class IngestJobs:
    """Starts ingest jobs on their own thread and remembers the last `keep` of them."""

    def __init__(self, open_writer: Callable[[], NewsQA], keep: int = 50) -> None:
        self._open_writer = open_writer
        self._keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, inputs: list[str], labels: list[str], workdir: Path | None = None) -> Job:
        """Start ingesting `inputs` (shown as `labels`); refuse while another job writes."""
        with self._lock:
            running = next((j for j in self._jobs.values() if j.state == "running"), None)
            if running:
                if workdir:
                    shutil.rmtree(workdir, ignore_errors=True)
                raise IngestBusy(
                    f"ingest job {running.id} is still writing the store: wait until "
                    f"GET /api/jobs/{running.id} says it is done"
                )
            job = Job(id=uuid.uuid4().hex[:12], inputs=labels)
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)
            started = _copy(job)
        threading.Thread(
            target=self._run, args=(job, inputs, workdir), name=f"ingest-{job.id}", daemon=True
        ).start()
        return started

    def get(self, job_id: str) -> Job:
        """A copy of the job as it is now (the job's thread keeps changing the original)."""
        with self._lock:
            if job_id not in self._jobs:
                raise JobNotFound(f"no ingest job '{job_id}' (the server forgets jobs on restart)")
            return _copy(self._jobs[job_id])

    def _run(self, job: Job, inputs: list[str], workdir: Path | None) -> None:
        def progress(outcome: str, origin: str) -> None:
            with self._lock:
                job.processed += 1
                job.outcomes[outcome] = job.outcomes.get(outcome, 0) + 1

        summary, error = None, None
        try:
            summary = self._open_writer().ingest(inputs, on_article=progress, public_only=True)
        except NewsQAError as failure:
            error = _relative(str(failure), workdir)
        except Exception:
            log.exception("ingest job %s failed", job.id)
            error = "internal error: see the server's log"
        finally:
            if workdir:
                shutil.rmtree(workdir, ignore_errors=True)
        with self._lock:
            job.finished = _now()
            if summary is None:
                job.error, job.state = error, "failed"
                return
            job.summary = summary.counts()
            job.errors = [_relative(str(e), workdir) for e in summary.errors]
            job.state = "done"


def _copy(job: Job) -> Job:
    return replace(job, outcomes=dict(job.outcomes), errors=list(job.errors))


def _relative(message: str, workdir: Path | None) -> str:
    return message.replace(f"{workdir}/", "") if workdir else message


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
