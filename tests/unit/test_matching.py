"""Matching: reading skill lists, and proposing pairs that fit, respect managers and never repeat."""

import itertools
import random
from statistics import mean

import pytest

from bot.policy.matching import Candidate, Match, barrier, overlap, propose, skills
from tests.unit.matching_support import (
    CHLOE,
    FINN,
    MANAGER_PAIRS,
    MARIA,
    MENTEES,
    MENTORS,
    PAST,
    PETRA,
    TOMAS,
)

# --- reading typed skill lists ------------------------------------------------------------


def test_skills_splits_on_commas_semicolons_and_newlines_and_lowercases():
    assert skills("TikTok, analytics; Brand strategy\nFigma") == (
        "tiktok",
        "analytics",
        "brand strategy",
        "figma",
    )


def test_skills_collapses_whitespace_and_drops_empty_items():
    assert skills("  GenAI \t  tools ,, ;\n\n ;  Customer   interviews  ") == (
        "genai tools",
        "customer interviews",
    )


def test_skills_keeps_the_first_occurrence_of_a_repeat_in_its_place():
    assert skills("Figma, analytics, FIGMA, figma , Analytics; sql") == (
        "figma",
        "analytics",
        "sql",
    )


def test_skills_cuts_each_item_to_sixty_characters():
    long_item = "a" * 59 + " b" + "c" * 30
    (item,) = skills(long_item)
    assert item == "a" * 59
    (item,) = skills("x" * 100)
    assert item == "x" * 60


def test_skills_keeps_at_most_twenty_items():
    text = ", ".join(f"skill {n}" for n in range(30))
    assert skills(text) == tuple(f"skill {n}" for n in range(20))


def test_skills_counts_twenty_distinct_items_not_twenty_pieces():
    text = "sql, sql, sql, " + ", ".join(f"skill {n}" for n in range(25))
    assert skills(text) == ("sql", *(f"skill {n}" for n in range(19)))


def test_skills_of_empty_or_blank_text_is_empty():
    assert skills("") == ()
    assert skills(" , ;\n ") == ()


# --- one pair -----------------------------------------------------------------------------


def test_overlap_lists_shared_skills_and_interests_in_the_mentees_order():
    mentor = Candidate(
        1, "Amara", teaches=("analytics", "tiktok", "figma"), interests=("jazz", "running")
    )
    mentee = Candidate(
        2, "Karen", learns=("tiktok", "sql", "analytics"), interests=("running", "jazz", "golf")
    )
    match = overlap(mentor, mentee)
    assert match == Match(mentor, mentee, ("tiktok", "analytics"), ("running", "jazz"))
    assert match.score == 22


def test_overlap_is_computed_even_for_a_pair_that_is_not_allowed():
    boss = Candidate(1, "Karen", learns=("tiktok",))
    report = Candidate(2, "Amara", teaches=("tiktok",), manager_id=1)
    assert overlap(report, boss).skills == ("tiktok",)
    assert barrier(report, boss, set()) == "manager"


def test_barrier_names_same_person_manager_either_way_repeat_or_nothing():
    a = Candidate(1, "Amara")
    b = Candidate(2, "Ben")
    assert barrier(a, a, set()) == "same"
    assert barrier(Candidate(1, "Amara", manager_id=2), b, set()) == "manager"
    assert barrier(a, Candidate(2, "Ben", manager_id=1), set()) == "manager"
    assert barrier(a, b, {frozenset({1, 2})}) == "repeat"
    assert barrier(a, b, {frozenset({1, 3})}) is None


# --- a realistic program of twenty people (matching_support) ------------------------------


def _pair_ids(matches):
    return {(m.mentor.id, m.mentee.id) for m in matches}


def _without_managers(people):
    return [
        Candidate(p.id, p.name, p.teaches, p.learns, p.interests, manager_id=None) for p in people
    ]


def test_the_fixture_makes_managers_and_past_partners_the_best_fit_otherwise():
    # Without this, the constraint tests below could pass without the constraints doing anything.
    for mentor, mentee in [*MANAGER_PAIRS, (CHLOE, MARIA), (FINN, PETRA)]:
        best = max(overlap(other, mentee).score for other in MENTORS)
        assert overlap(mentor, mentee).score == best
    without_managers, _ = propose(_without_managers(MENTORS), _without_managers(MENTEES), PAST)
    manager_pairs = {(r.id, e.id) for r, e in MANAGER_PAIRS}
    assert len(_pair_ids(without_managers) & manager_pairs) >= 3
    without_past, _ = propose(MENTORS, MENTEES, set())
    assert _pair_ids(without_past) >= {(CHLOE.id, MARIA.id), (FINN.id, PETRA.id)}


