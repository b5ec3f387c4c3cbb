"""Load test of the operations service over HTTP on 127.0.0.1.

Starts ``voltroute serve`` on a fresh database (or uses ``--url`` with ``--key``), then
``--clients`` concurrent clients submit ``--plans`` plans between them (retrying after
``Retry-After`` when the queue is full) and poll each of their plans until it is finished.
Reports submission and completion throughput, latency percentiles of submissions and of reads
(``GET /v1/plans/{id}``), and checks that every plan was accepted once and finished: none lost.

    .venv/bin/python benchmarks/load_service.py --plans 200 --clients 20
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
PROBLEM = (REPO / "tests" / "data" / "small_problem.json").read_text()
TERMINAL = ("done", "failed", "cancelled")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    db_url: str, workers: int, max_queue: int, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "VOLTROUTE_OSM_PBF": "", "VOLTROUTE_MAX_QUEUE": str(max_queue)}
    cmd = [sys.executable, "-m", "voltroute.cli.main"]
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", str(port), "--db", db_url, "--workers", str(workers),
         "--log-level", "warning"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server did not start; see {log}")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--plans", type=int, default=200)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=0.1, help="search time per plan, s")
    ap.add_argument("--workers", type=int, default=2, help="solver processes of the server")
    ap.add_argument("--max-queue", type=int, default=100, help="the server's queue bound")
    ap.add_argument("--db", help="database URL for the server (default: a fresh SQLite file)")
    ap.add_argument("--url", help="use this running server instead (needs --key)")
    ap.add_argument("--key", help="API key for --url")
    ap.add_argument("--timeout", type=float, default=900, help="give up after this many s")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="voltroute-load-"))
    proc = None
    if args.url:
        if not args.key:
            ap.error("--url needs --key")
        url, key = args.url.rstrip("/"), args.key
    else:
        db_url = args.db or f"sqlite:///{tmp / 'load.db'}"
        key = subprocess.run(
            [sys.executable, "-m", "voltroute.cli.main", "keys", "create", "load", "--db", db_url],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        proc, url = start_server(db_url, args.workers, args.max_queue, tmp / "server.log")
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}

    lock = threading.Lock()
    submit_ms: list[float] = []
    read_ms: list[float] = []
    accepted: list[str] = []
    finished: dict[str, str] = {}
    retries = [0]
    errors: list[str] = []
    per_client = [
        args.plans // args.clients + (i < args.plans % args.clients) for i in range(args.clients)
    ]
    t_start = time.perf_counter()
    deadline = time.monotonic() + args.timeout
    t_submitted = [0.0]

    def client(k: int) -> None:
        mine: list[str] = []
        with httpx.Client(base_url=url, timeout=60) as c:
            for _ in range(per_client[k]):
                while True:
                    t = time.perf_counter()
                    resp = c.post("/v1/plans", params={"time_limit_s": args.time_limit, "seed": k},
                                  content=PROBLEM, headers=headers)  # fmt: skip
                    dt = (time.perf_counter() - t) * 1000
                    if resp.status_code == 503:
                        with lock:
                            retries[0] += 1
                        time.sleep(float(resp.headers.get("retry-after", "1")))
                        continue
                    with lock:
                        submit_ms.append(dt)
                    if resp.status_code != 202:
                        with lock:
                            errors.append(f"POST {resp.status_code}: {resp.text[:200]}")
                        break
                    mine.append(resp.json()["id"])
                    with lock:
                        accepted.append(mine[-1])
                    break
            with lock:
                t_submitted[0] = max(t_submitted[0], time.perf_counter() - t_start)
            pending = list(mine)
            while pending and time.monotonic() < deadline:
                for job_id in list(pending):
                    t = time.perf_counter()
                    resp = c.get(f"/v1/plans/{job_id}", headers=headers)
                    dt = (time.perf_counter() - t) * 1000
                    with lock:
                        read_ms.append(dt)
                    if resp.status_code != 200:
                        with lock:
                            errors.append(f"GET {resp.status_code}: {resp.text[:200]}")
                        pending.remove(job_id)
                        continue
                    status = resp.json()["status"]
                    if status in TERMINAL:
                        with lock:
                            finished[job_id] = status
                        pending.remove(job_id)
                time.sleep(0.25)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t_start

    with httpx.Client(base_url=url, timeout=60) as c:
        listed = c.get("/v1/plans", params={"limit": 500}, headers=headers).json()["plans"]
    listed_ids = {p["id"] for p in listed}
    lost = [i for i in accepted if i not in listed_ids or i not in finished]
    done = sum(1 for s in finished.values() if s == "done")
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=60)

    rows = [
        ("plans submitted (202)", f"{len(accepted)} of {args.plans}"),
        ("503 queue_full answers (retried)", f"{retries[0]}"),
        ("plans done / failed / cancelled", f"{done} / "
         f"{sum(s == 'failed' for s in finished.values())} / "
         f"{sum(s == 'cancelled' for s in finished.values())}"),  # fmt: skip
        ("plans lost", f"{len(lost)}"),
        ("other errors", f"{len(errors)}"),
        ("wall time", f"{wall:.1f} s"),
        ("submissions/s (until the last was accepted)", f"{len(accepted) / max(t_submitted[0], 1e-9):.1f}"),
        ("plans completed/s", f"{done / wall:.2f}"),
        ("POST /v1/plans latency p50 / p99", f"{percentile(submit_ms, 50):.1f} / {percentile(submit_ms, 99):.1f} ms"),
        ("GET /v1/plans/{id} latency p50 / p99", f"{percentile(read_ms, 50):.1f} / {percentile(read_ms, 99):.1f} ms"),
        ("GET /v1/plans/{id} requests", f"{len(read_ms)} (mean {statistics.fmean(read_ms) if read_ms else 0:.1f} ms)"),
    ]  # fmt: skip
    print(f"voltroute service load: {args.plans} plans, {args.clients} clients, "
          f"{args.time_limit:g} s search each, {args.workers} workers, queue bound {args.max_queue}")  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")
    for e in errors[:5]:
        print("error:", e)
    return 0 if not lost and not errors and len(accepted) == args.plans else 1


if __name__ == "__main__":
    sys.exit(main())
