"""The service's database: tables, engine, migrations, API keys and job state changes.

Works on SQLite (a file, in WAL mode with a busy timeout, because worker processes write
progress while the server reads) and PostgreSQL (``postgresql+psycopg://``). The schema is
created and upgraded by the Alembic migrations in ``voltroute/service/migrations``.

Every state change of a job is one conditional ``UPDATE`` (``WHERE status = ...``), so the
server, the dispatcher and the worker processes never overwrite each other's decisions: a
worker writes its result only while the job is still ``running`` under its own attempt number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from voltroute.model import ProblemError

STATUSES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE = ("queued", "running")
TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def utcnow() -> datetime:
    """Naive UTC (the column type has no zone on either database)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    salt: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    time_limit_s: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    compare: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[Any] = mapped_column(JSON, nullable=True)
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str | None] = mapped_column(Text, nullable=True)
    kpis: Mapped[Any] = mapped_column(JSON, nullable=True)
    comparison: Mapped[Any] = mapped_column(JSON, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_jobs_tenant_created", "tenant_id", "created_at"),
        Index("ix_jobs_status_created", "status", "created_at"),
    )


jobs: Table = Job.__table__  # type: ignore[assignment]
api_keys: Table = ApiKey.__table__  # type: ignore[assignment]
tenants: Table = Tenant.__table__  # type: ignore[assignment]

# Columns of a job without the big texts (problem, solution).
JOB_SUMMARY = [c for c in jobs.c if c.name not in ("problem", "solution")]


# ------------------------------------------------------------------------------ engine
def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, a 30 s busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        if ":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite:/"):
            raise ProblemError("db", "SQLite needs a file (worker processes share it)")
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    script_dir = resources.files("voltroute.service").joinpath("migrations")
    cfg.set_main_option("script_location", str(script_dir))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# ------------------------------------------------------------------------------ keys
def _hash(salt: str, secret: str) -> str:
    # The secret is 192 random bits, so a salted SHA-256 is as strong as a slow KDF here and
    # keeps every request cheap.
    return hashlib.sha256((salt + secret).encode()).hexdigest()


def create_key(engine: Engine, tenant: str) -> tuple[str, str]:
    """A new key for ``tenant`` (created if new): (key id, the key ``vr_<id>_<secret>``)."""
    if not TENANT_RE.match(tenant):
        raise ProblemError(
            "tenant",
            "must be 1-100 letters, digits, '.', '_' or '-', starting with one of the first two",
        )
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(24)
    salt = secrets.token_hex(16)
    with engine.begin() as c:
        if c.execute(select(tenants.c.id).where(tenants.c.id == tenant)).first() is None:
            c.execute(insert(tenants).values(id=tenant, created_at=utcnow()))
        c.execute(
            insert(api_keys).values(
                id=key_id,
                tenant_id=tenant,
                salt=salt,
                key_hash=_hash(salt, secret),
                created_at=utcnow(),
                revoked=False,
            )
        )
    return key_id, f"vr_{key_id}_{secret}"


def tenant_for_key(engine: Engine, key: str) -> str | None:
    """The tenant of a valid, unrevoked key, else None."""
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != "vr" or not key_id or not secret or len(key_id) > 32:
        return None
    with engine.connect() as c:
        row = c.execute(
            select(
                api_keys.c.tenant_id, api_keys.c.salt, api_keys.c.key_hash, api_keys.c.revoked
            ).where(api_keys.c.id == key_id)
        ).first()
    if row is None or row.revoked:
        return None
    if not hmac.compare_digest(row.key_hash, _hash(row.salt, secret)):
        return None
    return str(row.tenant_id)


def list_keys(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(
            select(
                api_keys.c.id, api_keys.c.tenant_id, api_keys.c.created_at, api_keys.c.revoked
            ).order_by(api_keys.c.tenant_id, api_keys.c.created_at)
        ).all()
    return [dict(r._mapping) for r in rows]


def revoke_key(engine: Engine, key_id: str) -> bool:
    with engine.begin() as c:
        res = c.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked=True))
    return bool(res.rowcount)


# ------------------------------------------------------------------------------ jobs
def queued_count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).where(jobs.c.status == "queued")).scalar_one())


def status_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        rows = c.execute(
            select(jobs.c.status, func.count())
            .where(jobs.c.status.in_(ACTIVE))
            .group_by(jobs.c.status)
        ).all()
    out = dict.fromkeys(ACTIVE, 0)
    out.update({str(s): int(n) for s, n in rows})
    return out


def insert_job(
    engine: Engine,
    *,
    tenant: str,
    name: str,
    problem: dict[str, Any],
    time_limit_s: float,
    seed: int,
    compare: bool,
    max_queue: int,
) -> str | None:
    """Store a queued job and return its id; None when ``max_queue`` jobs are queued already."""
    job_id = str(uuid.uuid4())
    text = json.dumps(problem, separators=(",", ":"))
    with engine.begin() as c:
        n = c.execute(select(func.count()).where(jobs.c.status == "queued")).scalar_one()
        if n >= max_queue:
            return None
        c.execute(
            insert(jobs).values(
                id=job_id,
                tenant_id=tenant,
                name=name[:200],
                status="queued",
                created_at=utcnow(),
                time_limit_s=time_limit_s,
                seed=seed,
                compare=compare,
                attempts=0,
                problem=text,
            )
        )
    return job_id


