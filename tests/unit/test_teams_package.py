"""The Teams app package is a valid upload: manifest fields, command limits and icon rules."""

import io
import json
import struct
import zipfile
import zlib

import pytest

from adapters.teams import package
from bot.routes import COMMANDS

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
TITLES = {
    "help",
    "me",
    "join",
    "end",
    "forget-me",
    "status",
    "match",
    "pair",
    "program",
    "export",
}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def read_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """A tiny PNG reader for 8-bit RGB/RGBA, filter-0 images: returns width, height, pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    chunks: list[tuple[bytes, bytes]] = []
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and interlace == 0
    assert colour in (2, 6), "colour type must be RGB or RGBA"
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 1 + width * channels
    assert len(raw) == height * stride
    pixels = []
    for y in range(height):
        row = raw[y * stride : (y + 1) * stride]
        assert row[0] == 0, "reader handles filter type 0 only"
        pixels += [tuple(row[i : i + channels]) for i in range(1, stride, channels)]
    return width, height, pixels


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return unzip(package.build_package(APP_ID))


@pytest.fixture(scope="module")
def manifest(files: dict[str, bytes]) -> dict:
    return json.loads(files["manifest.json"])


def test_zip_holds_exactly_the_manifest_and_two_icons_at_its_root(files):
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]


def test_manifest_has_the_required_fields(manifest):
    assert manifest["$schema"].endswith("/teams/v1.17/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == "1.17"
    assert manifest["version"] == "1.0.0"
    assert "packageName" not in manifest
    developer = manifest["developer"]
    assert developer["name"]
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert developer[key].startswith("https://github.com/mentorbot/mentorbot")
    assert developer["privacyUrl"].endswith("/privacy")
    assert 0 < len(manifest["name"]["short"]) <= 30 and manifest["name"]["full"]
    assert 0 < len(manifest["description"]["short"]) <= 80
    assert 0 < len(manifest["description"]["full"]) <= 4000
    assert "reverse mentoring" in manifest["description"]["full"].lower()
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["accentColor"] == "#4F6BED"
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert manifest["validDomains"] == []


def test_manifest_and_bot_ids_are_the_app_id(manifest):
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal"]
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False


def test_commands_are_listed_within_teams_limits(manifest):
    [command_list] = manifest["bots"][0]["commandLists"]
    assert command_list["scopes"] == ["personal"]
    listed = command_list["commands"]
    assert {c["title"] for c in listed} == TITLES
    assert [(c["title"], c["description"]) for c in listed] == package.commands()
    assert len(listed) <= 10
    assert set(COMMANDS) >= TITLES, "every listed command is one the engine knows"
    for command in listed:
        assert 0 < len(command["title"]) <= 32
        assert 0 < len(command["description"]) <= 128


def test_name_version_and_website_are_used(files):
    manifest = json.loads(
        unzip(
            package.build_package(APP_ID, name="Mentors", version="2.3.4", website="https://x.org/")
        )["manifest.json"]
    )
    assert manifest["name"]["short"] == "Mentors" and manifest["version"] == "2.3.4"
    assert manifest["developer"]["termsOfUseUrl"] == "https://x.org/terms"


def test_color_icon_is_192_square_and_not_one_flat_colour(files):
    width, height, pixels = read_png(files["color.png"])
    assert (width, height) == (192, 192)
    assert len(set(pixels)) > 1
    assert (0x4F, 0x6B, 0xED) in {p[:3] for p in pixels}


def test_outline_icon_is_32_square_and_only_white_or_transparent(files):
    width, height, pixels = read_png(files["outline.png"])
    assert (width, height) == (32, 32)
    assert len(pixels[0]) == 4, "outline must carry an alpha channel"
    for pixel in pixels:
        assert pixel[3] == 0 or pixel == (255, 255, 255, 255), pixel
    assert any(p[3] == 255 for p in pixels) and any(p[3] == 0 for p in pixels)


def test_the_package_is_reproducible():
    assert package.build_package(APP_ID) == package.build_package(APP_ID)


@pytest.mark.parametrize(
    "app_id", ["", "   ", "not-a-guid", "3f2504e0-4f89-11d3-9a0c-0305e82c330", "{" + APP_ID + "}"]
)
def test_a_missing_or_bad_app_id_is_refused_with_a_hint(app_id):
    with pytest.raises(ValueError, match="MICROSOFT_APP_ID") as error:
        package.build_package(app_id)
    assert "--app-id" in str(error.value)


@pytest.mark.parametrize(
    "options", [{"name": "x" * 31}, {"version": "1.0"}, {"website": "http://example.com"}]
)
def test_other_bad_inputs_are_refused(options):
    with pytest.raises(ValueError):
        package.build_package(APP_ID, **options)
