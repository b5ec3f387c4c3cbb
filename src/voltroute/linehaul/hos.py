"""US hours of service for property-carrying drivers (FMCSA 49 CFR 395.3), and team driving.

A solo driver may drive 11 h within a 14 h window that starts when they come on duty, must take
a 30 min break (off duty or on duty not driving) once they have driven 8 h since the last such
interruption, and then needs 10 h off. A team of two keeps the cab moving: each driver's 11 h
applies to their own driving, the co-driver's sleeper-berth time is off duty and hand-overs come
before 8 h, so the cab drives up to 22 h within a 24 h duty without stopping for breaks
(a simplification of the sleeper-berth provision, 49 CFR 395.1(g)). Limits are in
``data/linehaul.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from voltroute.linehaul.trucks import defaults

__all__ = ["Activity", "HosRules", "check_duty", "drive_schedule"]

Kind = Literal["drive", "on_duty", "break", "off", "idle"]


@dataclass(frozen=True, kw_only=True)
class HosRules:
    """Limits of one crew (solo or team), in seconds."""

    max_driving_s: float
    max_window_s: float
    break_after_driving_s: float | None  # None: no break rule (team hand-overs)
    break_s: float
    off_duty_s: float
    team: bool = False

    def __post_init__(self) -> None:
        if min(self.max_driving_s, self.max_window_s, self.break_s, self.off_duty_s) <= 0:
            raise ValueError("hours-of-service limits must be positive")

    @classmethod
    def us(cls, *, team: bool = False) -> HosRules:
        """The FMCSA rules (solo) or their team version, from the data file."""
        d = defaults()
        h = "hours_of_service."
        return cls(
            max_driving_s=d[h + ("team_max_driving_s" if team else "max_driving_s")],
            max_window_s=d[h + ("team_max_window_s" if team else "max_window_s")],
            break_after_driving_s=None if team else d[h + "break_after_driving_s"],
            break_s=d[h + "break_s"],
            off_duty_s=d[h + "off_duty_s"],
            team=team,
        )


@dataclass(frozen=True)
class Activity:
    """``kind`` from ``start_s`` to ``end_s`` (seconds)."""

    kind: Kind
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def drive_schedule(driving_s: float, *, rules: HosRules, start_s: float = 0.0) -> list[Activity]:
    """Timeline of ``driving_s`` of driving by a crew fresh at ``start_s``, with the stops the
    rules force: a break once 8 h are driven since the last one, and 10 h off when the next
    minute of driving would pass 11 h of driving or the 14 h window.
    """
    out: list[Activity] = []
    t = start_s
    left = float(driving_s)
    window_start, driven, since_break = t, 0.0, 0.0
    eps = 1e-9
    while left > eps:
        room = min(
            rules.max_driving_s - driven,
            window_start + rules.max_window_s - t,
            (rules.break_after_driving_s - since_break)
            if rules.break_after_driving_s is not None
            else float("inf"),
        )
        if room <= eps:
            if driven >= rules.max_driving_s - eps or t >= window_start + rules.max_window_s - eps:
                out.append(Activity("off", t, t + rules.off_duty_s))
                t += rules.off_duty_s
                window_start, driven, since_break = t, 0.0, 0.0
            else:
                out.append(Activity("break", t, t + rules.break_s))
                t += rules.break_s
                since_break = 0.0
            continue
        d = min(room, left)
        out.append(Activity("drive", t, t + d))
        t += d
        left -= d
        driven += d
        since_break += d
    return out


def check_duty(activities: Sequence[Activity], rules: HosRules) -> list[str]:
    """Rule breaches of one duty period (activities in time order, gaps count as not driving).

    Checks the driving limit, driving after the window closes, and (solo) driving more than
    8 h without an interruption of at least ``break_s`` not driving.
    """
    acts = sorted(activities, key=lambda a: a.start_s)
    if not acts:
        return []
    problems: list[str] = []
    start = acts[0].start_s
    driven = 0.0
    since_break = 0.0
    last_drive_end: float | None = None
    eps = 1e-6
    for a in acts:
        if a.kind != "drive":
            if a.duration_s >= rules.break_s - eps and a.kind != "drive":
                since_break = 0.0
            continue
        if last_drive_end is not None and a.start_s - last_drive_end >= rules.break_s - eps:
            since_break = 0.0  # a gap not driving is an interruption too
        driven += a.duration_s
        since_break += a.duration_s
        last_drive_end = a.end_s
        if a.end_s > start + rules.max_window_s + eps:
            problems.append(
                f"drives until {a.end_s / 3600:.2f} h, past the {rules.max_window_s / 3600:.0f} h "
                f"window that began at {start / 3600:.2f} h"
            )
        if (
            rules.break_after_driving_s is not None
            and since_break > rules.break_after_driving_s + eps
        ):
            problems.append(
                f"{since_break / 3600:.2f} h of driving without a {rules.break_s / 60:.0f}-minute break"
            )
    if driven > rules.max_driving_s + eps:
        problems.append(
            f"{driven / 3600:.2f} h of driving, above the {rules.max_driving_s / 3600:.0f} h limit"
        )
    return problems