def get_job(engine: Engine, job_id: str, tenant: str, *, full: bool = True) -> Any:
    cols = list(jobs.c) if full else JOB_SUMMARY
    with engine.connect() as c:
        return c.execute(
            select(*cols).where(jobs.c.id == job_id, jobs.c.tenant_id == tenant)
        ).first()


def list_jobs(engine: Engine, tenant: str, *, limit: int, status: str | None = None) -> list[Any]:
    q = select(*JOB_SUMMARY).where(jobs.c.tenant_id == tenant)
    if status:
        q = q.where(jobs.c.status == status)
    q = q.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
    with engine.connect() as c:
        return list(c.execute(q).all())


def cancel_job(engine: Engine, job_id: str, tenant: str) -> bool:
    """Mark a queued or running job cancelled; False when it is not active (or not found)."""
    with engine.begin() as c:
        res = c.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.tenant_id == tenant, jobs.c.status.in_(ACTIVE))
            .values(status="cancelled", finished_at=utcnow())
        )
    return bool(res.rowcount)


def claim_next(engine: Engine) -> tuple[str, int, float, bool] | None:
    """Atomically move the oldest queued job to ``running``: (id, attempt, time limit, compare)."""
    for _ in range(20):
        with engine.begin() as c:
            q = (
                select(jobs.c.id, jobs.c.attempts, jobs.c.time_limit_s, jobs.c["compare"])
                .where(jobs.c.status == "queued")
                .order_by(jobs.c.created_at, jobs.c.id)
                .limit(1)
            )
            if engine.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            row = c.execute(q).first()
            if row is None:
                return None
            attempt = int(row.attempts) + 1
            res = c.execute(
                update(jobs)
                .where(jobs.c.id == row.id, jobs.c.status == "queued")
                .values(status="running", attempts=attempt, started_at=utcnow(), progress=None)
            )
            if res.rowcount == 1:
                return str(row.id), attempt, float(row.time_limit_s), bool(row.compare)
    return None


def _mine(job_id: str, attempt: int) -> Any:
    return (jobs.c.id == job_id) & (jobs.c.status == "running") & (jobs.c.attempts == attempt)


def set_progress(engine: Engine, job_id: str, attempt: int, progress: dict[str, Any]) -> bool:
    with engine.begin() as c:
        res = c.execute(update(jobs).where(_mine(job_id, attempt)).values(progress=progress))
    return bool(res.rowcount)


def finish_job(
    engine: Engine,
    job_id: str,
    attempt: int,
    *,
    status: str,
    solution: str | None = None,
    kpis: Any = None,
    comparison: Any = None,
    error_code: str | None = None,
    error_message: str | None = None,
    progress: Any = None,
) -> bool:
    """End a running job (only if it is still this attempt's run)."""
    values: dict[str, Any] = {
        "status": status,
        "finished_at": utcnow(),
        "solution": solution,
        "kpis": kpis,
        "comparison": comparison,
        "error_code": error_code,
        "error_message": error_message,
    }
    if progress is not None:
        values["progress"] = progress
    with engine.begin() as c:
        res = c.execute(update(jobs).where(_mine(job_id, attempt)).values(**values))
    return bool(res.rowcount)


def job_statuses(engine: Engine, ids: list[str]) -> dict[str, tuple[str, int]]:
    if not ids:
        return {}
    with engine.connect() as c:
        rows = c.execute(
            select(jobs.c.id, jobs.c.status, jobs.c.attempts).where(jobs.c.id.in_(ids))
        ).all()
    return {str(r.id): (str(r.status), int(r.attempts)) for r in rows}


def requeue(engine: Engine, job_id: str, attempt: int) -> None:
    """Put a job this server stopped on purpose back in the queue, not counting the attempt."""
    with engine.begin() as c:
        c.execute(
            update(jobs)
            .where(_mine(job_id, attempt))
            .values(status="queued", attempts=attempt - 1, started_at=None, progress=None)
        )


def recover(engine: Engine, max_attempts: int) -> dict[str, int]:
    """After a restart: jobs left ``running`` were interrupted. Re-queue them, or fail those
    started ``max_attempts`` times already (code ``server_restart``)."""
    requeued = failed = 0
    with engine.begin() as c:
        rows = c.execute(select(jobs.c.id, jobs.c.attempts).where(jobs.c.status == "running")).all()
        for r in rows:
            n = int(r.attempts)
            where = (jobs.c.id == r.id) & (jobs.c.status == "running") & (jobs.c.attempts == n)
            if n >= max_attempts:
                c.execute(
                    update(jobs)
                    .where(where)
                    .values(
                        status="failed",
                        finished_at=utcnow(),
                        error_code="server_restart",
                        error_message=f"interrupted by {n} server restart{'s' if n != 1 else ''}",
                    )
                )
                failed += 1
            else:
                c.execute(
                    update(jobs)
                    .where(where)
                    .values(status="queued", started_at=None, progress=None)
                )
                requeued += 1
    return {"requeued": requeued, "failed": failed}
