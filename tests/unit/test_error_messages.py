"""Every error key raised in the code has a message (no person ever reads a raw key)."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.i18n.errors import _all_messages

BOT = Path(__file__).resolve().parents[1].parent / "bot"
RAISERS = {"DomainError", "PermissionDenied", "NotFound"}


def _raised_keys() -> set[str]:
    keys: set[str] = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in RAISERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                keys.add(node.args[0].value)
    return keys


def test_every_raised_key_has_a_message() -> None:
    keys = _raised_keys()
    assert len(keys) > 40
    missing = sorted(keys - set(_all_messages()))
    assert not missing
