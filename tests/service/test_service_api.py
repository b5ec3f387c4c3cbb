"""The REST API through the ASGI client, on SQLite and (with VOLTROUTE_TEST_PG_URL) PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import BACKENDS, DATA, Service, fresh_database, running_app
from sqlalchemy import update

from voltroute.service import db
from voltroute.service.settings import Settings

SMALL = (DATA / "small_problem.json").read_text()
VROOM = (DATA / "vroom_small.json").read_text()
CSV = (DATA / "orders_small.csv").read_text()
CSV_PARAMS = {"depot_lat": 60.1662, "depot_lon": 24.936, "fleet": "ford-e-transit:2"}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def svc(
    backend: str, tmp_path_factory: pytest.TempPathFactory, road_cache: str
) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp(f"api-{backend}")
    with fresh_database(backend, tmp) as url:
        settings = Settings(
            db_url=url,
            workers=2,
            max_body_bytes=300_000,
            cache_dir=road_cache,
            static_dir=str(tmp / "not-built"),
        )
        with running_app(settings) as service:
            yield service


def error_of(resp, status: int, code: str, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert set(err) == {"code", "message", "field"}
    assert err["code"] == code, err
    assert "\n" not in err["message"]
    if field is not None:
        assert err["field"] == field, err
        assert field in err["message"], err
    return err


# ---------------------------------------------------------------- happy paths
def test_health_and_dashboard_placeholder(svc: Service):
    health = svc.client.get("/healthz").json()
    assert health["status"] == "ok" and health["db"] == "ok" and health["workers"] == 2
    assert {"queued", "running", "busy_workers"} <= set(health)
    page = svc.client.get("/")
    assert page.status_code == 200 and "make web" in page.text
    assert svc.client.get("/openapi.json").json()["info"]["title"] == "voltroute"


def test_native_json_plan_to_done(svc: Service):
    h = svc.headers()
    resp = svc.submit(SMALL, h, time_limit_s=1, seed=3)
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert job["status"] == "queued" and job["name"] == "small-helsinki"
    assert (job["time_limit_s"], job["seed"], job["compare"]) == (1, 3, False)
    assert resp.headers["location"] == f"/v1/plans/{job['id']}"
    done = svc.wait(job["id"], h)
    assert done["status"] == "done", done
    assert done["error"] is None and done["attempts"] == 1
    assert done["started_at"] and done["finished_at"] and done["created_at"].endswith("Z")
    assert done["progress"]["fraction"] == 1.0
    k = done["kpis"]
    assert k["served_parcels"] + k["unassigned_parcels"] == 19 and k["feasible"] is True
    assert {
        "vehicles_used",
        "distance_m",
        "energy_kwh",
        "fuel_l",
        "cost",
        "cost_per_parcel",
    } <= set(k)
    assert done["solution"]["routes"] and done["solution"]["routes"][0]["steps"]
    # the problem as submitted, geojson, list without solution
    problem = svc.client.get(f"/v1/plans/{job['id']}/problem", headers=h).json()
    assert problem["name"] == "small-helsinki" and len(problem["stops"]) == 14
    geo = svc.client.get(f"/v1/plans/{job['id']}/geojson", headers=h).json()
    assert geo["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds.count("route") == len(done["solution"]["routes"]) and "depot" in kinds
    route = next(f for f in geo["features"] if f["properties"]["kind"] == "route")
    assert {"vehicle", "vehicle_type", "colour", "distance_m", "energy_kwh", "parcels"} <= set(
        route["properties"]
    )
    assert geo["road_geometry"] is False  # stops outside the central-Helsinki extract
    roads = svc.client.get(f"/v1/plans/{job['id']}/roads", headers=h).json()
    assert roads == {"type": "FeatureCollection", "name": "roads", "features": []}
    listed = svc.client.get("/v1/plans", headers=h).json()["plans"]
    assert [p["id"] for p in listed] == [job["id"]] and "solution" not in listed[0]


def test_vroom_json_and_csv_and_multipart(svc: Service):
    h = svc.headers()
    vroom = svc.submit(VROOM, h, time_limit_s=1, name="berlin")
    csv = svc.submit(CSV, h, ctype="text/csv", time_limit_s=1, **CSV_PARAMS)
    form = svc.client.post(
        "/v1/plans",
        params={"time_limit_s": 1, **CSV_PARAMS, "name": "uploaded"},
        files={"file": ("orders.csv", CSV.encode(), "text/csv")},
        headers=h,
    )
    for resp in (vroom, csv, form):
        assert resp.status_code == 202, resp.text
    assert vroom.json()["name"] == "berlin" and form.json()["name"] == "uploaded"
    for resp in (vroom, csv, form):
        assert svc.wait(resp.json()["id"], h)["status"] == "done"
    problem = svc.client.get(f"/v1/plans/{csv.json()['id']}/problem", headers=h).json()
    assert [v["id"] for v in problem["vehicle_types"]] == ["ford-e-transit"]
    assert sum(len(s["parcels"]) for s in problem["stops"]) == 10
    # inside the central-Helsinki extract: routes follow the roads, and roads are served
    geo = svc.client.get(f"/v1/plans/{csv.json()['id']}/geojson", headers=h).json()
    assert geo["road_geometry"] is True
    route = next(f for f in geo["features"] if f["properties"]["kind"] == "route")
    stops = [f for f in geo["features"] if f["properties"]["kind"] == "stop"]
    assert len(route["geometry"]["coordinates"]) > len(stops) + 2
    roads = svc.client.get(f"/v1/plans/{csv.json()['id']}/roads", headers=h).json()
    assert roads["features"] and roads["features"][0]["geometry"]["type"] == "LineString"
    listed = svc.client.get("/v1/plans", params={"limit": 2}, headers=h).json()["plans"]
    assert [p["id"] for p in listed] == [form.json()["id"], csv.json()["id"]]  # newest first


def test_compare_fleets(svc: Service):
    h = svc.headers()
    job = svc.submit(CSV, h, ctype="text/csv", time_limit_s=0.3, compare="true", **CSV_PARAMS)
    done = svc.wait(job.json()["id"], h)
    assert done["status"] == "done", done
    rows = done["comparison"]
    assert [r["strategy"] for r in rows] == ["diesel", "electric", "mixed"]
    assert rows[0]["litres"] > 0 and rows[1]["litres"] == 0 and rows[1]["kwh"] > 0


def test_cancel_running_and_queued(svc: Service):
    h = svc.headers()
    long_ids = [svc.submit(SMALL, h, time_limit_s=60).json()["id"] for _ in range(3)]
    running = svc.wait(long_ids[0], h, until=("running",))
    assert running["attempts"] == 1
    # the third waits in the queue behind two running ones (2 workers; maybe others' jobs)
    for job_id in long_ids:
        resp = svc.client.delete(f"/v1/plans/{job_id}", headers=h)
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "cancelled" and resp.json()["finished_at"]
    error_of(svc.client.delete(f"/v1/plans/{long_ids[0]}", headers=h), 409, "conflict", "status")
    # the workers were freed: a new plan completes promptly
    quick = svc.submit(SMALL, h, time_limit_s=0.2).json()["id"]
    assert svc.wait(quick, h, timeout=30)["status"] == "done"
    time.sleep(0.6)  # a killed worker never writes over the cancellation
    for job_id in long_ids:
        job = svc.client.get(f"/v1/plans/{job_id}", headers=h).json()
        assert job["status"] == "cancelled" and job["solution"] is None


def test_tenants_are_isolated(svc: Service):
    alice, bob = svc.headers("alice"), svc.headers("bob")
    job_id = svc.submit(SMALL, alice, time_limit_s=0.2).json()["id"]
    for path in ("", "/problem", "/geojson", "/roads"):
        mine = svc.client.get(f"/v1/plans/{job_id}{path}", headers=bob)
        unknown = svc.client.get(f"/v1/plans/nope{path}", headers=bob)
        err = error_of(mine, 404, "not_found", "id")
        assert unknown.status_code == 404
        assert err["message"].replace(job_id, "X") == unknown.json()["error"]["message"].replace(
            "nope", "X"
        )
    error_of(svc.client.delete(f"/v1/plans/{job_id}", headers=bob), 404, "not_found")
    assert svc.client.get("/v1/plans", headers=bob).json()["plans"] == []
    assert svc.wait(job_id, alice)["status"] == "done"


def test_bad_keys_are_401(svc: Service):
    job = svc.submit(SMALL, svc.headers(), time_limit_s=0.2).json()
    key_id, key = _new_key(svc)
    cases = [
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer vr_0000_nope"},
        {"Authorization": key[:-2] + "xx"},
    ]
    for headers in cases:
        err = error_of(svc.client.get(f"/v1/plans/{job['id']}", headers=headers), 401,
                       "unauthorized", "authorization")  # fmt: skip
        assert err
    assert svc.client.get("/v1/plans", headers={"Authorization": key}).status_code == 200
    assert db.revoke_key(svc.engine, key_id)
    error_of(svc.client.get("/v1/plans", headers={"Authorization": key}), 401, "unauthorized")


def _new_key(svc: Service) -> tuple[str, str]:
    key_id, key = db.create_key(svc.engine, "revocable")
    return key_id, f"Bearer {key}"


# ---------------------------------------------------------------- bad requests
def test_bad_requests_name_the_field(svc: Service):
    h = svc.headers()
    post = svc.submit
    error_of(post("{not json", h), 400, "invalid_json", "body")
    problem = json.loads(SMALL)
    problem["stops"][1]["time_window"] = {"start_s": 40000, "end_s": 30000}
    err = error_of(post(json.dumps(problem), h), 400, "invalid_problem", "stops.1.time_window")
    assert "must not be before" in err["message"]
    problem = json.loads(SMALL)
    problem["stops"][0]["parcels"][0]["weight_kg"] = "heavy"
    error_of(post(json.dumps(problem), h), 400, "invalid_problem", "stops.0.parcels.0.weight_kg")
    problem = json.loads(SMALL)
    problem["colour"] = "red"
    err = error_of(post(json.dumps(problem), h), 400, "invalid_problem", "colour")
    assert "not a known field" in err["message"]
    error_of(post("[1, 2]", h), 400, "invalid_problem", "problem")
    error_of(post(SMALL, h, time_limit_s="abc"), 422, "validation_error", "time_limit_s")
    error_of(post(SMALL, h, compare="perhaps"), 422, "validation_error", "compare")
    error_of(post(SMALL, h, time_limit_s=301), 400, "invalid_parameter", "time_limit_s")
    error_of(post(SMALL, h, time_limit_s=0), 400, "invalid_parameter", "time_limit_s")
    error_of(post(SMALL, h, seed=-1), 400, "invalid_parameter", "seed")
    error_of(post(SMALL, h, ctype="text/plain"), 415, "unsupported_media_type", "content-type")
    error_of(post(SMALL, h, ctype=""), 415, "unsupported_media_type", "content-type")
    error_of(post(CSV, h, ctype="text/csv"), 400, "invalid_parameter", "depot_lat")
    bad_csv = (DATA / "csv" / "orders_bad_weight.csv").read_text()
    err = error_of(post(bad_csv, h, ctype="text/csv", **CSV_PARAMS), 400, "invalid_problem",
                   "row 3.weight_kg")  # fmt: skip
    assert err["message"] == "row 3.weight_kg: must be a number, got 'heavy'"
    error_of(post(CSV, h, ctype="text/csv", **{**CSV_PARAMS, "fleet": "tesla:1"}), 400,
             "invalid_parameter", "fleet")  # fmt: skip
    form = svc.client.post("/v1/plans", files={"other": ("a.csv", b"x")}, headers=h)
    error_of(form, 400, "invalid_problem", "file")
    error_of(svc.client.get("/v1/plans", params={"limit": "many"}, headers=h), 422,
             "validation_error", "limit")  # fmt: skip
    error_of(svc.client.get("/v1/nothing", headers=h), 404, "not_found")
    error_of(svc.client.put("/v1/plans", headers=h), 405, "method_not_allowed")


def test_body_size_limit(svc: Service):
    h = svc.headers()
    big = json.dumps({"padding": "x" * 400_000})
    error_of(svc.submit(big, h), 413, "too_large", "body")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while streaming
        for _ in range(40):
            yield b" " * 10_000

    resp = svc.client.post(
        "/v1/plans", content=chunks(), headers={**h, "content-type": "application/json"}
    )
    error_of(resp, 413, "too_large", "body")


def test_geojson_before_done_is_409(svc: Service):
    h = svc.headers()
    job_id = svc.submit(SMALL, h, time_limit_s=30).json()["id"]
    error_of(svc.client.get(f"/v1/plans/{job_id}/geojson", headers=h), 409, "conflict", "status")
    assert svc.client.delete(f"/v1/plans/{job_id}", headers=h).status_code == 200


def test_vroom_endpoint_round_trip(svc: Service):
    h = {**svc.headers(), "content-type": "application/json"}
    resp = svc.client.post("/v1/vroom", params={"time_limit_s": 1}, content=VROOM, headers=h)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["code"] == 0 and out["routes"]
    served = {s["id"] for r in out["routes"] for s in r["steps"] if s["type"] == "job"}
    unassigned = {u["id"] for u in out["unassigned"]}
    assert served | unassigned == {11, 12, 13, 14, 15, 16}  # integer ids come back as integers
    bad = json.loads(VROOM)
    bad["jobs"][0]["location"] = [1000, 0]
    error_of(svc.client.post("/v1/vroom", content=json.dumps(bad), headers=h), 400,
             "invalid_problem", "jobs.0.location")  # fmt: skip
    error_of(svc.client.post("/v1/vroom", content=VROOM, headers={**h, "content-type": "text/csv"}),
             415, "unsupported_media_type")  # fmt: skip


# ---------------------------------------------------------------- own apps
def test_built_dashboard_is_served_at_root(tmp_path: Path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>dashboard</title>")
    (static / "app.js").write_text("console.log(1)")
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'd.db'}", workers=0, static_dir=str(static))
    with running_app(settings) as s:
        assert "<title>dashboard</title>" in s.client.get("/").text
        assert s.client.get("/app.js").text == "console.log(1)"
        assert s.client.get("/healthz").json()["status"] == "ok"
        error_of(s.client.get("/v1/plans"), 401, "unauthorized")
        error_of(s.client.get("/missing.js"), 404, "not_found")


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_queue_full_is_503_with_retry_after(backend_name: str, tmp_path: Path):
    with (
        fresh_database(backend_name, tmp_path) as url,
        running_app(Settings(db_url=url, workers=0, max_queue=2)) as s,
    ):
        h = s.headers()
        assert [s.submit(SMALL, h).status_code for _ in range(2)] == [202, 202]
        err = error_of(s.submit(SMALL, h), 503, "queue_full", "queue")
        assert "retry" in err["message"]
        resp = s.submit(SMALL, h)
        assert int(resp.headers["retry-after"]) >= 1
        assert len(s.client.get("/v1/plans", headers=h).json()["plans"]) == 2
        assert s.client.get("/healthz").json()["queued"] == 2


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_restart_requeues_or_fails_interrupted_jobs(backend_name: str, tmp_path: Path):
    with fresh_database(backend_name, tmp_path) as url:
        settings = Settings(db_url=url, workers=0, max_attempts=2)
        with running_app(settings) as s:
            h = s.headers("acme")
            ids = [s.submit(SMALL, h, time_limit_s=0.2).json()["id"] for _ in range(3)]
            with s.engine.begin() as c:  # as a killed server leaves them
                for job_id, attempts in zip(ids, (1, 2, 0), strict=True):
                    status = "running" if attempts else "queued"
                    c.execute(update(db.jobs).where(db.jobs.c.id == job_id)
                              .values(status=status, attempts=attempts))  # fmt: skip
        with running_app(settings.with_(workers=1)) as s:
            jobs = {j: s.wait(j, h, timeout=60) for j in ids}
            assert jobs[ids[0]]["status"] == "done" and jobs[ids[0]]["attempts"] == 2
            assert jobs[ids[1]]["status"] == "failed"
            assert jobs[ids[1]]["error"] == {
                "code": "server_restart",
                "message": "interrupted by 2 server restarts",
            }
            assert jobs[ids[2]]["status"] == "done" and jobs[ids[2]]["attempts"] == 1


def test_job_past_its_time_limit_is_killed(tmp_path: Path):
    with (
        fresh_database("sqlite", tmp_path) as url,
        running_app(Settings(db_url=url, workers=1, kill_grace_s=0)) as s,
    ):
        h = s.headers()
        job_id = s.submit(SMALL, h, time_limit_s=0.5).json()["id"]
        job = s.wait(job_id, h, timeout=30)
        assert job["status"] == "failed" and job["error"]["code"] == "timeout", job
        assert "after its time limit" in job["error"]["message"]
        assert s.client.get("/healthz").json()["busy_workers"] == 0
