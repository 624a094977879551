"""A synthetic Karabakh-like region with ground truth, written as an evidence package.

Real minefield data is not public, so the system ships its own world: towns and
villages, roads and fields, the 1994–2020 line of contact and the 2020 fronts,
a million devices laid by five documented processes, the imperfect evidence a
programme gathers about them, its hazard register and six years of land
release. ``generate`` writes it in the layout of ``DATA_CONTRACT.md`` plus
``truth/`` (every device, where it really is) and ``scenario.json``::

    from landrelease.scenario import generate
    result = generate(seed=7, scale="small", out=Path("pkg"))
    print(result.calibration_markdown())

Underneath are pure, vectorised functions, one module per step:
``geography`` (land, windows, districts), ``terrain``, ``settlements``,
``infrastructure``, ``military`` (positions and belt layout),
``contamination`` (the five processes), ``evidence`` (maps, imagery,
testimony, incidents), ``hazards``, ``history`` (land release, returns) with
``tasks`` (the survey and clearance of one hazard), ``resources`` (money,
assets, risk education), ``calibration``; ``pipeline`` wires them into a
``generated.Scenario`` and ``package`` writes it through ``writers``. Constants
live in ``parameters``; ``docs/scenario.md`` explains every assumption.
"""

from landrelease.scenario.calibration import CalibrationRow
from landrelease.scenario.geography import SCALES, Scale
from landrelease.scenario.parameters import DEFAULT, Parameters
from landrelease.scenario.pipeline import ScenarioResult, generate

__all__ = [
    "DEFAULT",
    "SCALES",
    "CalibrationRow",
    "Parameters",
    "Scale",
    "ScenarioResult",
    "generate",
]
