"""Merge translations into a catalog: `python scripts/po_fill.py fr translations.json`.

The JSON maps an English msgid to its translation (a list of forms for plurals). For the
English catalog (the source language), `python scripts/po_fill.py en` copies msgids.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "bot" / "i18n" / "locales"


def main(language: str, source: str | None) -> int:
    """Fill empty entries; report what is still missing."""
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    table = json.loads(Path(source).read_text("utf-8")) if source else {}
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if language == "en":
            message.string = message.id
            message.flags.discard("fuzzy")
            continue
        if key in table:
            value = table[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
        if not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(key)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=99, omit_header=False, sort_output=True)
    for key in missing:
        print(f"missing: {key!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
