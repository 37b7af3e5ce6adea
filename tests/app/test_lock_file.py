"""requirements.lock, which the Docker image installs with --require-hashes, keeps up with
pyproject.toml: every dependency pinned at a version its specifier admits, every pin hashed.
Offline: it reads the two files and the installed packages' own metadata."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent.parent
LOCK = ROOT / "requirements.lock"
REGENERATE = (
    "regenerate it: uv pip compile pyproject.toml --generate-hashes --python-version 3.11"
    " --python-platform linux -o requirements.lock"
)


def dependencies() -> list[Requirement]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    return [Requirement(line) for line in project["dependencies"]]


def pins() -> dict[str, tuple[Version, list[str]]]:
    """name -> (version, hashes), from the lock's entries (continued lines joined)."""
    entries = LOCK.read_text().replace("\\\n", " ").splitlines()
    found: dict[str, tuple[Version, list[str]]] = {}
    for entry in entries:
        words = entry.split("#", 1)[0].split()
        if not words:
            continue
        requirement = Requirement(words[0])
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{words[0]} is not pinned; {REGENERATE}"
        hashes = [word for word in words[1:] if word.startswith("--hash=sha256:")]
        found[canonicalize_name(requirement.name)] = (Version(specifier.version), hashes)
    return found


def test_every_pin_has_a_hash() -> None:
    for name, (_, hashes) in pins().items():
        assert hashes, f"{name} has no hash in {LOCK.name}; {REGENERATE}"


def test_every_dependency_is_pinned_at_a_version_it_admits() -> None:
    locked = pins()
    for requirement in dependencies():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is missing from {LOCK.name}; {REGENERATE}"
        version = locked[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} in {LOCK.name} is not {requirement.specifier}; {REGENERATE}"
        )


def test_the_extras_asked_for_are_pinned_too() -> None:
    """uvicorn[standard]: what the extra brings (on Linux, as in the image) is in the lock."""
    locked = pins()
    environment = {"sys_platform": "linux", "platform_system": "Linux", "python_version": "3.11"}
    for requirement in dependencies():
        for extra in requirement.extras:
            for line in metadata.requires(requirement.name) or []:
                brought = Requirement(line)
                marker = brought.marker
                if marker is None or not marker.evaluate({**environment, "extra": extra}):
                    continue
                if marker.evaluate({**environment, "extra": ""}):
                    continue  # not the extra's: the package's own, checked by the resolver
                name = canonicalize_name(brought.name)
                assert name in locked, f"{name} ({requirement.name}[{extra}]) is not locked"
