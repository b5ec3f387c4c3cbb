"""Validation of the energy model against published consumption figures.

The delivery day used for every preset (defined once, before looking at any result):

* 22 °C (no heating or cooling: the published figures are for mild conditions);
* out from the depot: one 15 km leg at 75 km/h average (arterial and highway approach);
* 100 delivery stops, 99 stop-to-stop legs of 250-750 m (mean 500 m) at 30 km/h average,
  120 s of service at each stop with the van left on (auxiliaries keep running);
* back to the depot: one 15 km leg at 75 km/h;
* payload: half the van's parcel capacity at departure, falling linearly to zero at the last stop.

That is 79 km and 5.4 h (2.0 h driving, 3.3 h at stops) for 100 stops: the shape of a parcel route (a stem out of and back
to the depot, then dense stop-to-stop driving at urban speeds; Ford reports 74 mi/day for the
average E-Transit fleet customer, US parcel routes run 100-200 stops/day). Consumption is the
total battery energy, including the energy drawn while parked at stops, divided by km.
"""

from __future__ import annotations

import pytest

from voltroute.energy import LegEnergy, dwell_energy, leg_energy, vehicle_type_from_preset

MI_KM = 1.609344
GAL_L = 3.785411784

APPROACH_M = 15_000.0
APPROACH_KPH = 75.0
URBAN_KPH = 30.0
SPACINGS_M = (250.0, 350.0, 450.0, 550.0, 650.0, 750.0)
N_STOPS = 100
SERVICE_S = 120.0
TEMP_C = 22.0
LOAD_SHARE = 0.5


def delivery_day(preset: str, temp_c: float = TEMP_C) -> tuple[float, LegEnergy]:
    """(km, total energy) of the delivery day above for ``preset``."""
    vt = vehicle_type_from_preset(preset, id="v", start_depot="d")
    load = LOAD_SHARE * vt.capacity_kg
    legs = [(APPROACH_M, APPROACH_KPH, load)]
    for i in range(N_STOPS - 1):
        legs.append((SPACINGS_M[i % len(SPACINGS_M)], URBAN_KPH, load * (1 - (i + 1) / N_STOPS)))
    legs.append((APPROACH_M, APPROACH_KPH, 0.0))
    total = LegEnergy()
    km = 0.0
    for distance, kph, payload in legs:
        total += leg_energy(
            vt,
            distance_m=distance,
            duration_s=distance / (kph / 3.6),
            payload_kg=payload,
            ambient_temp_c=temp_c,
        )
        km += distance / 1000.0
    total += dwell_energy(vt, duration_s=SERVICE_S, ambient_temp_c=temp_c).scaled(N_STOPS)
    return km, total


# Ford: 68 kWh usable, 126 mi estimated range for the low-roof cargo van (Ford quotes the range as
# based on EPA test procedures; the E-Transit, over 8,500 lb GVWR, has no fueleconomy.gov label).
E_TRANSIT_PUBLISHED_KWH_PER_KM = 68.0 / (126 * MI_KM)  # 0.3353


def test_e_transit_reproduces_published_consumption_within_15_percent():
    km, total = delivery_day("ford-e-transit")
    assert km == pytest.approx(79.05)
    per_km = total.battery_kwh / km
    assert total.fuel_l == 0.0
    # Model: 0.303 kWh/km on this day (docs/energy.md), 9.5 % under the published 0.335.
    assert per_km == pytest.approx(E_TRANSIT_PUBLISHED_KWH_PER_KM, rel=0.15)


def test_e_transit_day_fits_the_battery_and_cold_costs_more():
    km, mild = delivery_day("ford-e-transit")
    _, cold = delivery_day("ford-e-transit", temp_c=-10.0)
    assert mild.battery_kwh < 68.0 * 0.9  # the day fits above the 10 % reserve
    assert cold.battery_kwh > 1.2 * mild.battery_kwh  # heating dominates the cold day


# NREL (Lammert & Walkowicz 2012, NREL technical report, "Eighteen-Month Final Evaluation of UPS
# Second Generation Diesel Hybrid-Electric Delivery Vans"): conventional diesel P100 step vans in
# UPS service in Minneapolis averaged 9.2 mpg on their routes.
STEP_VAN_PUBLISHED_MPG = 9.2


def test_diesel_step_van_matches_published_fuel_use():
    km, total = delivery_day("diesel-step-van")
    assert total.battery_kwh == 0.0
    l_per_100km = 100 * total.fuel_l / km
    mpg = (km / MI_KM) / (total.fuel_l / GAL_L)
    # Walk-in diesel vans run 8-12 mpg in delivery service (19.6-29.4 L/100 km); the NREL
    # in-service average is 9.2 mpg. Tolerance 20 %: fuel economy of the same vans depends strongly
    # on the route (the NREL study had to swap routes between its van groups for a fair
    # comparison, and its dynamometer cycles gave results 13-36 % apart for the hybrid benefit).
    assert 19.6 <= l_per_100km <= 29.4
    assert mpg == pytest.approx(STEP_VAN_PUBLISHED_MPG, rel=0.20)


def test_diesel_cargo_van_matches_published_fuel_use():
    km, total = delivery_day("diesel-cargo-van")
    l_per_100km = 100 * total.fuel_l / km
    # Sprinter/Transit-class diesel cargo vans: about 10 L/100 km in gentle mixed urban driving
    # (WhatVan Sprinter 313 CDI test, 500 kg load, 27 mph average: 28.6 UK mpg = 9.9 L/100 km)
    # to about 14 L/100 km (17 US mpg) in stop-and-go delivery (secondary sources only; no primary
    # fleet study was found); accept 9-15 L/100 km, the band widened by 10 % at each end for the
    # spread between configurations (roof height, engine).
    assert 9.0 <= l_per_100km <= 15.0
