"""Drones and sidewalk robots: their specifications and the fleets that launch them.

Three ways of operating them, all stated with the same two fleet objects:

* ``base="hub"``: the units live at a depot (a "drone port" or micro-hub) and serve nearby stops
  from there, in parallel with the vans;
* ``base="van"`` with :class:`DroneFleet`: every van of the ``carried_by`` types carries ``count``
  drones, launches them at one stop and recovers them at a later one (the flying sidekick);
* ``base="van"`` with :class:`RobotFleet`: every such van carries ``count`` robots, drops them at
  a stop; they deliver and are collected at a later stop of the same van (or return to a depot).

One trip of a unit serves exactly one stop and carries all of that stop's parcels as one
consignment: their total mass must be within the payload and their total volume within the
compartment. A stop may go by drone only if every parcel may fly (``Parcel.drone_ok``), the
customer opted in (``Stop.drone_opt_in``) and the address is not in a no-fly area
(``Stop.no_fly``); by robot only if every parcel may ride (``Parcel.robot_ok``) and a robot can
reach the door (``Stop.robot_access``).

Units are SI (m, s, kg, m³, W, Wh); default numbers live with their sources in
``voltroute/energy/data/aerial.toml`` and reach a fleet through its ``preset``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from voltroute.model.base import Fraction, Frozen, Identifier, NonNegFloat, PosFloat


class DroneSpec(Frozen):
    """A multirotor parcel drone: payload limits, flight profile, battery and the physical inputs
    from which :mod:`voltroute.energy.aerial` derives the coefficients of the shared power model
    (:mod:`voltroute.energy.drone`, Liu, Sengupta & Kurzhanskiy 2017)."""

    max_payload_kg: PosFloat = Field(description="heaviest consignment it may carry, kg")
    max_parcel_volume_m3: PosFloat = Field(description="largest consignment volume (box), m³")
    empty_mass_kg: PosFloat = Field(description="take-off mass without payload (with battery), kg")
    rotor_count: int = Field(ge=1, le=32, description="number of lifting rotors")
    rotor_diameter_m: PosFloat = Field(description="diameter of one rotor, m")
    drag_area_m2: NonNegFloat = Field(description="body drag coefficient times frontal area, m²")
    payload_drag_area_m2: NonNegFloat = Field(
        default=0.0, description="extra drag area while carrying a consignment, m²"
    )
    power_efficiency: float = Field(
        gt=0, le=1, description="battery to ideal rotor power (motor, ESC, rotor figure of merit)"
    )
    # 0.85: small brushless motor plus speed controller at cruise load (engineering estimate;
    # the presets in energy/data/aerial.toml state it with its source)
    motor_efficiency: float = Field(
        default=0.85,
        gt=0,
        le=1,
        description="battery to shaft power (motor and ESC); power_efficiency / motor_efficiency "
        "is the rotor figure of merit, so it must exceed power_efficiency",
    )
    avionics_power_w: NonNegFloat = Field(default=0.0, description="flight computer, radios, W")
    battery_wh: PosFloat = Field(description="usable battery energy per flight, Wh")
    reserve_fraction: Fraction = Field(
        default=0.2, description="share of battery_wh a flight must leave unused"
    )
    cruise_speed_mps: PosFloat = Field(description="horizontal cruise speed, m/s")
    cruise_altitude_m: NonNegFloat = Field(description="cruise height above take-off, m")
    climb_speed_mps: PosFloat = Field(description="vertical take-off speed, m/s")
    descent_speed_mps: PosFloat = Field(description="vertical landing speed, m/s")
    launch_s: NonNegFloat = Field(description="time at the van or hub to load and launch, s")
    recovery_s: NonNegFloat = Field(description="time at the van or hub to recover it, s")
    service_s: NonNegFloat = Field(description="time at the customer to lower the parcel, s")
    turnaround_s: NonNegFloat = Field(
        default=0.0, description="battery swap between two flights of the same drone, s"
    )
    charging_efficiency: float = Field(default=0.9, gt=0, le=1, description="grid to battery")
    fixed_cost_per_day: NonNegFloat = Field(
        default=0.0, description="capital and fixed costs per drone and day used, currency"
    )
    cost_per_hour: NonNegFloat = Field(
        default=0.0, description="supervision (remote pilot share) per flight hour, currency"
    )

    @model_validator(mode="after")
    def _figure_of_merit(self) -> DroneSpec:
        if self.power_efficiency >= self.motor_efficiency:
            raise ValueError(
                f"power_efficiency ({self.power_efficiency:g}) must be below motor_efficiency "
                f"({self.motor_efficiency:g}): their ratio is the rotors' figure of merit (< 1)"
            )
        return self


class RobotSpec(Frozen):
    """A sidewalk delivery robot: compartment, walking-pace speed, battery and reach."""

    capacity_kg: PosFloat = Field(description="heaviest consignment, kg")
    capacity_m3: PosFloat = Field(description="compartment volume, m³")
    speed_kph: PosFloat = Field(description="average speed on sidewalks, km/h")
    empty_mass_kg: PosFloat = Field(description="robot mass without payload, kg")
    rolling_resistance: float = Field(default=0.03, ge=0, le=0.5, description="on pavement")
    drivetrain_efficiency: float = Field(default=0.7, gt=0, le=1, description="battery to wheel")
    aux_power_w: NonNegFloat = Field(description="sensors, computer, modem while moving, W")
    battery_wh: PosFloat = Field(description="usable battery energy, Wh")
    reserve_fraction: Fraction = Field(default=0.1, description="share a trip must leave unused")
    max_trip_distance_m: PosFloat | None = Field(
        default=None, description="longest round trip allowed (operational range), m"
    )
    detour_factor: float = Field(
        default=1.0,
        ge=1,
        le=5,
        description="sidewalk path length / the problem's travel distance between two points",
    )
    launch_s: NonNegFloat = Field(description="time to unload it from the van or hub, s")
    collection_s: NonNegFloat = Field(description="time to load it back, s")
    service_s: NonNegFloat = Field(description="time at the customer (handover), s")
    turnaround_s: NonNegFloat = Field(default=0.0, description="reloading between two trips, s")
    charging_efficiency: float = Field(default=0.9, gt=0, le=1, description="grid to battery")
    fixed_cost_per_day: NonNegFloat = Field(
        default=0.0, description="capital and fixed costs per robot and day used, currency"
    )
    cost_per_hour: NonNegFloat = Field(
        default=0.0, description="remote supervision per trip hour, currency"
    )


class _FleetBase(Frozen):
    id: Identifier
    name: str = ""
    preset: str | None = Field(default=None, description="catalogue preset the spec came from")
    base: Literal["hub", "van"] = Field(
        description="'hub': the units stay at a depot; 'van': each carrying van has its own"
    )
    hub: Identifier | None = Field(
        default=None, description="depot id the units fly or drive from (base 'hub')"
    )
    carried_by: tuple[Identifier, ...] | None = Field(
        default=None, description="vehicle type ids that carry units (base 'van'); None: all"
    )
    count: int = Field(default=1, ge=1, le=100, description="units at the hub, or per van")
    max_radius_m: PosFloat | None = Field(
        default=None, description="farthest a customer may be from the launch point, m"
    )
    shift_start_s: int = Field(default=0, ge=0, description="earliest launch, s")
    shift_end_s: int | None = Field(default=None, ge=0, description="latest recovery, s")

    @model_validator(mode="after")
    def _base_fields(self) -> _FleetBase:
        if self.base == "hub" and self.hub is None:
            raise ValueError("hub is required when base is 'hub'")
        if self.base == "van" and self.hub is not None:
            raise ValueError("hub must not be given when base is 'van' (use carried_by)")
        if self.base == "hub" and self.carried_by is not None:
            raise ValueError("carried_by must not be given when base is 'hub'")
        if self.shift_end_s is not None and self.shift_end_s < self.shift_start_s:
            raise ValueError(
                f"shift_end_s ({self.shift_end_s}) must not be before shift_start_s "
                f"({self.shift_start_s})"
            )
        return self

    def unit_names(self) -> list[str]:
        """Names of the units: ``<id>-1`` .. ``<id>-<count>`` (per hub, or per van)."""
        return [f"{self.id}-{k + 1}" for k in range(self.count)]


class DroneFleet(_FleetBase):
    """Drones of one type, based at a hub or carried by vans."""

    kind: Literal["drone"] = "drone"
    spec: DroneSpec


class RobotFleet(_FleetBase):
    """Sidewalk robots of one type, based at a hub or carried by vans."""

    kind: Literal["robot"] = "robot"
    spec: RobotSpec


LightFleet = DroneFleet | RobotFleet
