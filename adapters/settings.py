"""Settings: every environment variable mentorbot reads, read once at start-up."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from bot.context import EngineConfig
from bot.domain.ids import parse_handle
from bot.policy.hours import DEFAULT_WORKING_HOURS, InvalidWorkingHours, WorkingHours, zone
from storage.store import DEFAULT_URL

SLACK_API_URL = "https://slack.com/api/"
TEAMS_OPENID_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
SECRET_LENGTH = 32  # characters of MENTORBOT_SECRET, at least
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and what it expects."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    owners: frozenset[str] = frozenset()
    timezone: str = "UTC"
    working_hours: str = DEFAULT_WORKING_HOURS
    host: str = "127.0.0.1"
    port: int = 3978
    tick_seconds: float = 60.0
    delivery: str = "instant"
    agenda_lead_hours: float = 24.0
    log_level: str = "INFO"
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = SLACK_API_URL
    slack_rate: float = 10.0  # messages per second per workspace (0: no limit of our own)
    teams_rate: float = 30.0  # messages per second per tenant (0: no limit of our own)
    teams_mode: str = ""  # MENTORBOT_TEAMS: "on", "off", "local", or "" (unset: see `teams`)
    # Lower case; {"*"} (EVERY_TENANT): every tenant, on purpose; empty: not said (local mode).
    teams_tenants: frozenset[str] = frozenset()
    teams_openid_url: str = TEAMS_OPENID_URL
    microsoft_app_id: str = ""
    microsoft_app_password: str = ""
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = "MultiTenant"
    public_url: str = ""
    link_secret: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `env` (default: the process environment) and check them."""
        env = os.environ if env is None else env
        owners = frozenset(
            _owner(part) for part in env.get("MENTORBOT_OWNERS", "").split(",") if part.strip()
        )
        timezone = env.get("MENTORBOT_TIMEZONE", "UTC").strip() or "UTC"
        try:
            zone(timezone)
        except ValueError as exc:
            raise SettingsError(f"MENTORBOT_TIMEZONE: {exc}") from None
        hours = env.get("MENTORBOT_WORKING_HOURS", DEFAULT_WORKING_HOURS).strip()
        try:
            WorkingHours.parse(hours)
        except InvalidWorkingHours as exc:
            raise SettingsError(f"MENTORBOT_WORKING_HOURS: {exc}") from None
        return cls(
            database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_URL,
            owners=owners,
            timezone=timezone,
            working_hours=hours,
            host=env.get("HOST", "127.0.0.1").strip() or "127.0.0.1",
            port=_number(env, "PORT", 3978, int),
            tick_seconds=_number(env, "MENTORBOT_TICK_SECONDS", 60.0, float),
            delivery=_delivery(env.get("MENTORBOT_DELIVERY", "")),
            agenda_lead_hours=_number(env, "MENTORBOT_AGENDA_LEAD_HOURS", 24.0, float),
            log_level=env.get("MENTORBOT_LOG_LEVEL", "INFO").strip().upper() or "INFO",
            slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            slack_api_url=_api_url(env.get("SLACK_API_URL", "").strip() or SLACK_API_URL),
            slack_rate=_number(env, "MENTORBOT_SLACK_RATE", 10.0, float, zero=True),
            teams_rate=_number(env, "MENTORBOT_TEAMS_RATE", 30.0, float, zero=True),
            teams_mode=_teams_mode(env.get("MENTORBOT_TEAMS", "")),
            teams_tenants=_tenants(env),
            teams_openid_url=_openid_url(env.get("MENTORBOT_TEAMS_OPENID_URL", "").strip()),
            microsoft_app_id=env.get("MICROSOFT_APP_ID", "").strip(),
            microsoft_app_password=env.get("MICROSOFT_APP_PASSWORD", "").strip(),
            microsoft_app_tenant_id=env.get("MICROSOFT_APP_TENANT_ID", "").strip(),
            microsoft_app_type=_app_type(env.get("MICROSOFT_APP_TYPE", "").strip()),
            public_url=env.get("MENTORBOT_PUBLIC_URL", "").strip().rstrip("/"),
            link_secret=env.get("MENTORBOT_SECRET", "").strip(),
        )

    @property
    def slack(self) -> bool:
        """Slack is on when a bot token is configured."""
        return bool(self.slack_bot_token)

    def check_slack(self, socket_mode: bool) -> None:
        """Stop start-up with the name of a missing Slack variable (HTTP or Socket Mode)."""
        if socket_mode and not self.slack:
            raise SettingsError("--slack-socket-mode needs SLACK_BOT_TOKEN (xoxb-...) to be set.")
        if not self.slack:
            return
        if socket_mode and not self.slack_app_token:
            raise SettingsError(
                "SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token (xapp-...) "
                "with the connections:write scope, from your app's Basic Information page."
            )
        if not socket_mode and not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is missing: SLACK_BOT_TOKEN is set, and Slack requests "
                "cannot be verified without the signing secret (Basic Information > App "
                "Credentials). Or run with --slack-socket-mode and SLACK_APP_TOKEN."
            )

    @property
    def loopback(self) -> bool:
        """True when `serve` listens only on this machine (127.0.0.1, ::1, localhost)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False

    @property
    def teams(self) -> bool:
        """Teams is served with MENTORBOT_TEAMS=on or local; left unset, exactly when
        MICROSOFT_APP_ID is set."""
        if self.teams_mode:
            return self.teams_mode != "off"
        return bool(self.microsoft_app_id)

    @property
    def teams_local(self) -> bool:
        """Local mode (MENTORBOT_TEAMS=local): Teams without tokens, for trials on loopback."""
        return self.teams_mode == "local"

    def check_teams(self) -> None:
        """Stop `serve` early when Teams would run unauthenticated anywhere but in an explicit
        local mode on loopback, or with incomplete Azure Bot credentials or link settings."""
        from adapters.teams.startup import check

        check(self)

    def check_public_url(self) -> None:
        """Stop start-up when people's browsers and calendars would reach `serve` in the clear:
        MENTORBOT_PUBLIC_URL must be https, unless it names this machine and `serve` listens
        on loopback. Feed addresses and Teams links start with it and carry keys."""
        url = self.public_url
        if not url or url.startswith("https://"):
            return
        if url.startswith("http://") and not public(url) and self.loopback:
            return
        raise SettingsError(
            f"MENTORBOT_PUBLIC_URL must start with https:// ({url} does not): calendar feed "
            "addresses and Teams links start with it, and the keys they carry must not travel "
            "in the clear. Put serve behind HTTPS and set MENTORBOT_PUBLIC_URL to the https "
            "address that reaches it (http:// is only for trials on this machine: a 127.0.0.1 "
            "or localhost address, with serve on HOST=127.0.0.1)."
        )

    def engine_config(self) -> EngineConfig:
        return EngineConfig(
            group_platforms=frozenset({"slack"}),
            owners=self.owners,
            timezone=self.timezone,
            working_hours=WorkingHours.parse(self.working_hours),
            agenda_lead=timedelta(hours=self.agenda_lead_hours),
            public_url=self.base_url,
        )

    @property
    def base_url(self) -> str:
        """Where people reach `serve`: MENTORBOT_PUBLIC_URL, else its own host and port on
        loopback; "" off loopback without it (0.0.0.0 is no address to give anyone), which
        turns calendar feeds off."""
        if self.public_url:
            return self.public_url
        if not self.loopback:
            return ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def embedded(self) -> bool:
        """True for the embedded SQLite database, which is migrated automatically."""
        return self.database_url.startswith("sqlite")


EVERY_TENANT = "*"


def public(url: str) -> bool:
    """True when a URL names a host other than this machine."""
    host = urlsplit(url).hostname if url else None
    if not host or host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def _teams_mode(raw: str) -> str:
    mode = raw.strip().lower()
    if mode in ("on", "true", "1", "yes"):
        return "on"
    if mode in ("off", "false", "0", "no"):
        return "off"
    if mode in ("local", ""):
        return mode
    raise SettingsError(f"MENTORBOT_TEAMS must be on, off or local, not {raw.strip()!r}.")


def _delivery(raw: str) -> str:
    mode = raw.strip().lower() or "instant"
    if mode not in ("instant", "tick"):
        raise SettingsError(f"MENTORBOT_DELIVERY must be instant or tick, not {raw.strip()!r}.")
    return mode


def _tenants(env: Mapping[str, str]) -> frozenset[str]:
    """MENTORBOT_TEAMS_TENANTS, or the app's own tenant; EVERY_TENANT ("*") when the operator
    chose to serve every tenant, empty when nothing says (refused with an app id: see
    adapters/teams/startup.py)."""
    raw = env.get("MENTORBOT_TEAMS_TENANTS")
    if raw is None or not raw.strip():
        raw = env.get("MICROSOFT_APP_TENANT_ID", "")
    if raw.strip() == EVERY_TENANT:
        return frozenset({EVERY_TENANT})
    return frozenset(part.strip().lower() for part in raw.split(",") if part.strip())


def _openid_url(url: str) -> str:
    if not url:
        return TEAMS_OPENID_URL
    if not (url.startswith("https://") or (url.startswith("http://") and not public(url))):
        raise SettingsError(
            f"MENTORBOT_TEAMS_OPENID_URL must be an https:// URL (http:// only on this "
            f"machine), not {url!r}."
        )
    return url


APP_TYPES = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}


def _app_type(raw: str) -> str:
    if not raw:
        return "MultiTenant"
    if raw.lower() not in APP_TYPES:
        raise SettingsError(
            f"MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or UserAssignedMSI, not {raw!r} "
            "(it is the type shown on your Azure Bot's Configuration page)."
        )
    return APP_TYPES[raw.lower()]


def _api_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {url!r}.")
    return url if url.endswith("/") else url + "/"


def _owner(text: str) -> str:
    try:
        platform, user_id = parse_handle(text)
    except ValueError as exc:
        raise SettingsError(f"MENTORBOT_OWNERS: {exc}") from None
    return f"{platform}:{user_id}"


def _number(env: Mapping[str, str], name: str, default, kind, *, zero: bool = False):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}.") from None
    if value < 0 or (value == 0 and not zero):
        at_least = "zero or more (0: no limit)" if zero else "greater than zero"
        raise SettingsError(f"{name} must be {at_least}.")
    return value
