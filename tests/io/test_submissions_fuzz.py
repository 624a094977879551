"""Mutated submission exports (ODK Central CSV, Kobo XLSX with a victims sheet): whatever the
bytes, the import accepts them or refuses them with a message — never a traceback — and a
refused import writes nothing. Seeded, like the package fuzz suite (tests/fuzzing.py)."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landrelease.errors import DataError, Severity, UsageError
from landrelease.io import import_package
from landrelease.store import Workspace
from tests.fuzzing import KINDS, Op, _write_members, mutate
from tests.io.test_submissions import kobo_accidents, odk_hazards

OPS = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.floats(0, 1, exclude_max=True, allow_nan=False),
        st.integers(0, 1 << 16),
    ),
    min_size=1,
    max_size=3,
)


def _odk(folder: Path, seed: Path, ops: list[Op]) -> Path:
    data = (seed / "odk" / "hazard_report.csv").read_bytes()
    (folder / "hazard_report.csv").write_bytes(mutate(data, ops))
    return folder / "hazard_report.csv"


def _kobo(folder: Path, seed: Path, ops: list[Op]) -> Path:
    book = next(seed.glob("Accident*.xlsx"))
    with zipfile.ZipFile(book) as z:
        members = {n: z.read(n) for n in z.namelist()}
    path = folder / book.name
    path.write_bytes(_write_members(members, ops))
    return path


WRITERS = {"odk-csv": _odk, "kobo-xlsx": _kobo}


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    odk_hazards(folder / "odk")
    kobo_accidents(folder)
    return folder


@pytest.mark.parametrize("fmt", list(WRITERS))
@settings(
    derandomize=True,
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_a_mutated_export_is_accepted_or_refused_with_a_message(
    seed: Path, fmt: str, ops: list[Op]
) -> None:
    with tempfile.TemporaryDirectory(prefix="landrelease-fuzz-") as tmp:
        folder = Path(tmp)
        ws = Workspace.create(str(folder / "ws.gpkg"))
        try:
            report = import_package(ws, WRITERS[fmt](folder, seed, ops), actor="fuzz")
        except (DataError, UsageError):
            return
        finally:
            ws.close()
        if report.committed:
            return
        assert report.log.issues(Severity.ERROR), (fmt, ops)
        with Workspace.open(str(folder / "ws.gpkg")) as again:
            assert again.read_layer("hazards").empty and again.read_layer("incidents").empty
