"""Validation of the depot charging data: one-line errors naming the field."""

from __future__ import annotations

import copy
import json

import pytest

from voltroute.charging import DepotChargingProblem, charging_problem_from_dict
from voltroute.model import ProblemError


@pytest.fixture()
def raw(data_dir):
    return json.loads((data_dir / "charging" / "small.json").read_text())


def _err(data) -> str:
    with pytest.raises(ProblemError) as exc:
        charging_problem_from_dict(data)
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_small_fixture_loads(raw):
    p = charging_problem_from_dict(raw)
    assert isinstance(p, DepotChargingProblem)
    assert p.num_slots == (117000 - 61200) // 900
    assert len(p.vehicles) == 6


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (lambda d: d["vehicles"][0].update(departure_s=1000), "vehicles.0.departure_s", "after"),
        (
            lambda d: d["vehicles"][1].update(arrival_soc_kwh=80.0),
            "vehicles.1.arrival_soc_kwh",
            "above",
        ),
        (
            lambda d: d["vehicles"][2].update(required_soc_kwh=70.0),
            "vehicles.2.required_soc_kwh",
            "above",
        ),
        (lambda d: d["tariff"]["periods"][1].update(start_s=20000), "tariff.periods.1", "overlaps"),
        (lambda d: d["tariff"]["periods"][1].update(start_s=30000), "tariff.periods", "no price"),
        (lambda d: d["site"]["chargers"][0].update(count=0), "site.chargers.0.count", ""),
        (lambda d: d["site"].update(chargers=[]), "site.chargers", ""),
        (lambda d: d.update(end_s=117001), "end_s", "whole number"),
        (lambda d: d["vehicles"][0].update(arrival_s=100), "vehicles.0.arrival_s", "horizon"),
        (
            lambda d: d["vehicles"][0].update(
                taper=[
                    {"soc_fraction": 0, "power_fraction": 0.5},
                    {"soc_fraction": 0.5, "power_fraction": 0.5},
                    {"soc_fraction": 1, "power_fraction": 1},
                ]
            ),
            "vehicles.0.taper",
            "concave",
        ),
        (
            lambda d: d["tariff"]["periods"][3].update(end_s=90000),
            "tariff.periods.3.end_s",
            "86400",
        ),
    ],
)
def test_bad_input_names_the_field(raw, edit, field, words):
    data = copy.deepcopy(raw)
    edit(data)
    msg = _err(data)
    assert msg.startswith(field), msg
    assert words in msg


def test_absolute_tariff_must_cover_horizon(raw):
    data = copy.deepcopy(raw)
    data["tariff"] = {
        "repeat_daily": False,
        "periods": [{"start_s": 61200, "end_s": 100000, "price_per_kwh": 0.2}],
    }
    assert "no price for [100000, 117000)" in _err(data)
    data["tariff"]["periods"].append({"start_s": 100000, "end_s": 117000, "price_per_kwh": 0.1})
    p = charging_problem_from_dict(data)
    assert p.slot_prices()[-1] == pytest.approx(0.1)


def test_daily_tariff_repeats_and_averages_over_slots(raw):
    data = copy.deepcopy(raw)
    data["slot_s"] = 3600
    data["start_s"], data["end_s"] = 75600, 75600 + 12 * 3600  # 21:00 -> 09:00 next day
    for v in data["vehicles"]:
        v["arrival_s"], v["departure_s"] = 75600, 75600 + 12 * 3600
    p = charging_problem_from_dict(data)
    prices = p.slot_prices()
    assert prices[0] == pytest.approx(0.16)  # 21:00-22:00
    assert prices[3] == pytest.approx(0.10)  # 00:00-01:00 next day
    assert prices[9] == pytest.approx(0.16)  # 06:00-07:00 next day
    assert p.tariff.average_price(84600, 88200) == pytest.approx(0.13)  # 23:30-00:30
