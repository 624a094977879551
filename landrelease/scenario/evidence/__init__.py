"""How a programme comes to know, imperfectly: maps, imagery, testimony, incidents.

Each function draws one kind of evidence from the truth with documented error
rates (``parameters``): handed-over maps cover ~5 % of the land and ~25 % of
them are accurate; imagery sees most positions and invents a few; witnesses
are wrong at known rates; incidents happen where people go and devices lie.

One module per kind: ``exposure`` (where people go), ``maps``, ``imagery``,
``incidents``, ``testimony``. Import them from here::

    from landrelease.scenario import evidence as ev
    records = ev.handed_over_maps(...)
"""

from landrelease.scenario.evidence.exposure import ACTIVITIES, Exposure, exposure, weighted_sample
from landrelease.scenario.evidence.imagery import SeenPositions, seen_positions
from landrelease.scenario.evidence.incidents import (
    Incidents,
    civilian_incidents,
    device_name,
    victims,
)
from landrelease.scenario.evidence.maps import (
    MapRecords,
    handed_over_maps,
    map_sheets,
    measured_accuracy,
)
from landrelease.scenario.evidence.testimony import Statements, statements

__all__ = [
    "ACTIVITIES",
    "Exposure",
    "Incidents",
    "MapRecords",
    "SeenPositions",
    "Statements",
    "civilian_incidents",
    "device_name",
    "exposure",
    "handed_over_maps",
    "map_sheets",
    "measured_accuracy",
    "seen_positions",
    "statements",
    "victims",
    "weighted_sample",
]
