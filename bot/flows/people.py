"""Who is acting: the participant behind a platform's user, created on first contact and
kept up to date (name, timezone, workspace, e-mail, address, last contact) from what each
event says of them; and the owners of a program, as participants to write to."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.context import Context
from bot.domain.events import Actor
from bot.domain.ids import email_address, parse_handle
from bot.domain.kinds import owner_note_key
from bot.domain.model import Pairing, Participant, Program
from bot.policy.hours import zone

log = logging.getLogger(__name__)
MAX_NAME = 200
# How often at most a person's contact is noted (Participant.contacted_at).
CONTACT_EVERY = timedelta(minutes=1)


async def person_for(ctx: Context, actor: Actor, *, contact: bool = False) -> Participant:
    """The participant behind `actor`, created on first contact; keeps name and zone fresh.

    A timezone the platform reports that we cannot use is ignored (the program's applies).
    `contact` means the person reached us themselves (not a mention): their address is
    then the freshest we have, and `contacted_at` is noted (at most once a minute, so a
    busy person costs one write a minute). Noting it also makes them reachable again and
    sends once more the pairing invitations that could not reach them.
    """
    actor = _usable(actor)
    person = await _stored(ctx, actor)
    if person is None:
        person = await ctx.tx.add(
            Participant(
                platform=actor.platform,
                user_id=actor.user_id,
                display_name=actor.display_name,
                workspace=actor.workspace,
                timezone=actor.timezone,
                address=actor.address,
                email=email_address(actor.email),
                created_at=ctx.now,
                contacted_at=ctx.now if contact else None,
            )
        )
        ctx.remember_person(person)
        return person
    changed = _refresh(person, actor, ctx.now, contact)
    if changed:
        await ctx.tx.save(person, fields=tuple(sorted(changed)))
    if "contacted_at" in changed:
        # After the save above, which waits for a tick marking them unreachable to
        # commit: the invitation that tick failed is then seen here and queued again.
        await ctx.outbox.retry_intros(person)
    ctx.remember_person(person)
    return person


async def known_person(ctx: Context, actor: Actor) -> Participant | None:
    """The participant behind `actor` when nothing about them needs writing (they are
    stored, their details are current and their contact was noted within
    CONTACT_EVERY); None when `person_for(ctx, actor, contact=True)` must run instead."""
    actor = _usable(actor)
    person = await _stored(ctx, actor)
    if person is None or _refresh(replace(person), actor, ctx.now, contact=True):
        return None
    ctx.remember_person(person)
    return person


async def _stored(ctx: Context, actor: Actor) -> Participant | None:
    found = await ctx.tx.find(Participant, platform=actor.platform, user_id=actor.user_id)
    return found[0] if found else None


async def person_by_handle(ctx: Context, handle: str) -> Participant:
    platform, user_id = parse_handle(handle)
    return await person_for(ctx, Actor(platform=platform, user_id=user_id))


async def tell_owners(
    ctx: Context,
    program: Program,
    key: str,
    text: str,
    pairing: Pairing | None = None,
    *,
    private: bool = False,
) -> None:
    """A note to each owner of the program (once per key and owner). A `private` note about
    what one of the pair said (a fit doubt, not feeling heard) skips an owner who is one of
    the pair: the other one never learns of it."""
    for handle in ctx.rules.owners_of(program):
        owner = await person_by_handle(ctx, handle)
        if private and pairing is not None and pairing.role_of(owner.id) is not None:
            continue
        await ctx.outbox.note(
            owner,
            owner_note_key(key, owner.id),
            text,
            program,
            pairing_id=pairing.id if pairing else None,
        )


def _usable(actor: Actor) -> Actor:
    """The actor with a tidy name that fits (none when it is only whitespace) and only a
    timezone we can use (else none: the program's applies)."""
    timezone = actor.timezone if actor.timezone and _known_zone(actor.timezone) else None
    name = " ".join(actor.display_name.split())[:MAX_NAME]  # only whitespace: no name
    return replace(actor, display_name=name, timezone=timezone)


def _refresh(person: Participant, actor: Actor, now: datetime, contact: bool) -> set[str]:
    """Bring `person` up to date with what `actor` says of them; the fields changed.

    `contact` means the person reached us themselves (not a mention): their address is
    then the freshest we have, and `contacted_at` is noted (at most once per CONTACT_EVERY,
    so a busy person costs one write a minute). Noting it also makes them reachable again.
    """
    changed = set()
    if actor.display_name and actor.display_name != person.display_name:
        person.display_name = actor.display_name
        changed.add("display_name")
    if actor.timezone and actor.timezone != person.timezone:
        person.timezone = actor.timezone
        changed.add("timezone")
    if actor.workspace and actor.workspace != person.workspace:
        person.workspace = actor.workspace
        changed.add("workspace")
    email = email_address(actor.email)
    if email and email != person.email:
        person.email = email
        changed.add("email")
    fresher = contact or person.address is None
    if actor.address and fresher and actor.address != person.address:
        person.address = actor.address
        changed.add("address")
    noted = person.contacted_at
    in_touch = contact and (noted is None or noted <= now - CONTACT_EVERY)
    if in_touch or (contact and not person.reachable):
        # Reachable is written whenever contact is noted, not only when we read False:
        # a tick may be marking them unreachable at this moment (delivery spares people
        # noted since shortly before its batch; see bot.sending.delivery).
        person.reachable, person.contacted_at = True, now
        changed |= {"reachable", "contacted_at"}
    return changed


def _known_zone(name: str) -> bool:
    try:
        zone(name)
    except (ValueError, OSError):  # OSError: "Europe" is a folder, or the name is too long
        log.warning("ignoring unknown timezone %r", name)
        return False
    return True
