"""The application's routes, one module per concept; each exposes ``router``."""

from landrelease.web.routes import (
    activities,
    downloads,
    entry_api,
    figures,
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
    figures.router,
    overlays.router,
    mapdata.router,
    activities.router,
    downloads.router,
    records.router,
    entry_api.router,
]
