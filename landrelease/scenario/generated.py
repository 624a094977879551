"""What one window's generation holds in memory, before anything is written.

:func:`.pipeline.build` makes a :class:`Scenario`; :func:`.package.write_package`
writes it. Both import it from here, so neither imports the other's module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landrelease.scenario.calibration import CalibrationRow
from landrelease.scenario.contamination import Devices, Minefields
from landrelease.scenario.evidence import Incidents, MapRecords, SeenPositions, Statements
from landrelease.scenario.geography import Window
from landrelease.scenario.hazards import Hazards
from landrelease.scenario.history import History
from landrelease.scenario.infrastructure import Infrastructure
from landrelease.scenario.land_use import LandUse
from landrelease.scenario.military import Positions
from landrelease.scenario.resources import Sessions, Table
from landrelease.scenario.settlements import Settlements
from landrelease.scenario.world import World


@dataclass(frozen=True)
class Scenario:
    """Everything generated for one window, before writing."""

    world: World
    window: Window
    devices: Devices
    settlements: Settlements
    infrastructure: Infrastructure
    positions: Positions
    minefields: Minefields
    records: MapRecords
    seen: SeenPositions
    incidents: Incidents
    statements: Statements
    hazards: Hazards
    history: History
    programme: np.ndarray
    returned: np.ndarray
    funding: Table
    organisations: Table
    assets: Table
    people: float
    sessions: Sessions
    calibration: tuple[CalibrationRow, ...]
    land_use: LandUse | None = None
    """Land in use since the war (``None``: not drawn)."""
    expenditures: Table | None = None
    """Money spent on the approved activities (:mod:`landrelease.scenario.spending`)."""
