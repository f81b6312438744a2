"""Start-up rules for serving Teams: authenticated with an Azure Bot's app id, or in the
explicit local mode (MENTORBOT_TEAMS=local) on a loopback address, never unauthenticated
by accident. Each refusal says what to set instead."""

from __future__ import annotations

from adapters.settings import MAKE_SECRET, SECRET_LENGTH, Settings, SettingsError, public


def check(settings: Settings) -> None:
    """Raise SettingsError when `serve` must not serve Teams with these settings."""
    if not settings.teams:
        return
    if 0 < len(settings.link_secret) < SECRET_LENGTH:
        raise SettingsError(
            f"MENTORBOT_SECRET is too short: it signs Teams export links and needs at least "
            f"{SECRET_LENGTH} characters. Make one with: {MAKE_SECRET}"
        )
    if settings.teams_local:
        _check_local(settings)
    else:
        _check_authenticated(settings)


def _check_authenticated(settings: Settings) -> None:
    if not settings.microsoft_app_id:
        raise SettingsError(
            "MICROSOFT_APP_ID is missing: MENTORBOT_TEAMS=on needs the Azure Bot's Microsoft "
            "App ID (and MICROSOFT_APP_PASSWORD) to authenticate Teams requests. For a trial "
            "on this machine without an Azure Bot, use MENTORBOT_TEAMS=local."
        )
    kind = settings.microsoft_app_type
    if kind != "UserAssignedMSI" and not settings.microsoft_app_password:
        raise SettingsError(
            f"MICROSOFT_APP_PASSWORD is missing: MICROSOFT_APP_ID is set, and a {kind} bot "
            "needs its client secret (Azure Bot > Configuration > Manage Password)."
        )
    if kind != "MultiTenant" and not settings.microsoft_app_tenant_id:
        raise SettingsError(
            f"MICROSOFT_APP_TENANT_ID is missing: a {kind} bot needs the tenant id shown on "
            "the Azure Bot's Configuration page."
        )
    if not settings.public_url:
        raise SettingsError(
            "MENTORBOT_PUBLIC_URL is missing: with MICROSOFT_APP_ID set, Teams export links "
            "need the address people reach serve on, e.g. https://mentorbot.example.com."
        )
    settings.check_public_url()
    if not settings.link_secret:
        raise SettingsError(
            "MENTORBOT_SECRET is missing: with MICROSOFT_APP_ID set, Teams export links are "
            f"signed with it (at least {SECRET_LENGTH} characters, the same on every replica). "
            f"Make one with: {MAKE_SECRET}"
        )
    if not settings.teams_tenants:
        # A MultiTenant bot can be installed by any tenant that knows its app id: serving
        # every one of them must be a choice, not what happens when nothing is set.
        raise SettingsError(
            "MENTORBOT_TEAMS_TENANTS is missing: a MultiTenant bot would serve anyone in any "
            "tenant that installs an app with this bot's id. Set it to your tenant id(s), "
            "comma-separated (Azure portal > Microsoft Entra ID > Tenant ID), or to * to serve "
            "every tenant on purpose."
        )


def _check_local(settings: Settings) -> None:
    if settings.microsoft_app_id:
        raise SettingsError(
            "MENTORBOT_TEAMS=local runs Teams without authentication, for trials on this "
            "machine, and cannot be used with MICROSOFT_APP_ID. Unset MENTORBOT_TEAMS to "
            "authenticate Teams requests with the app id, or unset MICROSOFT_APP_ID."
        )
    if not settings.loopback:
        raise SettingsError(
            f"MENTORBOT_TEAMS=local accepts Teams requests without authentication, so serve "
            f"must listen on a loopback address (HOST=127.0.0.1), not on {settings.host}. For "
            f"a real Teams tenant, set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD from your "
            f"Azure Bot and unset MENTORBOT_TEAMS."
        )
    if public(settings.public_url):
        raise SettingsError(
            f"MENTORBOT_TEAMS=local is for trials on this machine, but MENTORBOT_PUBLIC_URL "
            f"({settings.public_url}) says serve is reached from elsewhere. Unset "
            f"MENTORBOT_PUBLIC_URL, or set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD instead "
            f"of local mode."
        )
