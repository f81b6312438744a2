"""Bot Framework tokens on POST /api/messages, checked without ever waiting on the network.

The Bot Connector signs every request with a key published through the Bot Framework's OpenID
metadata (its `jwks_uri`). `SigningKeys` fetches those keys in one background task: at
start-up, every 24 hours, and early (at most every 5 minutes) when a token names a key it
does not know. Fetches go through aiohttp with the environment's proxy settings (HTTPS_PROXY,
NO_PROXY) and a 10 s limit; after a failure the next try waits 30 s, doubling up to 10 minutes,
and keys fetched before stay in use meanwhile.

`verify` looks only at the keys in memory. Before the first fetch has succeeded a request is
answered 503 with Retry-After at once; a token signed with a key we do not have is refused
with 401 (and starts an early refresh), so a forged token never makes a request wait.

A token is accepted when it is RS256, issued by https://api.botframework.com (the channel, not
Azure AD: a token Azure AD issued to our own app id is refused) to our app id, within its
lifetime (5 minutes' leeway for clocks), signed by a key endorsed for the activity's channel,
and its `serviceurl` claim is the activity's serviceUrl. See
https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from dataclasses import dataclass

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from adapters.settings import public

log = logging.getLogger(__name__)

ISSUER = "https://api.botframework.com"
ALGORITHM = "RS256"
LEEWAY = 300  # seconds of clock difference allowed on exp and nbf
TIMEOUT = 10.0  # seconds for fetching the metadata and the keys, together
REFRESH_EVERY = 24 * 3600.0
FIRST_BACKOFF = 30.0  # seconds after a failed fetch; doubled per failure in a row
LONGEST_BACKOFF = 600.0
UNKNOWN_KEY_REFRESH = 300.0  # an unknown key id fetches again at most this often


UNAUTHORIZED = "The request has no valid Bot Framework token for this bot."
UNAVAILABLE = "The Bot Framework signing keys are not available yet; try again in {} s."


class NotAdmitted(Exception):
    """The request is not admitted: `status` (401, 403 or 503), a `reason` for the log, the
    `message` for the caller and, for 503, the seconds after which to try again."""

    def __init__(
        self, status: int, reason: str, retry_after: int | None = None, message: str = ""
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after
        if not message and status == 503:
            message = UNAVAILABLE.format(retry_after or 1)
        self.message = message or UNAUTHORIZED


@dataclass(frozen=True)
class SigningKey:
    """One published key and the channels it is endorsed for (msteams, ...)."""

    key: RSAPublicKey
    endorsements: frozenset[str]


class SigningKeys:
    """The Bot Framework's signing keys, kept fresh by one background task (`start`)."""

    def __init__(
        self,
        metadata_url: str,
        *,
        timeout: float = TIMEOUT,
        refresh_every: float = REFRESH_EVERY,
        first_backoff: float = FIRST_BACKOFF,
        longest_backoff: float = LONGEST_BACKOFF,
        unknown_key_refresh: float = UNKNOWN_KEY_REFRESH,
    ) -> None:
        self.url = metadata_url
        self.timeout = timeout
        self.refresh_every = refresh_every
        self.first_backoff = first_backoff
        self.longest_backoff = longest_backoff
        self.unknown_key_refresh = unknown_key_refresh
        self.fetches = 0  # attempts so far, for tests and logs
        self._keys: dict[str, SigningKey] = {}
        self._failures = 0
        self._last_attempt = -math.inf
        self._next_at = 0.0
        self._fetching = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Start fetching in the background (call on the running loop)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="bot-framework-keys")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def ready(self) -> bool:
        """True once keys have been fetched."""
        return bool(self._keys)

    def retry_after(self) -> int:
        """Whole seconds until the keys may be there (for a 503's Retry-After)."""
        wait = self.timeout if self._fetching else self._next_at - time.monotonic()
        return max(1, min(math.ceil(wait), int(self.longest_backoff)))

    def get(self, kid: str) -> SigningKey | None:
        """The key with this id, or None (then `want` asks for a refresh)."""
        return self._keys.get(kid)

    def want(self) -> None:
        """A token named a key we do not have (the keys may have rolled over): fetch again
        soon, but at most every UNKNOWN_KEY_REFRESH and never sooner than a backoff."""
        if self._failures:
            return
        soon = self._last_attempt + self.unknown_key_refresh
        if soon < self._next_at:
            self._next_at = soon
            self._wake.set()

    async def _run(self) -> None:
        async with aiohttp.ClientSession(trust_env=True) as session:
            while True:
                await self._attempt(session)
                while (delay := self._next_at - time.monotonic()) > 0:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)

    async def _attempt(self, session: aiohttp.ClientSession) -> None:
        self._last_attempt = time.monotonic()
        self._fetching = True
        self.fetches += 1
        try:
            async with asyncio.timeout(self.timeout):
                keys = await self._fetch(session)
        except Exception as exc:  # network, proxy, timeout, bad JSON: all wait for the backoff
            self._failures += 1
            wait = min(self.first_backoff * 2 ** (self._failures - 1), self.longest_backoff)
            self._next_at = time.monotonic() + wait
            log.warning(
                "Bot Framework signing keys not fetched from %s (%s); trying again in %.1f s; %s",
                self.url,
                exc.__class__.__name__ if isinstance(exc, TimeoutError) else f"{exc!r}"[:200],
                wait,
                "the keys fetched before stay in use" if self._keys else "Teams requests get 503",
            )
        else:
            self._keys = keys
            self._failures = 0
            self._next_at = time.monotonic() + self.refresh_every
            log.info("Bot Framework signing keys fetched: %d", len(keys))
        finally:
            self._fetching = False

    async def _fetch(self, session: aiohttp.ClientSession) -> dict[str, SigningKey]:
        metadata = await _json(session, self.url)
        jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
        if not isinstance(jwks_uri, str) or not _safe_url(jwks_uri):
            raise ValueError(f"the OpenID metadata has no usable jwks_uri: {jwks_uri!r}"[:200])
        return parse_keys(await _json(session, jwks_uri))


