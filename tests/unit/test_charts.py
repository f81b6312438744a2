"""Owners' charts: what they show (the 5-person rule), and how Slack and Teams get them
within each platform's rules."""

from datetime import UTC, date, datetime

from adapters.slack import render as slack
from adapters.teams import render as teams
from bot.domain.messages import Button, Message, Section
from bot.domain.model import Program
from bot.domain.ports import OutcomeFigures, StageFigures, WeekFigures, WeeklyFigures
from bot.flows.status import ProgramStatus, Risk
from bot.policy import weeks

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PROGRAM = Program(name="Video", timezone="Europe/Berlin", starts_on=date(2026, 1, 5))


def _weekly(active: int, on: int) -> WeeklyFigures:
    """Twelve weeks, the last one (30 Nov) so far."""
    shown = weeks.weeks(PROGRAM, NOW)
    last = len(shown) - 1
    return WeeklyFigures(
        weeks=[
            WeekFigures(
                week,
                closed=n < last,
                held=n,
                missed=1,
                unconfirmed=2 if n == last else 0,
                booked=5 if n == last else 3,
                active=active,
                regular=on - 1 if n == last else on,
            )
            for n, week in enumerate(shown)
        ],
        funnel=(9, 8, 6, 4),
    )


def _status(weekly: WeeklyFigures, risks=(), checkins=None, pulses=(0, 0)) -> ProgramStatus:
    last = weekly.weeks[-1]
    return ProgramStatus(
        program=PROGRAM,
        pairs={"active": last.active},
        sessions={},
        active=last.active,
        regular=last.regular,
        at_risk=list(risks),
        reflections=0,
        implemented=0,
        checkins=checkins or {},
        outcomes=OutcomeFigures(pulse_answers=pulses[0], pulse_sum=pulses[1]),
        weekly=weekly,
    )


def test_weeks_run_monday_to_sunday_in_the_programs_zone_labelled_by_their_monday():
    shown = weeks.weeks(PROGRAM, NOW)
    assert len(shown) == 12 and shown[0].monday == date(2026, 9, 14)
    assert shown[-1].monday == date(2026, 11, 30) and not shown[-1].closed(NOW)
    assert shown[-1].start == datetime(2026, 11, 29, 23, tzinfo=UTC), "midnight in Berlin"
    assert shown[-2].until == shown[-1].start and shown[-2].closed(NOW)
    assert shown[0].label() == "14 Sep"
    section = _status(_weekly(10, 8)).section()
    drawn = section.charts[0]
    assert drawn.categories[-1] == "30 Nov", "short labels, drawn side by side"
    assert drawn.plain().endswith("30 Nov so far 11/1/2"), "in words the current week is so far"
    assert drawn.axis == "Weeks, by their Monday; the last so far"
    assert drawn.top == 12.0, "counts end on a multiple of 4, at or above the largest (11)"


def test_shares_and_averages_only_over_five_people_else_counts():
    small = _status(_weekly(active=4, on=3), checkins={"midpoint": StageFigures(6, 4, 4, 16)})
    drawn = small.section().charts
    titles = [c.title for c in drawn]
    assert titles == [
        "Sessions by week",
        "Pairs meeting regularly, by week",
        "From proposal to reflection",
    ], "a count of pairs, and no averages from 4 ratings"
    assert drawn[1].series[0].values[-1] == 2.0
    big = _status(
        _weekly(active=10, on=8),
        checkins={"expectations": StageFigures(9, 6, 5, 20), "final": StageFigures(9, 4, 4, 8)},
        pulses=(5, 21),
    )
    cadence, ratings = big.section().charts[1], big.section().charts[3]
    assert cadence.title == "Pairs meeting regularly, % by week"
    assert cadence.series[0].values[0] == 80.0 and cadence.series[0].values[-1] == 70.0
    assert ratings.categories == ("Check-in: start", "Session ratings")
    assert ratings.series[0].values == (4.0, 4.2)
    assert ratings.top == 5.0, "ratings run to 5 whatever the average"
    empty = _weekly(active=10, on=8)
    empty.funnel = (0, 0, 0, 0)
    titles = [c.title for c in _status(empty).section().charts]
    assert "From proposal to reflection" not in titles, "a chart with nothing to show is left out"


def test_the_digest_has_the_two_weekly_charts_and_last_weeks_change():
    section = _status(_weekly(active=10, on=8)).section("digest")
    assert [c.title for c in section.charts] == [
        "Sessions by week",
        "Pairs meeting regularly, % by week",
    ]
    assert (
        "Last week (23 Nov): 10 sessions held (+1 on the week before), 1 missed, 0 not yet"
        " confirmed, 3 booked; 8 of 10 active pairs meeting regularly (same as the week"
        " before)." in section.lines
    )


def test_pairs_at_risk_are_a_table_and_the_same_words():
    risks = [Risk(n, f"Mentee {n}", f"Mentor {n}", "stale", 30 + n) for n in range(60)]
    section = _status(_weekly(10, 8), risks=risks).section()
    table = section.table
    assert table.columns == ("Pair", "Reason", "Days since a session")
    assert table.rows[0] == ("Mentee 0 & Mentor 0", "no session lately", 30)
    assert len(table.rows) == 50 and table.more == 10
    assert table.lines[0] == "Pairs at risk:" and len(table.lines) == 61
    assert "- Mentee 59 & Mentor 59: no session for 89 days" in section.plain()


