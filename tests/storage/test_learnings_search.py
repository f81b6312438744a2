"""The learnings search in each database (FTS5 on SQLite, tsvector on PostgreSQL): the scope
is part of the query, words must all match, newest first, and whatever words arrive are never
read as search syntax."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.model import FollowUp, Pairing, Participant, Program, Reflection, Session
from bot.domain.ports import LibraryScope
from tests.harness import unit_of_work

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _world(store):
    """Two programs; in the first, shared, owners-only, pair and private reflections, one of
    them anonymous and one with follow-ups; in the second, one shared reflection."""
    async with unit_of_work(store) as tx:
        one = await tx.add(Program(name="One", objective="digital skills"))
        two = await tx.add(Program(name="Two", objective="inclusion"))
        people = [
            await tx.add(Participant(platform="console", user_id=f"u{n}", display_name=f"P {n}"))
            for n in range(4)
        ]
        a = await tx.add(Pairing(one.id, people[0].id, people[1].id, status="active"))
        b = await tx.add(Pairing(two.id, people[2].id, people[3].id, status="active"))
        texts = {}

        async def reflect(pairing, author, what, visibility, anonymous=False, will_do=""):
            session = await tx.add(Session(pairing.id, NOW, 45, status="held"))
            found = await tx.add(
                Reflection(
                    session.id,
                    author.id,
                    "mentee",
                    what,
                    will_do=will_do,
                    visibility=visibility,
                    anonymous=anonymous,
                    created_at=NOW,
                )
            )
            texts[found.id] = what
            return found

        shared = await reflect(a, people[1], "Dashboards replaced the weekly report", "shared")
        await tx.add(FollowUp(a.id, shared.id, "Show finance", done=True, created_at=NOW))
        await tx.add(FollowUp(a.id, shared.id, "Still open", done=False, created_at=NOW))
        await reflect(a, people[0], "The owners read this dashboard note", "program")
        await reflect(a, people[1], "Pair only dashboard", "pair")
        await reflect(a, people[0], "Private dashboard", "private")
        await reflect(a, people[1], "Anonymous dashboard story", "shared", anonymous=True)
        await reflect(b, people[3], "Inclusion dashboard habits", "shared", will_do="mentor")
    return one.id, two.id, people, texts


async def _search(store, scope, words, limit=10):
    async with store.reading() as tx:
        return await tx.learnings(scope, words, limit)


async def test_the_scope_decides_what_is_found_newest_first(store):
    one, two, _people, texts = await _world(store)
    member = LibraryScope(shared=frozenset({one}))
    found = await _search(store, member, ["dashboard"])
    assert [texts[e.id] for e in found] == [
        "Anonymous dashboard story",
        "Dashboards replaced the weekly report",
    ]
    owner = LibraryScope(shared=frozenset({one}), owned=frozenset({one}))
    assert [texts[e.id] for e in await _search(store, owner, ["dashboard"])] == [
        "Anonymous dashboard story",
        "The owners read this dashboard note",
        "Dashboards replaced the weekly report",
    ]
    both = LibraryScope(shared=frozenset({one, two}))
    assert len(await _search(store, both, [])) == 3
    assert await _search(store, LibraryScope(), []) == []
    assert await _search(store, LibraryScope(owned=frozenset({two})), ["dashboard"]) == []


async def test_entries_carry_program_done_follow_ups_and_no_author_when_unnamed(store):
    one, _two, people, texts = await _world(store)
    found = await _search(store, LibraryScope(shared=frozenset({one})), [])
    by_text = {texts[e.id]: e for e in found}
    named = by_text["Dashboards replaced the weekly report"]
    assert named.author_id == people[1].id and named.program_id == one
    assert named.done == ("Show finance",), "only follow-ups marked done"
    assert named.created_at == NOW
    assert by_text["Anonymous dashboard story"].author_id is None


async def test_every_word_must_match_in_either_text_stemmed(store):
    _one, two, _people, texts = await _world(store)
    scope = LibraryScope(shared=frozenset({two}))
    assert [texts[e.id] for e in await _search(store, scope, ["habit", "dashboards"])] == [
        "Inclusion dashboard habits"
    ]
    assert len(await _search(store, scope, ["mentoring"])) == 1, "the plans are searched too"
    assert await _search(store, scope, ["dashboard", "zebra"]) == []


async def test_the_limit_and_a_forgotten_author(store):
    one, _two, people, _texts = await _world(store)
    scope = LibraryScope(shared=frozenset({one}))
    assert len(await _search(store, scope, [], limit=1)) == 1
    async with unit_of_work(store) as tx:
        author = await tx.get(Participant, people[1].id)
        author.forgotten_at = NOW
        await tx.save(author, fields=("forgotten_at",))
    assert await _search(store, scope, ["dashboard"]) == []


@pytest.mark.parametrize(
    "words",
    [
        ['"'],
        ['dashboard"'],
        ["*"],
        ["dash*"],
        ["NEAR(dashboard", "story)"],
        ["what_changed:dashboard"],
        ["dashboard", "OR", "private"],
        ["NOT", "private"],
        ["-private"],
        ["^dashboard"],
        ["{what_changed}:", "dashboard"],
        ["dashboard:*"],
        ["dashboard", "&", "!private", "|", "pair"],
        ["'); DROP TABLE reflections; --"],
        ["the"],  # only a stop word (PostgreSQL drops it)
        ["a", "of", "to"],
        [""],
        ["_"],
    ],
)
async def test_words_are_never_read_as_syntax(store, words):
    one, _two, _people, texts = await _world(store)
    scope = LibraryScope(shared=frozenset({one}))
    found = {texts[e.id] for e in await _search(store, scope, words)}
    assert found <= {"Anonymous dashboard story", "Dashboards replaced the weekly report"}
    async with store.reading() as tx:
        assert len(await tx.find(Reflection)) == 6, "nothing was changed"


async def test_a_match_older_than_hundreds_of_newer_reflections_is_found(store):
    """PostgreSQL first looks among the newest readable reflections, then asks its index."""
    one, _two, people, texts = await _world(store)
    scope = LibraryScope(shared=frozenset({one}))
    assert len(await _search(store, scope, ["dashboard"], limit=1)) == 1
    async with unit_of_work(store) as tx:
        [pairing] = await tx.find(Pairing, program_id=one)
        for n in range(520):
            session = await tx.add(Session(pairing.id, NOW, 45, status="held"))
            await tx.add(
                Reflection(session.id, people[1].id, "mentee", f"Note {n}", visibility="shared")
            )
    found = await _search(store, scope, ["dashboards"], limit=3)
    assert [texts[e.id] for e in found] == [
        "Anonymous dashboard story",
        "Dashboards replaced the weekly report",
    ]
    assert [e.what_changed for e in await _search(store, scope, ["note"], limit=2)] == [
        "Note 519",
        "Note 518",
    ]
