"""Build the Microsoft Teams app package: a zip to upload via Teams admin or "Upload a custom app".

The zip holds ``manifest.json`` plus the two icons Teams asks for, drawn here with a tiny
pure-Python PNG encoder so the package needs no image library and comes out byte-for-byte
the same on every run.
"""

from __future__ import annotations

import binascii
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable

SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.17"
ACCENT = "#4F6BED"

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_VERSION = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed so the same inputs give the same bytes

# Teams lists at most 10 commands; the others (leave, pause, resume) are in `help`.
_COMMANDS: tuple[tuple[str, str], ...] = (
    ("help", "What I can do"),
    ("me", "Your pairs, next session and reflections"),
    ("join", "join @manager - join a program's pool to be matched"),
    ("end", "End one of your pairings (confidential)"),
    ("forget-me", "Delete your profile and what you wrote"),
    ("status", "Program status (owners) or your own pairs"),
    ("match", "match PROGRAM - propose pairs with reasons (owners)"),
    ("pair", "pair @mentor @mentee goal - propose a pair (owners)"),
    ("program", "program create NAME ... - set up a program (owners)"),
    ("export", "Export program data as CSV (owners)"),
)

SHORT_DESCRIPTION = "Runs reverse-mentoring programs: pairs, nudges, agendas and reflections."
FULL_DESCRIPTION = (
    "mentorbot runs reverse-mentoring programs inside Teams. In reverse mentoring a junior "
    "colleague mentors a senior leader, sharing how the organisation looks from where they "
    "sit: new tools, new ways of working, what customers and younger staff care about.\n\n"
    "Program owners set up a program, propose pairs of one mentor and one senior mentee with "
    "a shared goal, and follow progress at a glance. Each pair gets gentle nudges to book "
    "their next session, a short agenda to start from, and a prompt to jot down a reflection "
    "afterwards, so the conversations keep happening and the learning is not lost. Owners "
    "can export program data as CSV.\n\n"
    "Message the bot directly: type 'help' to see what it can do, or 'me' for your pairs, "
    "your next session and your reflections."
)


def commands() -> list[tuple[str, str]]:
    """The bot's (title, description) command pairs, as listed in the manifest's commandLists."""
    return list(_COMMANDS)


def build_package(
    app_id: str,
    *,
    name: str = "mentorbot",
    version: str = "1.0.0",
    website: str = "https://github.com/mentorbot/mentorbot",
) -> bytes:
    """Return the bytes of a Teams app package zip for the Azure Bot with ``app_id``."""
    manifest = build_manifest(app_id, name=name, version=version, website=website)
    files = {
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"),
        "color.png": color_icon(),
        "outline.png": outline_icon(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, data in files.items():
            info = zipfile.ZipInfo(filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def build_manifest(app_id: str, *, name: str, version: str, website: str) -> dict[str, object]:
    """The manifest.json content; raises ValueError for inputs Teams would reject."""
    app_id = (app_id or "").strip()
    if not _GUID.fullmatch(app_id):
        shown = f"{app_id!r} is not a GUID" if app_id else "no app id was given"
        raise ValueError(
            f"A Teams package needs the Azure Bot's Microsoft App ID ({shown}). Pass it via "
            "the MICROSOFT_APP_ID environment variable or --app-id, e.g. "
            "00000000-0000-0000-0000-000000000000."
        )
    if not 1 <= len(name) <= 30:
        raise ValueError(f"The app name must be 1 to 30 characters, got {len(name)}: {name!r}")
    if not _VERSION.fullmatch(version):
        raise ValueError(f"The app version must look like 1.0.0, got {version!r}")
    if not website.startswith("https://"):
        raise ValueError(f"The website must be an https:// URL, got {website!r}")
    website = website.rstrip("/")
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": name,
            "websiteUrl": website,
            "privacyUrl": website + "/privacy",
            "termsOfUseUrl": website + "/terms",
        },
        "name": {"short": name, "full": f"{name} - reverse mentoring"[:100]},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [
                            {"title": title, "description": description}
                            for title, description in _COMMANDS
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


# --- icons -------------------------------------------------------------------------------

Pixel = tuple[int, int, int, int]
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)
# The mark: two overlapping circles, a larger one (the leader) and a smaller one (the
# mentor), as (centre x, centre y, radius) in units of the mark's box.
_CIRCLES = ((0.36, 0.5, 0.26), (0.74, 0.58, 0.18))


def _in_mark(u: float, v: float, ring: float = 0.0) -> bool:
    """Whether point (u, v) of the unit box is on the mark; ``ring`` > 0 draws outlines."""
    for cx, cy, r in _CIRCLES:
        d = ((u - cx) ** 2 + (v - cy) ** 2) ** 0.5
        if d <= r and (not ring or d >= r - ring):
            return True
    return False


def color_icon() -> bytes:
    """192x192 full-colour icon: the white mark on a full-bleed accent background.

    The mark stays inside the central 120x120 safe area Teams recommends.
    """
    accent = (*bytes.fromhex(ACCENT[1:]), 255)

    def pixel(x: int, y: int) -> Pixel:
        return WHITE if _in_mark((x + 0.5 - 36) / 120, (y + 0.5 - 36) / 120) else accent

    return encode_png(192, 192, pixel)


def outline_icon() -> bytes:
    """32x32 outline icon: the mark as white rings on a transparent background."""
    return encode_png(
        32, 32, lambda x, y: WHITE if _in_mark((x + 0.5) / 32, (y + 0.5) / 32, 2 / 32) else CLEAR
    )


def encode_png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """Encode an 8-bit RGBA PNG, asking ``pixel(x, y)`` for each pixel's colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = binascii.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00" + bytes(c for x in range(width) for c in pixel(x, y)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