def test_every_proposed_pair_shares_at_least_one_skill():
    matches, _ = propose(MENTORS, MENTEES, PAST)
    assert matches
    for match in matches:
        assert match.skills
        assert set(match.skills) <= set(match.mentee.learns) & set(match.mentor.teaches)


def test_no_one_is_paired_with_their_manager_or_their_report():
    matches, _ = propose(MENTORS, MENTEES, PAST)
    for match in matches:
        assert match.mentor.manager_id != match.mentee.id
        assert match.mentee.manager_id != match.mentor.id
    assert not _pair_ids(matches) & {(r.id, e.id) for r, e in MANAGER_PAIRS}


def test_no_one_is_paired_again_with_a_past_partner():
    matches, _ = propose(MENTORS, MENTEES, PAST)
    assert all(frozenset({m.mentor.id, m.mentee.id}) not in PAST for m in matches)


def test_each_person_is_used_at_most_once_and_every_mentee_is_accounted_for():
    matches, unmatched = propose(MENTORS, MENTEES, PAST)
    mentor_ids = [m.mentor.id for m in matches]
    mentee_ids = [m.mentee.id for m in matches] + [p.id for p in unmatched]
    assert len(mentor_ids) == len(set(mentor_ids))
    assert sorted(mentee_ids) == sorted(p.id for p in MENTEES)


def test_matches_come_in_mentee_order_and_carry_the_reasons_they_fit():
    matches, unmatched = propose(MENTORS, MENTEES, PAST)
    order = [p.id for p in MENTEES]
    positions = [order.index(m.mentee.id) for m in matches]
    assert positions == sorted(positions)
    assert all(m == overlap(m.mentor, m.mentee) for m in matches)
    assert unmatched == [TOMAS]


def test_a_mentee_with_nothing_in_common_with_any_mentor_stays_unmatched():
    _, unmatched = propose(MENTORS, MENTEES, PAST)
    assert TOMAS in unmatched


def test_total_skill_overlap_beats_random_pairings_of_the_same_people():
    matches, _ = propose(MENTORS, MENTEES, PAST)
    ours = sum(len(m.skills) for m in matches)

    rng = random.Random(7)
    totals = []
    for _ in range(1000):
        shuffled = MENTORS[:]
        rng.shuffle(shuffled)
        totals.append(
            sum(
                len(overlap(mentor, mentee).skills)
                for mentor, mentee in zip(shuffled, MENTEES, strict=True)
                if barrier(mentor, mentee, PAST) is None
            )
        )
    assert ours > mean(totals)
    assert ours >= max(totals)


# --- optimality ---------------------------------------------------------------------------


def _greedy_total(mentors, mentees, past):
    """Take the best remaining allowed pair first: the shortcut propose must not take."""
    pairs = sorted(
        (
            (overlap(r, e).score, i, j)
            for i, r in enumerate(mentors)
            for j, e in enumerate(mentees)
            if overlap(r, e).skills and barrier(r, e, past) is None
        ),
        reverse=True,
    )
    used_r, used_e, total = set(), set(), 0
    for score, i, j in pairs:
        if i not in used_r and j not in used_e:
            used_r.add(i)
            used_e.add(j)
            total += score
    return total


def _brute_force_best(mentors, mentees, past):
    """Highest total score over every way to pair some mentees with distinct mentors."""

    worth = [
        [
            overlap(r, e).score if overlap(r, e).skills and barrier(r, e, past) is None else None
            for r in mentors
        ]
        for e in mentees
    ]
    best = 0
    for pick in itertools.product([None, *range(len(mentors))], repeat=len(mentees)):
        used = [i for i in pick if i is not None]
        if len(used) != len(set(used)):
            continue
        scores = [worth[j][i] for j, i in enumerate(pick) if i is not None]
        if None not in scores:
            best = max(best, sum(scores))
    return best


