"""The web application: OGC API – Features, roles and login, the map (``landrelease serve``)."""

from landrelease.web.app import create_app

__all__ = ["create_app"]
