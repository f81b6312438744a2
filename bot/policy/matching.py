"""Proposing mentor-mentee pairs: best skill fit, no managers, no repeats, never at random."""

from __future__ import annotations

import re
from dataclasses import dataclass

SKILL_MAX_CHARS = 60
SKILLS_MAX_ITEMS = 20
# Each skill a mentee wants and the mentor teaches counts this much; a shared interest counts 1.
SKILL_WEIGHT = 10

_SEPARATORS = re.compile(r"[,;\r\n]+")


def skills(text: str) -> tuple[str, ...]:
    """Read a typed list ("TikTok, analytics; Brand strategy") into clean items.

    Items are split on commas, semicolons and line breaks, lower-cased, with runs of
    whitespace collapsed to one space, cut to 60 characters; empty items and repeats
    (after cleaning) are dropped, the first occurrence keeps its place, and at most 20
    items are kept.
    """
    found: dict[str, None] = {}
    for raw in _SEPARATORS.split(text or ""):
        item = " ".join(raw.lower().split())[:SKILL_MAX_CHARS].rstrip()
        if item:
            found.setdefault(item, None)
            if len(found) == SKILLS_MAX_ITEMS:
                break
    return tuple(found)


@dataclass(frozen=True)
class Candidate:
    """A person who may be paired: what they teach, want to learn and enjoy, and their manager."""

    id: int
    name: str
    teaches: tuple[str, ...] = ()
    learns: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    manager_id: int | None = None


@dataclass(frozen=True)
class Match:
    """A mentor and a mentee, with the reasons they fit: shared skills and shared interests."""

    mentor: Candidate
    mentee: Candidate
    skills: tuple[str, ...]
    interests: tuple[str, ...]

    @property
    def score(self) -> int:
        """How good the fit is: ten per skill the mentee wants and the mentor teaches, one per
        shared interest."""
        return len(self.skills) * SKILL_WEIGHT + len(self.interests)


def _common(wanted: tuple[str, ...], offered: tuple[str, ...]) -> tuple[str, ...]:
    """Items of `wanted` that are also in `offered`, in `wanted`'s order, each once."""
    offered_set = set(offered)
    seen: set[str] = set()
    out = []
    for item in wanted:
        if item in offered_set and item not in seen:
            seen.add(item)
            out.append(item)
    return tuple(out)


def overlap(mentor: Candidate, mentee: Candidate) -> Match:
    """The match of these two (skills and shared interests), whether allowed or not."""
    return Match(
        mentor=mentor,
        mentee=mentee,
        skills=_common(mentee.learns, mentor.teaches),
        interests=_common(mentee.interests, mentor.interests),
    )


def barrier(mentor: Candidate, mentee: Candidate, past: set[frozenset[int]]) -> str | None:
    """Why these two may not be paired, or None if they may.

    "same" when they are the same person, "manager" when either is the other's manager,
    "repeat" when they were paired before (their two ids are in `past`).
    """
    if mentor.id == mentee.id:
        return "same"
    if mentor.manager_id == mentee.id or mentee.manager_id == mentor.id:
        return "manager"
    if frozenset((mentor.id, mentee.id)) in past:
        return "repeat"
    return None


