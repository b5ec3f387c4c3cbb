"""Data of the depot charging problem and of its plan.

Every power is **grid side** (kW drawn from the depot's connection): charger ratings, the
vehicle's ``max_charge_kw``, the taper and the site limit all cap what the grid delivers; the
battery receives ``charging_efficiency`` times that energy. Energies are kWh, times are seconds
from the start of the planning day (00:00), and may exceed 86 400 for the next morning.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from voltroute.model.errors import ProblemError, validate_object
from voltroute.model.problem import (
    DAY_S,
    Fraction,
    Frozen,
    Identifier,
    NonNegFloat,
    PosFloat,
    _check_unique,
)

Efficiency = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
TimeS = Annotated[int, Field(ge=0)]


class ChargerGroup(Frozen):
    """``count`` identical chargers, each delivering at most ``power_kw`` (grid side)."""

    id: Identifier
    count: int = Field(ge=1, description="chargers in the group")
    power_kw: PosFloat = Field(description="rating of one charger, kW")


class Site(Frozen):
    """The depot's grid connection and its chargers."""

    power_limit_kw: PosFloat = Field(description="grid connection limit for charging, kW")
    chargers: tuple[ChargerGroup, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Site:
        _check_unique((g.id for g in self.chargers), "chargers", "charger group id")
        return self


class TariffPeriod(Frozen):
    """Energy price in ``[start_s, end_s)``."""

    start_s: TimeS
    end_s: TimeS
    price_per_kwh: NonNegFloat

    @model_validator(mode="after")
    def _ordered(self) -> TariffPeriod:
        if self.end_s <= self.start_s:
            raise ValueError(f"end_s ({self.end_s}) must be after start_s ({self.start_s})")
        return self


class Tariff(Frozen):
    """Time-of-use energy price plus a demand charge on the plan's peak load.

    ``repeat_daily`` (default): the periods tile one day ``[0, 86400)`` exactly (no gap, no
    overlap; a period may not wrap midnight — give 21:00-24:00 and 00:00-07:00 separately) and the
    price at time ``t`` is that of the period holding ``t mod 86400``. Otherwise the periods are
    absolute times and must tile the planning horizon ``[start_s, end_s)`` exactly.

    ``demand_charge_per_kw`` is charged once on the highest slot-average site load of the plan
    (utilities meter demand as 15-minute averages); a monthly demand charge prorated per day is
    the monthly rate divided by the days in the billing period.
    """

    periods: tuple[TariffPeriod, ...] = Field(min_length=1)
    demand_charge_per_kw: NonNegFloat = 0.0
    currency: str = Field(default="USD", min_length=3, max_length=3)
    repeat_daily: bool = True

    @model_validator(mode="after")
    def _tiles(self) -> Tariff:
        if self.repeat_daily:
            for i, p in enumerate(self.periods):
                if p.end_s > DAY_S:
                    raise ProblemError(
                        f"periods.{i}.end_s",
                        f"a daily period must end by 86400 (got {p.end_s}); "
                        "split periods that cross midnight",
                    )
            _check_tiling(self.periods, 0, DAY_S, "periods")
        return self

    def price_at(self, t_s: float) -> float:
        """Price per kWh at time ``t_s``."""
        tt = t_s % DAY_S if self.repeat_daily else t_s
        for p in self.periods:
            if p.start_s <= tt < p.end_s:
                return p.price_per_kwh
        return self.periods[-1].price_per_kwh if tt >= self.periods[-1].end_s else 0.0

    def average_price(self, a_s: float, b_s: float) -> float:
        """Time-weighted average price over ``[a_s, b_s)``."""
        cuts = {a_s, b_s}
        day0 = math.floor(a_s / DAY_S)
        for d in range(day0, math.floor(b_s / DAY_S) + 1):
            off = d * DAY_S if self.repeat_daily else 0
            for p in self.periods:
                for c in (p.start_s + off, p.end_s + off):
                    if a_s < c < b_s:
                        cuts.add(c)
            if not self.repeat_daily:
                break
        pts = sorted(cuts)
        total = sum(
            self.price_at((x + y) / 2) * (y - x) for x, y in zip(pts, pts[1:], strict=False)
        )
        return total / (b_s - a_s)


def _check_tiling(periods: tuple[TariffPeriod, ...], lo: int, hi: int, field: str) -> None:
    order = sorted(range(len(periods)), key=lambda i: periods[i].start_s)
    at = lo
    for i in order:
        p = periods[i]
        if p.start_s < at:
            raise ProblemError(f"{field}.{i}", f"overlaps the period ending at {at} s")
        if p.start_s > at:
            raise ProblemError(field, f"no price for [{at}, {p.start_s}) s")
        at = p.end_s
    if at < hi:
        raise ProblemError(field, f"no price for [{at}, {hi}) s")


class TaperPoint(Frozen):
    """At ``soc_fraction`` of the usable battery, at most ``power_fraction`` of ``max_charge_kw``."""

    soc_fraction: Fraction
    power_fraction: Fraction


DEFAULT_TAPER = (
    TaperPoint(soc_fraction=0.0, power_fraction=1.0),
    TaperPoint(soc_fraction=0.8, power_fraction=1.0),
    TaperPoint(soc_fraction=1.0, power_fraction=0.2),
)


class ChargingVehicle(Frozen):
    """A van at the depot between ``arrival_s`` and ``departure_s``."""

    id: Identifier
    arrival_s: TimeS
    departure_s: TimeS
    arrival_soc_kwh: NonNegFloat = Field(description="battery energy on arrival, kWh")
    required_soc_kwh: NonNegFloat = Field(
        description="battery energy needed at departure (next route plus reserve), kWh"
    )
    battery_kwh: PosFloat = Field(description="usable battery energy, kWh")
    max_charge_kw: PosFloat = Field(description="highest power the vehicle accepts (grid side), kW")
    charging_efficiency: Efficiency = Field(default=0.9, description="grid to battery")
    taper: tuple[TaperPoint, ...] = Field(
        default=DEFAULT_TAPER,
        description="CC-CV cap: piecewise-linear, concave power fraction vs SoC fraction, "
        "from soc_fraction 0 to 1",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ChargingVehicle:
        if self.departure_s <= self.arrival_s:
            raise ProblemError(
                "departure_s",
                f"must be after arrival_s ({self.departure_s} <= {self.arrival_s})",
            )
        if self.arrival_soc_kwh > self.battery_kwh + 1e-9:
            raise ProblemError(
                "arrival_soc_kwh",
                f"{self.arrival_soc_kwh} kWh is above battery_kwh ({self.battery_kwh})",
            )
        if self.required_soc_kwh > self.battery_kwh + 1e-9:
            raise ProblemError(
                "required_soc_kwh",
                f"{self.required_soc_kwh} kWh is above battery_kwh ({self.battery_kwh})",
            )
        pts = self.taper
        if len(pts) < 2 or pts[0].soc_fraction != 0.0 or pts[-1].soc_fraction != 1.0:
            raise ProblemError("taper", "needs points from soc_fraction 0 to soc_fraction 1")
        slopes = []
        for k in range(len(pts) - 1):
            dx = pts[k + 1].soc_fraction - pts[k].soc_fraction
            if dx <= 0:
                raise ProblemError(f"taper.{k + 1}.soc_fraction", "must increase")
            slopes.append((pts[k + 1].power_fraction - pts[k].power_fraction) / dx)
        if any(b > a + 1e-9 for a, b in zip(slopes, slopes[1:], strict=False)):
            raise ProblemError("taper", "must be concave (slopes may only decrease)")
        return self

    def taper_lines(self) -> list[tuple[float, float]]:
        """Cap ``p <= a * soc_kwh + b`` (kW) for each taper segment that can bind."""
        lines = []
        pts = self.taper
        for k in range(len(pts) - 1):
            p0, p1 = pts[k], pts[k + 1]
            if p0.power_fraction >= 1.0 and p1.power_fraction >= 1.0:
                continue
            slope = (p1.power_fraction - p0.power_fraction) / (p1.soc_fraction - p0.soc_fraction)
            a = self.max_charge_kw * slope / self.battery_kwh
            b = self.max_charge_kw * (p0.power_fraction - slope * p0.soc_fraction)
            lines.append((a, b))
        return lines

    def taper_cap_kw(self, soc_kwh: float) -> float:
        """Highest power (kW, grid side) the taper allows at ``soc_kwh``."""
        cap = self.max_charge_kw
        for a, b in self.taper_lines():
            cap = min(cap, a * soc_kwh + b)
        return max(0.0, cap)


class DepotChargingProblem(Frozen):
    """Charge the vans at a depot between ``start_s`` and ``end_s`` at least cost.

    The horizon is cut into slots of ``slot_s``; ``end_s - start_s`` must be a whole number of
    slots, and every vehicle must be at the depot within the horizon.
    """

    name: str = "depot-charging"
    slot_s: int = Field(default=900, ge=60, le=DAY_S, description="slot length, s")
    start_s: TimeS
    end_s: TimeS
    site: Site
    tariff: Tariff
    vehicles: tuple[ChargingVehicle, ...] = Field(min_length=1)
    shortfall_penalty_per_kwh: NonNegFloat | None = Field(
        default=None,
        description="cost per kWh missing at a departure; None: 1000 or 10x the most a kWh "
        "can cost (energy price plus demand charge), whichever is larger",
    )
    preemption: bool = Field(
        default=True,
        description="True: a van may pause and change charger from one slot to the next; "
        "False: once plugged in it charges in one contiguous session on one charger group, "
        "drawing at least min_session_power_kw in every slot of it, and is not plugged in again",
    )
    # SAE J1772 and IEC 61851-1: the lowest charging current a charger may offer through the
    # control pilot is 6 A; at 240 V that is 1.44 kW.
    min_session_power_kw: NonNegFloat = Field(
        default=1.44,
        description="without preemption: least grid power in every slot of a session, kW",
    )

    @model_validator(mode="after")
    def _consistent(self) -> DepotChargingProblem:
        if self.end_s <= self.start_s:
            raise ProblemError("end_s", f"must be after start_s ({self.end_s} <= {self.start_s})")
        if (self.end_s - self.start_s) % self.slot_s:
            raise ProblemError(
                "end_s",
                f"the horizon {self.end_s - self.start_s} s is not a whole number of "
                f"{self.slot_s} s slots",
            )
        _check_unique((v.id for v in self.vehicles), "vehicles", "vehicle id")
        for i, v in enumerate(self.vehicles):
            if v.arrival_s < self.start_s:
                raise ProblemError(
                    f"vehicles.{i}.arrival_s", f"before the horizon start_s ({self.start_s})"
                )
            if v.departure_s > self.end_s:
                raise ProblemError(
                    f"vehicles.{i}.departure_s", f"after the horizon end_s ({self.end_s})"
                )
        if not self.tariff.repeat_daily:
            _check_tiling(self.tariff.periods, self.start_s, self.end_s, "tariff.periods")
        return self

    # ---- the slot grid ----
    @property
    def num_slots(self) -> int:
        return (self.end_s - self.start_s) // self.slot_s

    @property
    def slot_hours(self) -> float:
        return self.slot_s / 3600.0

    def slot_start_s(self, t: int) -> int:
        return self.start_s + t * self.slot_s

    def slot_prices(self) -> list[float]:
        """Time-weighted average energy price of each slot."""
        return [
            self.tariff.average_price(self.slot_start_s(t), self.slot_start_s(t) + self.slot_s)
            for t in range(self.num_slots)
        ]

    def usable_slots(self, v: ChargingVehicle) -> range:
        """Slots the vehicle is at the depot for the whole slot (the only ones it may charge in)."""
        first = -(-(v.arrival_s - self.start_s) // self.slot_s)
        last = (v.departure_s - self.start_s) // self.slot_s
        return range(first, max(first, last))

    def penalty_per_kwh(self) -> float:
        if self.shortfall_penalty_per_kwh is not None:
            return self.shortfall_penalty_per_kwh
        eta = min(v.charging_efficiency for v in self.vehicles)
        worst = max(p.price_per_kwh for p in self.tariff.periods)
        worst += self.tariff.demand_charge_per_kw / self.slot_hours
        return max(1000.0, 10.0 * worst / eta)


def charging_problem_from_dict(data: object) -> DepotChargingProblem:
    """Validate parsed JSON; errors are one-line :class:`ProblemError` naming the field."""
    return validate_object(DepotChargingProblem, data, what="charging problem")


# ---------------------------------------------------------------- the plan
class VehicleChargingProfile(Frozen):
    """One vehicle's charging: per-slot grid power, charger group, and SoC at slot boundaries.

    ``soc_kwh`` has one value per slot boundary (``num_slots + 1``): the arrival SoC up to the
    first slot it may charge in, the departure SoC after it has left.
    """

    id: str
    arrival_s: int
    departure_s: int
    arrival_soc_kwh: float
    required_soc_kwh: float
    departure_soc_kwh: float
    shortfall_kwh: float = Field(description="required minus departure SoC when positive, kWh")
    grid_energy_kwh: float
    power_kw: tuple[float, ...]
    charger: tuple[str | None, ...]
    soc_kwh: tuple[float, ...]


class DepotChargingPlan(Frozen):
    """A charging plan (the MILP's, or the greedy baseline's) with its cost."""

    problem: str = ""
    method: Literal["milp", "greedy"]
    status: Literal["optimal", "feasible", "shortfall"] = Field(
        description="optimal / feasible (stopped with a gap) / shortfall (some departure is short)"
    )
    solver_status: str = ""
    mip_gap: float | None = None
    objective: float = Field(description="energy cost + demand charge + shortfall penalty")
    energy_cost: float
    demand_charge: float
    total_cost: float = Field(description="energy cost + demand charge")
    shortfall_penalty: float
    shortfall_kwh: float
    currency: str
    grid_energy_kwh: float
    peak_kw: float
    slot_s: int
    slot_start_s: tuple[int, ...]
    slot_price_per_kwh: tuple[float, ...]
    site_load_kw: tuple[float, ...]
    vehicles: tuple[VehicleChargingProfile, ...]
    solve_time_s: float
    baseline: DepotChargingPlan | None = Field(
        default=None, description="the greedy 'charge on arrival at full power' plan"
    )

    @property
    def shortfalls(self) -> dict[str, float]:
        """Vehicles that leave short of their required SoC, with the missing kWh."""
        return {v.id: v.shortfall_kwh for v in self.vehicles if v.shortfall_kwh > 1e-6}


def build_plan(
    problem: DepotChargingProblem,
    power: dict[str, list[float]],
    charger: dict[str, list[str | None]],
    *,
    method: Literal["milp", "greedy"],
    optimal: bool,
    solver_status: str,
    mip_gap: float | None,
    solve_time_s: float,
) -> DepotChargingPlan:
    """Assemble a plan from per-vehicle grid power and charger choice (SoC and costs derived)."""
    n = problem.num_slots
    dt = problem.slot_hours
    prices = problem.slot_prices()
    load = [0.0] * n
    profiles = []
    for v in problem.vehicles:
        pw = [max(0.0, x) if abs(x) > 1e-7 else 0.0 for x in power[v.id]]
        ch = [c if pw[t] > 0 else None for t, c in enumerate(charger[v.id])]
        soc = [v.arrival_soc_kwh]
        for t in range(n):
            soc.append(soc[-1] + v.charging_efficiency * pw[t] * dt)
            load[t] += pw[t]
        dep = soc[-1]
        short = max(0.0, v.required_soc_kwh - dep)
        profiles.append(
            VehicleChargingProfile(
                id=v.id,
                arrival_s=v.arrival_s,
                departure_s=v.departure_s,
                arrival_soc_kwh=v.arrival_soc_kwh,
                required_soc_kwh=v.required_soc_kwh,
                departure_soc_kwh=dep,
                shortfall_kwh=short if short > 1e-6 else 0.0,
                grid_energy_kwh=sum(pw) * dt,
                power_kw=tuple(pw),
                charger=tuple(ch),
                soc_kwh=tuple(soc),
            )
        )
    energy_cost = sum(p * x * dt for p, x in zip(prices, load, strict=True))
    peak = max(load) if load else 0.0
    demand = problem.tariff.demand_charge_per_kw * peak
    short_total = sum(p.shortfall_kwh for p in profiles)
    penalty = problem.penalty_per_kwh() * short_total
    if short_total > 1e-6:
        status: Literal["optimal", "feasible", "shortfall"] = "shortfall"
    else:
        status = "optimal" if optimal else "feasible"
    return DepotChargingPlan(
        problem=problem.name,
        method=method,
        status=status,
        solver_status=solver_status,
        mip_gap=mip_gap,
        objective=energy_cost + demand + penalty,
        energy_cost=energy_cost,
        demand_charge=demand,
        total_cost=energy_cost + demand,
        shortfall_penalty=penalty,
        shortfall_kwh=short_total,
        currency=problem.tariff.currency,
        grid_energy_kwh=sum(load) * dt,
        peak_kw=peak,
        slot_s=problem.slot_s,
        slot_start_s=tuple(problem.slot_start_s(t) for t in range(n)),
        slot_price_per_kwh=tuple(prices),
        site_load_kw=tuple(load),
        vehicles=tuple(profiles),
        solve_time_s=solve_time_s,
    )
