"""Strategy studies: whole-chain cost and CO2 per parcel over a grid of scenarios.

A study (a TOML file, :mod:`voltroute.study.spec`) crosses middle-mile truck types with
last-mile fleets and sensitivities (diesel and electricity prices, tariff, driver wage, ambient
temperature). Every scenario is planned with voltroute's planners (:mod:`voltroute.linehaul`
for the middle mile, :func:`voltroute.api.plan` for the last mile), in parallel on Dask, with
results cached on disk; results go to CSV/Parquet and a self-contained HTML report.

>>> from voltroute.study import load_study, run_study        # doctest: +SKIP
>>> run = run_study(load_study("study.toml"), n_workers=2, cache_dir=".cache")  # doctest: +SKIP
"""

from voltroute.study.fleets import FLEETS, LastMileFleet, register_fleet
from voltroute.study.grid import Scenario, expand
from voltroute.study.runner import StudyRun, progress_bar, run_study
from voltroute.study.spec import StudySpec, load_study, parse_study

__all__ = [
    "FLEETS",
    "LastMileFleet",
    "Scenario",
    "StudyRun",
    "StudySpec",
    "expand",
    "load_study",
    "parse_study",
    "progress_bar",
    "register_fleet",
    "run_study",
]
