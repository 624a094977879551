"""The JSON API: OGC API – Features, the map's data, figures and the JSON twins of pages,
logging in from scripts, the activity workflow, data entry and downloads of data.

Each module exposes ``router``; :data:`ROUTERS` lists them in the order the
application includes them (the order of ``/openapi.json``).
"""

from landrelease.web.api import (
    data_entry,
    downloads,
    figures,
    map_data,
    ogc,
    overlays,
    review,
    tiles,
    tokens,
)

ROUTERS = [
    ogc.router,
    tokens.router,
    figures.router,
    overlays.router,
    map_data.router,
    tiles.router,
    review.router,
    downloads.router,
    data_entry.router,
]
