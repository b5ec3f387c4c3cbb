from __future__ import annotations

import json

from voltroute.io import dump_problem, load_problem, problem_schema, solution_schema
from voltroute.io.native import problem_from_dict


def test_round_trip(small_problem, tmp_path):
    path = tmp_path / "p.json"
    dump_problem(small_problem, path)
    again = load_problem(path)
    assert again == small_problem


def test_schema_is_json_and_describes_units():
    schema = problem_schema()
    text = json.dumps(schema)
    assert schema["title"] == "voltroute problem"
    assert "weight_kg" in text and "service_time_s" in text and "battery_usable_kwh" in text
    assert "routes" in json.dumps(solution_schema())


def test_matrix_problem_round_trip():
    p = problem_from_dict(
        {
            "depots": [{"id": "d", "location": {"x": 0, "y": 0}}],
            "stops": [
                {
                    "id": "a",
                    "location": {"x": 3, "y": 4},
                    "parcels": [{"id": "pa", "weight_kg": 1, "volume_m3": 0}],
                }
            ],
            "vehicle_types": [{"id": "v", "capacity_kg": 5, "capacity_m3": 0, "start_depot": "d"}],
            "travel": {"model": "matrix"},
            "matrices": {"distance_m": [[0, 5], [5, 0]], "duration_s": [[0, 1], [1, 0]]},
        }
    )
    assert p.matrices.distance_m[0, 1] == 5
    assert problem_from_dict(json.loads(dump_problem(p))) == p