async def _json(session: aiohttp.ClientSession, url: str) -> object:
    async with session.get(url, headers={"Accept": "application/json"}) as response:
        response.raise_for_status()
        return await response.json(content_type=None)


def _safe_url(url: str) -> bool:
    """https, or http on this machine only (a local fake in tests)."""
    return url.startswith("https://") or (url.startswith("http://") and not public(url))


def parse_keys(jwks: object) -> dict[str, SigningKey]:
    """The usable RSA keys of a JWKS document by key id; ValueError when there are none."""
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    found: dict[str, SigningKey] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        try:
            key = RSAAlgorithm.from_jwk(entry)
        except (jwt.InvalidKeyError, ValueError, TypeError, KeyError):
            log.info("skipped a signing key that cannot be read: kid=%s", kid)
            continue
        if isinstance(key, RSAPrivateKey):
            key = key.public_key()
        endorsements = entry.get("endorsements")
        names = endorsements if isinstance(endorsements, list) else []
        found[kid] = SigningKey(key, frozenset(e for e in names if isinstance(e, str)))
    if not found:
        raise ValueError("the key set has no usable RSA keys")
    return found


def verify(keys: SigningKeys, app_id: str, authorization: str, activity: dict) -> dict:
    """The token's claims when it admits `activity` to the bot `app_id`; NotAdmitted otherwise."""
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAdmitted(401, "no bearer token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise NotAdmitted(401, "not a JWT") from None
    if header.get("alg") != ALGORITHM:
        raise NotAdmitted(401, f"algorithm {str(header.get('alg'))[:20]!r} is not {ALGORITHM}")
    if not keys.ready:
        raise NotAdmitted(503, "the signing keys are not fetched yet", keys.retry_after())
    kid = header.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        keys.want()
        raise NotAdmitted(401, f"unknown signing key {str(kid)[:64]!r}")
    channel = activity.get("channelId")
    if not isinstance(channel, str) or channel not in key.endorsements:
        raise NotAdmitted(401, f"the signing key is not endorsed for channel {str(channel)[:32]!r}")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[ALGORITHM],
            audience=app_id,
            issuer=ISSUER,
            leeway=LEEWAY,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.InvalidTokenError as exc:
        raise NotAdmitted(401, f"token refused: {exc.__class__.__name__}") from None
    if claims.get("iss") != ISSUER:  # decode checked it; kept explicit, it is the whole point
        raise NotAdmitted(401, "token refused: issuer")
    service_url = claims.get("serviceurl")
    if not isinstance(service_url, str) or (
        service_url.rstrip("/") != str(activity.get("serviceUrl") or "").rstrip("/")
    ):
        raise NotAdmitted(401, "the token's serviceurl is not the activity's serviceUrl")
    return claims
