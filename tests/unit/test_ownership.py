"""Ids that arrive in buttons and forms are not trusted: every registered action and form,
sent by someone with ids of other people's records, changes nothing and gives away no other
person's name or words. The leader's assistant is refused every one but booking's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from bot import routes
from bot.domain import prompts
from bot.domain.events import Actor, Mention
from bot.domain.messages import FormErrors, Message
from bot.domain.model import Enrolment, FollowUp, Proposal, Reflection
from bot.domain.outcomes import Objective
from bot.flows.people import person_for
from bot.router import Who
from storage.tables import metadata
from tests.harness import ERIK, MINA, OWNER

PRIYA = Actor("console", "priya", "Priya Shah", timezone="Europe/London")  # the one acting
SAM = Actor("console", "sam", "Sam Ortiz", timezone="Europe/London")  # her own partner
TOM = Actor("console", "tomas", "Tomasz Wielki", timezone="Europe/Warsaw")  # Mina's manager
ANA = Actor("console", "ana", "Anneliese Roth", timezone="UTC")  # in the pool
BOWEN = Actor("console", "bowen", "Bowen Carter", timezone="UTC")  # in the pool
LENA = Actor("console", "lena", "Lena Vogt", timezone="Europe/Berlin")  # Erik's assistant
# What Priya must never read: other people's names and words.
SECRETS = (
    "Mina",
    "Erik",
    "Tomasz",
    "Anneliese",
    "Bowen",
    "Posting weekly insight",
    "Call the brand team",
    "hoping for fresh eyes",
    "short video",
    "Publish three reels",
)


@dataclass
class World:
    program: int
    old: int  # an ended program
    pair: int  # Mina mentors Erik
    session: int
    upcoming: int  # booked by Mina, still ahead
    reflection: int  # Erik's
    followup: int
    objective: int
    run: str  # Olivia's match proposals
    mina: int
    tom: int
    ana: int
    bowen: int
    delegation: int  # Erik's: Lena books for him


async def _world(harness) -> World:
    program = await harness.program()
    old = await harness.program("Old Cohort", starts_on=date(2025, 1, 6), ends_on=date(2025, 6, 30))
    reply = await harness.command(MINA, "join", "@tomasz", (Mention("@tomasz", TOM),))
    await harness.submit(
        MINA, "enrolment.submit", reply.buttons[0].value, role="mentor", teaches="tiktok"
    )
    pairing = await harness.held_session(await harness.active_pairing(program))
    await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="Posting weekly insight",
        will_do="Call the brand team",
        visibility="pair",
    )
    await harness.submit(ERIK, "objectives.submit", pairing.id, objective_1="Publish three reels")
    booked = await harness.submit(
        MINA, "session.schedule", pairing.id, date="2026-03-25", time="10:00", minutes="45"
    )
    upcoming = int(next(b.value for b in booked.buttons if b.action == "session.move"))
    # Erik was asked his expectations in the answer to his Accept (it completed the pair).
    await harness.submit(
        ERIK, "checkin.submit", f"{pairing.id}:expectations", text="hoping for fresh eyes"
    )
    for person, role, field in ((ANA, "mentor", "teaches"), (BOWEN, "mentee", "learns")):
        join = await harness.command(person, "join")
        await harness.submit(
            person, "enrolment.submit", join.buttons[0].value, role=role, **{field: "tiktok"}
        )
    matched = await harness.command(OWNER, "match", 'program="Digital Leaders"')
    run = next(b.value for b in matched.buttons if b.action == "match.confirm")
    await harness.active_pairing(program, mentor=PRIYA, mentee=SAM)
    await harness.command(ERIK, "delegate", "@lena", (Mention("@lena", LENA),))
    await harness.tick()
    asked = harness.last("lena", "delegation.accept").message
    [yes] = [b for b in asked.buttons if b.action == "delegation.accept"]
    await harness.click(LENA, "delegation.accept", yes.value)

    async def ids(ctx):
        [reflection] = await ctx.tx.find(Reflection, author_id=(await person_for(ctx, ERIK)).id)
        [followup] = await ctx.tx.find(FollowUp)
        [objective] = await ctx.tx.find(Objective)
        people = [await person_for(ctx, a) for a in (MINA, TOM, ANA, BOWEN)]
        return reflection.id, followup.id, objective.id, [p.id for p in people]

    reflection, followup, objective, (mina, tom, ana, bowen) = await harness.engine.run(ids)
    assert await harness.engine.run(lambda ctx: ctx.tx.find(Proposal, run=run))
    return World(
        program.id,
        old.id,
        pairing.id,
        1,
        upcoming,
        reflection,
        followup,
        objective,
        run,
        mina,
        tom,
        ana,
        bowen,
        int(yes.value),
    )


# Each registered button with values naming other people's records (and an ended program).
ACTIONS = {
    **{
        action: lambda w: [w.pair]
        for action in (
            "pairing.accept",
            "pairing.decline",
            "pairing.snooze",
            "session.schedule",
            "pairing.pause",
            "pairing.resume",
            "pairing.end",
            "pairing.end_confirm",
            "pairing.keep",
        )
    },
    **{
        action: lambda w: [w.session]
        for action in ("session.held", "session.missed", "session.reschedule", "reflection.write")
    },
    **{action: lambda w: [w.upcoming, w.session] for action in ("session.move", "session.cancel")},
    "session.book_at": lambda w: [f"{w.pair}:20260320T1000Z", f"{w.pair}:20260323T0900Z"],
    "followup.done": lambda w: [w.followup],
    "followthrough.answer": lambda w: [f"{w.followup}:0:done", f"{w.followup}:0:dropped"],
    "objective.state": lambda w: [f"{w.objective}:done", f"{w.objective}:started"],
    "objectives.edit": lambda w: [w.pair],
    "pulse.answer": lambda w: [f"{w.session}:useful:5", f"{w.session}:fit:no"],
    "reflection.visibility": lambda w: [
        f"{w.reflection}:{choice}"
        for choice in ("program", "private", "shared", "shared_anonymous")
    ],
    "reflection.undo": lambda w: [w.reflection],
    "enrolment.form": lambda w: [w.old, f"{w.old}:{w.tom}", f"{w.program}:{w.tom}"],
    "match.confirm": lambda w: [w.run],
    "match.edit": lambda w: [w.run],
    "checkin.answer": lambda w: [f"{w.pair}:expectations", f"{w.pair}:midpoint"],
    "privacy.forget": lambda w: [w.mina],
    "privacy.keep": lambda w: [w.mina],
    "owner.message": lambda w: [w.pair, f"{w.pair}:x"],
    "owner.pause": lambda w: [w.pair],
    "delegation.accept": lambda w: [w.delegation],
    "delegation.decline": lambda w: [w.delegation],
}
# Each registered form, as (value, inputs) naming other people's records.
FORMS = {
    "session.schedule": lambda w: [
        (w.pair, {"date": "2026-03-20", "time": "10:00", "minutes": "45", "topic": "mine now"})
    ],
    "session.move": lambda w: [
        (w.upcoming, {"date": "2026-03-26", "time": "11:00", "minutes": "30", "where": "Mine"})
    ],
    "reflection.submit": lambda w: [
        (w.session, {"what_changed": "hijack", "visibility": "program"})
    ],
    "enrolment.submit": lambda w: [
        (w.old, {"role": "mentee", "learns": "tiktok"}),
        (f"{w.old}:{w.tom}", {"role": "mentor", "teaches": "tiktok"}),
    ],
    "match.edit": lambda w: [(w.run, {f"mentee.{w.bowen}": str(w.ana)})],
    "checkin.submit": lambda w: [(f"{w.pair}:expectations", {"text": "hijack"})],
    "objectives.submit": lambda w: [(w.pair, {"objective_1": "hijack", "objective_2": "x"})],
    "owner.message": lambda w: [(w.pair, {"note": "hijack"})],
}


def test_every_registered_action_and_form_is_tried():
    assert set(ACTIONS) == set(routes.ACTIONS), "add hostile values for new actions"
    assert set(FORMS) == set(routes.FORMS), "add hostile values for new forms"


async def _snapshot(harness) -> dict[str, list]:
    """Every stored row, except the retry-dedupe table and Priya's own contact details."""
    priya = (await harness.person(PRIYA)).id
    found = {}
    async with harness.store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name == "processed_events":
                continue
            rows = (await conn.execute(select(table).order_by(*table.primary_key))).all()
            if table.name == "participants":
                rows = [r for r in rows if r.id != priya]
            found[table.name] = [tuple(r) for r in rows]
    return found


