"""TSP-D reader and writer: own fixture, and the published optima when the data is present."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from voltroute.evaluate.sync import check_operations
from voltroute.io.tspd import (
    TspdOperation,
    is_tspd,
    operations_cost,
    parse_tspd,
    read_tspd,
    read_tspd_solution,
    solution_to_operations,
    write_tspd_solution,
)
from voltroute.model import ProblemError

FIX = Path(__file__).resolve().parents[1] / "data" / "sidekick" / "tiny.txt"


def test_read_fixture_factors_and_distances() -> None:
    inst = read_tspd(FIX)
    assert inst.n == 5 and inst.num_drones == 1
    assert inst.truck_time_s[0, 1] == pytest.approx(10.0)
    assert inst.drone_time_s[0, 2] == pytest.approx(0.5 * math.sqrt(200))
    assert inst.node_names[4] == "loc4"
    assert not inst.drone_eligible[0] and inst.drone_eligible[1:].all()
    assert is_tspd(FIX.read_text())


def test_operations_cost_hand_computed() -> None:
    inst = read_tspd(FIX)
    # van 0-1-2-3-0 with the drone 3 -> 4 -> 0 : truck leg 3->0 = 10, drone (sqrt(125)+sqrt(425))/2
    ops = [
        TspdOperation(start=0, end=1, fly=-1),
        TspdOperation(start=1, end=2, fly=-1),
        TspdOperation(start=2, end=3, fly=-1),
        TspdOperation(start=3, end=0, fly=4),
    ]
    drone = 0.5 * (math.sqrt(125) + math.sqrt(425))
    assert operations_cost(inst, ops) == pytest.approx(30 + max(10.0, drone))
    assert check_operations(inst, ops).feasible


def test_writer_round_trip(tmp_path: Path) -> None:
    inst = read_tspd(FIX)
    ops = solution_to_operations((0, 1, 3, 0), [(0, 2, 2), (2, 4, 2)])
    assert ops[0] == TspdOperation(start=0, end=3, fly=2, internal=(1,))
    assert ops[1] == TspdOperation(start=3, end=3, fly=4)
    text = write_tspd_solution(ops, inst)
    f = tmp_path / "sol.txt"
    f.write_text(text)
    assert read_tspd_solution(f) == ops


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ProblemError, match="cost_factors"):
        parse_tspd("/*x*/ 0 0.5 3 0 0 d 1 1 a 2 2 b")
    with pytest.raises(ProblemError, match="nodes"):
        parse_tspd("/*x*/ 1 0.5 4 0 0 d 1 1 a")
    with pytest.raises(ProblemError, match="one drone"):
        solution_to_operations((0, 1, 0), [(0, 2, 1), (0, 3, 1)])


def test_published_optimum_matches_its_comment(shared_data: Path) -> None:
    d = shared_data / "tspd" / "uniform"
    inst = read_tspd(d / "uniform-1-n11.txt")
    ops = read_tspd_solution(d / "solutions" / "uniform-1-n11-DP.txt")
    rep = check_operations(inst, ops)
    assert rep.feasible
    assert rep.cost == pytest.approx(221.18876576478925)
