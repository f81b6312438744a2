"""The hashed lock files match pyproject.toml, and the image and CI install exactly from them.

requirements.lock is what the Docker image installs; requirements-dev.lock (the same pins plus
the `dev` extra) is what CI installs before it runs the tests. Both are written by pip-compile;
the command that regenerates each is in its header and in the README. No network is needed.
"""

import re
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME_LOCK = "requirements.lock"
DEV_LOCK = "requirements-dev.lock"
# aiohttp releases before this one lack the 2025-2026 request-smuggling fixes (issue 13).
AIOHTTP_FLOOR = Version("3.14.3")
HASH = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Pin:
    """One locked package: its exact version and the hashes pip must accept for it."""

    version: Version
    hashes: frozenset[str]


def required(lock: str) -> list[Requirement]:
    """What pyproject.toml asks of a lock: build requirements, dependencies, and dev for CI.

    Build requirements belong in both locks because the image and CI build the project with
    `--no-build-isolation`, from setuptools and wheel installed out of the lock.
    """
    project = PYPROJECT["project"]
    lines = PYPROJECT["build-system"]["requires"] + project["dependencies"]
    if lock == DEV_LOCK:
        lines = lines + project["optional-dependencies"]["dev"]
    reqs = [Requirement(line) for line in lines]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({"extra": "dev"})]


def parse_lock(text: str) -> tuple[dict[str, Pin], list[str]]:
    """Read a pip-compile lock into pins by canonical name, and the problems found on the way."""
    pins: dict[str, Pin] = {}
    problems = []
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        spec, *hashes = re.split(r"\s+--hash=", line)
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            problems.append(f"not a requirement: {line[:80]}")
            continue
        name = canonicalize_name(req.name)
        exact = [s for s in req.specifier if s.operator == "==" and "*" not in s.version]
        if len(exact) != 1 or len(req.specifier) != 1:
            problems.append(f"{name} is not pinned to one version: {spec}")
            continue
        try:
            version = Version(exact[0].version)
        except InvalidVersion:
            problems.append(f"{name} has no valid version: {spec}")
            continue
        if not hashes or not all(HASH.fullmatch(h) for h in hashes):
            problems.append(f"{name}=={version} has no sha256 hash")
        if name in pins:
            problems.append(f"{name} is pinned twice")
        pins[name] = Pin(version, frozenset(hashes))
    return pins, problems


def lock_problems(text: str, lock: str) -> list[str]:
    """Everything that makes a lock disagree with pyproject.toml; empty when it matches."""
    pins, problems = parse_lock(text)
    for req in required(lock):
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req} is in pyproject.toml but not in {lock}")
        elif not req.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{lock} pins {req.name}=={pin.version}, pyproject.toml says {req}")
    aiohttp = pins.get("aiohttp")
    if aiohttp is not None and aiohttp.version < AIOHTTP_FLOOR:
        problems.append(f"aiohttp=={aiohttp.version} is below {AIOHTTP_FLOOR}")
    return problems


def read(name: str) -> str:
    return (ROOT / name).read_text()


def header_command(text: str) -> str:
    """The pip-compile command line that pip-compile wrote into a lock's header."""
    found = re.search(r"^#\s+(pip-compile .+)$", text[:2000], re.MULTILINE)
    assert found, "the lock header names no pip-compile command"
    return found.group(1).strip()


def pip_installs(script: str) -> list[str]:
    """Every `pip install` command in a shell script or Dockerfile, continuation lines joined."""
    joined = script.replace("\\\n", " ")
    lines = [line.split("#", 1)[0] for line in joined.splitlines()]
    return [cmd.strip() for line in lines for cmd in line.split("&&") if "pip install" in cmd]


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK])
def test_lock_pins_every_requirement_with_a_hash_and_a_version_pyproject_allows(lock):
    assert lock_problems(read(lock), lock) == []


def test_runtime_and_dev_locks_pin_the_same_version_of_every_shared_package():
    runtime, _ = parse_lock(read(RUNTIME_LOCK))
    dev, _ = parse_lock(read(DEV_LOCK))
    differ = {name: (runtime[name], dev[name]) for name in runtime.keys() & dev.keys()}
    assert {name: pins for name, pins in differ.items() if pins[0] != pins[1]} == {}
    assert runtime.keys() <= dev.keys(), "CI must test every package the image installs"


