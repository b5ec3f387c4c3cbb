"""mFSTSP reader and the multirotor energy model against hand computations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from voltroute.energy.drone import MultirotorPowerModel
from voltroute.io.mfstsp import read_mfstsp, read_mfstsp_vehicles
from voltroute.model import ProblemError

FIX = Path(__file__).resolve().parents[1] / "data" / "sidekick"


def test_power_model_hand_computed() -> None:
    m = MultirotorPowerModel()
    # hover, no payload: T = 1.5 * 9.8 = 14.7 N
    t = 14.7
    hover = 0.8554 * t * math.sqrt(t / 0.3051**2) + 0.3177 * t**1.5
    assert m.hover_power_w() == pytest.approx(hover)
    # a heavier parcel needs more power, at hover and in cruise
    assert m.power_w(2.0, 10.0) > m.power_w(0.0, 10.0)
    assert m.power_w(2.0, 0.0) > m.hover_power_w()


def test_vehicles_and_instance() -> None:
    veh = read_mfstsp_vehicles(FIX / "vehicles_tiny.csv")
    assert veh.truck_service_s == 30 and len(veh.drones) == 2
    assert veh.drones[0].payload_kg == pytest.approx(5 * 0.453592)
    inst = read_mfstsp(FIX / "mfstsp_tiny", FIX / "vehicles_tiny.csv", num_drones=2)
    assert inst.n == 4 and inst.num_drones == 2
    assert inst.drone_eligible.tolist() == [False, True, False, True]  # node 2: 100 lbs
    # leg 0 -> 1: 50/15.6464 + 0.5 s yaw + d/31.2928 + 50/7.8232
    d01 = 2 * 6378100 * math.asin(math.sin(math.radians(0.01) / 2))
    leg = 50 / 15.6464 + 0.5 + d01 / 31.2928 + 50 / 7.8232
    assert inst.drone_time_s[0, 1] == pytest.approx(leg, rel=1e-6)
    # endurance = minimum sortie time + left energy / hover power
    assert inst.endurance_s is not None and inst.flight_energy_j is not None
    e = inst.flight_energy_j[0, 1, 3]
    tmin = inst.drone_time_s[0, 1] + 60 + inst.drone_time_s[1, 3]
    assert inst.endurance_s[0, 1, 3] == pytest.approx(tmin + (457503 - e) / inst.hover_power_w)
    assert np.all(inst.truck_service_s[1:] == 30)


def test_too_many_drones_rejected() -> None:
    with pytest.raises(ProblemError, match="num_drones"):
        read_mfstsp(FIX / "mfstsp_tiny", FIX / "vehicles_tiny.csv", num_drones=3)


def test_real_problem_reads(shared_data: Path) -> None:
    root = shared_data / "mfstsp"
    name = sorted(p.name for p in (root / "problems").iterdir())[0]
    inst = read_mfstsp(root / "problems" / name, root / "tbl_vehicles_101.csv", num_drones=2)
    assert inst.n > 8
    assert inst.truck_time_s[0, 1] > 0