def propose(
    mentors: list[Candidate], mentees: list[Candidate], past: set[frozenset[int]]
) -> tuple[list[Match], list[Candidate]]:
    """Pair mentees with mentors so that the total score is as high as it can be.

    Each mentee gets at most one mentor and each mentor at most one mentee. Only allowed
    pairs (see `barrier`) with at least one skill in common are ever proposed; a mentee
    with no such mentor left stays unmatched. Returns the matches in the order the mentees
    were given, and the unmatched mentees in the order given. The same input always gives
    the same output.
    """
    if not mentors or not mentees:
        return [], list(mentees)

    # weights[e][r]: what pairing mentee e with mentor r is worth; 0 when it must not happen,
    # which makes it no better than leaving both unpaired.
    teach_sets = [set(r.teaches) for r in mentors]
    interest_sets = [set(r.interests) for r in mentors]
    weights: list[list[int]] = []
    for mentee in mentees:
        learns = tuple(dict.fromkeys(mentee.learns))
        interests = tuple(dict.fromkeys(mentee.interests))
        row = []
        for mentor, teaches, likes in zip(mentors, teach_sets, interest_sets, strict=True):
            shared = sum(1 for s in learns if s in teaches)
            if shared and barrier(mentor, mentee, past) is None:
                row.append(shared * SKILL_WEIGHT + sum(1 for i in interests if i in likes))
            else:
                row.append(0)
        weights.append(row)

    mentor_of = _best_assignment(weights)

    matches: list[Match] = []
    unmatched: list[Candidate] = []
    for e, mentee in enumerate(mentees):
        r = mentor_of[e]
        if r is not None and weights[e][r] > 0:
            matches.append(overlap(mentors[r], mentee))
        else:
            unmatched.append(mentee)
    return matches, unmatched


def _best_assignment(weights: list[list[int]]) -> list[int | None]:
    """For each row of a (possibly rectangular) weight table, the column it gets, so that no
    column is used twice and the summed weight is as large as possible.

    The table is padded with zero weights to a square and solved as a minimum-cost perfect
    assignment (cost = largest weight - weight) by successive shortest augmenting paths with
    column prices (the Hungarian method in the Jonker-Volgenant form). Rows that end up on a
    padding column get None.
    """
    rows = len(weights)
    cols = len(weights[0]) if rows else 0
    size = max(rows, cols)
    if size == 0:
        return []
    top = max((max(row) for row in weights if row), default=0)
    cost = [[top - w for w in row] + [top] * (size - cols) for row in weights]
    cost += [[top] * size for _ in range(size - rows)]

    price = [0] * size  # column prices; a row's own price is implied by its assigned column
    row_on = [-1] * size  # column -> row holding it
    col_of = [-1] * size  # row -> column it holds

    # Opening move: each column priced at its cheapest row, and handed to that row when the
    # row has nothing yet. No reduced cost is then negative, and a row so placed sits at zero,
    # the least it can: what the shortest-path search below relies on.
    for c in range(size):
        best_row = 0
        for r in range(1, size):
            if cost[r][c] < cost[best_row][c]:
                best_row = r
        price[c] = cost[best_row][c]
        if col_of[best_row] < 0:
            col_of[best_row] = c
            row_on[c] = best_row

    for start in range(size):
        if col_of[start] >= 0:
            continue
        start_row = cost[start]
        dist = [x - p for x, p in zip(start_row, price, strict=True)]
        via = [start] * size  # the row from which each column was last reached
        open_cols = list(range(size))
        done: list[int] = []  # columns whose distance is final
        while True:
            low = min(dist[k] for k in open_cols)
            tight = [k for k in open_cols if dist[k] == low]
            free = next((k for k in tight if row_on[k] < 0), -1)
            if free >= 0:
                break
            # Settle every tight column at once, reaching on through the rows that hold them.
            settled = set(tight)
            open_cols = [k for k in open_cols if k not in settled]
            queue = tight
            while queue and free < 0:
                nxt: list[int] = []
                for j in queue:
                    done.append(j)
                    holder = row_on[j]
                    row = cost[holder]
                    shift = row[j] - price[j] - low
                    still_open = []
                    for k in open_cols:
                        d = row[k] - price[k] - shift
                        if d < dist[k]:
                            dist[k] = d
                            via[k] = holder
                        if dist[k] == low:
                            if row_on[k] < 0:
                                free = k
                            nxt.append(k)
                        else:
                            still_open.append(k)
                    open_cols = still_open
                    if free >= 0:
                        break
                queue = nxt
            if free >= 0:
                break
        # Reprice settled columns so every reduced cost stays non-negative and the new path
        # is made of zero-cost steps, then flip the path.
        for j in done:
            price[j] += dist[j] - low
        c = free
        while True:
            r = via[c]
            row_on[c] = r
            col_of[r], c = c, col_of[r]
            if r == start:
                break

    return [col_of[r] if col_of[r] < cols else None for r in range(rows)]
