"""How long a vehicle takes to charge at a station (imports only voltroute.model).

Shared by the checker (which replays station visits) and the solver (which plans them), so both
compute the same charging time from the same taper.
"""

from __future__ import annotations

from voltroute.model import ChargingStation, ElectricPowertrain, VehicleType


def charge_time_s(
    vt: VehicleType, station: ChargingStation, soc_from: float, soc_to: float, usable: float
) -> float:
    """Seconds to charge from ``soc_from`` to ``soc_to`` kWh: the vehicle's taper bands at the
    lower of the station's and the vehicle's power (state of charge linear in time per band)."""
    pt = vt.powertrain
    if soc_to <= soc_from or usable <= 0 or not isinstance(pt, ElectricPowertrain):
        return 0.0
    power_kw = min(station.power_kw, pt.max_charge_kw)
    bands = list(pt.charge_taper) + [(1.0, pt.charge_taper[-1][1])]
    seconds = 0.0
    for (lo, share), (hi, _) in zip(bands[:-1], bands[1:], strict=True):
        a = max(soc_from, lo * usable)
        b = min(soc_to, hi * usable)
        if b > a:
            seconds += (b - a) / (power_kw * share) * 3600.0
    return seconds
