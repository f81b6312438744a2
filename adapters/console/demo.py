"""`mentorbot demo`: a reverse-mentoring program of three pairs, simulated over eight weeks."""

from __future__ import annotations

import heapq
import itertools
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from adapters.console.people import Persona
from adapters.console.render import render
from adapters.console.sender import ConsoleSender, Delivered
from bot.context import Context, EngineConfig
from bot.domain.clock import VirtualClock
from bot.domain.events import ActionClicked, Actor, CommandIssued
from bot.domain.kinds import Kind
from bot.domain.messages import FormErrors, Message
from bot.domain.model import Notification, Pairing, Reflection, Session, SessionStatus
from bot.engine import Engine
from bot.flows.pairings import create_program, propose_pairing
from bot.flows.people import person_for
from bot.policy.hours import zone
from bot.policy.offers import within_hours
from storage import migrate
from storage.store import SqlStore, make_engine

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday morning
OWNER = Actor("console", "olivia", "Olivia Grant", timezone="Europe/London")
STAGES = ("intro", "nudge", "invite", "agenda", "check", "reflect")


def _cast() -> list[tuple[Persona, Persona, str, str]]:
    """(mentor, mentee, goal, why) for each pair, with habits that show the whole cycle."""
    mina = Persona(
        Actor("console", "mina", "Mina Park", timezone="Europe/Berlin"),
        reflections=["Mina's take: Erik asked the right questions about what our audience skips."],
        heard="yes",
    )
    erik = Persona(
        Actor("console", "erik", "Erik Lund", timezone="Europe/Berlin"),
        delay=timedelta(hours=2),
        books=True,
        answers_checks=True,
        outcomes=["held", "held", "held", "held"],
        reflections=[
            "form:|I finally get how a short-video trend is found and remixed"
            "|Ask brand team for one 15-second test clip|shared",
            "We will stop judging videos by views alone - completion rate matters more.",
            "I'll bring Mina into the Q3 brand review.",
        ],
        implements=True,
        rates="5",
        fit="yes",
        follows_through="Done",
    )
    priya = Persona(
        Actor("console", "priya", "Priya Shah", timezone="Europe/London"),
        reflections=[
            "Tom listened; next time I'll bring real complaint tickets.",
            "The tickets landed: Tom wants the top three themes each month.",
        ],
        heard="partly",
    )
    tom = Persona(
        Actor("console", "tom", "Tom Becker", timezone="America/New_York"),
        delay=timedelta(hours=3),
        books=True,
        answers_checks=True,
        ignore_nudges=2,
        hour=11,
        minutes="30",
        outcomes=["missed", "held", "held"],
        reflections=[
            "Seeing the complaint queue live changed how I read our NPS numbers.",
            "I asked support to send me five raw tickets every Friday.",
            "Our weekly review now starts with one customer complaint, read out loud.",
        ],
        skip_first_prompt=True,
        rates="3",
        fit="not_sure",
    )
    sam = Persona(
        Actor("console", "sam", "Sam Lee", timezone="Europe/Lisbon"),
        answers_checks=True,
        outcomes=["held", "held", "held"],
        reflections=["Dana is keen; we should storyboard a customer journey next.", "Good one."],
        rates="4",
    )
    dana = Persona(
        Actor("console", "dana", "Dana Cruz", timezone="America/Los_Angeles"),
        books=True,
        own_time=True,
        snoozes=1,
        hour=9,
        minutes="60",
        reflections=[
            "form:|Our onboarding emails read like legal notices to new hires|"
            "Rewrite the first-week email with Sam|pair",
            "I now check the app store reviews every Monday.",
        ],
        follows_through="Done",
    )
    return [
        (
            mina,
            erik,
            "using short video for brand reach"
            " objectives: run a 15-second video test with the brand team",
            "Mina runs our short-video tests; Erik leads brand",
        ),
        (
            priya,
            tom,
            "seeing the business through customer complaints",
            "Priya works the support queue Tom's team is judged on",
        ),
        (
            sam,
            dana,
            "what new hires really experience",
            "Sam joined six months ago; Dana owns onboarding",
        ),
    ]


