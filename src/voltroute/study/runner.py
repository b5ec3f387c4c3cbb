"""Run a study's grid on Dask: a local cluster of worker processes, or an existing scheduler.

Each scenario is split into its link tasks (:mod:`voltroute.study.grid`); identical tasks run
once; tasks found in the on-disk cache are not run at all (and when every task is cached no
cluster is started). A task that fails, or whose worker dies, fails only the scenarios that use
it; they are reported with the error and the others are kept.

Whole-chain figures per parcel are the sums of the two links' per-parcel figures: each link's
cost (or CO2) divided by the parcels that link carries in its own plan (the middle-mile network
carries a region's daily flows, the last-mile order set one delivery station's day).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from voltroute.model import ProblemError
from voltroute.study.cache import ResultCache, code_version
from voltroute.study.fleets import FLEETS
from voltroute.study.grid import LinkTask, Scenario, expand, link_tasks
from voltroute.study.links import execute
from voltroute.study.orders import load_network, load_order_set, network_digest, problem_digest
from voltroute.study.spec import SENSITIVITIES, StudySpec

__all__ = ["ProgressFn", "StudyRun", "progress_bar", "run_study"]

#: ``progress(done, total, failed, cached)`` after each finished task.
ProgressFn = Callable[[int, int, int, int], None]


@dataclass(frozen=True)
class StudyRun:
    """What a study run produced: one row per scenario, and how the tasks went."""

    spec: StudySpec
    scenarios: list[Scenario]
    rows: list[dict[str, Any]]
    tasks: int
    computed: int
    cached: int
    failed_tasks: int
    wall_s: float
    workers: int
    code_version: str
    problem_name: str = ""
    network_name: str = ""
    link_results: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["status"] == "failed"]


def progress_bar(stream: TextIO | None = None, *, width: int = 30) -> ProgressFn:
    """A one-line progress bar (redrawn in a terminal; a line per quarter otherwise)."""
    out = stream or sys.stderr
    tty = out.isatty()
    t0 = time.perf_counter()
    last = [-1]

    def show(done: int, total: int, failed: int, cached: int) -> None:
        frac = done / total if total else 1.0
        text = (
            f"study [{'#' * int(frac * width):<{width}}] {done}/{total} tasks"
            f" ({cached} cached, {failed} failed) {time.perf_counter() - t0:5.1f} s"
        )
        if tty:
            out.write("\r" + text + ("\n" if done >= total else ""))
        elif int(frac * 4) > last[0] or done >= total:
            last[0] = int(frac * 4)
            out.write(text + "\n")
        out.flush()

    return show


def _task_inputs(
    spec: StudySpec, digest: str | None, network_digest: str | None, version: str
) -> tuple[dict, dict]:
    """What, besides link, option and settings, each link's results depend on (cache keys).

    The middle mile is keyed by the network's content hash (not its file name), the planner's
    budget, seed and fallback rule; the last mile by the order set's content hash and its budget.
    """
    lh = {
        "network": network_digest,
        "time_limit_s": spec.linehaul.time_limit_s,
        "seed": spec.linehaul.seed,
        "direct_fallback": spec.linehaul.direct_fallback,
        "code": version,
    }
    lm = {
        "problem": digest,
        "time_limit_s": spec.last_mile.time_limit_s,
        "max_iterations": spec.last_mile.max_iterations,
        "seed": spec.last_mile.seed,
        "code": version,
    }
    return lh, lm


def _payload(task: LinkTask, spec: StudySpec, problem_ref: Any, network_ref: Any) -> dict[str, Any]:
    if task.link == "linehaul":
        return {
            "link": "linehaul",
            "option": task.option,
            "settings": list(task.settings),
            "time_limit_s": spec.linehaul.time_limit_s,
            "network": network_ref,
            "seed": spec.linehaul.seed,
            "direct_fallback": spec.linehaul.direct_fallback,
        }
    return {
        "link": "last_mile",
        "option": task.option,
        "settings": list(task.settings),
        "fleet": FLEETS[task.option],
        "problem": problem_ref,
        "time_limit_s": spec.last_mile.time_limit_s,
        "max_iterations": spec.last_mile.max_iterations,
        "seed": spec.last_mile.seed,
    }


def _client(scheduler: str | None, n_workers: int) -> tuple[Any, Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=10), None
        except (OSError, TimeoutError) as exc:
            raise ProblemError("scheduler", f"cannot connect to {scheduler}: {exc}") from None
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def _compute(
    pending: dict[str, LinkTask],
    spec: StudySpec,
    problem: Any,
    network: Any,
    *,
    scheduler: str | None,
    n_workers: int,
    on_result: Callable[[str, dict[str, Any]], None],
) -> int:
    """Run ``pending`` on Dask; ``on_result(key, result)`` as each finishes. Returns workers."""
    from dask.distributed import as_completed

    client, cluster = _client(scheduler, n_workers)
    try:
        workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or n_workers
        problem_ref = (
            client.scatter(problem, broadcast=True)
            if problem is not None and any(t.link == "last_mile" for t in pending.values())
            else None
        )
        network_ref = (
            client.scatter(network, broadcast=True)
            if network is not None and any(t.link == "linehaul" for t in pending.values())
            else None
        )
        # the middle mile first: fewer, longer tasks
        order = sorted(pending.values(), key=lambda t: t.link != "linehaul")
        futures = {
            client.submit(
                execute,
                _payload(t, spec, problem_ref, network_ref),
                key=f"voltroute-study-{t.link}-{t.key[:20]}",
                pure=False,
            ): t.key
            for t in order
        }
        for fut in as_completed(list(futures)):
            key = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker fails only its task
                result = {"ok": False, "error": f"task lost: {exc.__class__.__name__}: {exc}"}
            on_result(key, result)
        return int(workers)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_study(
    spec: StudySpec,
    *,
    n_workers: int = 2,
    scheduler: str | None = None,
    cache_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
) -> StudyRun:
    """Plan every scenario of ``spec`` and return one row per scenario (cached tasks reused)."""
    if n_workers < 1:
        raise ProblemError("workers", f"must be >= 1, got {n_workers}")
    t0 = time.perf_counter()
    scenarios = expand(spec)
    problem = load_order_set(spec) if spec.last_mile.fleets else None
    digest = problem_digest(problem) if problem is not None else None
    network = load_network(spec) if spec.linehaul.truck_types else None
    net_digest = network_digest(network) if network is not None else None
    version = code_version()
    lh_inputs, lm_inputs = _task_inputs(spec, digest, net_digest, version)
    per_scenario = [
        link_tasks(s, linehaul_inputs=lh_inputs, last_mile_inputs=lm_inputs) for s in scenarios
    ]
    results: dict[str, dict[str, Any]] = {}
    tasks: dict[str, LinkTask] = {}
    for links in per_scenario:
        for task in links.values():
            if task.link == "last_mile" and not FLEETS[task.option].available:
                fleet = FLEETS[task.option]
                results[task.key] = {
                    "ok": False,
                    "error": f"{fleet.label!r} is {fleet.unavailable}",
                }
                continue
            tasks[task.key] = task
    cache = ResultCache(cache_dir) if cache_dir is not None else None
    cached = 0
    pending: dict[str, LinkTask] = {}
    for key, task in tasks.items():
        hit = cache.get(key) if cache else None
        if hit is not None:
            results[key] = {**hit, "cached": True}
            cached += 1
        else:
            pending[key] = task
    total = len(tasks)
    state = {"done": cached, "failed": 0}
    if progress:
        progress(state["done"], total, 0, cached)

    def on_result(key: str, result: dict[str, Any]) -> None:
        results[key] = {**result, "cached": False}
        state["done"] += 1
        if result.get("ok"):
            if cache is not None:
                t = tasks[key]
                cache.put(
                    key,
                    result,
                    inputs={"link": t.link, "option": t.option, "settings": t.settings}
                    | dict(t.inputs),
                )
        else:
            state["failed"] += 1
        if progress:
            progress(state["done"], total, state["failed"], cached)

    workers = 0
    if pending:
        workers = _compute(
            pending,
            spec,
            problem,
            network,
            scheduler=scheduler,
            n_workers=n_workers,
            on_result=on_result,
        )
    rows = [_row(s, links, results) for s, links in zip(scenarios, per_scenario, strict=True)]
    return StudyRun(
        spec=spec,
        scenarios=scenarios,
        rows=rows,
        tasks=total,
        computed=len(pending),
        cached=cached,
        failed_tasks=state["failed"],
        wall_s=time.perf_counter() - t0,
        workers=workers,
        code_version=version,
        problem_name=problem.name if problem is not None else "",
        network_name=network.name if network is not None else "",
        link_results=results,
    )


_PREFIX = {"linehaul": "lh", "last_mile": "lm"}


def _row(
    scenario: Scenario, links: dict[str, LinkTask], results: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    s = scenario.settings_dict
    lm_label = FLEETS[scenario.last_mile].label if scenario.last_mile else None
    row: dict[str, Any] = {
        "scenario_id": scenario.id,
        "strategy": scenario.combo,
        "linehaul": scenario.linehaul,
        "last_mile": lm_label,
        "varied": ",".join(scenario.varied) or "base",
        **{k: s[k] for k in SENSITIVITIES},
        "status": "ok",
        "error": "",
        "notes": "",
        "chain_cost_per_parcel": None,
        "chain_co2_per_parcel_kg": None,
    }
    errors: list[str] = []
    notes: list[str] = []
    chain_cost = 0.0
    chain_co2 = 0.0
    cached = True
    seconds = 0.0
    for link, task in links.items():
        p = _PREFIX[link]
        res = results.get(task.key, {"ok": False, "error": "not run"})
        cached = cached and bool(res.get("cached"))
        seconds += float(res.get("seconds") or 0.0)
        if not res.get("ok"):
            errors.append(f"{link}: {res.get('error', 'failed')}")
            continue
        out = res["outcome"]
        cpp, co2pp, parcels = (
            out.get("cost_per_parcel"),
            out.get("co2_per_parcel_kg"),
            out["parcels"],
        )
        if cpp is None or co2pp is None or not parcels:
            errors.append(f"{link}: the plan carries no parcels")
            continue
        chain_cost += cpp
        chain_co2 += co2pp
        row[f"{p}_cost_per_parcel"] = cpp
        row[f"{p}_co2_per_parcel_kg"] = co2pp
        row[f"{p}_parcels"] = parcels
        row[f"{p}_km"] = out["distance_m"] / 1000.0
        row[f"{p}_kwh"] = out["energy_kwh"]
        row[f"{p}_litres"] = out["fuel_l"]
        if link == "linehaul":
            row["lh_trucks"] = out.get("trucks")
            row["lh_drivers"] = out.get("drivers")
            row["lh_parcels_unserved"] = out.get("parcels_unserved")
            row["lh_flows_direct"] = out.get("flows_direct")
            row["lh_search_complete"] = out.get("search_complete")
        else:
            row["lm_vans"] = out.get("vehicles")
            row["lm_unassigned_parcels"] = out.get("unassigned_parcels")
            if "flights" in out:  # van-carried drones or robots: what the units did
                row["lm_drone_flights"] = out["flights"]
                row["lm_drone_parcels"] = out["drone_parcels"]
                row["lm_robot_trips"] = out["robot_trips"]
                row["lm_robot_parcels"] = out["robot_parcels"]
        for comp, value in out["cost_breakdown"].items():
            row[f"{p}_cost_pp_{comp}"] = value / parcels
        if (
            not out.get("feasible", True)
            or out.get("unassigned_parcels")
            or out.get("parcels_unserved")
        ):
            row["status"] = "incomplete"
        notes += [f"{link}: {n}" for n in out.get("notes", [])]
    if errors:
        row["status"] = "failed"
        row["error"] = "; ".join(errors)
    else:
        row["chain_cost_per_parcel"] = chain_cost
        row["chain_co2_per_parcel_kg"] = chain_co2
    row["notes"] = "; ".join(notes)
    row["cached"] = cached
    row["compute_s"] = seconds
    return row
