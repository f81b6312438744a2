"""Fake Microsoft identity endpoints for a Teams bot, on 127.0.0.1.

- The Bot Framework OpenID metadata (`metadata_url`) and its signing keys (JWKS with
  `endorsements`, as login.botframework.com publishes them), for the bot's check of inbound
  tokens. Keys are RSA keys generated here; `token()` signs a channel token with one of them.
- An App Service managed-identity token endpoint (`msi_url`, read by MSAL from
  IDENTITY_ENDPOINT and IDENTITY_HEADER), so a bot with MICROSOFT_APP_TYPE=UserAssignedMSI
  gets its outbound token without leaving this machine.

Every request is counted by path; `fail(times)` answers the next key fetches with 500. Like the
other fakes, the server runs its own event loop in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
MSI_HEADER = "fake-identity-header"
MSI_TOKEN = "fake-msi-access-token"


@dataclass
class Key:
    kid: str
    private: rsa.RSAPrivateKey
    endorsements: list[str]

    def jwk(self) -> dict:
        found = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**found, "kid": self.kid, "use": "sig", "endorsements": self.endorsements}


def new_key(kid: str, endorsements: list[str] | None = None) -> Key:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Key(kid, private, ["msteams"] if endorsements is None else endorsements)


def channel_claims(app_id: str, service_url: str, **changes) -> dict:
    """The claims of a token the Bot Connector sends with a Teams activity."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": app_id,
        "serviceurl": service_url,
        "nbf": now - 60,
        "exp": now + 3600,
        "iat": now - 60,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def sign(key: Key, claims: dict, kid: str | None = None) -> str:
    """An RS256 token signed with `key`, naming `kid` (default: the key's own id)."""
    return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": kid or key.kid})


def unsigned(claims: dict, kid: str) -> str:
    """A token with alg none."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def hs256_with_public_key(key: Key, claims: dict) -> str:
    """The old algorithm-confusion forgery: HS256 keyed with the published RSA key."""
    public = RSAAlgorithm.to_jwk(key.private.public_key()).encode()
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    body = f"{header}.{_b64(json.dumps(claims).encode())}"
    return f"{body}.{_b64(hmac.new(public, body.encode(), hashlib.sha256).digest())}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class FakeIdentity:
    """Start with `start()`; point MENTORBOT_TEAMS_OPENID_URL at `metadata_url`."""

    def __init__(self, keys: list[Key]) -> None:
        self.keys = list(keys)
        self.requests: Counter[str] = Counter()
        self._failures = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"

    @property
    def msi_url(self) -> str:
        return f"{self.url}/msi/token"

    def fail(self, times: int) -> None:
        """Answer the next `times` requests for the metadata with 500."""
        self._failures += times

    # --- server ---------------------------------------------------------------------------------
    def start(self) -> FakeIdentity:
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("the fake identity server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/keys", self._keys)
        app.router.add_get("/msi/token", self._msi)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        ready.set()
        self._loop.run_forever()

    async def _metadata(self, request: web.Request) -> web.Response:
        self.requests["metadata"] += 1
        if self._failures > 0:
            self._failures -= 1
            return web.json_response({"error": "unavailable"}, status=500)
        return web.json_response(
            {
                "issuer": ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com/v1/auth",
                "jwks_uri": f"{self.url}/v1/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.requests["keys"] += 1
        return web.json_response({"keys": [key.jwk() for key in self.keys]})

    async def _msi(self, request: web.Request) -> web.Response:
        self.requests["msi"] += 1
        if request.headers.get("X-IDENTITY-HEADER") != MSI_HEADER:
            return web.json_response({"statusCode": 401, "message": "bad header"}, status=401)
        return web.json_response(
            {
                "access_token": MSI_TOKEN,
                "expires_on": str(int(time.time()) + 3600),
                "resource": request.query.get("resource", ""),
                "token_type": "Bearer",
            }
        )
