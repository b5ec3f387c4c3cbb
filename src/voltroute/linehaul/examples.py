"""A realistic middle mile in the Texas Triangle (Dallas-Fort Worth, Houston, Austin, San Antonio).

Coordinates are those of the real cities and suburbs named (city centres, rounded to 0.01 deg),
not of any company's buildings. Three fulfilment centres send the evening's orders to four sort
centres (released 18:00 or 21:00, due by 06:00); the sort centres send sorted parcels to fourteen
delivery stations (released 05:00, due by 09:30 when the vans load). Three transfer hubs on
I-45 and I-35 at the metro edges serve driverless trucks, as Aurora's Dallas (Palmer) and
Houston terminals do. Volumes are of a plausible size for a large e-commerce network:
about 120,000 parcels a day (engineering estimate, not any company's data).
"""

from __future__ import annotations

from voltroute.linehaul.model import Flow, Hub, LinehaulNetwork
from voltroute.model.problem import Location

__all__ = ["example_network", "scaled_example_network"]

_H = 3600
_HUBS = [
    # id, name, kind, lat, lon
    ("FC-FTW", "Fort Worth (Alliance)", "fulfilment", 32.99, -97.32),
    ("FC-HOU", "Katy", "fulfilment", 29.79, -95.82),
    ("FC-SAT", "Schertz", "fulfilment", 29.55, -98.27),
    ("SC-DAL", "Lancaster", "sort", 32.59, -96.76),
    ("SC-HOU", "Stafford", "sort", 29.62, -95.56),
    ("SC-AUS", "Pflugerville", "sort", 30.44, -97.62),
    ("SC-SAT", "San Antonio", "sort", 29.42, -98.49),
    ("TX-DAL", "Palmer (I-45)", "transfer", 32.43, -96.67),
    ("TX-HOU", "Spring (I-45)", "transfer", 30.08, -95.42),
    ("TX-SAT", "Selma (I-35)", "transfer", 29.58, -98.31),
    ("DS-PLN", "Plano", "delivery", 33.02, -96.70),
    ("DS-ARL", "Arlington", "delivery", 32.74, -97.11),
    ("DS-DEN", "Denton", "delivery", 33.21, -97.13),
    ("DS-TYR", "Tyler", "delivery", 32.35, -95.30),
    ("DS-WAC", "Waco", "delivery", 31.55, -97.15),
    ("DS-WDL", "The Woodlands", "delivery", 30.17, -95.46),
    ("DS-SGL", "Sugar Land", "delivery", 29.62, -95.63),
    ("DS-PAS", "Pasadena", "delivery", 29.69, -95.21),
    ("DS-BMT", "Beaumont", "delivery", 30.08, -94.10),
    ("DS-CLL", "College Station", "delivery", 30.63, -96.33),
    ("DS-RRK", "Round Rock", "delivery", 30.51, -97.68),
    ("DS-KIL", "Killeen", "delivery", 31.12, -97.73),
    ("DS-NBF", "New Braunfels", "delivery", 29.70, -98.12),
    ("DS-LVL", "Leon Valley", "delivery", 29.50, -98.62),
]

# FC -> SC, parcels per evening wave (19:00 and 22:00 releases)
_FC_SC = {
    ("FC-FTW", "SC-DAL"): 9000,
    ("FC-FTW", "SC-HOU"): 4500,
    ("FC-FTW", "SC-AUS"): 3000,
    ("FC-FTW", "SC-SAT"): 2500,
    ("FC-HOU", "SC-HOU"): 8000,
    ("FC-HOU", "SC-DAL"): 4000,
    ("FC-HOU", "SC-AUS"): 2500,
    ("FC-HOU", "SC-SAT"): 2500,
    ("FC-SAT", "SC-SAT"): 5000,
    ("FC-SAT", "SC-AUS"): 3000,
    ("FC-SAT", "SC-DAL"): 2500,
    ("FC-SAT", "SC-HOU"): 2500,
}
# SC -> DS, parcels released after the night sort
_SC_DS = {
    ("SC-DAL", "DS-PLN"): 6500,
    ("SC-DAL", "DS-ARL"): 6000,
    ("SC-DAL", "DS-DEN"): 4000,
    ("SC-DAL", "DS-TYR"): 2800,
    ("SC-DAL", "DS-WAC"): 3000,
    ("SC-HOU", "DS-WDL"): 5500,
    ("SC-HOU", "DS-SGL"): 5500,
    ("SC-HOU", "DS-PAS"): 5000,
    ("SC-HOU", "DS-BMT"): 2800,
    ("SC-HOU", "DS-CLL"): 2900,
    ("SC-AUS", "DS-RRK"): 5500,
    ("SC-AUS", "DS-KIL"): 3000,
    ("SC-SAT", "DS-NBF"): 3000,
    ("SC-SAT", "DS-LVL"): 6000,
}


def example_network() -> LinehaulNetwork:
    """The Texas Triangle example (24 hubs, 38 flows, about 120,000 parcels a day)."""
    hubs = []
    for hid, name, kind, lat, lon in _HUBS:
        extra: dict[str, int] = {}
        if kind == "delivery":
            extra = {"open_s": 1 * _H, "close_s": 22 * _H, "docks": 3, "chargers": 0}
        elif kind == "transfer":
            extra = {"docks": 20, "chargers": 8}
        else:
            extra = {"docks": 12, "chargers": 6}
        hubs.append(
            Hub(id=hid, name=name, kind=kind, location=Location(lat=lat, lon=lon), **extra)  # type: ignore[arg-type]
        )
    flows = []
    for (o, d), n in _FC_SC.items():
        for wave, release in (("a", 18 * _H), ("b", 21 * _H)):
            flows.append(
                Flow(
                    id=f"{o}>{d}/{wave}",
                    origin=o,
                    destination=d,
                    parcels=n // 2,
                    release_s=release,
                    cutoff_s=30 * _H,
                )
            )
    for (o, d), n in _SC_DS.items():
        flows.append(
            Flow(
                id=f"{o}>{d}",
                origin=o,
                destination=d,
                parcels=n,
                release_s=5 * _H,
                cutoff_s=9 * _H + 1800,
            )
        )
    return LinehaulNetwork(name="texas-triangle", hubs=tuple(hubs), flows=tuple(flows))


def scaled_example_network(k: int) -> LinehaulNetwork:
    """The example with its delivery stations and all flows replicated ``k`` times (copies of
    the stations 0.05 deg further north each time): more hubs, lanes and trailers per lane,
    for benchmarks and tests of larger networks. ``k = 1`` is the example itself."""
    if k < 1:
        raise ValueError("k must be at least 1")
    data = example_network().model_dump()
    hubs, flows = list(data["hubs"]), list(data["flows"])
    for r in range(1, k):
        for h in data["hubs"]:
            if h["kind"] == "delivery":
                loc = {"lat": h["location"]["lat"] + 0.05 * r, "lon": h["location"]["lon"]}
                hubs.append(h | {"id": f"{h['id']}-{r}", "location": loc})
        for f in data["flows"]:
            if f["destination"].startswith("DS-"):
                flows.append(f | {"id": f"{f['id']}-{r}", "destination": f"{f['destination']}-{r}"})
            else:
                flows.append(f | {"id": f"{f['id']}-{r}"})
    name = "texas-triangle" if k == 1 else f"texas-triangle-x{k}"
    return LinehaulNetwork.model_validate(data | {"hubs": hubs, "flows": flows, "name": name})
