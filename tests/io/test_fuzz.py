"""The fuzz suite: mutated packages of every format through the importer the command line
calls. Whatever the bytes, the import accepts them or refuses them with a message — never a
traceback — and a refused import writes nothing. Seeded (the same cases every run); the
long run is ``make bench-fuzz`` (benchmarks/fuzz_bench.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import FORMATS, KINDS, Op, base_workspace, run_case

OPS = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.floats(0, 1, exclude_max=True, allow_nan=False),
        st.integers(0, 1 << 16),
    ),
    min_size=1,
    max_size=3,
)
CASES_PER_FORMAT = 75


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return base_workspace(tmp_path_factory.mktemp("fuzz"))


@pytest.mark.parametrize("fmt", list(FORMATS))
@settings(
    derandomize=True,
    max_examples=CASES_PER_FORMAT,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_a_mutated_file_is_accepted_or_refused_with_a_message_and_nothing_written(
    base: Path, fmt: str, ops: list[Op]
) -> None:
    with tempfile.TemporaryDirectory(prefix="landrelease-fuzz-") as tmp:
        outcome = run_case(base, Path(tmp), fmt, ops)
    assert outcome.kind in ("accepted", "refused"), (fmt, ops, outcome)
