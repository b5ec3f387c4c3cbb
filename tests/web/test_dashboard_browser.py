"""The web dashboard end to end, in headless Chromium, against a real ``voltroute serve``.

It starts the service on a free loopback port with a temporary SQLite database, creates an API
key with ``voltroute keys create``, opens the dashboard, enters the key, uploads a 40-stop demo
problem, waits for the plan, and checks what the page shows against the API: one route layer
drawn on the map per route, and every KPI tile's ``data-value`` equal to the job's ``kpis``.
A full-page screenshot is written to ``tests/web/screenshots/dashboard.png``.

It skips, saying why, when Chromium, the Python ``playwright`` package, the built dashboard
(``make web``) or the service package is missing. Set ``VOLTROUTE_DASHBOARD_URL`` and
``VOLTROUTE_DASHBOARD_KEY`` to run it against a server that is already running instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC_INDEX = ROOT / "src" / "voltroute" / "service" / "static" / "index.html"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Software WebGL (SwiftShader through ANGLE) so MapLibre can draw without a GPU; no background
# traffic, since the machine's network is closed.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PLAN_TIMEOUT_S = 50
KEY_RE = re.compile(r"\bvr_[A-Za-z0-9_\-]+")

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("the Python 'playwright' package is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    if not STATIC_INDEX.exists():
        pytest.skip(f"the dashboard is not built: {STATIC_INDEX} is missing (make web)")


def _voltroute_exe() -> str:
    beside = Path(sys.executable).with_name("voltroute")
    return str(beside) if beside.exists() else (shutil.which("voltroute") or "voltroute")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_json(url: str, key: str) -> Any:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, API key) of a running service: an external one, or one started here."""
    _require_browser()
    external = os.environ.get("VOLTROUTE_DASHBOARD_URL")
    if external:
        yield external.rstrip("/"), os.environ["VOLTROUTE_DASHBOARD_KEY"]
        return
    if importlib.util.find_spec("voltroute.service.app") is None:
        pytest.skip("the service (voltroute.service.app) is not available")
    exe = _voltroute_exe()
    for command in ("serve", "keys"):
        probe = subprocess.run(
            [exe, command, "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        if probe.returncode != 0:
            pytest.skip(f"the voltroute CLI has no '{command}' command")
    db = f"sqlite:///{tmp_path / 'voltroute.db'}"
    created = subprocess.run(
        [exe, "keys", "create", "dashboard-test", "--db", db],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, f"voltroute keys create failed:\n{created.stderr}"
    match = KEY_RE.search(created.stdout)
    assert match, f"no key in the output of voltroute keys create: {created.stdout!r}"
    port = _free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "VOLTROUTE_WORKERS": "1"}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voltroute serve exited early:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"voltroute serve did not answer /healthz:\n{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.2)
        yield base, match.group(0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def problem_file(tmp_path: Path) -> Path:
    from voltroute.demo import build_problem
    from voltroute.io.native import dump_problem

    problem, _roads = build_problem(n_stops=40)
    path = tmp_path / "problem.json"
    dump_problem(problem, path)
    return path


def _kpi(kpis: dict[str, Any], name: str) -> Any:
    value: Any = kpis
    for part in name.split("."):
        value = value[part]
    return value


def test_dashboard_plans_and_shows_the_api_values(
    service: tuple[str, str], problem_file: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, key = service
    started = time.monotonic()
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/")
            page.get_by_test_id("api-key-input").fill(key)
            page.get_by_test_id("api-key-save").click()
            page.get_by_test_id("upload-input").set_input_files(str(problem_file))
            page.get_by_test_id("time-limit-input").fill("2")
            page.get_by_test_id("submit-button").click()
            page.wait_for_function(
                "window.__voltroute && (window.__voltroute.ready"
                " || ['failed', 'cancelled'].includes(window.__voltroute.status))",
                timeout=PLAN_TIMEOUT_S * 1000,
            )
            state = page.evaluate("window.__voltroute")
            status_text = page.get_by_test_id("plan-status").inner_text()
            assert state["ready"], f"the plan did not finish: {status_text}"
            tiles = page.evaluate(
                "[...document.querySelectorAll('[data-kpi]')]"
                ".map(e => [e.dataset.kpi, e.dataset.value])"
            )
            comparison_rows = page.locator("[data-testid=comparison-table] tbody tr").count()
            van_cards = page.locator("[data-testid=charts] .van").count()
            timeline_groups = page.locator("#timeline .vis-labelset .vis-label").count()
            page.wait_for_timeout(300)  # let the last map frame settle for the picture
            SCREENSHOTS.mkdir(exist_ok=True)
            shot = SCREENSHOTS / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"dashboard screenshot: {shot}")
        finally:
            browser.close()

    job = _get_json(f"{base}/v1/plans/{state['planId']}", key)
    assert job["status"] == "done"
    routes = job["solution"]["routes"]
    assert routes, "the plan has no routes"
    # The map: one line layer per route, each actually rendered (WebGL canvases can't be read).
    assert state["routeLayerCount"] == len(routes)
    assert state["routesRendered"] == len(routes)
    assert sorted(v["vehicle"] for v in state["vehicles"]) == sorted(r["vehicle"] for r in routes)
    # KPI tiles carry the API's raw values exactly.
    names = [name for name, _ in tiles]
    for required in (
        "vehicles_used",
        "distance_m",
        "energy_kwh",
        "fuel_l",
        "cost_per_parcel",
        "co2_kg_per_parcel",
        "unassigned_parcels",
    ):
        assert required in names, f"no KPI tile {required}"
    for name, value in tiles:
        assert float(value) == _kpi(job["kpis"], name), f"KPI tile {name}: {value}"
    # One timeline row and one chart card per van; the comparison of the three fleets.
    assert van_cards == len(routes)
    assert timeline_groups == len(routes)
    assert job["comparison"], "compare=true gave no comparison"
    assert comparison_rows == len(job["comparison"])
    assert not errors, f"errors in the page: {errors}"
    assert time.monotonic() - started < 60
