"""The application's routes, one module per concept; each exposes ``router``."""

from landrelease.web.routes import (
    activities,
    downloads,
    login,
    mapdata,
    ogc,
    overlays,
    pages,
    records,
)

ROUTERS = [
    ogc.router,
    login.router,
    pages.router,
    overlays.router,
    mapdata.router,
    activities.router,
    downloads.router,
    records.router,
]
