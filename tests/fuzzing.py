"""Mutated evidence packages, for the fuzz suite (tests/io/test_fuzz.py) and its long run
(benchmarks/fuzz_bench.py).

A case is a format and a few mutations of the bytes of a small valid file of that format:
a byte flipped, the end cut off, a line doubled, dropped or swapped, a number made huge,
odd Unicode put in. Each mutation is a plain tuple, so hypothesis and a seeded random
generator draw the same cases. :func:`run_case` imports the mutated package through the
importer the command line calls, into a copy of a workspace that holds the valid package,
and tells what happened: accepted, refused with a message, refused without one, a crash
(any exception but the project's own user errors), or a partial write (refused, yet the
workspace's tables changed).
"""

from __future__ import annotations

import io
import json
import random
import shutil
import traceback
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from landrelease.errors import DataError, Severity, UsageError
from landrelease.io import import_package
from landrelease.store import Workspace
from tests.helpers import FUNDING_CSV, ORGANISATIONS_CSV, layer_features

KINDS = (
    "flip",
    "truncate",
    "duplicate_line",
    "remove_line",
    "swap_lines",
    "huge_number",
    "unicode",
)
PAYLOADS = (
    b"1e308",
    b"-1e308",
    b"12345678901234567890",
    b"99999999999999999999999999999999999999",
    b"NaN",
    b"-0",
    b"1" * 400,
)
ODD_TEXT = (
    "\u202e",  # right-to-left override
    "\x00",
    "\ufeff",  # byte order mark
    "e\u0301\u0301\u0301",  # stacked combining accents
    "💣",
    "\u2028",  # line separator
    "Ω≈ç√",
)
ODD_BYTES = (b"\xed\xa0\x80", b"\xff\xfe", b"\xc3", b"\x80\x80")
"""Bytes that are not UTF-8: a lone surrogate, a UTF-16 mark, a cut sequence, stray continuations."""

Op = tuple[str, float, int]
"""A mutation: its kind, where in the file (0–1) and a number that picks its payload or member."""


def mutate(data: bytes, ops: list[Op]) -> bytes:
    """Apply the mutations in order."""
    for kind, at, arg in ops:
        data = _MUTATORS[kind](data, at, arg)
    return data


def _pos(data: bytes, at: float) -> int:
    return min(len(data), int(at * len(data)))


def _flip(data: bytes, at: float, arg: int) -> bytes:
    if not data:
        return data
    i = min(len(data) - 1, _pos(data, at))
    return data[:i] + bytes([data[i] ^ (1 << (arg % 8))]) + data[i + 1 :]


def _truncate(data: bytes, at: float, arg: int) -> bytes:
    return data[: _pos(data, at)]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _duplicate_line(data: bytes, at: float, arg: int) -> bytes:
    lines = _lines(data)
    i = min(len(lines) - 1, int(at * len(lines)))
    return b"".join(lines[: i + 1] + [lines[i]] * (1 + arg % 3) + lines[i + 1 :])


def _remove_line(data: bytes, at: float, arg: int) -> bytes:
    lines = _lines(data)
    i = min(len(lines) - 1, int(at * len(lines)))
    return b"".join(lines[:i] + lines[i + 1 :])


def _swap_lines(data: bytes, at: float, arg: int) -> bytes:
    lines = _lines(data)
    i, j = min(len(lines) - 1, int(at * len(lines))), arg % len(lines)
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def _huge_number(data: bytes, at: float, arg: int) -> bytes:
    """Replace the run of digits nearest to ``at`` with a huge (or odd) number."""
    i = _pos(data, at)
    digits = [k for k in range(len(data)) if 48 <= data[k] <= 57]
    if not digits:
        return data[:i] + PAYLOADS[arg % len(PAYLOADS)] + data[i:]
    k = min(digits, key=lambda d: abs(d - i))
    start = k
    while start > 0 and 48 <= data[start - 1] <= 57:
        start -= 1
    end = k
    while end < len(data) and 48 <= data[end] <= 57:
        end += 1
    return data[:start] + PAYLOADS[arg % len(PAYLOADS)] + data[end:]


def _unicode(data: bytes, at: float, arg: int) -> bytes:
    i = _pos(data, at)
    choices = [t.encode() for t in ODD_TEXT] + list(ODD_BYTES)
    return data[:i] + choices[arg % len(choices)] + data[i:]


_MUTATORS: dict[str, Callable[[bytes, float, int], bytes]] = {
    "flip": _flip,
    "truncate": _truncate,
    "duplicate_line": _duplicate_line,
    "remove_line": _remove_line,
    "swap_lines": _swap_lines,
    "huge_number": _huge_number,
    "unicode": _unicode,
}
assert set(_MUTATORS) == set(KINDS)