def test_finds_the_optimum_where_taking_the_best_pair_first_does_not():
    generalist = Candidate(1, "Amara", teaches=("tiktok", "analytics", "figma", "sql"))
    designer = Candidate(2, "Ben", teaches=("tiktok", "analytics"))
    wants_three = Candidate(11, "Karen", learns=("tiktok", "analytics", "figma"))
    wants_sql = Candidate(12, "Lars", learns=("figma", "sql"))
    mentors, mentees = [generalist, designer], [wants_three, wants_sql]

    assert _greedy_total(mentors, mentees, set()) == 30
    matches, unmatched = propose(mentors, mentees, set())
    assert _pair_ids(matches) == {(2, 11), (1, 12)}
    assert sum(m.score for m in matches) == 40
    assert unmatched == []


HOBBIES = ("jazz", "chess", "running", "cooking", "hiking", "photography")


def _random_people(rng, count, first_id, vocabulary, most_interests=2):
    return [
        Candidate(
            first_id + n,
            f"P{first_id + n}",
            teaches=tuple(rng.sample(vocabulary, rng.randint(0, 4))),
            learns=tuple(rng.sample(vocabulary, rng.randint(0, 4))),
            interests=tuple(rng.sample(HOBBIES, rng.randint(0, most_interests))),
        )
        for n in range(count)
    ]


def _program_from_table(table):
    """Mentors and mentees whose pair scores are exactly `table[mentee][mentor]`: each pair
    gets its own private skills (tens) and interests (units)."""
    mentors = [Candidate(1 + r, f"Mentor{r}") for r in range(len(table[0]) if table else 0)]
    mentees = []
    for e, row in enumerate(table):
        learns, likes = [], []
        for r, score in enumerate(row):
            tens, units = divmod(score, 10)
            learns += [f"skill {e}.{r}.{n}" for n in range(tens)]
            likes += [f"hobby {e}.{r}.{n}" for n in range(units)]
            mentors[r] = Candidate(
                mentors[r].id,
                mentors[r].name,
                teaches=mentors[r].teaches + tuple(learns[-tens:] if tens else ()),
                interests=mentors[r].interests + tuple(likes[-units:] if units else ()),
            )
        mentees.append(
            Candidate(100 + e, f"Mentee{e}", learns=tuple(learns), interests=tuple(likes))
        )
    return mentors, mentees


def test_the_table_helper_builds_exactly_the_scores_asked_for():
    table = [[0, 10, 21], [32, 5, 10]]
    mentors, mentees = _program_from_table(table)
    assert [[overlap(r, e).score for r in mentors] for e in mentees] == table


@pytest.mark.parametrize(
    "table",
    [
        [[20, 21, 20], [0, 11, 0], [11, 10, 2], [12, 0, 0]],
        [[11, 12, 2], [21, 20, 12], [10, 10, 0], [10, 11, 11], [10, 0, 12]],
        [[20, 2, 12], [30, 11, 21], [11, 0, 0], [1, 10, 1], [1, 11, 10]],
        [[0, 11, 1, 10], [30, 0, 0, 20], [20, 30, 21, 10], [12, 12, 10, 2], [20, 2, 1, 11]],
    ],
)
def test_finds_the_optimum_when_many_close_pairs_compete(table):
    # Crowded tables where a first choice must later be given up for a better whole.
    mentors, mentees = _program_from_table(table)
    matches, _ = propose(mentors, mentees, set())
    assert sum(m.score for m in matches) == _brute_force_best(mentors, mentees, set())


def test_total_score_equals_brute_force_optimum_on_small_random_programs():
    rng = random.Random(2024)
    for _ in range(150):
        mentor_count, mentee_count = rng.randint(1, 6), rng.randint(1, 5)
        table = [
            [rng.choice((0, 0, 1, 2, 10, 11, 12, 20, 21, 30)) for _ in range(mentor_count)]
            for _ in range(mentee_count)
        ]
        mentors, mentees = _program_from_table(table)
        # Some managers and some past partners among them.
        mentors = [
            Candidate(r.id, r.name, r.teaches, interests=r.interests, manager_id=e.id)
            if rng.random() < 0.2
            else r
            for r, e in zip(mentors, itertools.cycle(mentees))
        ]
        past = {frozenset({r.id, e.id}) for r in mentors for e in mentees if rng.random() < 0.1}
        matches, unmatched = propose(mentors, mentees, past)
        assert sum(m.score for m in matches) == _brute_force_best(mentors, mentees, past)
        assert all(m.skills and barrier(m.mentor, m.mentee, past) is None for m in matches)
        assert len(matches) + len(unmatched) == len(mentees)


