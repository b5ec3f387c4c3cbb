"""A real server process over HTTP: keys from the CLI, plans to done, and a SIGKILL restart."""

from __future__ import annotations

import signal
import time

import httpx
from service_support import DATA, TERMINAL, poll_done

SMALL = (DATA / "small_problem.json").read_text()
JSON = {"content-type": "application/json"}


def test_serve_keys_submit_poll(server_factory):
    server = server_factory().start()
    h = server.create_key("acme")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        health = client.get("/healthz").json()
        assert health["status"] == "ok" and health["database"] == "sqlite"
        assert client.get("/v1/plans").status_code == 401
        resp = client.post("/v1/plans", params={"time_limit_s": 1}, content=SMALL,
                           headers={**h, **JSON})  # fmt: skip
        assert resp.status_code == 202, resp.text
        job = poll_done(client, resp.json()["id"], h)
        assert job["status"] == "done" and job["kpis"]["feasible"] is True
        assert client.get("/docs").status_code == 200
    # a graceful shutdown (uvicorn re-raises the signal once it has shut down)
    assert server.kill(signal.SIGTERM) in (0, -signal.SIGTERM)


def test_keys_cli_errors_are_one_line(tmp_path, capsys):
    from voltroute.cli.main import main

    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert main(["keys", "create", "a b", "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("voltroute: error: tenant: ") and err.count("\n") == 1
    assert main(["keys", "create", "acme", "--db", url]) == 0
    key_id = capsys.readouterr().out.split("_")[1]
    assert main(["keys", "list", "--db", url]) == 0
    listed = capsys.readouterr().out
    assert key_id in listed and "acme" in listed and "active" in listed
    assert main(["keys", "revoke", key_id, "--db", url]) == 0
    assert main(["keys", "list", "--db", url]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", "nope", "--db", url]) == 2
    assert main(["keys", "list", "--db", "postgresql+psycopg://x:y@127.0.0.1:1/none"]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("voltroute: error: database: OperationalError: ")


def test_sigkill_restart_loses_no_job(server_factory):
    server = server_factory(workers=2, env={"VOLTROUTE_MAX_ATTEMPTS": "2"}).start()
    h = server.create_key("acme")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        ids = []
        for limit in (4, 4, 0.5, 0.5, 0.5, 0.5):
            resp = client.post("/v1/plans", params={"time_limit_s": limit}, content=SMALL,
                               headers={**h, **JSON})  # fmt: skip
            assert resp.status_code == 202
            ids.append(resp.json()["id"])
        deadline = time.monotonic() + 60
        while client.get(f"/v1/plans/{ids[1]}", headers=h).json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert server.kill(signal.SIGKILL) == -signal.SIGKILL
    server.start()  # same database, same port
    with httpx.Client(base_url=server.url, timeout=30) as client:
        jobs = [poll_done(client, job_id, h) for job_id in ids]
        listed = client.get("/v1/plans", headers=h).json()["plans"]
    assert sorted(p["id"] for p in listed) == sorted(ids)  # none missing
    for job in jobs:
        assert job["status"] in TERMINAL
        assert job["status"] == "done" or job["error"]["message"], job
    assert jobs[0]["status"] == "done" and jobs[0]["attempts"] == 2  # re-run after the restart
    assert all(j["status"] == "done" for j in jobs)
