"""The REST API (FastAPI): ``create_app(settings)`` builds it; see docs/service.md.

Nothing is built at import time. On start-up the app migrates the database, re-queues (or fails)
jobs that a previous server left running, and starts the dispatcher
(:mod:`voltroute.service.runner`); on shutdown it stops the workers and re-queues their jobs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voltroute import __version__
from voltroute.model import ProblemError, VoltrouteError
from voltroute.service import db
from voltroute.service.runner import Runner, die_with_parent, one_line, solve_vroom
from voltroute.service.settings import Settings

log = logging.getLogger("voltroute.service")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "unavailable",
}
NOT_BUILT_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>voltroute</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>voltroute service</h1>
<p>The dashboard is not built. Run <code>make web</code>, then restart the server.</p>
<p>The API is running: see <a href="/docs">/docs</a> and <a href="/healthz">/healthz</a>.</p>
</body></html>
"""


# ------------------------------------------------------------------------------ errors
class ApiError(Exception):
    """An error answer: ``{"error": {"code", "message", "field"}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": one_line(message, 1000), "field": field}}
    return JSONResponse(body, status_code=status, headers=headers)


def problem_error(exc: ProblemError, code: str = "invalid_problem") -> ApiError:
    return ApiError(400, code, str(exc), exc.field or None)


class _TooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"body: larger than the limit of {limit} bytes")


class BodyLimit:
    """Refuse bodies above ``max_bytes``: by Content-Length up front, else while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = False
                if too_big:
                    resp = error_response(413, "too_large", _TooLarge(limit).detail, "body")
                    await resp(scope, receive, send)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge as exc:
            if started:
                raise
            await error_response(413, "too_large", str(exc.detail), "body")(scope, receive, send)


# ------------------------------------------------------------------------------ state
@dataclass
class ServiceState:
    settings: Settings
    engine: Any = None
    runner: Runner | None = None
    pool: ProcessPoolExecutor | None = None
    _roads: Any = None
    _roads_loaded: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self.engine = db.make_engine(self.settings.db_url)
        db.migrate(self.engine)
        result = db.recover(self.engine, self.settings.max_attempts)
        if any(result.values()):
            log.warning("jobs interrupted by a restart: %s", result)
        self.runner = Runner(
            self.engine,
            self.settings.db_url,
            workers=self.settings.workers,
            kill_grace_s=self.settings.kill_grace_s,
        )
        self.runner.start()

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()
        if self.pool is not None:
            procs = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                with suppress(Exception):
                    proc.kill()
        if self.engine is not None:
            self.engine.dispose()

    def vroom_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self.pool is None:
                import multiprocessing as mp
                import os

                self.pool = ProcessPoolExecutor(
                    max_workers=max(1, self.settings.workers),
                    mp_context=mp.get_context("spawn"),
                    initializer=die_with_parent,
                    initargs=(os.getpid(),),
                )
            return self.pool

    def roads(self) -> Any:
        """The road network of ``osm_pbf``, loaded once; None when there is none."""
        with self._lock:
            if not self._roads_loaded:
                self._roads_loaded = True
                pbf = self.settings.osm_pbf
                if pbf != "":
                    try:
                        from voltroute.network.osm import RoadNetwork

                        if pbf is None:
                            from voltroute.demo import helsinki_pbf

                            pbf = str(helsinki_pbf())
                        self._roads = RoadNetwork.from_pbf(pbf, cache_dir=self.settings.cache_dir)
                    except Exception as exc:  # noqa: BLE001 - drawn with straight lines then
                        log.warning("no road network (%s: %s)", exc.__class__.__name__, exc)
            return self._roads


def _iso(dt: Any) -> str | None:
    return None if dt is None else dt.isoformat(timespec="milliseconds") + "Z"


def job_json(row: Any, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "status": row.status,
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "time_limit_s": row.time_limit_s,
        "seed": row.seed,
        "compare": bool(row.compare),
        "attempts": row.attempts,
        "progress": row.progress,
        "error": (
            {"code": row.error_code, "message": row.error_message} if row.error_code else None
        ),
        "kpis": row.kpis,
    }
    if full:
        out["solution"] = json.loads(row.solution) if row.solution else None
    out["comparison"] = row.comparison
    return out


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _is_csv(media: str) -> bool:
    return media in ("text/csv", "application/csv")


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "body: not UTF-8 text", "body") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            "invalid_json",
            f"body: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            "body",
        ) from None


@dataclass(frozen=True)
class CsvOptions:
    fleet: str
    depot_lat: float | None
    depot_lon: float | None
    shift_start: str
    shift_end: str
    name: str | None


