"""The workspace store: one schema on GeoPackage (default) or PostgreSQL/PostGIS."""

from landrelease.store.workspace import Workspace, WriteContext, WriteCounts, area_m2, default_actor

__all__ = ["Workspace", "WriteContext", "WriteCounts", "area_m2", "default_actor"]
