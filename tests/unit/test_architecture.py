"""Dependency rules of ARCHITECTURE.md, checked on the source (AST), not hoped for."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
PURE = [
    "core",
    "members/model.py",
    "polls/model.py",
    "polls/answers.py",
    "polls/secrecy.py",
    "polls/questions.py",
    "polls/tally",
    "platforms/ports.py",
    "platforms/actions.py",
    "scheduling/model.py",
    "scheduling/quiet_hours.py",
    "scheduling/digests.py",
    "scheduling/preferences.py",
]
PLATFORM_SDKS = {"telegram", "nio"}
IO_MODULES = {
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "alembic",
    "telegram",
    "nio",
    "aiohttp",
    "httpx",
    "asyncio",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _files(relative: str) -> list[Path]:
    target = BOT / relative
    if target.is_dir():
        return sorted(target.rglob("*.py"))
    return [target] if target.exists() else []


def test_only_platform_adapters_import_platform_sdks() -> None:
    offenders = [
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if "platforms" not in path.relative_to(BOT).parts[:1] and _imports(path) & PLATFORM_SDKS
    ]
    owner = {"telegram": "telegram", "nio": "matrix"}
    offenders += [
        str(path.relative_to(BOT))
        for path in (BOT / "platforms").rglob("*.py")
        for sdk in _imports(path) & PLATFORM_SDKS
        if owner[sdk] not in path.relative_to(BOT).parts
    ]
    assert not offenders


def test_pure_packages_do_no_io() -> None:
    checked = 0
    for relative in PURE:
        for path in _files(relative):
            checked += 1
            bad = _imports(path) & IO_MODULES
            assert not bad, f"{path.relative_to(BOT)} imports {bad}"
    assert checked >= 5


def test_handlers_and_rendering_import_no_platform_sdk() -> None:
    for folder in ("handlers", "rendering"):
        for path in _files(folder):
            assert not _imports(path) & PLATFORM_SDKS, path
