"""Synthetic overnight depot instances for measurement.

``python -m voltroute.charging.examples VANS CHARGERS [SEED] > depot.json`` writes a problem:
vans back between 16:00 and 19:30 with 15-60 % of a 68 kWh battery (Ford E-Transit usable
energy), leaving 07:00-08:30 the next morning needing 75-95 %; 11.3 kW on-board AC chargers,
19.2 kW depot chargers, site limit 45 % of the chargers' rating, the example TOU tariff.
"""

from __future__ import annotations

import json
import random
import sys

from voltroute.charging.from_solution import EXAMPLE_TARIFF
from voltroute.charging.model import DepotChargingProblem


def synthetic_depot(n_vans: int, n_chargers: int, seed: int = 0) -> DepotChargingProblem:
    rng = random.Random(seed)
    battery = 68.0
    vans = []
    for i in range(n_vans):
        arrival = 57600 + 900 * rng.randint(0, 14)
        departure = 86400 + 25200 + 900 * rng.randint(0, 6)
        vans.append(
            {
                "id": f"van-{i + 1}",
                "arrival_s": arrival,
                "departure_s": departure,
                "arrival_soc_kwh": round(battery * rng.uniform(0.15, 0.6), 1),
                "required_soc_kwh": round(battery * rng.uniform(0.75, 0.95), 1),
                "battery_kwh": battery,
                "max_charge_kw": 11.3,
            }
        )
    return DepotChargingProblem.model_validate(
        {
            "name": f"depot-{n_vans}-vans-{n_chargers}-chargers",
            "slot_s": 900,
            "start_s": 57600,
            "end_s": 86400 + 30600,
            "site": {
                "power_limit_kw": round(0.45 * n_chargers * 19.2, 1),
                "chargers": [{"id": "ac", "count": n_chargers, "power_kw": 19.2}],
            },
            "tariff": EXAMPLE_TARIFF.model_dump(mode="json"),
            "vehicles": vans,
        }
    )


if __name__ == "__main__":  # pragma: no cover
    n, c = int(sys.argv[1]), int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    print(json.dumps(synthetic_depot(n, c, seed).model_dump(mode="json"), indent=1))