# --- shapes and edges ---------------------------------------------------------------------


def test_more_mentees_than_mentors_leaves_the_rest_unmatched():
    mentor = Candidate(1, "Amara", teaches=("tiktok", "analytics"))
    mentees = [
        Candidate(11, "Karen", learns=("tiktok",)),
        Candidate(12, "Lars", learns=("tiktok", "analytics")),
        Candidate(13, "Maria", learns=("analytics",)),
    ]
    matches, unmatched = propose([mentor], mentees, set())
    assert _pair_ids(matches) == {(1, 12)}
    assert [p.id for p in unmatched] == [11, 13]


def test_more_mentors_than_mentees_picks_the_best_mentor_for_each():
    mentors = [
        Candidate(1, "Amara", teaches=("tiktok",)),
        Candidate(2, "Ben", teaches=("figma", "prototyping")),
        Candidate(3, "Chloe", teaches=("figma",)),
    ]
    mentee = Candidate(11, "Karen", learns=("figma", "prototyping"))
    matches, unmatched = propose(mentors, [mentee], set())
    assert _pair_ids(matches) == {(2, 11)}
    assert matches[0].skills == ("figma", "prototyping")
    assert unmatched == []


def test_empty_lists_give_no_matches():
    someone = Candidate(1, "Amara", teaches=("tiktok",), learns=("tiktok",))
    assert propose([], [], set()) == ([], [])
    assert propose([someone], [], set()) == ([], [])
    assert propose([], [someone], set()) == ([], [someone])


def test_nobody_with_common_skills_leaves_every_mentee_unmatched():
    mentors = [
        Candidate(1, "Amara", teaches=("tiktok",), interests=("jazz",)),
        Candidate(2, "Ben", teaches=("figma",), interests=("jazz",)),
    ]
    mentees = [
        Candidate(11, "Karen", learns=("sql",), interests=("jazz",)),
        Candidate(12, "Lars", learns=("excel",), interests=("jazz",)),
    ]
    assert propose(mentors, mentees, set()) == ([], mentees)


def test_a_forbidden_pair_is_not_proposed_even_when_it_is_the_only_fit():
    mentor = Candidate(1, "Amara", teaches=("tiktok",), manager_id=11)
    boss = Candidate(11, "Karen", learns=("tiktok",))
    past_partner = Candidate(12, "Lars", learns=("tiktok",))
    assert propose([mentor], [boss, past_partner], {frozenset({1, 12})}) == (
        [],
        [boss, past_partner],
    )


def test_a_person_listed_as_mentor_and_mentee_is_never_paired_with_themselves():
    both = Candidate(1, "Amara", teaches=("tiktok", "analytics"), learns=("tiktok", "analytics"))
    other = Candidate(2, "Ben", teaches=("tiktok",), learns=("analytics",))
    matches, unmatched = propose([both], [both], set())
    assert (matches, unmatched) == ([], [both])
    matches, _ = propose([both, other], [both, other], set())
    assert all(m.mentor.id != m.mentee.id for m in matches)
    assert _pair_ids(matches) == {(2, 1), (1, 2)}


def test_the_same_input_gives_the_same_proposal():
    first = propose(MENTORS, MENTEES, PAST)
    assert all(propose(MENTORS, MENTEES, PAST) == first for _ in range(5))


def test_a_program_of_three_hundred_by_three_hundred_completes():
    vocabulary = [f"skill {n}" for n in range(40)]
    rng = random.Random(300)
    mentors = _random_people(rng, 300, 1, vocabulary)
    mentees = _random_people(rng, 300, 1000, vocabulary)
    past = {frozenset({rng.choice(mentors).id, rng.choice(mentees).id}) for _ in range(500)}
    matches, unmatched = propose(mentors, mentees, past)
    assert len(matches) + len(unmatched) == 300
    assert len({m.mentor.id for m in matches}) == len(matches)
    assert all(m.skills and barrier(m.mentor, m.mentee, past) is None for m in matches)
    assert len(matches) > 200
