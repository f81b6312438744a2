"""Working hours: parsing, the next open moment, daylight saving, and the settings that set them."""

from datetime import UTC, datetime, timedelta

import pytest

from adapters.settings import Settings, SettingsError
from bot.policy.hours import InvalidWorkingHours, WorkingHours


def test_default_window_is_weekdays_nine_to_six():
    hours = WorkingHours.parse("Mon-Fri 09:00-18:00")
    assert hours.days == frozenset(range(5))
    assert (hours.start_minute, hours.end_minute) == (540, 1080)


def test_next_open_skips_the_night_and_the_weekend():
    hours = WorkingHours.parse("Mon-Fri 09:00-18:00")
    friday_night = datetime(2026, 3, 6, 22, 0, tzinfo=UTC)
    assert hours.next_open(friday_night, "Europe/London") == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    three_am_ny = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert hours.next_open(three_am_ny, "America/New_York") == datetime(
        2026, 3, 3, 14, 0, tzinfo=UTC
    )


def test_daylight_saving_keeps_nine_oclock_local():
    hours = WorkingHours.parse("Mon-Fri 09:00-18:00")
    # New York moves to UTC-4 on 8 March 2026: 09:00 local is then 13:00 UTC.
    assert hours.next_open(datetime(2026, 3, 9, 5, 0, tzinfo=UTC), "America/New_York") == datetime(
        2026, 3, 9, 13, 0, tzinfo=UTC
    )


def test_around_the_clock_and_wrapping_day_ranges():
    always = WorkingHours.parse("Mon-Sun 00:00-24:00")
    sunday_3am = datetime(2026, 3, 8, 3, 0, tzinfo=UTC)
    assert always.is_open(sunday_3am, "UTC")
    weekend = WorkingHours.parse("Sat-Sun 10:00-12:00")
    assert weekend.days == frozenset({5, 6})
    assert WorkingHours.parse("Fri-Mon 10:00-12:00").days == frozenset({4, 5, 6, 0})


@pytest.mark.parametrize(
    "text", ["", "weekdays", "Mon-Fri 18:00-09:00", "Mon-Fry 09:00-18:00", "Mon 09:00-25:00"]
)
def test_unreadable_working_hours_say_how_to_write_them(text):
    with pytest.raises(InvalidWorkingHours):
        WorkingHours.parse(text)


def test_settings_read_the_environment_once_with_clear_errors():
    settings = Settings.from_env(
        {
            "MENTORBOT_OWNERS": "slack:U123, teams:29:abc",
            "MENTORBOT_WORKING_HOURS": "Mon-Sun 00:00-24:00",
        }
    )
    assert settings.owners == frozenset({"slack:U123", "teams:29:abc"})
    assert settings.engine_config().working_hours.days == frozenset(range(7))
    assert (settings.host, settings.port, settings.timezone) == ("127.0.0.1", 3978, "UTC")
    assert settings.engine_config().agenda_lead == timedelta(hours=24)
    lead = Settings.from_env({"MENTORBOT_AGENDA_LEAD_HOURS": "2"})
    assert lead.engine_config().agenda_lead == timedelta(hours=2)
    with pytest.raises(SettingsError, match="MENTORBOT_WORKING_HOURS"):
        Settings.from_env({"MENTORBOT_WORKING_HOURS": "always"})
    with pytest.raises(SettingsError, match="MENTORBOT_TIMEZONE"):
        Settings.from_env({"MENTORBOT_TIMEZONE": "Mars/Base"})
    with pytest.raises(SettingsError, match="MENTORBOT_OWNERS"):
        Settings.from_env({"MENTORBOT_OWNERS": "U123"})
    with pytest.raises(SettingsError, match="PORT"):
        Settings.from_env({"PORT": "eighty"})