def test_aiohttp_is_locked_with_the_request_smuggling_fixes():
    (aiohttp,) = [r for r in required(RUNTIME_LOCK) if r.name == "aiohttp"]
    assert not aiohttp.specifier.contains("3.14.2"), "pyproject.toml's aiohttp floor is too low"
    for lock in (RUNTIME_LOCK, DEV_LOCK):
        pins, _ = parse_lock(read(lock))
        assert pins["aiohttp"].version >= AIOHTTP_FLOOR


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK])
def test_lock_header_names_the_command_that_regenerates_it(lock):
    text = read(lock)
    command = header_command(text)
    assert "autogenerated by pip-compile with Python 3.11" in text[:500]
    assert "--generate-hashes" in command.split()
    assert f"--output-file={lock}" in command.split()
    assert command.endswith(" pyproject.toml")
    assert ("--extra=dev" in command.split()) == (lock == DEV_LOCK)
    assert command in read("README.md"), "the README shows the regenerate command"


def test_docker_image_installs_only_the_hashed_runtime_lock_and_the_project():
    dockerfile = read("Dockerfile")
    assert re.search(rf"^COPY .*\b{re.escape(RUNTIME_LOCK)}\b", dockerfile, re.MULTILINE)
    installs = pip_installs(dockerfile)
    assert any(f"--require-hashes -r {RUNTIME_LOCK}" in cmd for cmd in installs)
    for cmd in installs:
        assert "--require-hashes" in cmd or "--no-deps" in cmd, cmd
    excluded = False  # .dockerignore: the last pattern that matches decides
    for line in read(".dockerignore").splitlines():
        pattern = line.strip()
        if pattern and not pattern.startswith("#"):
            bare = pattern.lstrip("!").removeprefix("/").removeprefix("**/")
            if fnmatch(RUNTIME_LOCK, bare):
                excluded = not pattern.startswith("!")
    assert not excluded, f".dockerignore keeps {RUNTIME_LOCK} out of the build context"


def test_docker_base_image_is_pinned_by_digest_with_its_tag_in_a_comment():
    dockerfile = read("Dockerfile")
    [base] = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    image, _, digest = base.partition("@")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), base
    before = dockerfile[: dockerfile.index("FROM ")]
    assert re.search(rf"^# {re.escape(image)} \(Python 3\.11\.\d+", before, re.MULTILINE), before


def test_ci_installs_the_hashed_dev_lock_then_the_project_and_checks_it():
    script = read(".ci/run")
    installs = pip_installs(script)
    assert any(f"--require-hashes -r {DEV_LOCK}" in cmd for cmd in installs)
    assert any("--no-deps" in cmd and cmd.endswith("-e .") for cmd in installs)
    for cmd in installs:
        assert "--require-hashes" in cmd or "--no-deps" in cmd, cmd
    assert re.search(r"^pip check$", script, re.MULTILINE)


def _drop_block(text: str, name: str) -> str:
    return re.sub(rf"^{name}==.*?(?=^\S)", "", text, count=1, flags=re.MULTILINE | re.DOTALL)


MUTATIONS = {
    "loosened": (lambda t: re.sub(r"^aiohttp==", "aiohttp>=", t, flags=re.M), "not pinned"),
    "out of range": (
        lambda t: re.sub(r"^slack-bolt==\S+", "slack-bolt==2.0.0", t, flags=re.M),
        "pyproject.toml says slack-bolt",
    ),
    "below the floor": (
        lambda t: re.sub(r"^aiohttp==\S+", "aiohttp==3.14.2", t, flags=re.M),
        "below 3.14.3",
    ),
    "missing": (lambda t: _drop_block(t, "pyyaml"), "not in requirements.lock"),
    "unhashed": (
        lambda t: re.sub(r"^(tzdata==\S+) \\\n(\s+--hash=\S+( \\\n)?)+", r"\1\n", t, flags=re.M),
        "tzdata==",
    ),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_loosened_altered_missing_or_unhashed_pin_is_reported(mutation):
    change, expected = MUTATIONS[mutation]
    text = read(RUNTIME_LOCK)
    changed = change(text)
    assert changed != text, "the mutation found nothing to change in the lock"
    problems = lock_problems(changed, RUNTIME_LOCK)
    assert any(expected in p for p in problems), problems