@dataclass(frozen=True)
class Budget:
    """One person's share of the conversation: direct messages the bot sent them on its own
    (answers to what they pressed or typed are not counted), and the sessions held in their
    pairs."""

    name: str
    role: str  # "leader", "mentor" or "owner"
    messages: int
    held: int

    @property
    def per_session(self) -> float | None:
        return self.messages / self.held if self.held else None


@dataclass
class DemoReport:
    """What the demo ran, for the closing tables and for tests. `crowded` lists each time
    someone got two messages in the same minute without having just pressed or typed
    anything (person, minute)."""

    stages: dict[str, Counter] = field(default_factory=dict)
    reflections: dict[str, int] = field(default_factory=dict)
    escalations: int = 0
    final_status: str = ""
    learnings: str = ""
    budgets: list[Budget] = field(default_factory=list)
    crowded: list[tuple[str, str]] = field(default_factory=list)
    booked: Counter = field(default_factory=Counter)  # bookings made by "tap" or "form"
    outside_hours: list[str] = field(default_factory=list)  # sessions outside someone's hours


class Demo:
    """Runs the simulation and writes the transcript to `out`."""

    def __init__(self, out: TextIO, weeks: int = 8, step: timedelta = timedelta(hours=1)) -> None:
        self.out = out
        self.weeks = weeks
        self.step = step
        self.clock = VirtualClock(START)
        self.ids = itertools.count(1)
        self.queue: list[tuple[datetime, int, str, str, object]] = []
        self.people: dict[str, Persona] = {}
        self.last_day: date | None = None
        self.received: list[tuple[str, datetime]] = []  # (user id, when) of each delivery
        self.acted: set[tuple[str, datetime]] = set()  # (user id, minute) of each act
        self.booked: Counter = Counter()  # bookings made by "tap" (an offered time) or "form"

    async def run(self) -> DemoReport:
        with tempfile.TemporaryDirectory(prefix="mentorbot-demo-") as folder:
            db = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}")
            await migrate.upgrade(db)
            store = SqlStore(db)
            try:
                return await self._simulate(store)
            finally:
                await store.close()

    async def _simulate(self, store: SqlStore) -> DemoReport:
        sender = ConsoleSender(self.clock, self._delivered)
        config = EngineConfig(owners=frozenset({OWNER.handle}), timezone="Europe/London")
        engine = Engine(store, self.clock, config, {"console": sender})
        cast = _cast()
        for mentor, mentee, _, _ in cast:
            self.people[mentor.actor.user_id] = mentor
            self.people[mentee.actor.user_id] = mentee

        async def setup(ctx: Context) -> None:
            program = await create_program(
                ctx,
                "Digital Leaders",
                objective="digital skills",
                cadence_days=14,
                owners=[OWNER.handle],
                timezone="Europe/London",
                ends_on=(START + timedelta(weeks=self.weeks + 2)).date(),
            )
            await person_for(ctx, OWNER)
            for mentor, mentee, goal, why in cast:
                await propose_pairing(
                    ctx,
                    program,
                    await person_for(ctx, mentor.actor),
                    await person_for(ctx, mentee.actor),
                    goal,
                    why,
                )

        self._line(
            "Program 'Digital Leaders' (digital skills, every 14 days)"
            f" set up by {OWNER.display_name}."
        )
        self._line("Working hours Mon-Fri 09:00-18:00 in each person's own timezone.")
        await engine.run(setup)
        end = START + timedelta(weeks=self.weeks)
        while self.clock.now() < end:
            await engine.tick()
            for item in sender.delivered:
                self._react(item)
            sender.delivered.clear()
            await self._act(engine)
            self.clock.advance(self.step)
        return await self._report(engine)

    def _react(self, item: Delivered) -> None:
        if item.recipient.user_id == OWNER.user_id:
            if "two reminders" in item.message.text:
                mentee = next(
                    p for p in self.people.values() if p.name in item.message.text and p.books
                )
                when = self.clock.now() + timedelta(days=1)
                self._push(when, OWNER.display_name, f"has a quick word with {mentee.name}", None)
                for entry in mentee.wake(when, self.ids):
                    self._push(*entry[:1], mentee.actor.display_name, *entry[1:])
            return
        persona = self.people[item.recipient.user_id]
        for when, story, event in persona.react(item.message, self.clock.now(), self.ids):
            self._push(when, persona.actor.display_name, story, event)

    def _push(self, when: datetime, who: str, story: str, event: object) -> None:
        heapq.heappush(self.queue, (when, next(self.ids), who, story, event))

    async def _act(self, engine: Engine) -> None:
        while self.queue and self.queue[0][0] <= self.clock.now():
            _, _, who, story, event = heapq.heappop(self.queue)
            self._line(f"<- {who} {story}")
            if event is None:
                continue
            self.acted.add((event.actor.user_id, _minute(self.clock.now())))
            reply = await engine.handle(event)
            if isinstance(reply, Message) and reply.text.startswith("Booked"):
                tapped = isinstance(event, ActionClicked) and event.action == "session.book_at"
                self.booked["tap" if tapped else "form"] += 1
            if isinstance(reply, FormErrors):
                self._line(f"   bot: {reply.text}", indent=True)
            elif isinstance(reply, Message):
                self._line(f"   bot: {render(reply)}", indent=True)
                persona = self.people[event.actor.user_id]
                for when, next_story, next_event in persona.react(
                    reply, self.clock.now(), self.ids
                ):
                    self._push(when, persona.actor.display_name, next_story, next_event)

    def _delivered(self, item: Delivered) -> None:
        person = item.recipient
        self.received.append((person.user_id, item.at))
        local = item.at.astimezone(zone(person.timezone or "UTC"))
        self._line(
            f"-> {person.display_name} ({local:%H:%M} {person.timezone}): {render(item.message)}"
        )

    async def _budgets(self, engine: Engine) -> list[Budget]:
        """Each person's messages against the sessions held in their pairs."""

        async def gather(ctx: Context) -> list[Budget]:
            roles: dict[int, str] = {}
            held: Counter = Counter()
            for pairing in await ctx.tx.find(Pairing):
                roles[pairing.mentee_id], roles[pairing.mentor_id] = "leader", "mentor"
                sessions = await ctx.tx.find(Session, pairing_id=pairing.id, status="held")
                held[pairing.mentee_id] += len(sessions)
                held[pairing.mentor_id] += len(sessions)
            got = Counter(user_id for user_id, _ in self.received)
            found = []
            order = {"leader": 0, "mentor": 1}
            for user_id in got:
                person = await person_for(
                    ctx, self.people[user_id].actor if user_id in self.people else OWNER
                )
                role = roles.get(person.id, "owner")
                found.append(Budget(person.display_name, role, got[user_id], held[person.id]))
            return sorted(found, key=lambda b: (order.get(b.role, 2), b.name))

        return await engine.run(gather)

    def _crowded(self) -> list[tuple[str, str]]:
        """Two deliveries to one person in one minute, unless they acted in that minute or
        the one before (an answer to what they just did)."""
        seen: Counter = Counter((user_id, _minute(at)) for user_id, at in self.received)
        found = []
        for (user_id, minute), count in sorted(seen.items()):
            just = {(user_id, minute), (user_id, minute - timedelta(minutes=1))}
            if count > 1 and not just & self.acted:
                name = (
                    self.people[user_id].actor.display_name if user_id in self.people else user_id
                )
                found.append((name, f"{minute:%a %d %b %H:%M}Z"))
        return found

    def _line(self, text: str, indent: bool = False) -> None:
        now = self.clock.now()
        if now.date() != self.last_day:
            self.last_day = now.date()
            self.out.write(f"\n== {now:%a %d %b %Y} ==\n")
        prefix = "      " if indent else f"{now:%H:%M}Z "
        body = text.replace("\n", "\n" + " " * 9)
        self.out.write(f"{prefix}{body}\n")

    async def _report(self, engine: Engine) -> DemoReport:
        report = DemoReport()

        async def gather(ctx: Context) -> None:
            for pairing in await ctx.tx.find(Pairing):
                mentor, mentee = (
                    await ctx.person(pairing.mentor_id),
                    await ctx.person(pairing.mentee_id),
                )
                label = f"{mentee.first_name} & {mentor.first_name}"
                sent = await ctx.tx.find(Notification, pairing_id=pairing.id, status="sent")
                report.stages[label] = Counter(n.kind.split(".")[0] for n in sent)
                report.escalations += sum(n.kind == Kind.ESCALATION for n in sent)
                found = await ctx.tx.find(Session, pairing_id=pairing.id)
                sessions = [s.id for s in found]
                report.reflections[label] = len(await ctx.tx.find(Reflection, session_id=sessions))
                program = await ctx.program(pairing.program_id)
                for session in found:
                    if session.status == SessionStatus.CANCELLED:
                        continue
                    for person in (mentor, mentee):
                        tz = ctx.rules.tz(person, program)
                        ends = session.starts_at + timedelta(minutes=session.minutes)
                        if not within_hours(ctx.rules.hours(program), tz, session.starts_at, ends):
                            when = ctx.rules.when(session.starts_at, person, program)
                            report.outside_hours.append(f"{label} {when} for {person.first_name}")

        await engine.run(gather)
        report.booked = self.booked
        report.budgets = await self._budgets(engine)
        report.crowded = self._crowded()
        status = await engine.handle(
            CommandIssued("console", f"demo-{next(self.ids)}", OWNER, name="status")
        )
        report.final_status = status.plain() if isinstance(status, Message) else ""
        self.out.write("\n== The cycle, per pair (messages sent) ==\n")
        for label, counts in report.stages.items():
            cells = "  ".join(f"{stage} {counts.get(stage, 0)}" for stage in STAGES)
            self.out.write(
                f"{label:<14} {cells}  reflections saved {report.reflections[label]}"
                f"{'  (escalated)' if counts.get('escalation') else ''}\n"
            )
        self.out.write("\n== Messages per person (sent by the bot on its own) ==\n")
        self.out.write(
            f"{'person':<14} {'role':<7} {'messages':>8} {'held':>5} {'per session':>12}\n"
        )
        for b in report.budgets:
            per = f"{b.per_session:.1f}" if b.per_session is not None else "-"
            self.out.write(f"{b.name:<14} {b.role:<7} {b.messages:>8} {b.held:>5} {per:>12}\n")
        crowded = ", ".join(f"{who} at {when}" for who, when in report.crowded) or "nobody"
        self.out.write(f"Two messages in the same minute, unasked: {crowded}.\n")
        taps, forms = report.booked["tap"], report.booked["form"]
        self.out.write(
            f"\n== Booking ==\nBookings: {taps + forms}, {taps} with one tap on an offered time,"
            f" {forms} in the form.\n"
        )
        outside = "; ".join(report.outside_hours) or "none"
        self.out.write(f"Sessions outside someone's working hours: {outside}.\n")
        self.out.write(f"\n== Final status for {OWNER.display_name} ==\n{report.final_status}\n")
        sam = self.people["sam"].actor
        found = await engine.handle(
            CommandIssued("console", f"demo-{next(self.ids)}", sam, name="learnings", args="video")
        )
        report.learnings = render(found) if isinstance(found, Message) else ""
        self.out.write(f"\n== {sam.display_name} searches the library: learnings video ==\n")
        self.out.write(f"{report.learnings}\n")
        return report


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)
