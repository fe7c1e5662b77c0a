"""benchmarks/RESULTS.md: each script appends its block at the end of its section."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def append_block(section: str, block: str, results: Path = RESULTS) -> None:
    """Append `block` at the end of the "## {section}" section (created at the end of the
    file when missing), one blank line between blocks and before the next section."""
    text = results.read_text("utf-8") if results.exists() else "# Benchmark results\n"
    heading = f"\n## {section}\n"
    if heading not in text:
        text = text.rstrip("\n") + "\n" + heading
    start = text.index(heading) + len(heading)
    following = text.find("\n## ", start)
    end = len(text) if following == -1 else following + 1
    previous = text[start:end].strip("\n")
    body = "\n" + (previous + "\n\n" if previous else "") + block.strip("\n") + "\n"
    rest = text[end:].lstrip("\n")
    results.write_text(text[:start] + body + ("\n" + rest if rest else ""), "utf-8")