def parse_problem(body: bytes, kind: str, options: CsvOptions) -> Any:
    """A validated Problem from a JSON (native or VROOM) or CSV body."""
    from voltroute.io.native import problem_from_dict
    from voltroute.io.vroom import is_vroom_input, problem_from_vroom

    if kind == "json":
        data = _parse_json(body)
        try:
            if is_vroom_input(data):
                return problem_from_vroom(data, name=options.name or "vroom")
            problem = problem_from_dict(data)
        except ProblemError as exc:
            raise problem_error(exc) from None
        return problem.replace(name=options.name) if options.name else problem
    from voltroute.io.csv_orders import problem_from_csv

    for name in ("depot_lat", "depot_lon"):
        if getattr(options, name) is None:
            raise ApiError(
                400, "invalid_parameter", f"{name}: is required for a CSV of orders", name
            )
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_problem", "body: the CSV is not UTF-8 text", "body") from None
    try:
        return problem_from_csv(
            text,
            fleet=options.fleet,
            depot_lat=float(options.depot_lat),  # type: ignore[arg-type]
            depot_lon=float(options.depot_lon),  # type: ignore[arg-type]
            shift_start=options.shift_start,
            shift_end=options.shift_end,
            name=options.name or "orders",
        )
    except ProblemError as exc:
        code = "invalid_parameter" if exc.field in _CSV_PARAMS else "invalid_problem"
        raise problem_error(exc, code) from None


_CSV_PARAMS = {"fleet", "depot_lat", "depot_lon", "shift_start", "shift_end"}


