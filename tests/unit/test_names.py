"""A name made only of whitespace (issue 25, item 11): "\\u3000" or tabs from a platform's
profile leave a person nameless, not broken; every flow that names them says their user id."""

from bot.domain.events import Actor
from bot.domain.model import Participant
from tests.harness import MINA

BLANK = Actor("console", "u-blank", "\u3000\u2003 \t", timezone="Europe/Berlin")


def test_a_whitespace_name_falls_back_to_the_user_id():
    person = Participant("console", "u-blank", display_name="\u3000")
    assert person.label == "u-blank" and person.first_name == "u-blank"
    spaced = Participant("console", "u2", display_name="  Mina \u3000 Park ")
    assert (spaced.label, spaced.first_name) == ("Mina Park", "Mina")


async def test_someone_named_only_whitespace_gets_answers_not_apologies(harness):
    program = await harness.program()
    pairing = await harness.pairing(program, mentor=MINA, mentee=BLANK)
    await harness.tick()
    [intro] = harness.inbox("mina")
    assert "paired with u-blank" in intro.message.text, intro.message.text
    await harness.click(MINA, "pairing.accept", pairing.id)
    answer = await harness.click(BLANK, "pairing.accept", pairing.id)
    assert "You're both in" in answer.text, answer.text
    me = await harness.command(BLANK, "me")
    assert "Mentored by Mina Park" in me.plain(), me.plain()
    stored = await harness.person(BLANK)
    assert stored.display_name == "", "nothing but whitespace is kept as no name"
