"""The words of the menu that changes who can read a reflection (prompts
reflect.visibility_label, reflect.visibility_choice.* and reflect.visibility_changed with
reflect.visibility_past.*), as the author reads them. The platform tests (tests/e2e/
test_slack_owner_tools.py, test_teams.py) check how the menu is drawn, not what it says."""

from __future__ import annotations

import pytest

from tests.harness import MINA


async def test_the_saved_reflection_offers_each_audience_by_name_with_the_current_one_chosen(
    harness,
):
    await harness.held_session()
    saved = await harness.say(MINA, "Erik is ready for analytics")
    assert saved.text.startswith(
        "Thanks - saved for your session with Erik. Your program owners can read it."
    )
    menu = saved.select
    assert (menu.label, menu.action, menu.submit_label) == (
        "Who can read this",
        "reflection.visibility",
        "Change",
    )
    assert [c.label for c in menu.options] == [
        "Program owners, and Erik",
        "Only Erik and me",
        "Only me",
        "Everyone in the program",
        "Everyone in the program, without my name",
    ]
    assert menu.initial == menu.options[0].value


@pytest.mark.parametrize(
    ("choice", "said"),
    [
        ("program", "Done. Your program owners can read it."),
        ("pair", "Done. Only you and Erik can read it."),
        ("private", "Done. Only you can read it."),
        (
            "shared",
            "Done. Everyone in your program can find it in the learnings library, with your"
            " first name.",
        ),
        (
            "shared_anonymous",
            "Done. Everyone in your program can find it in the learnings library, without your"
            " name.",
        ),
    ],
)
async def test_each_choice_is_answered_with_who_can_read_it_now(harness, choice, said):
    await harness.held_session()
    menu = (await harness.say(MINA, "Erik is ready for analytics")).select
    [option] = [c for c in menu.options if c.value.endswith(f":{choice}")]
    assert (await harness.click(MINA, menu.action, option.value)).text == said
