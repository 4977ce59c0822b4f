"""The keyword index on disk: one folder per segment, a mask file per segment with dead chunks,
and `index.json` naming them. Files are never changed once written: an update writes its new
segment and masks under new names, then replaces `index.json` in one rename, so a crash leaves
the previous index whole and a reader never sees half an update.

Files that neither the new nor the previous `index.json` names are deleted after the switch
(a reader that has just read the previous one may still be opening its files).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np

from index_store.keyword.index import KeywordIndex, Marks, Part
from index_store.keyword.segment import Segment
from index_store.terms import ANALYZER_VERSION

FORMAT = 2
MANIFEST = "index.json"


def load(folder: Path, known: KeywordIndex | None = None) -> KeywordIndex | None:
    """The saved index, or None when there is none readable, it is in an older format or it was
    built with another analyzer (then it is rebuilt, as for a stale one). Segments that `known`
    (loaded from this folder before) holds are taken from it: files never change once written,
    so only what an update added is read."""
    manifest = _manifest(folder)
    if manifest is None:
        return None
    loaded = {p.name: p.segment for p in known.parts if p.name} if known else {}
    try:
        parts = [_part(folder, entry, loaded.get(entry["name"])) for entry in manifest["segments"]]
        marks = Marks(**manifest["marks"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return KeywordIndex(parts, marks)


def save(index: KeywordIndex, folder: Path) -> KeywordIndex:
    """Write what `folder` does not hold yet and switch to it; returns the index with the names
    its parts have on disk."""
    previous = _manifest(folder)
    if previous is None:
        return _save_fresh(index, folder)
    parts, next_id = _write_parts(index, folder, previous["prefix"], previous["next"])
    _switch(folder, index.marks, parts, previous["prefix"], next_id, _names(previous["segments"]))
    _collect(folder, _names(_entries(parts)) | _names(previous["segments"]))
    return KeywordIndex(parts, index.marks)


def _save_fresh(index: KeywordIndex, folder: Path) -> KeywordIndex:
    """No usable index there: build the whole folder aside and swap it in with one rename."""
    temp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    # Names are never reused, even by a folder rebuilt from scratch: readers reuse segments
    # they have loaded by name.
    prefix = uuid.uuid4().hex[:8]
    parts, next_id = _write_parts(index, temp, prefix, 1, every=True)
    _switch(temp, index.marks, parts, prefix, next_id, set())
    old = folder.with_name(folder.name + f".old{os.getpid()}")
    if folder.exists():
        folder.rename(old)
    temp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return KeywordIndex(parts, index.marks)


def _write_parts(
    index: KeywordIndex, folder: Path, prefix: str, next_id: int, every: bool = False
) -> tuple[list[Part], int]:
    parts = []
    for part in index.parts:
        name, dead_name = part.name, part.dead_name
        if name is None or every:
            name, next_id = f"seg-{prefix}-{next_id:06d}", next_id + 1
            part.segment.save(folder / name)
            dead_name = None
        if dead_name is None and np.any(part.dead):
            dead_name, next_id = f"dead-{prefix}-{next_id:06d}.npy", next_id + 1
            np.save(folder / dead_name, np.asarray(part.dead, dtype=bool))
        parts.append(Part(part.segment, part.dead, name, dead_name))
    return parts, next_id


def _switch(
    folder: Path, marks: Marks, parts: list[Part], prefix: str, next_id: int, previous: set
) -> None:
    manifest = {
        "format": FORMAT,
        "analyzer": ANALYZER_VERSION,
        "marks": {
            "generation": marks.generation,
            "chunk_seq": marks.chunk_seq,
            "removal_seq": marks.removal_seq,
        },
        "prefix": prefix,
        "next": next_id,
        "segments": _entries(parts),
        "previous": sorted(previous),
    }
    temp = folder / f"{MANIFEST}.tmp{os.getpid()}"
    temp.write_text(json.dumps(manifest))
    os.replace(temp, folder / MANIFEST)


def _collect(folder: Path, keep: set[str]) -> None:
    for entry in folder.iterdir():
        if entry.name == MANIFEST or entry.name in keep:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("format") != FORMAT or manifest.get("analyzer") != ANALYZER_VERSION:
        return None
    return manifest if {"prefix", "next", "segments"} <= manifest.keys() else None


def _part(folder: Path, entry: dict, segment: Segment | None) -> Part:
    segment = segment or Segment.load(folder / entry["name"])
    dead_name = entry.get("dead")
    if dead_name:
        dead = np.load(folder / dead_name)
        if len(dead) != len(segment):
            raise ValueError(f"{dead_name} does not fit {entry['name']}")
    else:
        dead = np.zeros(len(segment), dtype=bool)
    return Part(segment, dead, entry["name"], dead_name)


def _entries(parts: list[Part]) -> list[dict]:
    return [{"name": p.name, "dead": p.dead_name} for p in parts]


def _names(entries: list[dict]) -> set[str]:
    return {name for e in entries for name in (e["name"], e.get("dead")) if name}
