"""Immutable, validated problem and solution data (the bottom layer; imports nothing of ours)."""

from voltroute.model.errors import (
    ProblemError,
    VoltrouteError,
    as_problem_error,
    format_validation_error,
)
from voltroute.model.problem import (
    DAY_S,
    Body,
    Conditions,
    Depot,
    DieselPowertrain,
    Economics,
    ElectricPowertrain,
    Location,
    Matrices,
    Parcel,
    Problem,
    Stop,
    TimeWindow,
    Travel,
    VehicleType,
    vehicle_names,
)
from voltroute.model.solution import Route, Solution, Step, Unassigned

__all__ = [
    "DAY_S",
    "Body",
    "Conditions",
    "Depot",
    "DieselPowertrain",
    "Economics",
    "ElectricPowertrain",
    "Location",
    "Matrices",
    "Parcel",
    "Problem",
    "ProblemError",
    "Route",
    "Solution",
    "Step",
    "Stop",
    "TimeWindow",
    "Travel",
    "Unassigned",
    "VehicleType",
    "VoltrouteError",
    "as_problem_error",
    "format_validation_error",
    "vehicle_names",
]
