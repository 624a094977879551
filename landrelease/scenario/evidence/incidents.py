"""Civilian incidents: where people go and devices lie, with the victims of each
(``parameters.IncidentParams``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from landrelease.domain import vocab
from landrelease.scenario.contamination import Devices
from landrelease.scenario.evidence.exposure import ACTIVITIES, weighted_sample
from landrelease.scenario.geometry import F64, I64, Bool, choice_index
from landrelease.scenario.parameters import END_DATE, START_DATE, IncidentParams
from landrelease.scenario.timeline import Days, day, uniform_days


@dataclass(frozen=True)
class Incidents:
    device_index: I64
    """The window device that went off (−1: none recorded)."""
    x: F64
    y: F64
    date: Days
    activity: NDArray[np.object_]
    civilian: Bool
    device: NDArray[np.object_]
    victims: list[list[dict[str, object]]]

    def __len__(self) -> int:
        return len(self.x)

    @property
    def killed(self) -> I64:
        return np.array(
            [sum(v["outcome"] == "killed" for v in vs) for vs in self.victims], np.int64
        )

    @property
    def injured(self) -> I64:
        return np.array(
            [sum(v["outcome"] == "injured" for v in vs) for vs in self.victims], np.int64
        )


def victims(
    rng: np.random.Generator,
    device: NDArray[np.object_],
    p: IncidentParams,
    *,
    adults_only: bool = False,
) -> list[list[dict[str, object]]]:
    """Who was hit: 1–3 people, killed or injured by the device's lethality, age and gender."""
    kill = dict(zip(vocab.DEVICES, p.killed_probability, strict=True))
    out: list[list[dict[str, object]]] = []
    counts = choice_index(rng, p.victims_count, len(device)) + 1
    for dev, k in zip(device, counts, strict=True):
        people: list[dict[str, object]] = []
        for _ in range(int(k)):
            child = not adults_only and rng.random() < p.child_share
            if child:
                age = int(rng.integers(p.child_age[0], p.child_age[1] + 1))
            else:
                age = int(np.clip(rng.normal(p.adult_age_mean, p.adult_age_sd), *p.adult_age))
            u = rng.random()
            if u < p.unknown_gender:
                gender = "unknown"
            else:
                female = rng.random() < (p.female_child if child else p.female_adult)
                gender = "female" if female else "male"
            outcome = "killed" if rng.random() < kill[str(dev)] else "injured"
            people.append({"age": age, "gender": gender, "outcome": outcome})
        out.append(people)
    return out


def civilian_incidents(
    devices: Devices, weights: dict[str, F64], p: IncidentParams, rng: np.random.Generator
) -> Incidents:
    """Civilian incidents: how many follows the exposure of the window's devices; the
    activity follows the published mix; the device hit is drawn by exposure × susceptibility."""
    mix = dict(p.activity_mix)
    sus = {a: np.asarray(v, float)[devices.device] for a, v in p.susceptibility}
    total = sum(mix[a] * float((weights[a] * sus[a]).sum()) for a in ACTIVITIES)
    n = int(rng.poisson(p.incidents_per_exposure * total))
    act = np.array(ACTIVITIES, dtype=object)[choice_index(rng, [mix[a] for a in ACTIVITIES], n)]
    used = np.zeros(len(devices), bool)
    chosen = np.full(n, -1, np.int64)
    for a in ACTIVITIES:
        slots = np.flatnonzero(act == a)
        pick = weighted_sample(rng, weights[a] * sus[a], len(slots), used)
        rng.shuffle(pick)
        chosen[slots[: len(pick)]] = pick
        used[pick] = True
    keep = chosen >= 0
    chosen, act = chosen[keep], act[keep]
    n = len(chosen)
    first = rng.random(n) < p.first_year_share
    start = day(START_DATE)
    d1 = uniform_days(rng, start, start + np.timedelta64(364, "D"), n)
    d2 = uniform_days(rng, start + np.timedelta64(365, "D"), END_DATE, n)
    dates = np.where(first, d1, d2)
    dev = np.array(vocab.DEVICES, dtype=object)[devices.device[chosen]]
    ex, ey = rng.normal(0, p.location_error_m, (2, n))
    return Incidents(
        device_index=chosen,
        x=devices.x[chosen] + ex,
        y=devices.y[chosen] + ey,
        date=dates,
        activity=act,
        civilian=np.ones(n, bool),
        device=dev,
        victims=victims(rng, dev, p),
    )


def device_name(code: NDArray[np.integer]) -> NDArray[np.object_]:
    return np.array(vocab.DEVICES, dtype=object)[np.asarray(code, np.int64)]
