"""The site's static files (``/static/...``): named by their content, compressed once, kept.

A page names each static file with :meth:`Assets.url` — ``/static/map.js?v=3f9c…``, the
version being a hash of what the file holds. A request that names the current version is
answered with ``Cache-Control: public, max-age=31536000, immutable`` (the browser never asks
again: a new release names new versions); any other is revalidated by its ETag (304).

The site's own scripts and style sheets name other static files by their quoted
``/static/...`` path (``import … from "/static/vendor/maplibre/maplibre-gl.mjs"``): those
names are given their version as the file is read, so that a module is fetched once, by the
address the page preloads, and an edit to an imported module gives its importers a new
version too.

Text files are sent compressed — brotli to browsers that accept it, gzip to the others — and
compressed once per process, not per request: a vendored library's brotli copy is kept
beside it (``maplibre-gl.mjs.br``, written with ``scripts/vendor-js.sh``: the strongest
setting takes seconds on a 1 MB script), checked against the file when first read; every
other file is compressed on its first request and kept.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from fastapi import APIRouter, Request
from fastapi.responses import Response

from landrelease.web.errors import NotFound

ROOT = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
"""A static file asked for by its current version: it never changes at that address."""
REVALIDATE = "no-cache"
"""A static file asked for without its version (or an old one): kept, but checked on each use."""
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
COMPRESSED = {".js", ".mjs", ".css", ".json", ".txt", ".md", ".svg"}
"""What is sent compressed (PNG images already are)."""
MIN_COMPRESSED_BYTES = 1000
"""Files smaller than this are sent as they are (the headers would outweigh the saving)."""
BROTLI_QUALITY = 11
GZIP_LEVEL = 9
NAMES = re.compile(rb"""(["'])/static/([A-Za-z0-9_./-]+)\1""")
"""A static file named in one of the site's own scripts or style sheets."""


@dataclass
class Asset:
    """One static file as served: its bytes (names of other files versioned) and version."""

    path: str
    body: bytes
    version: str
    media_type: str
    stamp: tuple[int, int]
    """The file's modification time and size when read: an edit is seen on the next request."""
    depends: tuple[tuple[str, str], ...] = ()
    """The static files this one names, with the versions named (part of its bytes)."""
    encoded: dict[str, bytes] = field(default_factory=dict)

    @property
    def compressible(self) -> bool:
        return Path(self.path).suffix in COMPRESSED and len(self.body) >= MIN_COMPRESSED_BYTES


class Assets:
    """The static files under ``root``, each read, versioned and compressed once per process."""

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root.resolve()
        self._lock = threading.RLock()
        self._assets: dict[str, Asset] = {}
        self._visiting: set[str] = set()

    def _file(self, path: str) -> Path | None:
        file = (self.root / path).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            return None
        return file

    def _stamp(self, path: str) -> tuple[int, int] | None:
        file = self._file(path)
        if file is None:
            return None
        st = file.stat()
        return st.st_mtime_ns, st.st_size

    def _current(self, asset: Asset) -> bool:
        if self._stamp(asset.path) != asset.stamp:
            return False
        return all(
            (dep := self.get(name)) is not None and dep.version == version
            for name, version in asset.depends
        )

    def get(self, path: str) -> Asset | None:
        """The file at ``path`` under the root as served (``None``: no such file)."""
        with self._lock:
            if path in self._visiting:  # modules that import each other: the cycle stops here
                return self._assets.get(path)
            self._visiting.add(path)
            try:
                return self._read(path)
            finally:
                self._visiting.discard(path)

    def _read(self, path: str) -> Asset | None:
        asset = self._assets.get(path)
        if asset is not None and self._current(asset):
            return asset
        file = self._file(path)
        if file is None:
            return None
        st = file.stat()
        body = file.read_bytes()
        depends: list[tuple[str, str]] = []
        if file.suffix in (".js", ".mjs", ".css") and not path.startswith("vendor/"):
            body = self._versioned_names(path, body, depends)
        asset = Asset(
            path=path,
            body=body,
            version=hashlib.sha256(body).hexdigest()[:12],
            media_type=MEDIA_TYPES.get(file.suffix, "application/octet-stream"),
            stamp=(st.st_mtime_ns, st.st_size),
            depends=tuple(depends),
        )
        self._assets[path] = asset
        return asset

    def _versioned_names(self, path: str, body: bytes, depends: list[tuple[str, str]]) -> bytes:
        def versioned(m: re.Match[bytes]) -> bytes:
            name = m.group(2).decode()
            target = self.get(name) if name != path else None
            if target is None:
                return m.group(0)
            depends.append((name, target.version))
            quote = m.group(1)
            return quote + f"/static/{name}?v={target.version}".encode() + quote

        return NAMES.sub(versioned, body)

    def url(self, path: str) -> str:
        """The address a page names ``path`` by: with its version, so that it is kept a year."""
        asset = self.get(path)
        if asset is None:
            raise FileNotFoundError(f"no static file {path!r} under {self.root}")
        return f"/static/{path}?v={asset.version}"

    def encoded(self, asset: Asset, encoding: str) -> bytes:
        """``asset``'s bytes compressed with ``encoding`` (``br`` or ``gzip``), made once."""
        with self._lock:
            found = asset.encoded.get(encoding)
        if found is not None:
            return found
        if encoding == "br":
            data = self.stored_brotli(asset) or brotli.compress(asset.body, quality=BROTLI_QUALITY)
        else:
            data = gzip.compress(asset.body, compresslevel=GZIP_LEVEL, mtime=0)
        with self._lock:
            asset.encoded[encoding] = data
        return data

    def stored_brotli(self, asset: Asset) -> bytes | None:
        """The brotli copy kept beside the file, if it holds the file's bytes as served."""
        stored = self._file(asset.path + ".br")
        if stored is None:
            return None
        data = stored.read_bytes()
        try:
            return data if brotli.decompress(data) == asset.body else None
        except brotli.error:
            return None


def accepted_encoding(accept_encoding: str) -> str | None:
    """``br`` or ``gzip`` if the client's Accept-Encoding takes it (brotli first), else ``None``."""
    taken = set()
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        if params and q.replace(".", "", 1).isdigit() and float(q) == 0:
            continue
        taken.add(name.strip().lower())
    for encoding in ("br", "gzip"):
        if encoding in taken:
            return encoding
    return None


ASSETS = Assets()
"""The site's static files (one per process: every app of the process shares them)."""

router = APIRouter(include_in_schema=False)


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
def static_file(request: Request, path: str) -> Response:
    """A static file: compressed when the browser takes it, kept a year when asked for by its
    current version, otherwise revalidated by its ETag."""
    asset = ASSETS.get(path)
    if asset is None or path.endswith(".br"):
        raise NotFound(f"no static file {path!r}")
    encoding = (
        accepted_encoding(request.headers.get("accept-encoding", ""))
        if asset.compressible
        else None
    )
    headers = {
        "ETag": f'"{asset.version}{"-" + encoding if encoding else ""}"',
        "Cache-Control": IMMUTABLE
        if request.query_params.get("v") == asset.version
        else REVALIDATE,
    }
    if asset.compressible:
        headers["Vary"] = "Accept-Encoding"
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    body = asset.body
    if encoding is not None:
        body = ASSETS.encoded(asset, encoding)
        headers["Content-Encoding"] = encoding
    return Response(body, media_type=asset.media_type, headers=headers)
