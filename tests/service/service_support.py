"""Helpers and fixtures of the service tests: databases (SQLite file; PostgreSQL when
``VOLTROUTE_TEST_PG_URL`` is set), an in-process app, and a real server process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from voltroute.service import db
from voltroute.service.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx vs httpx2
    from fastapi.testclient import TestClient

DATA = Path(__file__).resolve().parents[1] / "data"
PG_ENV = "VOLTROUTE_TEST_PG_URL"
TERMINAL = ("done", "failed", "cancelled")


@contextmanager
def fresh_database(kind: str, tmp: Path) -> Iterator[str]:
    """A URL of an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / f'service-{uuid.uuid4().hex[:8]}.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


BACKENDS = ["sqlite", "pg"]


@pytest.fixture(scope="session")
def road_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("roads"))


class Service:
    """An app in this process, its TestClient, and helpers to make keys and wait on jobs."""

    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.engine = db.make_engine(settings.db_url)

    def headers(self, tenant: str | None = None) -> dict[str, str]:
        _, key = db.create_key(self.engine, tenant or f"t{uuid.uuid4().hex[:8]}")
        return {"Authorization": f"Bearer {key}"}

    def submit(self, body: str | bytes, headers: dict[str, str], *, ctype: str = "application/json",
               **params: Any) -> httpx.Response:  # fmt: skip
        return self.client.post(
            "/v1/plans", content=body, params=params, headers={**headers, "content-type": ctype}
        )

    def wait(self, job_id: str, headers: dict[str, str], *, timeout: float = 60,
             until: tuple[str, ...] = TERMINAL) -> dict[str, Any]:  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            job = self.client.get(f"/v1/plans/{job_id}", headers=headers).json()
            if job["status"] in until:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")
            time.sleep(0.1)


@contextmanager
def running_app(settings: Settings) -> Iterator[Service]:
    from voltroute.service.app import create_app

    with TestClient(create_app(settings)) as client:
        service = Service(client, settings)
        try:
            yield service
        finally:
            service.engine.dispose()


# ---------------------------------------------------------------- a real server process
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def voltroute_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "voltroute.cli.main", *args]


class ServerProcess:
    def __init__(
        self, db_url: str, log: Path, *, workers: int = 2, env: dict[str, str] | None = None
    ):
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**os.environ, "VOLTROUTE_OSM_PBF": "", **(env or {})}
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> ServerProcess:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                voltroute_cmd("serve", "--port", str(self.port), "--db", self.db_url,
                              "--workers", str(self.workers), "--log-level", "warning"),
                stdout=out, stderr=subprocess.STDOUT, env=self.env,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not answer /healthz in time")

    def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)

    def create_key(self, tenant: str) -> dict[str, str]:
        out = subprocess.run(
            voltroute_cmd("keys", "create", tenant, "--db", self.db_url),
            capture_output=True, text=True, env=self.env, check=True, timeout=60,
        )  # fmt: skip
        key = out.stdout.strip()
        assert key.startswith("vr_"), out
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    servers: list[ServerProcess] = []

    def make(db_url: str | None = None, **kwargs: Any) -> ServerProcess:
        url = db_url or f"sqlite:///{tmp_path / 'server.db'}"
        server = ServerProcess(url, tmp_path / "server.log", **kwargs)
        servers.append(server)
        return server

    yield make
    for s in servers:
        if s.proc is not None and s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait(timeout=30)


def poll_done(
    client: httpx.Client, job_id: str, headers: dict[str, str], timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/plans/{job_id}", headers=headers).json()
        if job["status"] in TERMINAL:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")
        time.sleep(0.2)
