"""House rules: the engine stays platform- and storage-neutral, and takes time from a clock."""

import ast
from pathlib import Path

import pytest

from bot import copy

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"slack_bolt", "slack_sdk", "botbuilder", "aiohttp", "sqlalchemy"}
BOT_FILES = sorted((ROOT / "bot").rglob("*.py"))


@pytest.mark.parametrize("path", BOT_FILES, ids=lambda p: p.name)
def test_bot_imports_no_platform_or_storage_library(path):
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN


@pytest.mark.parametrize(
    "path", [p for p in BOT_FILES if p.name != "clock.py"], ids=lambda p: p.name
)
def test_engine_takes_time_from_the_clock(path):
    source = path.read_text()
    assert "datetime.now(" not in source and "utcnow(" not in source and "time.time(" not in source


def test_every_copy_key_used_in_code_exists():
    import re

    used = set()
    for path in BOT_FILES:
        used |= set(re.findall(r'copy\.text\(\s*"([a-z_.]+)"', path.read_text()))
    assert used, "the engine takes its words from prompts/"
    for key in used:
        node = copy._load("messages.toml")
        for part in key.split("."):
            assert part in node, f"prompts/messages.toml has no {key}"
            node = node[part]
