"""The digest's story: what leaders changed in a week, as the store finds it on both
databases: their own words from reflections the owners may read under their name, and
follow-ups of those marked done; never a mentor's, a private or nameless one, or a
forgotten person's."""

from datetime import timedelta

from bot.domain.model import FollowUp, Pairing, Participant, Program, Reflection, Session
from bot.domain.outcomes import FollowUpState
from tests.harness import unit_of_work
from tests.storage.support import NOW

WEEK = timedelta(days=7)


async def test_the_story_names_only_what_owners_may_read_under_a_leaders_name(store):
    start = NOW - WEEK
    async with unit_of_work(store) as tx:
        program = await tx.add(Program(name="P"))
        other_program = await tx.add(Program(name="Q"))
        people = [await tx.add(Participant(platform="console", user_id=f"u{n}")) for n in range(8)]
        gone = people[7]
        gone.forgotten_at = NOW - timedelta(days=1)
        await tx.save(gone, fields=("forgotten_at",))

        async def said(
            author, role, visibility, at, text, anonymous=False, in_program=program, mentor=None
        ):
            pair = await tx.add(
                Pairing(
                    program_id=in_program.id,
                    mentor_id=(mentor or people[0]).id,
                    mentee_id=author.id,
                )
            )
            session = await tx.add(Session(pairing_id=pair.id, starts_at=at, minutes=45))
            reflection = await tx.add(
                Reflection(
                    session_id=session.id,
                    author_id=author.id,
                    role=role,
                    what_changed=text,
                    visibility=visibility,
                    created_at=at,
                    anonymous=anonymous,
                )
            )
            return reflection, pair

        shown = await said(people[1], "mentee", "program", start + timedelta(days=1), "one")
        await said(people[2], "mentee", "shared", start + timedelta(days=2), "two")
        await said(people[3], "mentee", "private", start + timedelta(days=3), "private")
        await said(people[3], "mentee", "pair", start + timedelta(days=3), "pair only")
        await said(people[4], "mentee", "shared", start + timedelta(days=4), "nameless", True)
        await said(people[5], "mentor", "program", start + timedelta(days=4), "a mentor's")
        await said(gone, "mentee", "program", start + timedelta(days=4), "forgotten")
        await said(people[6], "mentee", "program", start - timedelta(seconds=1), "too early")
        await said(people[6], "mentee", "program", NOW, "too late")
        await said(people[6], "mentee", "program", start, "elsewhere", in_program=other_program)
        early = await said(people[6], "mentee", "program", start - WEEK, "last month's")
        for (reflection, pair), text, day in ((early, "done now", 5), (shown, "done too", 6)):
            await tx.add(
                FollowUp(
                    pairing_id=pair.id,
                    reflection_id=reflection.id,
                    text=text,
                    done=True,
                    done_at=start + timedelta(days=day),
                    state=FollowUpState.DONE,
                )
            )
    async with store.reading() as tx:
        found = await tx.reports.changes(program.id, start, NOW, 10)
        three = await tx.reports.changes(program.id, start, NOW, 3)
    assert [(c.text, c.done) for c in found] == [
        ("done too", True),
        ("done now", True),
        ("two", False),
        ("one", False),
    ]
    assert [c.author_id for c in found] == [people[1].id, people[6].id, people[2].id, people[1].id]
    assert [c.text for c in three] == ["done too", "done now", "two"], "newest first, at most 3"
