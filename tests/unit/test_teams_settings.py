"""Teams settings: when Teams is on, the start-up rules of local and authenticated mode, the
tenants served, and the export link secret and address."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.settings import TEAMS_OPENID_URL, Settings, SettingsError

APP = {
    "MICROSOFT_APP_ID": "00000000-0000-4000-8000-000000000001",
    "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
    "MENTORBOT_PUBLIC_URL": "https://mentorbot.example.com",
    "MENTORBOT_SECRET": "x" * 32,
    "MENTORBOT_TEAMS_TENANTS": "tenant-1",
}


def settings(**env: str) -> Settings:
    return Settings.from_env(env)


def refusal(found: Settings) -> str:
    with pytest.raises(SettingsError) as error:
        found.check_teams()
    return str(error.value)


def test_teams_is_on_with_an_app_id_or_local_mode_and_off_otherwise():
    assert not settings().teams, "no app id, no local mode: off, even on loopback"
    assert not settings(SLACK_BOT_TOKEN="xoxb-1").teams
    assert settings(MICROSOFT_APP_ID="app").teams
    assert settings(MENTORBOT_TEAMS="local").teams and settings(MENTORBOT_TEAMS="local").teams_local
    assert not settings(MENTORBOT_TEAMS="off", MICROSOFT_APP_ID="app").teams
    with pytest.raises(SettingsError, match="on, off or local"):
        settings(MENTORBOT_TEAMS="maybe")


def test_local_mode_is_refused_with_an_app_id_off_loopback_or_reached_from_elsewhere():
    local = settings(MENTORBOT_TEAMS="local")
    local.check_teams()
    replace(local, host="::1").check_teams()
    assert "cannot be used with MICROSOFT_APP_ID" in refusal(
        settings(MENTORBOT_TEAMS="local", MICROSOFT_APP_ID="app")
    )
    assert "HOST=127.0.0.1" in refusal(replace(local, host="0.0.0.0"))
    public = settings(MENTORBOT_TEAMS="local", MENTORBOT_PUBLIC_URL="https://bot.example.com")
    assert "reached from elsewhere" in refusal(public)
    settings(MENTORBOT_TEAMS="local", MENTORBOT_PUBLIC_URL="http://localhost:3978").check_teams()


def test_teams_on_without_an_app_id_points_to_local_mode():
    assert "MENTORBOT_TEAMS=local" in refusal(settings(MENTORBOT_TEAMS="on"))


def test_an_app_id_needs_a_long_secret_and_an_https_address_off_loopback():
    settings(**APP).check_teams()
    assert "MENTORBOT_SECRET is missing" in refusal(settings(**{**APP, "MENTORBOT_SECRET": ""}))
    short = refusal(settings(**{**APP, "MENTORBOT_SECRET": "x" * 31}))
    assert "at least 32" in short and "secrets.token_urlsafe" in short
    plain = settings(**{**APP, "MENTORBOT_PUBLIC_URL": "http://mentorbot.example.com"})
    assert "https://" in refusal(replace(plain, host="0.0.0.0"))
    # serve on loopback behind a proxy on the same host: people still fetch links over the net
    assert "https://" in refusal(plain)
    on_this_machine = settings(**{**APP, "MENTORBOT_PUBLIC_URL": "http://127.0.0.1:3978"})
    on_this_machine.check_teams()
    assert "https://" in refusal(replace(on_this_machine, host="0.0.0.0"))
    assert "MENTORBOT_PUBLIC_URL is missing" in refusal(
        settings(**{**APP, "MENTORBOT_PUBLIC_URL": ""})
    )


def test_tenants_default_to_the_apps_own_and_compare_in_lower_case():
    assert settings().teams_tenants == frozenset()
    own = settings(MICROSOFT_APP_TENANT_ID="ABC-1")
    assert own.teams_tenants == {"abc-1"}
    listed = settings(MICROSOFT_APP_TENANT_ID="abc-1", MENTORBOT_TEAMS_TENANTS=" T-2 , t-3,")
    assert listed.teams_tenants == {"t-2", "t-3"}


def test_the_openid_url_is_https_or_on_this_machine():
    assert settings().teams_openid_url == TEAMS_OPENID_URL
    local = "http://127.0.0.1:9/v1/.well-known/openidconfiguration"
    assert settings(MENTORBOT_TEAMS_OPENID_URL=local).teams_openid_url == local
    with pytest.raises(SettingsError, match="MENTORBOT_TEAMS_OPENID_URL"):
        settings(MENTORBOT_TEAMS_OPENID_URL="http://login.example.com/openid")


def test_a_multitenant_bot_serves_every_tenant_only_when_told_so():
    """Issue 25, item 2: without a tenant list, anyone in any tenant that installs an app with
    this bot id would reach the programs; serve refuses, and says what to set."""
    bare = {k: v for k, v in APP.items() if k != "MENTORBOT_TEAMS_TENANTS"}
    said = refusal(settings(**bare))
    assert "MENTORBOT_TEAMS_TENANTS is missing" in said and "or to * to serve" in said
    everyone = settings(**{**bare, "MENTORBOT_TEAMS_TENANTS": " * "})
    everyone.check_teams()
    assert everyone.teams_tenants == {"*"}
    settings(**{**bare, "MICROSOFT_APP_TENANT_ID": "own-tenant"}).check_teams()
