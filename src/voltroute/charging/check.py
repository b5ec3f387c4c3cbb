"""Independent check of a charging plan against its problem.

Recomputes everything from the plan's per-slot grid power and charger choices and the problem
data (its own presence and price arithmetic, not the solver's), and lists every broken rule.
"""

from __future__ import annotations

from voltroute.charging.model import DepotChargingPlan, DepotChargingProblem

TOL_KW = 1e-4
TOL_KWH = 1e-4


def _price(problem: DepotChargingProblem, a: float, b: float) -> float:
    """Average price over [a, b): integrate the period table piece by piece."""
    tariff = problem.tariff
    total = 0.0
    day = 86_400
    for p in tariff.periods:
        offsets = (
            range(int(a // day) - 1, int(b // day) + 1) if tariff.repeat_daily else range(0, 1)
        )
        for d in offsets:
            lo = p.start_s + d * day if tariff.repeat_daily else p.start_s
            hi = p.end_s + d * day if tariff.repeat_daily else p.end_s
            overlap = min(b, hi) - max(a, lo)
            if overlap > 0:
                total += overlap * p.price_per_kwh
    return total / (b - a)


def _session_violations(
    problem: DepotChargingProblem,
    vid: str,
    power: tuple[float, ...],
    charger: tuple[str | None, ...],
) -> list[str]:
    """Without preemption: one contiguous block of plugged-in slots, on one charger group, with
    at least the session's minimum power in each, and no power outside it."""
    out = []
    plugged = [t for t, g in enumerate(charger) if g is not None]
    charging = [t for t, p in enumerate(power) if p > TOL_KW]
    if plugged and plugged != list(range(plugged[0], plugged[-1] + 1)):
        out.append(f"vehicle {vid}: charges in more than one session (slots {plugged})")
    if len({charger[t] for t in plugged}) > 1:
        out.append(f"vehicle {vid}: changes charger group within its session")
    for t in plugged:
        if power[t] < problem.min_session_power_kw - TOL_KW:
            out.append(
                f"vehicle {vid}: {power[t]:.3f} kW in slot {t} of its session, below the "
                f"minimum {problem.min_session_power_kw} kW"
            )
    if set(charging) - set(plugged):
        out.append(f"vehicle {vid}: draws power outside its session")
    return out


def check_charging_plan(problem: DepotChargingProblem, plan: DepotChargingPlan) -> list[str]:
    """Violations of ``plan`` (empty when it is consistent and respects every limit)."""
    out: list[str] = []
    n = (problem.end_s - problem.start_s) // problem.slot_s
    dt_h = problem.slot_s / 3600.0
    if len(plan.site_load_kw) != n or len(plan.slot_start_s) != n:
        return [f"plan has {len(plan.site_load_kw)} slots, the problem {n}"]
    by_id = {p.id: p for p in plan.vehicles}
    missing = {v.id for v in problem.vehicles} - set(by_id)
    out += [f"vehicle {m}: not in the plan" for m in sorted(missing)]
    groups = {g.id: g for g in problem.site.chargers}
    load = [0.0] * n
    used: dict[tuple[str, int], int] = {}
    for v in problem.vehicles:
        prof = by_id.get(v.id)
        if prof is None:
            continue
        if len(prof.power_kw) != n or len(prof.charger) != n:
            out.append(f"vehicle {v.id}: profile length is not {n} slots")
            continue
        soc = v.arrival_soc_kwh
        eta = v.charging_efficiency
        for t in range(n):
            a = problem.start_s + t * problem.slot_s
            b = a + problem.slot_s
            p = prof.power_kw[t]
            load[t] += p
            if p < -TOL_KW:
                out.append(f"vehicle {v.id}: negative power {p:.3f} kW in slot {t}")
            if p <= TOL_KW:
                continue
            if a < v.arrival_s or b > v.departure_s:
                out.append(f"vehicle {v.id}: charges in slot {t} [{a}, {b}) s while absent")
            g = prof.charger[t]
            if g not in groups:
                out.append(f"vehicle {v.id}: charges in slot {t} without a known charger ({g})")
            else:
                used[(g, t)] = used.get((g, t), 0) + 1
                cap = min(groups[g].power_kw, v.max_charge_kw)
                if p > cap + TOL_KW:
                    out.append(
                        f"vehicle {v.id}: {p:.3f} kW in slot {t} exceeds {cap:.3f} kW "
                        f"(charger {g} / vehicle)"
                    )
            new = soc + eta * p * dt_h
            mid_frac = (soc + new) / 2 / v.battery_kwh
            pts = v.taper
            for k in range(len(pts) - 1):
                x0, x1 = pts[k].soc_fraction, pts[k + 1].soc_fraction
                if x0 <= mid_frac <= x1 or (k == len(pts) - 2 and mid_frac > x1):
                    y0, y1 = pts[k].power_fraction, pts[k + 1].power_fraction
                    frac = y0 + (y1 - y0) * (mid_frac - x0) / (x1 - x0)
                    if p > frac * v.max_charge_kw + TOL_KW:
                        out.append(
                            f"vehicle {v.id}: {p:.3f} kW in slot {t} above the taper "
                            f"({frac * v.max_charge_kw:.3f} kW at {mid_frac:.1%} SoC)"
                        )
                    break
            soc = new
            if soc > v.battery_kwh + TOL_KWH:
                out.append(f"vehicle {v.id}: SoC {soc:.3f} kWh above battery in slot {t}")
        if not problem.preemption:
            out += _session_violations(problem, v.id, prof.power_kw, prof.charger)
        if abs(soc - prof.departure_soc_kwh) > TOL_KWH * max(1.0, soc):
            out.append(
                f"vehicle {v.id}: departure SoC {prof.departure_soc_kwh:.3f} kWh does not follow "
                f"from its power profile ({soc:.3f} kWh)"
            )
        if len(prof.soc_kwh) != n + 1 or abs(prof.soc_kwh[-1] - soc) > TOL_KWH * max(1.0, soc):
            out.append(f"vehicle {v.id}: SoC profile inconsistent with its power profile")
        short = v.required_soc_kwh - soc
        if short > TOL_KWH and prof.shortfall_kwh < short - TOL_KWH:
            out.append(
                f"vehicle {v.id}: leaves {short:.3f} kWh short but reports "
                f"{prof.shortfall_kwh:.3f} kWh"
            )
    for (g, t), k in sorted(used.items()):
        if k > groups[g].count:
            out.append(f"charger group {g}: {k} vehicles in slot {t}, only {groups[g].count}")
    for t in range(n):
        if load[t] > problem.site.power_limit_kw + TOL_KW * max(1.0, load[t]):
            out.append(
                f"slot {t}: site load {load[t]:.3f} kW exceeds the limit "
                f"{problem.site.power_limit_kw} kW"
            )
        if abs(load[t] - plan.site_load_kw[t]) > TOL_KW * max(1.0, load[t]):
            out.append(
                f"slot {t}: reported site load {plan.site_load_kw[t]:.3f} kW, is {load[t]:.3f}"
            )
    peak = max(load, default=0.0)
    if abs(peak - plan.peak_kw) > TOL_KW * max(1.0, peak):
        out.append(f"reported peak {plan.peak_kw:.3f} kW, is {peak:.3f} kW")
    energy_cost = sum(
        _price(
            problem,
            problem.start_s + t * problem.slot_s,
            problem.start_s + (t + 1) * problem.slot_s,
        )
        * load[t]
        * dt_h
        for t in range(n)
    )
    demand = problem.tariff.demand_charge_per_kw * peak
    for name, want, got in (
        ("energy cost", energy_cost, plan.energy_cost),
        ("demand charge", demand, plan.demand_charge),
    ):
        if abs(want - got) > 1e-6 * max(1.0, abs(want)):
            out.append(f"reported {name} {got:.4f}, is {want:.4f}")
    return out
