"""CSV of orders → Problem: grouping, defaults, and one-line errors naming row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from voltroute.io.csv_orders import parse_time, problem_from_csv
from voltroute.model import ProblemError

DATA = Path(__file__).resolve().parents[1] / "data"
DEPOT = {"depot_lat": 60.1662, "depot_lon": 24.9360}


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_small_orders_grouped_into_stops():
    p = problem_from_csv(
        read("orders_small.csv"), fleet="ford-e-transit:2,diesel-cargo-van:1", **DEPOT
    )
    assert p.name == "orders"
    assert [s.id for s in p.stops] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"]
    assert p.num_parcels == 10
    a1 = p.stop_by_id["A1"]
    assert [q.id for q in a1.parcels] == ["A1-1", "A1-2"]
    assert a1.weight_kg == pytest.approx(3.6)
    assert (a1.time_window.start_s, a1.time_window.end_s) == (9 * 3600, 12 * 3600)
    assert a1.service_time_s == 120 and a1.address == "Mannerheimintie 5"
    a4 = p.stop_by_id["A4"]
    assert [q.id for q in a4.parcels] == ["A4-1", "A4-2"]  # default parcel ids
    assert a4.time_window is None
    assert p.stop_by_id["A5"].time_window.end_s == 43200  # seconds accepted
    assert p.stop_by_id["A8"].address == "Fredrikinkatu 48"
    assert [(v.id, v.count) for v in p.vehicle_types] == [
        ("ford-e-transit", 2),
        ("diesel-cargo-van", 1),
    ]
    assert all((v.shift_start_s, v.shift_end_s) == (28800, 64800) for v in p.vehicle_types)
    (depot,) = p.depots
    assert (depot.id, depot.location.lat, depot.location.lon) == ("depot", 60.1662, 24.936)


def test_defaults_and_options():
    text = "STOP_ID,Lat,Lon,Weight_kg,Volume_m3\r\nx,60.17,24.94,1,0.01\r\n\r\n"
    p = problem_from_csv("\ufeff" + text, depot_lat=60.1, depot_lon=24.9, shift_start="06:30",
                         shift_end="14:00", name="early")  # fmt: skip
    assert p.name == "early"
    assert [v.id for v in p.vehicle_types] == ["rivian-edv", "ford-e-transit", "diesel-step-van"]
    assert p.vehicle_types[0].shift_start_s == 6 * 3600 + 1800
    assert p.stops[0].service_time_s == 0 and p.stops[0].time_window is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("orders_bad_weight.csv", "row 3.weight_kg: must be a number, got 'heavy'"),
        ("orders_missing_column.csv", "header.volume_m3: required column is missing"),
        ("orders_unknown_column.csv", "header.colour: unknown column"),
        ("orders_moved_stop.csv", "row 3.lat: stop 'A1' has another location on row 2"),
        ("orders_bad_window.csv", "row 2.tw_end: window end (32400 s) must not be before"),
        ("orders_bad_lat.csv", "row 2.lat: must be between -90 and 90"),
        ("orders_header_only.csv", "csv: has no order rows below the header"),
        ("orders_duplicate_parcel.csv", "row 3.parcel_id: parcel id 'P1' is already used on row 2"),
        ("orders_bad_time.csv", "row 2.tw_start: must be HH:MM or seconds, got '25:99'"),
    ],
)
def test_malformed_files_give_one_line(name: str, message: str):
    with pytest.raises(ProblemError) as err:
        problem_from_csv(read(f"csv/{name}"), **DEPOT)
    text = str(err.value)
    assert text.startswith(message), text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fleet": "tesla-semi:2"}, "fleet: unknown preset 'tesla-semi'"),
        ({"fleet": "ford-e-transit:0"}, "fleet: count of 'ford-e-transit' must be"),
        (
            {"fleet": "ford-e-transit:1,ford-e-transit:2"},
            "fleet: preset 'ford-e-transit' is listed",
        ),
        ({"fleet": " , "}, "fleet: must name at least one preset"),
        ({"shift_start": "8am"}, "shift_start: must be HH:MM or seconds"),
        ({"shift_start": "18:00", "shift_end": "08:00"}, "shift_end: must not be before"),
        ({"depot_lat": 123.0}, "depot_lat:"),
    ],
)
def test_bad_parameters(kwargs, message):
    args = {**DEPOT, **kwargs}
    with pytest.raises(ProblemError) as err:
        problem_from_csv(read("orders_small.csv"), **args)
    assert str(err.value).startswith(message), str(err.value)


def test_empty_text_and_short_rows():
    with pytest.raises(ProblemError, match="^csv: is empty"):
        problem_from_csv("\n\n", **DEPOT)
    with pytest.raises(ProblemError, match=r"^row 2\.volume_m3: is required"):
        problem_from_csv("stop_id,lat,lon,weight_kg,volume_m3\nA,60.1,24.9,1\n", **DEPOT)
    with pytest.raises(ProblemError, match=r"^row 2: has 6 cells"):
        problem_from_csv("stop_id,lat,lon,weight_kg,volume_m3\nA,60.1,24.9,1,1,9\n", **DEPOT)
    with pytest.raises(
        ProblemError, match=r"^row 2\.stop_id: must be at most 200 characters without spaces"
    ):
        problem_from_csv("stop_id,lat,lon,weight_kg,volume_m3\nA B,60.1,24.9,1,1\n", **DEPOT)


def test_parse_time():
    assert parse_time("08:00", "t") == 28800
    assert parse_time("8:30:15", "t") == 30615
    assert parse_time("3600", "t") == 3600
    with pytest.raises(ProblemError, match="^t: "):
        parse_time("-5", "t")
