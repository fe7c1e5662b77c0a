"""config/example.env documents every setting."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from bot.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example.env"


def _variables(model: type[BaseModel], prefix: str) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _variables(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_documented() -> None:
    text = EXAMPLE.read_text("utf-8")
    missing = [name for name in _variables(Settings, "PARVIS_") if name not in text]
    assert not missing
