"""The command line: exit codes, one-line errors on every malformed input, outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from voltroute.cli.main import main

DATA = Path(__file__).resolve().parents[1] / "data"
BAD = sorted((DATA / "bad").iterdir())


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_malformed_problem_gives_one_line_and_exit_2(path, capsys):
    code = main(["solve", str(path), "--time-limit", "1", "-q"])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("voltroute: error: ")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "name, needle",
    [
        ("tw_end_before_start", "stops.1.time_window"),
        ("unknown_depot", "vehicle_types.0.start_depot"),
        ("duplicate_stop_id", "duplicate stop id 's1'"),
        ("negative_weight", "stops.2.parcels.0.weight_kg"),
        ("missing_location", "stops.4.location: is required"),
        ("lat_out_of_range", "stops.5.location.lat"),
        ("unknown_preset", "vehicle_types.1.preset"),
        ("unknown_field", "stops.0.colour: is not a known field"),
        ("no_parcels", "stops.6.parcels"),
        ("zero_count", "vehicle_types.0.count"),
        ("no_vehicle_types", "vehicle_types"),
        ("not_json", "not valid JSON"),
        ("not_a_problem", "unrecognised problem format"),
    ],
)
def test_error_names_the_field(name, needle, capsys):
    path = next(p for p in BAD if p.stem == name)
    main(["solve", str(path), "-q"])
    assert needle in capsys.readouterr().err


def test_missing_file_and_bad_args(capsys, tmp_path):
    assert main(["solve", str(tmp_path / "nope.json")]) == 2
    assert "file not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["solve"])
    assert exc.value.code == 2
    assert main(["solve", str(DATA / "small_problem.json"), "--time-limit", "-1"]) == 2
    assert "time_limit_s" in capsys.readouterr().err


def test_solve_then_check_json(tmp_path, capsys):
    out = tmp_path / "sol.json"
    assert (
        main(
            [
                "solve",
                str(DATA / "small_problem.json"),
                "--time-limit",
                "2",
                "--max-iterations",
                "200",
                "-o",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["check", str(DATA / "small_problem.json"), str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in (
        "feasible",
        "distance_m",
        "duration_s",
        "energy_kwh",
        "fuel_l",
        "cost",
        "co2_kg",
        "served",
        "unassigned",
    ):
        assert key in report
    assert report["feasible"] is True
    assert report["served"] + report["unassigned"] == 14


def test_check_reports_infeasible_with_exit_1(tmp_path, capsys):
    sol = {"routes": [{"vehicle": "ev-1", "vehicle_type": "ev", "stops": ["s1", "s1"]}]}
    path = tmp_path / "bad_sol.json"
    path.write_text(json.dumps(sol))
    assert main(["check", str(DATA / "small_problem.json"), str(path)]) == 1
    out = capsys.readouterr().out
    assert "INFEASIBLE" in out and "served 2 times" in out


@pytest.mark.parametrize("fmt", ["json", "geojson", "vroom"])
def test_output_formats(fmt, tmp_path, capsys):
    out = tmp_path / f"sol.{fmt}"
    assert (
        main(
            [
                "solve",
                str(DATA / "small_problem.json"),
                "--time-limit",
                "1",
                "--max-iterations",
                "100",
                "--format",
                fmt,
                "-o",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    data = json.loads(out.read_text())
    if fmt == "geojson":
        assert data["type"] == "FeatureCollection"
    elif fmt == "vroom":
        assert data["code"] == 0 and "routes" in data
    else:
        assert "routes" in data and "kpis" in data


def test_schema_and_presets(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "voltroute problem"
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in (
        "rivian-edv",
        "ford-e-transit",
        "mercedes-esprinter",
        "diesel-step-van",
        "diesel-cargo-van",
    ):
        assert name in out


def test_console_script_installed():
    exe = shutil.which("voltroute") or str(Path(sys.executable).parent / "voltroute")
    res = subprocess.run(
        [exe, "solve", str(DATA / "bad" / "unknown_depot.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "start_depot" in res.stderr


def test_compare_prints_three_fleets(tmp_path, capsys):
    out = tmp_path / "cmp.json"
    assert main(["compare", str(DATA / "small_problem.json"), "--time-limit", "1", "-q",
                 "--json", str(out)]) == 0  # fmt: skip
    table = capsys.readouterr().out
    rows = json.loads(out.read_text())
    assert [r["strategy"] for r in rows] == ["diesel", "electric", "mixed"]
    assert all(r["feasible"] for r in rows)
    diesel, electric = rows[0], rows[1]
    assert diesel["kwh"] == 0 and diesel["litres"] > 0
    assert electric["litres"] == 0 and electric["kwh"] > 0
    assert electric["co2_kg_per_parcel"] < diesel["co2_kg_per_parcel"]
    for word in ("strategy", "diesel", "electric", "mixed", "USD/parcel"):
        assert word in table


def test_vroom_shipments_file_is_recognised(capsys):
    assert main(["solve", str(DATA / "vroom_shipments.json"), "-q"]) == 2
    assert "shipments" in capsys.readouterr().err