def _shown(reply) -> str:
    """Everything a reply puts in front of the person: text, buttons, form."""
    if reply is None:
        return ""
    parts = [reply.text] if isinstance(reply, FormErrors) else [reply.plain()]
    form = reply.form
    if isinstance(reply, Message):
        parts += [f"{b.label} {b.value} {b.url}" for b in reply.buttons]
    if form is not None:
        parts.append(form.title)
        for f in form.fields:
            parts += [f.label, f.initial, *(c.label for c in f.choices)]
    return "\n".join(parts)


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_a_button_naming_other_peoples_records_changes_nothing(harness, action):
    world = await _world(harness)
    for value in ACTIONS[action](world):
        before = await _snapshot(harness)
        reply = await harness.click(PRIYA, action, value)
        assert await _snapshot(harness) == before, f"{action} {value} changed something"
        shown = _shown(reply)
        leaked = [s for s in SECRETS if s in shown]
        assert not leaked, f"{action} {value} showed {leaked}: {shown}"


@pytest.mark.parametrize("form_id", sorted(FORMS))
async def test_a_form_naming_other_peoples_records_changes_nothing(harness, form_id):
    world = await _world(harness)
    for value, inputs in FORMS[form_id](world):
        before = await _snapshot(harness)
        reply = await harness.submit(PRIYA, form_id, value, **inputs)
        assert await _snapshot(harness) == before, f"{form_id} {value} changed something"
        shown = _shown(reply)
        leaked = [s for s in SECRETS if s in shown]
        assert not leaked, f"{form_id} {value} showed {leaked}: {shown}"


