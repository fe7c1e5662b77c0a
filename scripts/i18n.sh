#!/usr/bin/env bash
# Translation workflow: extract messages from bot/, update the fr and en catalogs, compile.
#   scripts/i18n.sh          extract + update (then translate the new entries in fr/.../messages.po)
#   scripts/i18n.sh compile  compile .po -> .mo (Parvis also does this at start-up)
set -euo pipefail
cd "$(dirname "$0")/.."
LOCALES=bot/i18n/locales
run() { if [ -x .venv/bin/pybabel ]; then .venv/bin/pybabel "$@"; else uv run pybabel "$@"; fi; }
if [ "${1:-}" = "compile" ]; then
  run -q compile -d "$LOCALES" --statistics
  exit 0
fi
run -q extract -F pyproject.toml -k _ -k N_ -k t -k ctx.t -k plural:1,2 -k t.plural:1,2 \
  --add-comments=Translators: --no-location --sort-output \
  --project=Parvis --copyright-holder="Parvis contributors" \
  -o "$LOCALES/messages.pot" bot
for lang in fr en; do
  if [ -f "$LOCALES/$lang/LC_MESSAGES/messages.po" ]; then
    run -q update -i "$LOCALES/messages.pot" -d "$LOCALES" -l "$lang" --no-fuzzy-matching \
      --ignore-obsolete
  else
    run -q init -i "$LOCALES/messages.pot" -d "$LOCALES" -l "$lang"
  fi
done
echo "catalogs updated; translate empty msgstr entries in $LOCALES/fr/LC_MESSAGES/messages.po"
