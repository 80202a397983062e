"""Sequencing jobs through a line of work centers: Johnson's rule and flow-shop makespans.

A job passes every work center of the line in the same order; each work center works on one job
at a time, and a job starts on the next work center once the previous one has finished it (a
permutation flow shop). For two work centers Johnson's rule (S. M. Johnson, "Optimal two- and
three-stage production schedules with setup times included", Naval Research Logistics Quarterly,
1954) gives an order that minimises the time to finish all jobs (the makespan). For three it does
so when the middle work center is dominated (min of the first ≥ max of the middle, or min of the
last ≥ max of the middle): then the jobs are sequenced by Johnson's rule on the sums
(first + middle, middle + last). Otherwise no simple rule is exact, and `johnson` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Job:
    """One job: a name (an order's ref) and its hours on each work center of the line, in order."""

    ref: str
    hours: tuple[float, ...]


class RuleDoesNotApply(ValueError):
    """Johnson's rule is not exact for this line (three work centers whose middle one is not
    dominated, or more than three)."""


def completion_hours(sequence: Sequence[Job]) -> list[float]:
    """When each job of `sequence` leaves the last work center, in hours from the start."""
    if not sequence:
        return []
    stages = len(sequence[0].hours)
    finished = [0.0] * stages
    done: list[float] = []
    for job in sequence:
        if len(job.hours) != stages:
            raise ValueError(f"{job.ref} has {len(job.hours)} steps, the others {stages}")
        previous = 0.0
        for stage, hours in enumerate(job.hours):
            finished[stage] = max(finished[stage], previous) + hours
            previous = finished[stage]
        done.append(previous)
    return done


def makespan(sequence: Sequence[Job]) -> float:
    """Hours from the start until the last job of `sequence` leaves the last work center."""
    completions = completion_hours(sequence)
    return completions[-1] if completions else 0.0


def _two_stage(jobs: Sequence[Job], first: list[float], second: list[float]) -> list[Job]:
    # Johnson's rule: jobs quicker on the first step go first, quickest first; the others go
    # last, quickest on the second step last. Ties keep the given order (a stable sort).
    indexed = list(range(len(jobs)))
    front = sorted((i for i in indexed if first[i] < second[i]), key=lambda i: first[i])
    back = sorted((i for i in indexed if first[i] >= second[i]), key=lambda i: -second[i])
    return [jobs[i] for i in front + back]


def johnson(jobs: Sequence[Job]) -> list[Job]:
    """The order of `jobs` that finishes them all soonest on a line of two (or, where the
    classic reduction applies, three) work centers. Raises RuleDoesNotApply otherwise."""
    if not jobs:
        return []
    stages = len(jobs[0].hours)
    if any(len(job.hours) != stages for job in jobs):
        raise ValueError("every job needs hours on every work center of the line")
    if stages == 1:
        return list(jobs)
    if stages == 2:
        return _two_stage(jobs, [j.hours[0] for j in jobs], [j.hours[1] for j in jobs])
    if stages == 3:
        first = [j.hours[0] for j in jobs]
        middle = [j.hours[1] for j in jobs]
        last = [j.hours[2] for j in jobs]
        if min(first) + TOLERANCE >= max(middle) or min(last) + TOLERANCE >= max(middle):
            return _two_stage(
                jobs,
                [a + b for a, b in zip(first, middle, strict=True)],
                [b + c for b, c in zip(middle, last, strict=True)],
            )
        raise RuleDoesNotApply(
            "Johnson's rule is exact on three work centers only when the middle one is never "
            "the slowest (the first's or the last's shortest job is at least the middle's "
            f"longest); here the middle's longest is {max(middle):g} h, the first's shortest "
            f"{min(first):g} h and the last's shortest {min(last):g} h"
        )
    raise RuleDoesNotApply(f"Johnson's rule sequences two or three work centers, not {stages}")
