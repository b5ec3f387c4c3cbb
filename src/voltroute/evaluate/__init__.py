"""The independent feasibility checker and KPIs."""

from voltroute.evaluate.checker import CheckReport, RouteResult, Violation, annotate, check

__all__ = ["CheckReport", "RouteResult", "Violation", "annotate", "check"]
