"""The console's sentence on the width of the local finding rate."""

from __future__ import annotations

from landrelease.cli.display.land_release import rate_scale_text
from landrelease.evidence.features import RateScale


def test_chosen_width_names_its_score_and_the_others() -> None:
    scale = RateScale(
        1500.0,
        {500.0: 0.81, 1500.0: 0.845, 4000.0: float("nan")},
        "best of 3 widths on 40 held-out blocks",
    )
    text = rate_scale_text(scale)
    assert text == (
        "Local finding rate made at a kernel width of 1.5 km, best of 3 widths on 40 held-out "
        "blocks: held-out ROC-AUC 0.845 (other widths: 500 m 0.810)."
    )


def test_default_width_says_why() -> None:
    text = rate_scale_text(RateScale(1500.0, {}, "fewer than 20 searched cells with a find"))
    assert text == (
        "Local finding rate made at a kernel width of 1.5 km, the default "
        "(fewer than 20 searched cells with a find)."
    )


def test_stored_width_is_named_as_stored() -> None:
    text = rate_scale_text(RateScale(250.0, {}, "as the stored map made it"))
    assert text == "Local finding rate made at a kernel width of 250 m, as the stored map made it."
