"""``voltroute solve`` for mFSTSP directories (--drones, --vehicles) and TSP-D (--format tspd)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voltroute.cli.main import main

FIX = Path(__file__).resolve().parents[2] / "data" / "sidekick"


def test_mfstsp_flags_write_a_checked_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    args = ["solve", str(FIX / "mfstsp_tiny"), "--vehicles", str(FIX / "vehicles_tiny.csv")]
    assert main([*args, "--drones", "2", "--time-limit", "0.5", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    served = set(doc["truck_route"][1:-1]) | {s["customer"] for s in doc["sorties"]}
    assert served == {1, 2, 3}
    assert all(s["customer"] != 2 for s in doc["sorties"])  # 100 lbs never flies
    assert doc["makespan_s"] > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--drones", "5"], "--drones: must be in 0..2"),
        (["--drones", "-1"], "--drones: must be >= 0"),
        (["--vehicles", "nope.csv"], "--vehicles: file nope.csv not found"),
    ],
)
def test_mfstsp_bad_flags_one_line(capsys, extra: list[str], message: str) -> None:
    args = ["solve", str(FIX / "mfstsp_tiny"), "--vehicles", str(FIX / "vehicles_tiny.csv")]
    if extra[0] == "--vehicles":
        args = ["solve", str(FIX / "mfstsp_tiny")]
    assert main([*args, *extra, "--time-limit", "0.2"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_tspd_rejects_drone_flags(capsys) -> None:
    args = ["solve", str(FIX / "tiny.txt"), "--format", "tspd", "--drones", "2"]
    assert main(args) == 2
    assert "mFSTSP problem directories only" in capsys.readouterr().err


def test_tspd_operations_written(tmp_path: Path) -> None:
    out = tmp_path / "ops.txt"
    args = ["solve", str(FIX / "tiny.txt"), "--format", "tspd", "--time-limit", "0.3"]
    assert main([*args, "-o", str(out)]) == 0
    lines = [ln for ln in out.read_text().splitlines() if ln and not ln.startswith("/*")]
    assert int(lines[0]) == len(lines) - 1
