"""Johnson's rule against a brute-force search over every order of small random job sets."""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.sequencing import Job, RuleDoesNotApply, completion_hours, johnson, makespan

hours = st.integers(min_value=0, max_value=40).map(lambda quarter_hours: quarter_hours / 4)


def _jobs(stages: int, draw_hours: list[tuple[float, ...]]) -> list[Job]:
    return [Job(f"PB-{i:05d}", tuple(h[:stages])) for i, h in enumerate(draw_hours)]


def _best(jobs: list[Job]) -> float:
    return min(makespan(order) for order in permutations(jobs))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(hours, hours), min_size=1, max_size=7))
def test_on_two_work_centers_johnsons_order_is_as_short_as_the_best_order(
    times: list[tuple[float, float]],
) -> None:
    jobs = _jobs(2, times)
    sequence = johnson(jobs)
    assert sorted(j.ref for j in sequence) == sorted(j.ref for j in jobs)
    assert makespan(sequence) == pytest.approx(_best(jobs))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(hours, st.integers(0, 8).map(lambda q: q / 4), hours), min_size=1, max_size=6
    ),
    st.sampled_from(["first", "last"]),
)
def test_on_three_work_centers_with_a_dominated_middle_the_reduction_is_exact(
    times: list[tuple[float, float, float]], dominant: str
) -> None:
    # Make the first (or last) step at least as long as the longest middle step.
    longest_middle = max(b for _, b, _ in times)
    if dominant == "first":
        times = [(max(a, longest_middle), b, c) for a, b, c in times]
    else:
        times = [(a, b, max(c, longest_middle)) for a, b, c in times]
    jobs = _jobs(3, times)
    assert makespan(johnson(jobs)) == pytest.approx(_best(jobs))


def test_three_work_centers_whose_middle_is_the_bottleneck_are_not_sequenced_by_the_rule() -> None:
    jobs = [Job("A", (1, 5, 1)), Job("B", (2, 6, 2))]
    with pytest.raises(RuleDoesNotApply, match="middle"):
        johnson(jobs)


def test_the_textbook_example_finishes_as_the_hand_count_says() -> None:
    # Five jobs on a cutter then a press: Johnson puts C (1 h first), A, E first, then B, D.
    jobs = [
        Job("A", (3, 6)),
        Job("B", (5, 2)),
        Job("C", (1, 2)),
        Job("D", (6, 1)),
        Job("E", (7, 9)),
    ]
    sequence = johnson(jobs)
    assert [j.ref for j in sequence] == ["C", "A", "E", "B", "D"]
    # Cutter: C 0–1, A 1–4, E 4–11, B 11–16, D 16–22; press: C 1–3, A 4–10, E 11–20, B 20–22,
    # D 22–23.
    assert completion_hours(sequence) == [3, 10, 20, 22, 23]
    # In the given order: cutter A 0–3, B 3–8, C 8–9, D 9–15, E 15–22; press A 3–9, B 9–11,
    # C 11–13, D 15–16, E 22–31: the press waits for E.
    assert makespan(jobs) == 31
