"""On-disk cache of link results, keyed by a hash of the task's inputs and the code version.

A re-run of a study computes only the tasks whose inputs changed: a new sensitivity value, a
new fleet, a different order set or time limit, or a change to the planners' source code (the
code version hashes the source of every package a plan depends on). Failed tasks are not
cached, so they are retried on the next run.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import voltroute

__all__ = ["ResultCache", "code_version"]

#: Sources the link results depend on (packages and modules under ``voltroute/``).
_RESULT_SOURCES = (
    "model",
    "network",
    "energy",
    "solve",
    "evaluate",
    "charging",
    "linehaul",
    "api.py",
    "compare.py",
    "demo.py",
    "study/fleets.py",
    "study/links.py",
    "study/orders.py",
)


@functools.cache
def code_version() -> str:
    """voltroute's version plus a hash of the planners' source files (changes when code does)."""
    root = Path(voltroute.__file__).resolve().parent
    h = hashlib.sha256(voltroute.__version__.encode())
    for name in _RESULT_SOURCES:
        p = root / name
        files = sorted(p.rglob("*.py")) if p.is_dir() else [p] if p.is_file() else []
        for f in files:
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
        if p.is_dir():
            for data in sorted(p.rglob("*")):
                if data.suffix in (".toml", ".csv", ".json") and data.is_file():
                    h.update(str(data.relative_to(root)).encode())
                    h.update(data.read_bytes())
    return f"{voltroute.__version__}+{h.hexdigest()[:16]}"


class ResultCache:
    """JSON files ``<dir>/<key[:2]>/<key>.json``, written atomically."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result, or None (also for an unreadable entry, which is then recomputed)."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        result = data.get("result")
        return result if isinstance(result, dict) else None

    def put(self, key: str, result: dict[str, Any], *, inputs: Any = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"key": key, "inputs": inputs, "result": result}, default=str)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*/*.json")) if self.directory.is_dir() else 0
