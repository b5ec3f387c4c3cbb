"""Baseline: every van charges on arrival at full power ("plug in and forget").

Slots are walked in time order. A van that is at the depot for the whole slot and still below its
target takes a free charger (the most powerful group first) and keeps it until it reaches the
target or leaves; vans are served first-come (arrival time, then id) for chargers and for the
site's power limit. Power in a slot is the least of the charger, the vehicle, the CC-CV taper
(evaluated at the slot's mid-point SoC, as in the MILP), what is left to reach the target, and the
site headroom.

Without preemption (``problem.preemption`` False) a session never pauses: a van draws at least
``min_session_power_kw`` in every slot it holds a charger (a little more than it needs in its last
slot, when the battery has room), and a van that cannot (site headroom, taper) ends its session
for good, so the baseline obeys the same rule as the optimised plan.
"""

from __future__ import annotations

import time
from typing import Literal

from voltroute.charging.model import DepotChargingPlan, DepotChargingProblem, build_plan


def greedy_charging(
    problem: DepotChargingProblem, *, target: Literal["required", "full"] = "required"
) -> DepotChargingPlan:
    """Charge on arrival at full power to ``target`` (the required departure SoC by default, so the
    energy matches the optimised plan and only timing differs; ``"full"``: to the full battery)."""
    t0 = time.perf_counter()
    n = problem.num_slots
    dt = problem.slot_hours
    order = sorted(problem.vehicles, key=lambda v: (v.arrival_s, v.id))
    groups = sorted(problem.site.chargers, key=lambda g: -g.power_kw)
    free = {g.id: g.count for g in groups}
    power_of = {g.id: g.power_kw for g in groups}
    holding: dict[str, str] = {}
    soc = {v.id: v.arrival_soc_kwh for v in order}
    power = {v.id: [0.0] * n for v in order}
    charger: dict[str, list[str | None]] = {v.id: [None] * n for v in order}
    usable = {v.id: set(problem.usable_slots(v)) for v in order}
    session = not problem.preemption
    p_min = problem.min_session_power_kw
    ended: set[str] = set()  # without preemption: vans whose one session is over
    for t in range(n):
        headroom = problem.site.power_limit_kw
        for v in order:
            goal = v.required_soc_kwh if target == "required" else v.battery_kwh
            need = goal - soc[v.id]
            if t not in usable[v.id] or need <= 1e-9 or v.id in ended:
                if v.id in holding:
                    free[holding.pop(v.id)] += 1
                    if session:
                        ended.add(v.id)
                continue
            if v.id not in holding:
                g_id = next((g.id for g in groups if free[g.id] > 0), None)
                if g_id is None:
                    continue
                free[g_id] -= 1
                holding[v.id] = g_id
            g_id = holding[v.id]
            eta = v.charging_efficiency
            cap = min(power_of[g_id], v.max_charge_kw, headroom)
            for a, b in v.taper_lines():
                # p <= a * (soc + eta * p * dt / 2) + b
                den = 1.0 - a * eta * dt / 2.0
                if den > 0:
                    cap = min(cap, (a * soc[v.id] + b) / den)
            p = max(0.0, min(cap, need / (eta * dt)))
            if session and p < p_min:
                room = (v.battery_kwh - soc[v.id]) / (eta * dt)
                if min(cap, room) >= p_min:
                    p = p_min  # a session cannot draw less; the battery takes the extra
                else:
                    free[holding.pop(v.id)] += 1
                    ended.add(v.id)
                    continue
            power[v.id][t] = p
            charger[v.id][t] = g_id
            soc[v.id] += eta * p * dt
            headroom -= p
    return build_plan(
        problem,
        power,
        charger,
        method="greedy",
        optimal=False,
        solver_status="greedy",
        mip_gap=None,
        solve_time_s=time.perf_counter() - t0,
    )
