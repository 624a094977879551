"""Every tunable number of landrelease, declared once with its unit and meaning.

``landrelease settings`` lists them; ``docs/settings.md`` documents them (a
test fails when one is missing there). A value can be overridden for one run
with the environment variable ``LANDRELEASE_<NAME>`` (upper case).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    unit: str
    help: str

    @property
    def env(self) -> str:
        return f"LANDRELEASE_{self.name.upper()}"

    def value(self) -> Any:
        raw = os.environ.get(self.env)
        if raw is None:
            return self.default
        try:
            return type(self.default)(raw)
        except ValueError:
            from landrelease.errors import UsageError

            raise UsageError(
                f"{self.env}={raw!r} is not a valid {type(self.default).__name__} (unit: {self.unit})"
            ) from None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "workspace",
        "workspace.gpkg",
        "path or URL",
        "Workspace used when --workspace/--db is not given.",
    ),
    Setting(
        "import_batch_rows", 50_000, "records", "Records read and checked at a time; bounds memory."
    ),
    Setting(
        "issues_listed_per_file",
        20,
        "problems",
        "Problems printed per file; all are counted, and --issues-csv lists up to 1,000 per file.",
    ),
    Setting(
        "json_precheck_max_mb",
        64,
        "MB",
        "GeoJSON files up to this size are parsed once for exact syntax-error positions.",
    ),
    Setting(
        "demo_scale",
        "district",
        "scale",
        "Scenario scale `make demo` generates: small, district or region.",
    ),
    Setting("demo_seed", 2020, "seed", "Random seed of the demo scenario."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> Any:
    """The value of a setting (environment override, else default)."""
    return _BY_NAME[name].value()
