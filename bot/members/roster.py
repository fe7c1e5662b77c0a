"""Reading a roster CSV (name, collège, role, contact) into lines and problems."""

from __future__ import annotations

import csv
import io

from bot.core.errors import DomainError
from bot.members.model import Role, RosterLine, RosterProblem, Statutes

MAX_ROSTER_LINES = 5000
MAX_ROSTER_BYTES = 1_000_000
HEADERS = {
    "name": {"name", "nom", "display_name", "prénom nom", "prenom nom"},
    "college": {"college", "collège", "college_key"},
    "role": {"role", "rôle"},
    "contact": {"contact", "email", "e-mail", "courriel", "telephone", "téléphone"},
}
ROLES = {
    "participant": Role.PARTICIPANT,
    "associate": Role.ASSOCIATE,
    "associé": Role.ASSOCIATE,
    "associe": Role.ASSOCIATE,
    "board": Role.BOARD,
    "admin": Role.ADMIN,
    "": Role.ASSOCIATE,
}


def parse_roster(
    content: bytes, statutes: Statutes
) -> tuple[list[RosterLine], list[RosterProblem]]:
    """Read a roster; good lines and problems are returned separately."""
    if len(content) > MAX_ROSTER_BYTES:
        raise DomainError("roster.too_big", {"count": len(content), "max": MAX_ROSTER_BYTES})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError("roster.unreadable") from error
    if not text.strip():
        raise DomainError("roster.empty")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as error:
        raise DomainError("roster.unreadable") from error
    columns = _columns(header)
    lines: list[RosterLine] = []
    problems: list[RosterProblem] = []
    try:
        rows = list(reader)
    except csv.Error as error:
        raise DomainError("roster.unreadable") from error
    if len(rows) > MAX_ROSTER_LINES:
        raise DomainError("roster.too_big", {"count": len(rows), "max": MAX_ROSTER_LINES})
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        line = _line(number, row, columns, statutes)
        if isinstance(line, RosterProblem):
            problems.append(line)
        else:
            lines.append(line)
    if not lines and not problems:
        raise DomainError("roster.empty")
    return lines, problems


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for field, names in HEADERS.items():
        for index, cell in enumerate(header):
            if cell in names:
                columns[field] = index
                break
    for required in ("name", "college"):
        if required not in columns:
            raise DomainError("roster.missing_column", {"column": required})
    return columns


def _cell(row: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _line(
    number: int, row: list[str], columns: dict[str, int], statutes: Statutes
) -> RosterLine | RosterProblem:
    name = _cell(row, columns, "name")
    if not name:
        return RosterProblem(number, "roster.line_no_name")
    if len(name) > 80 or not name.isprintable():
        return RosterProblem(number, "roster.line_bad_name")
    college = _cell(row, columns, "college").lower() or None
    if college is not None and not statutes.has_college(college):
        return RosterProblem(number, "roster.line_unknown_college", {"college": college[:40]})
    role = ROLES.get(_cell(row, columns, "role").lower())
    if role is None:
        return RosterProblem(
            number, "roster.line_bad_role", {"role": _cell(row, columns, "role")[:40]}
        )
    if role is Role.ASSOCIATE and college is None:
        return RosterProblem(number, "roster.line_no_college")
    contact = _cell(row, columns, "contact")[:200] or None
    return RosterLine(number, name, college, role, contact)
