"""Score maths of the patient-reported outcomes, without Django: the PSFS mean, change from
baseline, and whether the minimal important change is reached (docs/clinical.md#outcomes).

Pain (NPRS, 0–10) falls as the patient improves; the PSFS (0–10 per activity, 10 = able to do
it as before) rises. A change of 2 points on either is the minimal important change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

MIC_NPRS = 2
MIC_PSFS = 2
PSFS_MAX_ACTIVITIES = 3

Score = int | None


def psfs_mean(scores: Sequence[Score]) -> float | None:
    """The mean of the activities scored; skipped ones (None) do not count. None if none."""
    scored = [s for s in scores if s is not None]
    return round(sum(scored) / len(scored), 1) if scored else None


def psfs_change(baseline: Sequence[Score], later: Sequence[Score]) -> float | None:
    """Mean change over the activities scored both times (a skipped item is left out of both
    means, so skipping an activity cannot look like a change); None when no pair is left."""
    pairs = [
        (b, a) for b, a in zip(baseline, later, strict=False) if b is not None and a is not None
    ]
    if not pairs:
        return None
    return round(sum(a - b for b, a in pairs) / len(pairs), 1)


def change(baseline: float | None, later: float | None) -> float | None:
    return None if baseline is None or later is None else round(later - baseline, 1)


def reached_minimal_change(*, nprs_change: float | None, psfs_change: float | None) -> bool:
    """Pain down by 2 or more, or the activities up by 2 or more (either is enough)."""
    return (nprs_change is not None and nprs_change <= -MIC_NPRS) or (
        psfs_change is not None and psfs_change >= MIC_PSFS
    )


def worse(*, nprs_change: float | None, psfs_change: float | None) -> bool:
    return (nprs_change is not None and nprs_change >= MIC_NPRS) or (
        psfs_change is not None and psfs_change <= -MIC_PSFS
    )


@dataclass(frozen=True)
class Answered:
    """One answered check-in, as the maths needs it."""

    when: datetime
    nprs_first_step: Score
    psfs_scores: tuple[Score, ...] = ()
    psfs_baseline: bool = False
    adherence_days: Score = None


@dataclass(frozen=True)
class Summary:
    baseline_nprs: Score
    latest_nprs: Score
    nprs_change: float | None
    baseline_psfs: float | None
    latest_psfs: float | None
    psfs_change: float | None
    reached: bool
    worse: bool
    weeks: int


def summarise(
    *, intake_nprs: Score, intake_at: datetime | None, checkins: Sequence[Answered]
) -> Summary | None:
    """Baseline against the latest check-in. The pain baseline is the intake's answer; the PSFS
    baseline is the check-in that named the activities. A check-in before the PSFS baseline
    has no PSFS change. None when no check-in is answered yet."""
    if not checkins:
        return None
    ordered = sorted(checkins, key=lambda c: c.when)
    latest = ordered[-1]
    baseline = next((c for c in ordered if c.psfs_baseline), None)
    p_change = (
        psfs_change(baseline.psfs_scores, latest.psfs_scores)
        if baseline is not None and latest.when > baseline.when
        else None
    )
    n_change = change(intake_nprs, latest.nprs_first_step)
    start = intake_at or ordered[0].when
    return Summary(
        baseline_nprs=intake_nprs,
        latest_nprs=latest.nprs_first_step,
        nprs_change=n_change,
        baseline_psfs=psfs_mean(baseline.psfs_scores) if baseline else None,
        latest_psfs=psfs_mean(latest.psfs_scores),
        psfs_change=p_change,
        reached=reached_minimal_change(nprs_change=n_change, psfs_change=p_change),
        worse=worse(nprs_change=n_change, psfs_change=p_change),
        weeks=max((latest.when - start).days // 7, 0),
    )