# -- the formats: a small valid file each, and where the mutations go ----------
@cache
def _shapefile_members() -> dict[str, bytes]:
    import tempfile

    import geopandas as gpd

    frame = gpd.GeoDataFrame.from_features(layer_features()["hazards"], crs="EPSG:4326")
    frame = frame.drop(columns=["blockages", "device_types"])
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # field names cut to 10 characters, as Shapefiles do
        frame.to_file(Path(tmp) / "hazards.shp")
        return {f.name: f.read_bytes() for f in sorted(Path(tmp).iterdir())}


@cache
def _xlsx_members() -> dict[str, bytes]:
    import pandas as pd

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, text in (("funding", FUNDING_CSV), ("organisations", ORGANISATIONS_CSV)):
            pd.read_csv(io.StringIO(text), dtype=str).to_excel(writer, sheet_name=name, index=False)
    with zipfile.ZipFile(buf) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _write_csv(folder: Path, ops: list[Op]) -> Path:
    (folder / "funding.csv").write_bytes(mutate(FUNDING_CSV.encode(), ops))
    return folder


def _write_geojson(folder: Path, ops: list[Op]) -> Path:
    (folder / "hazards.geojson").write_bytes(mutate(_geojson_seed(), ops))
    return folder


@cache
def _geojson_seed() -> bytes:
    """Two hazards, written as the exporter writes (UTF-8 as it is)."""
    features = layer_features()["hazards"][:2]
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False
    ).encode()


def _write_members(members: dict[str, bytes], ops: list[Op]) -> bytes:
    """Mutate one member (picked by the first op) and zip them; an op of ``zip`` kind mutates the zip.

    Half the cases mutate a member and zip it again (the zip is sound, its content is not),
    the other half the zip's own bytes.
    """
    if not ops:
        return _zip(members)
    names = sorted(members)
    _, _, arg = ops[0]
    if arg % 2:
        return mutate(_zip(members), ops)
    target = names[(arg // 2) % len(names)]
    return _zip({**members, target: mutate(members[target], ops)})


def _write_shapefile(folder: Path, ops: list[Op]) -> Path:
    (folder / "hazards.zip").write_bytes(_write_members(_shapefile_members(), ops))
    return folder


def _write_xlsx(folder: Path, ops: list[Op]) -> Path:
    (folder / "package.xlsx").write_bytes(_write_members(_xlsx_members(), ops))
    return folder / "package.xlsx"


FORMATS: dict[str, Callable[[Path, list[Op]], Path]] = {
    "csv": _write_csv,
    "geojson": _write_geojson,
    "shapefile": _write_shapefile,
    "xlsx": _write_xlsx,
}
"""Each format: writes a package whose one file is mutated, returns what to import."""


def random_ops(rng: random.Random, *, most: int = 3) -> list[Op]:
    """Mutations drawn from a seeded generator (the benchmark's long run)."""
    return [
        (rng.choice(KINDS), rng.random(), rng.randrange(1 << 16))
        for _ in range(rng.randint(1, most))
    ]


# -- running a case ------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    kind: str
    """accepted, refused (with a message), silent (refused without one), crash or partial."""
    detail: str = ""
    """For a crash, the exception and where it was raised; for a refusal, the first problem."""
    key: str = ""
    """For a crash, its kind and place without the message: crashes with one key are one bug."""


def base_workspace(folder: Path) -> Path:
    """A workspace holding the valid package of every format; each case imports into a copy."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "base.gpkg"
    with Workspace.create(str(path), actor="fuzz") as ws:
        for fmt, write in FORMATS.items():
            pkg = folder / f"valid-{fmt}"
            pkg.mkdir()
            report = import_package(ws, write(pkg, []), actor="fuzz")
            assert report.committed, (fmt, [str(i) for i in report.issues[:3]])
            shutil.rmtree(pkg)
    return path


def run_case(base: Path, folder: Path, fmt: str, ops: list[Op]) -> Outcome:
    """Import one mutated package into a copy of ``base``; what happened, and whether it wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "ws.gpkg"
    shutil.copyfile(base, target)
    ws = Workspace.open(str(target))
    try:
        before = ws.table_counts()
        try:
            package = folder / "package"
            package.mkdir(exist_ok=True)
            report = import_package(ws, FORMATS[fmt](package, ops), actor="fuzz")
        except (DataError, UsageError) as exc:
            committed, message = False, str(exc)
        except Exception as exc:
            return Outcome("crash", *_where(exc))
        else:
            committed = report.committed
            errors = report.log.issues(Severity.ERROR)
            message = str(errors[0]) if errors else ""
        if committed:
            return Outcome("accepted")
        if ws.table_counts() != before:
            return Outcome("partial", message)
        return Outcome("refused" if message else "silent", message)
    finally:
        ws.close()


def _where(exc: BaseException) -> tuple[str, str]:
    """The exception with where it was raised, and its kind and place alone (to group crashes)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "landrelease" in f.filename] or frames
    last = ours[-1] if ours else None
    at = f" at {Path(last.filename).name}:{last.lineno} ({last.name})" if last else ""
    return f"{type(exc).__name__}: {str(exc)[:120]}{at}", f"{type(exc).__name__}{at}"
