"""Running jobs: a dispatcher thread in the server and solver worker processes.

The dispatcher claims queued jobs from the database (one conditional ``UPDATE``) and hands each
to one of ``workers`` worker processes (``multiprocessing``, spawn context). A worker process is
started when it is first needed and then kept (importing the solver takes about a second); it
loads the problem from the database, plans it, writes progress about twice a second and stores
the result or a one-line error. To cancel a job, or when a job runs past its time limit plus
``kill_grace_s`` (failed with code ``timeout``), the dispatcher kills that worker process and
starts a fresh one when next needed. Worker processes die with the server (``PR_SET_PDEATHSIG``
on Linux), and a worker's writes only land while the job is still ``running`` under the
worker's attempt number, so a stray process can never overwrite a newer decision.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import multiprocessing as mp
import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from voltroute.service import db

log = logging.getLogger("voltroute.service")

PROGRESS_EVERY_S = 0.5
STATUS_CHECK_EVERY_S = 0.5


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask Linux to kill this process when its parent dies; exit if it already has."""
    with contextlib.suppress(Exception):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(0)


def one_line(text: str, limit: int = 500) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _finite(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _jsonable(obj: Any) -> Any:
    """KPIs and comparison rows as strict JSON (no NaN or infinities)."""
    return json.loads(
        json.dumps(obj, default=str).replace("NaN", "null").replace("Infinity", "null")
    )


def is_mixed(problem: Any) -> bool:
    kinds = {vt.is_electric for vt in problem.vehicle_types if vt.powertrain is not None}
    return kinds == {True, False}


# ------------------------------------------------------------------------------ worker side
def run_job(engine: Any, job_id: str, attempt: int) -> None:
    """Plan one claimed job and store its result (in a worker process)."""
    from sqlalchemy import select

    from voltroute.api import plan
    from voltroute.io.native import problem_from_dict, solution_to_dict
    from voltroute.model import ProblemError, VoltrouteError
    from voltroute.solve import Progress, SolveParams

    with engine.connect() as c:
        row = c.execute(
            select(
                db.jobs.c.problem, db.jobs.c.time_limit_s, db.jobs.c.seed, db.jobs.c["compare"]
            ).where(db.jobs.c.id == job_id)
        ).first()
    if row is None:
        return
    t0 = time.monotonic()
    runs = 3 if row.compare else 1
    total_s = float(row.time_limit_s) * runs
    state = {"last": 0.0, "phase": "plan", "done": 0}

    def report(p: Progress | None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - state["last"] < PROGRESS_EVERY_S:  # type: ignore[operator]
            return
        state["last"] = now
        elapsed = now - t0
        progress = {
            "elapsed_s": round(elapsed, 2),
            "best_cost": None if p is None else _finite(p.best_cost),
            "iterations": 0 if p is None else int(p.iterations),
            "fraction": round(min(1.0, elapsed / total_s), 3) if total_s > 0 else 1.0,
            "phase": state["phase"],
        }
        with contextlib.suppress(Exception):  # progress is best effort
            db.set_progress(engine, job_id, attempt, progress)

    try:
        problem = problem_from_dict(json.loads(row.problem))
        params = SolveParams(
            time_limit_s=float(row.time_limit_s), seed=int(row.seed), progress=report
        )
        solution = plan(problem, params=params)
        comparison = None
        if row.compare:
            from voltroute.compare import StrategyResult, compare_fleets

            results: list[StrategyResult] = []
            for strategy in ("diesel", "electric", "mixed"):
                state["phase"] = strategy
                report(None, force=True)
                if strategy == "mixed" and is_mixed(problem):
                    results.append(StrategyResult("mixed", problem, solution))
                else:
                    results += compare_fleets(
                        problem,
                        time_limit_s=float(row.time_limit_s),
                        seed=int(row.seed),
                        strategies=(strategy,),
                    )
            comparison = _jsonable([r.row() for r in results])
        elapsed = time.monotonic() - t0
        db.finish_job(
            engine,
            job_id,
            attempt,
            status="done",
            solution=json.dumps(solution_to_dict(solution), separators=(",", ":")),
            kpis=_jsonable(solution.kpis),
            comparison=comparison,
            progress={
                "elapsed_s": round(elapsed, 2),
                "fraction": 1.0,
                "phase": "done",
                "best_cost": None,
                "iterations": None,
            },  # fmt: skip
        )
    except ProblemError as exc:
        db.finish_job(engine, job_id, attempt, status="failed", error_code="invalid_problem",
                      error_message=one_line(str(exc)))  # fmt: skip
    except VoltrouteError as exc:
        db.finish_job(engine, job_id, attempt, status="failed", error_code="solve_failed",
                      error_message=one_line(str(exc)))  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - reported on the job, the worker goes on
        log.exception("job %s failed", job_id)
        db.finish_job(engine, job_id, attempt, status="failed", error_code="internal_error",
                      error_message=one_line(f"{exc.__class__.__name__}: {exc}"))  # fmt: skip


def worker_main(db_url: str, conn: Connection, parent_pid: int) -> None:
    """A worker process: receive (job id, attempt), run it, answer ``done``; until EOF."""
    die_with_parent(parent_pid)
    import voltroute.api  # noqa: F401 - warm the solver before the first job
    import voltroute.compare  # noqa: F401

    engine = db.make_engine(db_url)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            break
        if msg is None:
            break
        job_id, attempt = msg
        try:
            run_job(engine, job_id, attempt)
        finally:
            with contextlib.suppress(Exception):
                conn.send(("done", job_id))
    engine.dispose()


# ------------------------------------------------------------------------------ server side
@dataclass
class _Slot:
    proc: Any = None  # multiprocessing process
    conn: Connection | None = None
    job_id: str | None = None
    attempt: int = 0
    deadline: float = 0.0
    kill_reason: str | None = None

    @property
    def busy(self) -> bool:
        return self.job_id is not None


class Runner:
    """The dispatcher: claims queued jobs and runs them in at most ``workers`` processes."""

    def __init__(self, engine: Any, db_url: str, *, workers: int, kill_grace_s: float) -> None:
        self.engine = engine
        self.db_url = db_url
        self.kill_grace_s = kill_grace_s
        self.slots = [_Slot() for _ in range(workers)]
        self._ctx = mp.get_context("spawn")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_status_check = 0.0

    # -- control
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="voltroute-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching, kill the workers and put their jobs back in the queue."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with self._lock:
            for slot in self.slots:
                job, attempt = slot.job_id, slot.attempt
                self._kill(slot)
                if job is not None:
                    with contextlib.suppress(Exception):
                        db.requeue(self.engine, job, attempt)
                if slot.conn is not None:
                    slot.conn.close()
                slot.conn = None
                slot.job_id = None

    def wake(self) -> None:
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        """Stop the worker running ``job_id`` (its status was already set by the caller)."""
        with self._lock:
            for slot in self.slots:
                if slot.job_id == job_id:
                    slot.kill_reason = "cancelled"
                    self._kill(slot)
        self._wake.set()

    def busy(self) -> int:
        return sum(s.busy for s in self.slots)

    # -- the loop
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self._lock:
                    self._reap()
                    self._police()
                    self._dispatch()
            except Exception:  # noqa: BLE001 - e.g. the database is briefly unreachable
                log.exception("dispatcher error")
                time.sleep(1.0)
            self._wake.wait(0.2)
            self._wake.clear()

    def _kill(self, slot: _Slot) -> None:
        if slot.proc is not None:
            with contextlib.suppress(Exception):
                slot.proc.kill()
                slot.proc.join(5)
            slot.proc = None

    def _reap(self) -> None:
        for slot in self.slots:
            if slot.conn is not None and slot.busy:
                with contextlib.suppress(EOFError, OSError):
                    while slot.conn.poll():
                        kind, job = slot.conn.recv()
                        if kind == "done" and job == slot.job_id:
                            slot.job_id = None
            if slot.proc is not None and not slot.proc.is_alive():
                code = slot.proc.exitcode
                slot.proc = None
                if slot.busy and slot.job_id is not None:
                    db.finish_job(
                        self.engine,
                        slot.job_id,
                        slot.attempt,
                        status="failed",
                        error_code="internal_error",
                        error_message=f"the worker process exited with code {code}",
                    )
                    slot.job_id = None
            if slot.proc is None:  # killed (cancel, timeout) or exited: the slot is free
                slot.job_id = None
                slot.kill_reason = None
                if slot.conn is not None:
                    slot.conn.close()
                    slot.conn = None

    def _police(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if slot.busy and slot.job_id is not None and now > slot.deadline:
                db.finish_job(
                    self.engine,
                    slot.job_id,
                    slot.attempt,
                    status="failed",
                    error_code="timeout",
                    error_message=(
                        f"still running {self.kill_grace_s:g} s after its time limit; stopped"
                    ),
                )
                slot.kill_reason = "timeout"
                self._kill(slot)
                slot.job_id = None
        if now - self._last_status_check < STATUS_CHECK_EVERY_S:
            return
        self._last_status_check = now
        busy = {s.job_id: s for s in self.slots if s.busy and s.job_id is not None}
        for job_id, (status, attempts) in db.job_statuses(self.engine, list(busy)).items():
            slot = busy[job_id]
            if status != "running" or attempts != slot.attempt:  # cancelled, or taken over
                slot.kill_reason = "cancelled"
                self._kill(slot)
                slot.job_id = None

    def _dispatch(self) -> None:
        for slot in self.slots:
            if slot.busy or self._stop.is_set():
                continue
            claimed = db.claim_next(self.engine)
            if claimed is None:
                return
            job_id, attempt, time_limit_s, compare = claimed
            if slot.proc is None:
                parent, child = self._ctx.Pipe()
                proc = self._ctx.Process(
                    target=worker_main,
                    args=(self.db_url, child, os.getpid()),
                    name="voltroute-worker",
                    daemon=True,
                )
                proc.start()
                child.close()
                slot.proc, slot.conn = proc, parent
            assert slot.conn is not None
            slot.job_id, slot.attempt = job_id, attempt
            runs = 3 if compare else 1
            slot.deadline = time.monotonic() + time_limit_s * runs + self.kill_grace_s
            slot.kill_reason = None
            try:
                slot.conn.send((job_id, attempt))
            except (OSError, ValueError):
                self._kill(slot)  # reaped next round: the job is failed as a crashed worker


def solve_vroom(problem: dict[str, Any], time_limit_s: float, seed: int) -> tuple[Any, ...]:
    """``POST /v1/vroom`` in a pool process: ("ok", VROOM output) or ("error", code, message)."""
    from voltroute.api import plan
    from voltroute.io.native import problem_from_dict
    from voltroute.io.vroom import solution_to_vroom
    from voltroute.model import VoltrouteError

    try:
        p = problem_from_dict(problem)
        solution = plan(p, time_limit_s=time_limit_s, seed=seed)
        return ("ok", _jsonable(solution_to_vroom(solution, p)))
    except VoltrouteError as exc:
        return ("error", "invalid_problem", one_line(str(exc)))
    except Exception as exc:  # noqa: BLE001 - one line back to the client
        return ("error", "internal_error", one_line(f"{exc.__class__.__name__}: {exc}"))