async def test_a_join_button_cannot_name_a_manager(harness):
    world = await _world(harness)
    # A Join button for an open program with someone else's manager id packed into it.
    value = f"{world.program}:{world.tom}"
    form = await harness.click(PRIYA, "enrolment.form", value)
    assert "Tomasz" not in _shown(form) and form.form is not None
    await harness.submit(PRIYA, "enrolment.submit", value, role="mentee", learns="video")
    priya = await harness.person(PRIYA)
    [mine] = await harness.engine.run(lambda ctx: ctx.tx.find(Enrolment, participant_id=priya.id))
    assert mine.status == "enrolled" and mine.manager_id is None


# What the leader's assistant may do with the pair's records: book, move and cancel.
BOOKING = {"session.book_at", "session.schedule", "session.move", "session.cancel"}
# What the assistant must never read: the pair's reflections, plans, objectives, check-ins.
WORDS = SECRETS[5:]


def _refusal(route) -> str | None:
    """What the assistant must be told by a route on the leader's pair: "not yours" for the
    pair's and authors' routes, "only owners" for owners' tools; None for the routes anyone
    uses for themselves (what they see is their own)."""
    if route.who in (Who.MEMBER, Who.AUTHOR):
        return prompts.text("general.not_yours")
    if route.who == Who.OWNER:
        return prompts.text("general.not_owner")
    if route.who == Who.ASSISTANT:  # her own question to her: answered already
        return prompts.text("delegate.answered")
    return None


@pytest.mark.parametrize("action", sorted(set(ACTIONS) - BOOKING))
async def test_the_assistant_is_refused_every_button_but_bookings(harness, action):
    world = await _world(harness)
    for value in ACTIONS[action](world):
        before = await _snapshot(harness)
        reply = await harness.click(LENA, action, value)
        assert await _snapshot(harness) == before, f"{action} {value} changed something"
        refusal = _refusal(routes.ACTIONS[action])
        assert refusal is None or reply.text == refusal, (action, reply.text)
        shown = _shown(reply)
        assert not [s for s in WORDS if s in shown], f"{action} {value} showed {shown}"


@pytest.mark.parametrize("form_id", sorted(set(FORMS) - BOOKING))
async def test_the_assistant_is_refused_every_form_but_bookings(harness, form_id):
    world = await _world(harness)
    for value, inputs in FORMS[form_id](world):
        before = await _snapshot(harness)
        reply = await harness.submit(LENA, form_id, value, **inputs)
        assert await _snapshot(harness) == before, f"{form_id} {value} changed something"
        refusal = _refusal(routes.FORMS[form_id])
        assert refusal is None or reply.text == refusal, (form_id, reply.text)
        shown = _shown(reply)
        assert not [s for s in WORDS if s in shown], f"{form_id} {value} showed {shown}"


def test_only_booking_routes_take_the_assistant():
    booker = {name for name, route in routes.ACTIONS.items() if route.who == Who.BOOKER}
    assert booker == BOOKING
    assert {n for n, r in routes.FORMS.items() if r.who == Who.BOOKER} == BOOKING & set(FORMS)


@pytest.mark.parametrize("command", ["me", "status", "learnings", "calendar", "help"])
async def test_the_assistants_commands_show_nothing_of_the_pair(harness, command):
    await _world(harness)
    shown = _shown(await harness.command(LENA, command))
    assert shown and not [s for s in WORDS if s in shown], shown
