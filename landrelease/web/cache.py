"""Each layer read once per change: a per-app cache of GeoDataFrames keyed by a change stamp.

The stamp is one cheap query (:func:`landrelease.store.runs.change_stamp`): the
last id of the audit trail and of every run table (every write through
:mod:`landrelease.records`, every import and every model run leave one) and, for
the layer itself, its row count and its latest ``updated_at``/``retired_at``. A
write from another process (the CLI) changes the stamp, so it is seen within
:data:`STAMP_TTL_S`; a write through the app clears the cache at once
(:meth:`LayerCache.clear`).

Cached frames are shared between requests: callers must not modify them in
place (selections, ``drop`` and ``iloc`` return new frames).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from landrelease.store import Workspace, runs

T = TypeVar("T")
MAX_RESPONSES = 512
STAMP_TTL_S = 1.0
"""A stamp read this recently is reused: writes from other processes show within this time
(writes through the app clear the cache at once). Saves a query per request under load."""


class LayerCache:
    """Frames (or other derived values) per (layer, variant), reused while the layer's change stamp is unchanged."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._lock = threading.Lock()
        self._frames: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}
        self._responses: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], bytes]] = OrderedDict()
        self._stamps: dict[str | None, tuple[float, tuple[Any, ...]]] = {}
        self._stamping: dict[str | None, threading.Lock] = {}
        """One lock per table's stamp: when it is due, one request reads it, the others wait."""
        self._generation = 0
        """Counts :meth:`clear`: a stamp read while the app wrote is not kept."""
        self._building: dict[tuple[str, str], threading.Lock] = {}
        """One lock per cached value: a value missing under load is built once, not per request."""
        self.stamp_ttl_s = STAMP_TTL_S
        self.hits = 0
        self.misses = 0

    def stamp(self, table: str | None) -> tuple[Any, ...]:
        """The change stamp of ``table`` (``None``: the global part only)."""
        with self.ws.engine.connect() as conn:
            return runs.change_stamp(conn, table)

    def planning_stamp(self) -> str:
        """The latest prioritisation, plan and forecast: what the readiness dates, the
        settlement pages and the dashboard's plan figures are made of."""
        with self.ws.engine.connect() as conn:
            ids = [runs.latest_run(conn, kind) for kind in ("priorities", "plan", "forecast")]
        return ":".join("none" if i is None else str(i) for i in ids)

    def recent_stamp(self, table: str | None) -> tuple[Any, ...]:
        """``table``'s stamp, read again once :attr:`stamp_ttl_s` old. Read by one request at a
        time: a burst of requests (a map's tiles after a move: a dozen at once) makes one
        query, not one each; on a big layer (160,000 findings: counted and their latest update
        found, 40 ms) a dozen at once took the database a second or more."""
        memo = self._fresh_stamp(table)
        if memo is not None:
            return memo
        with self._lock:
            stamping = self._stamping.setdefault(table, threading.Lock())
        with stamping:
            memo = self._fresh_stamp(table)  # read by another request while this one waited
            if memo is not None:
                return memo
            with self._lock:
                generation = self._generation
            now = time.monotonic()
            stamp = self.stamp(table)
            with self._lock:
                if generation == self._generation:  # else the app wrote meanwhile: not kept
                    self._stamps[table] = (now, stamp)
        return stamp

    def _fresh_stamp(self, table: str | None) -> tuple[Any, ...] | None:
        with self._lock:
            memo = self._stamps.get(table)
        if memo is not None and time.monotonic() - memo[0] < self.stamp_ttl_s:
            return memo[1]
        return None

    def get(
        self,
        table: str | None,
        variant: str,
        load: Callable[[], T],
    ) -> T:
        """The cached value of ``(table, variant)``, or ``load()`` when the stamp has moved."""
        key = (table or "", variant)
        stamp = self.recent_stamp(table)
        with self._lock:
            hit = self._frames.get(key)
            if hit is not None and hit[0] == stamp:
                self.hits += 1
                return cast(T, hit[1])
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one thread builds; the others wait for it instead of building too
            with self._lock:
                hit = self._frames.get(key)
                if hit is not None and hit[0] == stamp:
                    self.hits += 1
                    return cast(T, hit[1])
            frame = load()
            with self._lock:
                self.misses += 1
                self._frames[key] = (stamp, frame)
        return frame

    def response(self, table: str | None, key: tuple[Any, ...], load: Callable[[], bytes]) -> bytes:
        """A response body per request ``key`` under ``table``'s stamp, the last
        :data:`MAX_RESPONSES` kept (least recently used dropped: bbox values are unbounded)."""
        stamp = self.recent_stamp(table)
        with self._lock:
            hit = self._responses.get(key)
            if hit is not None and hit[0] == stamp:
                self._responses.move_to_end(key)
                self.hits += 1
                return hit[1]
        body = load()
        with self._lock:
            self.misses += 1
            self._responses[key] = (stamp, body)
            self._responses.move_to_end(key)
            while len(self._responses) > MAX_RESPONSES:
                self._responses.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._frames.clear()
            self._responses.clear()
            self._stamps.clear()