def test_slack_gets_two_charts_and_one_table_per_message_and_words_for_each():
    risks = [Risk(1, "Ana <b>", "Ben", "never", 40)]
    message = Message("", sections=(_status(_weekly(10, 8), risks=risks).section(),))
    pages = slack.message_pages(message)
    kinds = [[b["type"] for b in p.blocks if b["type"].startswith("data_")] for p in pages]
    assert kinds == [
        ["data_visualization", "data_visualization"],
        ["data_visualization", "data_table"],
    ]
    for page in pages:
        assert not [b for b in page.plain if b["type"].startswith("data_")]
        assert len(page.blocks) <= 50 and page.text
    chart = pages[0].blocks[[b["type"] for b in pages[0].blocks].index("data_visualization")]
    assert [s["name"] for s in chart["chart"]["series"]] == ["Held", "Missed", "Not confirmed"]
    assert chart["chart"]["axis_config"]["categories"][0] == "14 Sep"
    assert all(len(s["data"]) == 12 for s in chart["chart"]["series"])
    table = next(b for b in pages[1].blocks if b["type"] == "data_table")
    assert table["rows"][1][0] == {"type": "raw_text", "text": "Ana <b> & Ben"}
    words = slack.message_blocks(message)  # one message, without charts: App Home, a click
    assert not [b for b in words if b["type"].startswith("data_")]
    assert "Ana &lt;b&gt; &amp; Ben: no session yet after 40 days" in str(words)


def test_teams_gets_chart_elements_and_a_table_each_with_words_to_fall_back_on():
    risks = [Risk(1, "Ana *x*", "Ben", "never", 40)]
    message = Message("", sections=(_status(_weekly(10, 8), risks=risks).section(),))
    body = teams.card(message)["body"]
    drawn = [e for e in body if e["type"].startswith("Chart.") or e["type"] == "Table"]
    assert [e["type"] for e in drawn] == [
        "Chart.VerticalBar.Grouped",
        "Chart.Line",
        "Chart.VerticalBar",
        "Table",
    ]
    assert all(e["fallback"]["type"] == "TextBlock" for e in drawn)
    grouped = drawn[0]
    assert [d["legend"] for d in grouped["data"]] == ["Held", "Missed", "Not confirmed"]
    assert grouped["data"][0]["values"][-1] == {"x": "30 Nov", "y": 11}
    assert grouped["showTitle"] is True and (grouped["yMin"], grouped["yMax"]) == (0, 12.0)
    assert drawn[2]["yMax"] == 12.0 and drawn[1]["yMax"] == 100.0, "counts whole, shares to 100"
    cell = drawn[3]["rows"][1]["cells"][0]["items"][0]["text"]
    assert cell == "Ana \\*x\\* & Ben", "people's text is escaped: Teams reads Markdown"


def test_a_section_without_charts_renders_as_before():
    section = Section("Plain", facts=(("Pairs", "1 active"),), lines=("No pairs at risk.",))
    [page] = slack.message_pages(Message("", sections=(section,)))
    assert page.blocks == page.plain == slack.message_blocks(Message("", sections=(section,)))


def test_many_pairs_at_risk_stay_within_each_platforms_message_size():
    risks = [Risk(n, f"Mentee {n}", f"Mentor {n}", "stale", 30) for n in range(3000)]
    status = _status(_weekly(10, 8), risks=risks)
    message = Message("", sections=(status.section(),) * 4)
    pages = slack.message_pages(message)
    for page in pages:  # drawn, and in words when Slack refuses the drawing
        assert len(page.blocks) <= 50 and len(page.plain) <= 50
    words = "\n".join(str(b) for p in pages for b in p.plain)
    assert "Mentee 49 &amp; Mentor 49" in words and "Mentee 50 " not in words
    assert words.count("and 2950 more: the export lists them all") == 4
    # A slash command's reply may be sent 5 times: the rest comes in words in the fifth.
    assert len(pages) > 5
    answered = slack.message_pages(message, most=5)
    assert answered[:4] == pages[:4] and len(answered) == 5
    assert answered[4].blocks == answered[4].plain and len(answered[4].blocks) <= 50
    assert "Mentee 49 &amp; Mentor 49" in str(answered[4].blocks), "the second table, in words"
    # Teams: 20 rows in the table, and only their words to fall back on.
    [table] = [
        e
        for e in teams.card(Message("", sections=(status.section(),)))["body"][:40]
        if e["type"] == "Table"
    ]
    assert len(table["rows"]) == 21
    assert table["fallback"]["text"].count("Mentee") == 20
    assert "and 2980 more" in table["fallback"]["text"]


def test_buttons_come_once_on_the_last_page():
    section = _status(_weekly(10, 8), risks=[Risk(1, "Ana", "Ben", "never", 40)]).section()
    message = Message("", buttons=(Button("Export", "export.csv"),), sections=(section,))
    pages = slack.message_pages(message)
    own = [[b for b in p.blocks if b.get("block_id", "").startswith("actions")] for p in pages]
    assert len(pages) > 1 and [len(a) for a in own] == [0] * (len(pages) - 1) + [1]
    # The pair at risk's own buttons come with the section's words, on the first page.
    [pair] = [b for b in pages[0].blocks if b.get("block_id", "").startswith("section.0.ask.0")]
    assert [e["action_id"] for e in pair["elements"]] == ["owner.message", "owner.pause"]
