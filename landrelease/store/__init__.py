"""The workspace store: one schema on GeoPackage (default) or PostgreSQL/PostGIS.

Only this package speaks SQL and knows which backend it talks to. Above it:

* :class:`Workspace` opens, creates and writes the records (imports, audit trail);
* :class:`WorkspaceView` is the read model: each layer read once per run, the
  metric CRS, the data date, released land from the ledger, what blocks a settlement;
* :mod:`landrelease.store.runs` keeps every computation as a run with an id;
* :mod:`landrelease.store.tables` reads and writes the plain tables by column filters.

A caller that groups several writes in one transaction holds a :class:`Connection`
(from :meth:`Workspace.begin`) and passes it to the store's functions; that type
is the only thing of the database library it needs.
"""

from sqlalchemy import Connection

from landrelease.store.crs import area_m2
from landrelease.store.view import WorkspaceView
from landrelease.store.workspace import Workspace, WriteContext, WriteCounts, default_actor

__all__ = [
    "Connection",
    "Workspace",
    "WorkspaceView",
    "WriteContext",
    "WriteCounts",
    "area_m2",
    "default_actor",
]
