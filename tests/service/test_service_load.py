"""A small bounded load test against a real server on 127.0.0.1: none of the plans is lost.

The full version (200 plans, 20 clients, latency percentiles) is benchmarks/load_service.py.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from service_support import DATA, TERMINAL

SMALL = (DATA / "small_problem.json").read_text()
N_PLANS, N_CLIENTS = 40, 8


def test_forty_plans_from_eight_clients(server_factory):
    server = server_factory(workers=2).start()
    h = {**server.create_key("load"), "content-type": "application/json"}

    def client_run(k: int) -> list[str]:
        ids = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(N_PLANS // N_CLIENTS):
                resp = client.post("/v1/plans", params={"time_limit_s": 0.1, "seed": k},
                                   content=SMALL, headers=h)  # fmt: skip
                assert resp.status_code == 202, resp.text
                ids.append(resp.json()["id"])
                client.get(f"/v1/plans/{ids[-1]}", headers=h).raise_for_status()
        return ids

    with ThreadPoolExecutor(N_CLIENTS) as pool:
        ids = [i for ids in pool.map(client_run, range(N_CLIENTS)) for i in ids]
    assert len(set(ids)) == N_PLANS
    deadline = time.monotonic() + 120
    with httpx.Client(base_url=server.url, timeout=30) as client:
        while True:
            plans = client.get("/v1/plans", params={"limit": 500}, headers=h).json()["plans"]
            if all(p["status"] in TERMINAL for p in plans) or time.monotonic() > deadline:
                break
            time.sleep(0.25)
    assert sorted(p["id"] for p in plans) == sorted(ids)
    assert [p["status"] for p in plans] == ["done"] * N_PLANS