def _inside(problem: Any, bbox: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = bbox
    return all(
        loc.is_geographic and x0 <= loc.lon <= x1 and y0 <= loc.lat <= y1
        for loc in problem.locations
    )


# ------------------------------------------------------------------------------ the app
def create_app(settings: Settings | None = None) -> FastAPI:
    """The service as an ASGI app; ``settings`` default to :meth:`Settings.from_env`."""
    from voltroute.io.csv_orders import DEFAULT_FLEET

    settings = settings or Settings.from_env()
    state = ServiceState(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(state.start)
        try:
            yield
        finally:
            await run_in_threadpool(state.stop)

    app = FastAPI(
        title="voltroute",
        version=__version__,
        description="Plan parcel delivery for electric and diesel fleets (docs/service.md).",
        lifespan=lifespan,
    )
    app.state.service = state
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)

    # -- error handlers: every error has the same JSON shape
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODES.get(exc.status_code, "http_error")
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"{request.url.path}: no such resource"
        elif exc.status_code == 405:
            message = f"{request.url.path}: method {request.method} is not allowed"
        field = "body" if exc.status_code == 413 else None
        return error_response(exc.status_code, code, message, field, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "header", "body")]
        field = ".".join(loc) or None
        msg = str(first.get("msg", "invalid"))
        return error_response(422, "validation_error", f"{field}: {msg}" if field else msg, field)

    @app.exception_handler(VoltrouteError)
    async def _voltroute_error(request: Request, exc: VoltrouteError) -> JSONResponse:
        field = exc.field if isinstance(exc, ProblemError) else None
        return error_response(400, "invalid_problem", str(exc), field or None)

    # -- dependencies
    def tenant(request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiError(
                401, "unauthorized", "authorization: needs 'Bearer KEY'", "authorization",
                {"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        found = db.tenant_for_key(state.engine, key.strip())
        if found is None:
            raise ApiError(
                401, "unauthorized", "authorization: unknown or revoked key", "authorization",
                {"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        return found

    def time_limit(value: float | None) -> float:
        if value is None:
            return settings.default_time_limit_s
        if not value > 0:
            raise ApiError(
                400, "invalid_parameter", f"time_limit_s: must be > 0, got {value:g}",
                "time_limit_s",
            )  # fmt: skip
        if value > settings.max_time_limit_s:
            raise ApiError(
                400, "invalid_parameter",
                f"time_limit_s: must be at most {settings.max_time_limit_s:g}, got {value:g}",
                "time_limit_s",
            )  # fmt: skip
        return float(value)

    def check_seed(seed: int) -> int:
        if seed < 0:
            raise ApiError(400, "invalid_parameter", f"seed: must be >= 0, got {seed}", "seed")
        return seed

    def load_job(job_id: str, who: str, *, full: bool = True) -> Any:
        row = db.get_job(state.engine, job_id, who, full=full)
        if row is None:
            raise ApiError(404, "not_found", f"id: no plan {job_id!r}", "id")
        return row

    # -- endpoints
    @app.get("/healthz", tags=["service"])
    def healthz() -> JSONResponse:
        """Database reachable, worker processes and the queue."""
        try:
            counts = db.status_counts(state.engine)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return JSONResponse(
                {"status": "error", "db": one_line(f"{exc.__class__.__name__}: {exc}")},
                status_code=503,
            )
        runner = state.runner
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "db": "ok",
                "database": state.engine.dialect.name,
                "workers": settings.workers,
                "busy_workers": runner.busy() if runner else 0,
                "queued": counts["queued"],
                "running": counts["running"],
                "max_queue": settings.max_queue,
            }
        )

    @app.post("/v1/plans", status_code=202, tags=["plans"])
    async def submit_plan(
        request: Request,
        who: str = Depends(tenant),
        time_limit_s: float | None = Query(None, description="search time, s"),
        seed: int = Query(0),
        compare: bool = Query(False, description="also plan all-diesel and all-electric"),
        fleet: str = Query(DEFAULT_FLEET, description="CSV only: preset:count,..."),
        depot_lat: float | None = Query(None, description="CSV only"),
        depot_lon: float | None = Query(None, description="CSV only"),
        shift_start: str = Query("08:00", description="CSV only"),
        shift_end: str = Query("18:00", description="CSV only"),
        name: str | None = Query(None, max_length=200),
    ) -> JSONResponse:
        """Submit a problem (native JSON, VROOM JSON, CSV of orders, or multipart ``file``)."""
        limit = time_limit(time_limit_s)
        check_seed(seed)
        media = _media_type(request)
        if _is_json(media):
            kind, body = "json", await request.body()
        elif _is_csv(media):
            kind, body = "csv", await request.body()
        elif media == "multipart/form-data":
            kind, body = await _from_form(request)
        else:
            raise ApiError(
                415, "unsupported_media_type",
                f"content-type: {media or '(none)'} is not application/json, text/csv or "
                "multipart/form-data", "content-type",
            )  # fmt: skip
        options = CsvOptions(fleet, depot_lat, depot_lon, shift_start, shift_end, name)
        problem = await run_in_threadpool(parse_problem, body, kind, options)

        def store() -> Any:
            from voltroute.io.native import problem_to_dict

            job_id = db.insert_job(
                state.engine,
                tenant=who,
                name=problem.name,
                problem=problem_to_dict(problem),
                time_limit_s=limit,
                seed=seed,
                compare=compare,
                max_queue=settings.max_queue,
            )
            return None if job_id is None else db.get_job(state.engine, job_id, who)

        row = await run_in_threadpool(store)
        if row is None:
            retry = max(1, min(60, int(round(settings.default_time_limit_s))))
            raise ApiError(
                503, "queue_full",
                f"queue: {settings.max_queue} plans are waiting; retry in {retry} s", "queue",
                {"Retry-After": str(retry)},
            )  # fmt: skip
        if state.runner is not None:
            state.runner.wake()
        return JSONResponse(
            job_json(row), status_code=202, headers={"Location": f"/v1/plans/{row.id}"}
        )

    async def _from_form(request: Request) -> tuple[str, bytes]:
        form = await request.form(max_part_size=settings.max_body_bytes)
        item = form.get("file")
        if item is None:
            raise ApiError(400, "invalid_problem", "file: the form needs a field 'file'", "file")
        if isinstance(item, str):
            data = item.encode()
            ctype, filename = "", ""
        else:
            data = await item.read()
            ctype = (item.content_type or "").split(";")[0].strip().lower()
            filename = (item.filename or "").lower()
        if _is_json(ctype) or filename.endswith(".json"):
            return "json", data
        if _is_csv(ctype) or filename.endswith(".csv"):
            return "csv", data
        return ("json" if data.lstrip()[:1] in (b"{", b"[") else "csv"), data

    @app.get("/v1/plans", tags=["plans"])
    def list_plans(
        who: str = Depends(tenant),
        limit: int = Query(50, ge=1, le=500),
        status: str | None = Query(None, pattern="^(queued|running|done|failed|cancelled)$"),
    ) -> JSONResponse:
        """This tenant's plans, newest first, without ``solution``."""
        rows = db.list_jobs(state.engine, who, limit=limit, status=status)
        return JSONResponse({"plans": [job_json(r, full=False) for r in rows]})

    @app.get("/v1/plans/{job_id}", tags=["plans"])
    def get_plan(job_id: str, who: str = Depends(tenant)) -> JSONResponse:
        return JSONResponse(job_json(load_job(job_id, who)))

    @app.get("/v1/plans/{job_id}/problem", tags=["plans"])
    def get_problem(job_id: str, who: str = Depends(tenant)) -> JSONResponse:
        row = load_job(job_id, who)
        return JSONResponse(json.loads(row.problem))

    def _done_plan(job_id: str, who: str) -> tuple[Any, Any]:
        from voltroute.io.native import problem_from_dict, solution_from_dict

        row = load_job(job_id, who)
        if row.status != "done" or not row.solution:
            raise ApiError(
                409, "conflict", f"status: plan {job_id!r} is {row.status}, not done", "status"
            )
        problem = problem_from_dict(json.loads(row.problem))
        return problem, solution_from_dict(json.loads(row.solution))

    def _network_for(problem: Any) -> Any:
        net = state.roads()
        if net is None or not _inside(problem, net.bbox):
            return None
        return net

    @app.get("/v1/plans/{job_id}/geojson", tags=["plans"])
    def get_geojson(job_id: str, who: str = Depends(tenant)) -> JSONResponse:
        """The plan as GeoJSON; routes follow the roads when the road network covers it."""
        from voltroute.io.geojson import solution_to_geojson

        problem, solution = _done_plan(job_id, who)
        if not all(loc.is_geographic for loc in problem.locations):
            raise ApiError(409, "conflict", "problem: GeoJSON needs lat/lon locations", "problem")
        net = _network_for(problem)
        geometry: Callable[[list[tuple[float, float]]], Any] | None = None
        if net is not None:

            def geometry(points: list[tuple[float, float]]) -> Any:
                return net.route_geometry([p[1] for p in points], [p[0] for p in points])

        out = solution_to_geojson(solution, problem, geometry=geometry)
        out["road_geometry"] = net is not None
        return JSONResponse(out)

    @app.get("/v1/plans/{job_id}/roads", tags=["plans"])
    def get_roads(job_id: str, who: str = Depends(tenant)) -> JSONResponse:
        """The road network around the plan (empty when the plan lies outside it)."""
        row = load_job(job_id, who)
        from voltroute.io.native import problem_from_dict

        problem = problem_from_dict(json.loads(row.problem))
        features: list[dict[str, Any]] = []
        net = _network_for(problem) if all(loc.is_geographic for loc in problem.locations) else None
        if net is not None:
            lons = [loc.xy[0] for loc in problem.locations]
            lats = [loc.xy[1] for loc in problem.locations]
            pad = 0.005
            bbox = (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)
            for line in net.edges_lonlat(bbox=bbox, tolerance_m=5.0):
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "LineString", "coordinates": [list(p) for p in line]},
                        "properties": {},
                    }
                )
        return JSONResponse({"type": "FeatureCollection", "name": "roads", "features": features})

    @app.delete("/v1/plans/{job_id}", tags=["plans"])
    def cancel_plan(job_id: str, who: str = Depends(tenant)) -> JSONResponse:
        """Cancel a queued or running plan; 409 when it has finished already."""
        if not db.cancel_job(state.engine, job_id, who):
            row = load_job(job_id, who, full=False)
            raise ApiError(
                409, "conflict", f"status: plan {job_id!r} is {row.status} already", "status"
            )
        if state.runner is not None:
            state.runner.cancel(job_id)
        return JSONResponse(job_json(load_job(job_id, who)))

    @app.post("/v1/vroom", tags=["vroom"])
    async def vroom(
        request: Request,
        who: str = Depends(tenant),
        time_limit_s: float | None = Query(None),
        seed: int = Query(0),
    ) -> JSONResponse:
        """VROOM input JSON in, VROOM output JSON out (solved in a worker process)."""
        limit = time_limit(time_limit_s)
        check_seed(seed)
        media = _media_type(request)
        if not _is_json(media):
            raise ApiError(
                415, "unsupported_media_type",
                f"content-type: {media or '(none)'} is not application/json", "content-type",
            )  # fmt: skip
        body = await request.body()

        def prepare() -> dict[str, Any]:
            from voltroute.io.native import problem_to_dict
            from voltroute.io.vroom import problem_from_vroom

            data = _parse_json(body)
            if not isinstance(data, dict):
                raise ApiError(400, "invalid_problem", "body: must be a JSON object", "body")
            try:
                return problem_to_dict(problem_from_vroom(data))
            except ProblemError as exc:
                raise problem_error(exc) from None

        problem = await run_in_threadpool(prepare)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(state.vroom_pool(), solve_vroom, problem, limit, seed)
        try:
            result = await asyncio.wait_for(future, timeout=limit + settings.kill_grace_s + 30)
        except TimeoutError:
            raise ApiError(504, "timeout", "the solver did not answer in time") from None
        if result[0] == "ok":
            return JSONResponse(result[1])
        status = 400 if result[1] == "invalid_problem" else 500
        raise ApiError(status, result[1], result[2])

    # -- the dashboard
    static = Path(settings.static_dir) if settings.static_dir else Path(__file__).parent / "static"
    if (static / "index.html").is_file():
        from fastapi.staticfiles import StaticFiles

        app.mount("/", StaticFiles(directory=static, html=True), name="dashboard")
    else:

        @app.get("/", include_in_schema=False)
        def dashboard_not_built() -> HTMLResponse:
            return HTMLResponse(NOT_BUILT_HTML)

    return app


__all__ = ["ApiError", "Settings", "create_app"]
