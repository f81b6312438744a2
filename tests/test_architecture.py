"""House rules: the engine stays platform- and storage-neutral, and takes time from a clock."""

import ast
from pathlib import Path

import pytest

from bot.domain import prompts

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


def test_every_prompt_key_used_in_code_exists():
    import re

    used = set()
    for path in BOT_FILES:
        used |= set(re.findall(r'prompts\.text\(\s*"([a-z_.]+)"', path.read_text()))
    assert used, "the engine takes its words from prompts/"
    for key in used:
        node = prompts._load("messages.toml")
        for part in key.split("."):
            assert part in node, f"prompts/messages.toml has no {key}"
            node = node[part]


# --- the layout (docs/architecture.md) ------------------------------------------------------------
# The floors, bottom up: each subsystem may import from itself and from the ones listed (the
# floors below it). The engine's front door (engine, router, routes, context) joins them:
# flows and calendar stand on the context and the router. bot.domain.kinds, the registry
# everything queues through, imports nothing of the engine.
#   1 domain    records, events, messages, ids, ports, clock, prompts, kinds and keys
#   2 policy    rules that need no database: hours, cadence, agendas, matching, visibility
#   3 outbox    the queue a unit of work writes to (Context.outbox)
#   4 calendar, flows   what people do, and the words for it
#   5 data      files in and out (export, rosters, the pool)
#   6 sending   planning, composing (COMPOSERS) and delivering, the digest, housekeeping
LAYERS = {
    "domain": {"domain"},
    "policy": {"domain", "policy"},
    "outbox": {"domain", "policy", "outbox"},
    "calendar": {"domain", "policy", "calendar", "context", "router"},
    "flows": {"domain", "policy", "calendar", "flows", "context", "router"},
    "data": {"domain", "policy", "data", "calendar", "flows", "context", "router"},
    "sending": {"domain", "policy", "outbox", "calendar", "flows", "sending", "context"},
}
FRONT = {"engine", "router", "routes", "context", "__init__"}


def _bot_imports(path: Path) -> set[str]:
    """The bot modules `path` imports, as dotted names below bot ("flows.sessions"); imports
    for type checking only are not dependencies."""
    found = set()
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
            module = node.module.removeprefix("bot").lstrip(".")
            names = [a.name for a in node.names]
            found |= {f"{module}.{n}".strip(".") for n in names} if module in LAYERS else {module}
    return {name for name in found if name}


def _allowed(imported: str, allowed: set[str]) -> bool:
    return any(imported == a or imported.startswith(a + ".") for a in allowed)


def test_bot_is_grouped_into_subsystems():
    top = {p.stem for p in (ROOT / "bot").glob("*.py")}
    assert top == FRONT, f"modules outside a subsystem: {sorted(top - FRONT)}"
    packages = {p.name for p in (ROOT / "bot").iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


@pytest.mark.parametrize(
    "path",
    [p for p in BOT_FILES if p.parent.name in LAYERS],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_each_subsystem_imports_only_what_sits_below_it(path):
    allowed = LAYERS[path.parent.name]
    if path.name == "kinds.py":
        allowed = set()
    wrong = sorted(m for m in _bot_imports(path) if not _allowed(m, allowed))
    assert not wrong, f"{path.parent.name}/{path.name} imports {wrong}"


# --- the tests themselves ---------------------------------------------------------------------------
TEST_FILES = sorted((ROOT / "tests").rglob("test_*.py"))


def _imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, by its dotted name (`from a import b` counts as both `a` and
    `a.b`, since b may be a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_no_test_module_imports_another_test_module():
    """Shared steps and data live in support modules, so each is written once (issue 26)."""
    wrong = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_modules(path) if m.split(".")[-1].startswith("test_")
        )
        for path in TEST_FILES
    }
    wrong = {path: modules for path, modules in wrong.items() if modules}
    assert not wrong, f"test modules importing test modules: {wrong}"
