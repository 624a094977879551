"""Kept only so that :mod:`landrelease.web.entry` imports ``DRAFT_STATUSES`` as before.

Which records each user sees is :mod:`landrelease.web.visible`; the OGC API's features are
:mod:`landrelease.web.api.geojson`. Remove this module when ``entry.py`` imports
``DRAFT_STATUSES`` from :mod:`landrelease.web.visible`.
"""

from landrelease.web.visible import DRAFT_STATUSES

__all__ = ["DRAFT_STATUSES"]
