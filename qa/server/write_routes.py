"""Routes that change the store: ingest (records, URLs or an uploaded file) and remove.

Each needs the write token when one is set; ingest runs as a background job whose progress is
at `GET /api/jobs/{id}`. URLs a client may not make the server fetch (its own network) are
refused with 403 before a job starts.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, File, Response, UploadFile

from qa.server.config import ServerConfig
from qa.server.errors import BadUpload
from qa.server.guards import write_access
from qa.server.jobs import IngestJobs, Job
from qa.server.library import Library
from qa.server.read_routes import ERRORS
from qa.server.schemas import IngestRequest, JobView, Problem

WRITE_ERRORS = {**ERRORS, 401: {"model": Problem}, 403: {"model": Problem}}


def write_routes(library: Library, jobs: IngestJobs, config: ServerConfig) -> APIRouter:
    router = APIRouter(prefix="/api", responses=WRITE_ERRORS)
    may_write = [Depends(write_access(config))]

    @router.post(
        "/ingest", status_code=202, response_model=JobView, dependencies=may_write, tags=["store"]
    )
    def ingest(request: IngestRequest) -> JobView:
        """Start ingesting article records and/or URLs; poll the returned job for progress."""
        library.check_urls(request.urls)
        workdir = Path(tempfile.mkdtemp(prefix="newsqa-ingest-"))
        inputs, labels = list(request.urls), list(request.urls)
        if request.articles:
            records = workdir / "articles.jsonl"
            with records.open("w", encoding="utf-8") as out:
                for record in request.articles:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            inputs.insert(0, str(records))
            labels.insert(0, f"{len(request.articles)} article records")
        return _view(jobs.start(inputs, labels, workdir))

    @router.post(
        "/ingest/upload",
        status_code=202,
        response_model=JobView,
        dependencies=may_write,
        tags=["store"],
    )
    def upload(
        file: Annotated[UploadFile, File(description="one article file or feed")],
    ) -> JobView:
        """Start ingesting one uploaded file (.txt .md .html .json .jsonl .xml .rss .atom)."""
        from index_store.loaders import SUPPORTED_SUFFIXES

        name = _safe_name(file.filename or "")
        if not name.lower().endswith(SUPPORTED_SUFFIXES):
            raise BadUpload(
                f"'{name or 'the upload'}' is not a supported file: use one of "
                f"{' '.join(SUPPORTED_SUFFIXES)}"
            )
        workdir = Path(tempfile.mkdtemp(prefix="newsqa-upload-"))
        with (workdir / name).open("wb") as out:
            shutil.copyfileobj(file.file, out)
        return _view(jobs.start([str(workdir / name)], [name], workdir))

    @router.get("/jobs/{job_id}", response_model=JobView, tags=["store"])
    def job(job_id: str) -> JobView:
        """An ingest job's state: articles processed so far, then its summary or its error."""
        return _view(jobs.get(job_id))

    @router.delete(
        "/sources/{article_id:path}", status_code=204, dependencies=may_write, tags=["store"]
    )
    def remove(article_id: str) -> Response:
        """Forget an article and its passages (ids as `GET /api/sources` lists them)."""
        library.remove(article_id)
        return Response(status_code=204)

    return router


def _safe_name(filename: str) -> str:
    """The upload's own file name (errors name it), with no folder and no odd characters."""
    return re.sub(r"[^\w.\- ]", "_", PurePath(filename.replace("\\", "/")).name).strip(" .")


def _view(job: Job) -> JobView:
    return JobView(**asdict(job))
