"""Todoist's CSV export (a project's "Export as a template" file), read into an import plan.

Columns: TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, AUTHOR, RESPONSIBLE, DATE, DATE_LANG, TIMEZONE,
DURATION, DURATION_UNIT, DEADLINE, DEADLINE_LANG. Only TYPE and CONTENT are required; the others may be
missing or empty. What each becomes (README, "Import"):

- `task` rows are tasks. CONTENT is the title; its `@labels` become tags. INDENT 1 is a top-level task,
  INDENT n+1 a subtask of the nearest task above it at INDENT n.
- `section` rows name the section of the tasks below them: the name (clipped to 32 characters) becomes a
  tag of each of those tasks (we have no sections).
- `note` rows are comments on the task above: appended to its description ("Note: ..."). A note before
  any task of its section is a project comment: skipped and counted.
- PRIORITY is Todoist's CSV numbering, where 1 is p1, the most urgent: 1 -> urgent, 2 -> high, 3 and 4
  (p4 is Todoist's default, "no priority") -> normal.
- DATE: ISO dates (`2026-12-05`, `2026-12-05 17:00`, with or without an offset) and the English phrases our
  assistant reads ("tomorrow 5pm", "Dec 5", "next Friday"), in TIMEZONE (an IANA name) or else the user's
  zone; a date without a time is 23:59 that day. A repeating date ("every monday") becomes its next
  occurrence, and the Todoist text is kept in the description (we have no repetition yet). Any other text
  is a 422 naming the line.
- DEADLINE (`YYYY-MM-DD`) is the due date when DATE is empty; otherwise it is noted in the description.
- DURATION with DURATION_UNIT `minute` (default) or `day` is the estimate, in minutes.
- AUTHOR, RESPONSIBLE, DATE_LANG and DEADLINE_LANG are not kept. `meta` rows and blank lines are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from taskagent.agents.offline.dates import END_OF_DAY, parse_date
from taskagent.errors import InvalidRequest
from taskagent.imports.plan import MAX_IMPORT_TASKS, ImportPlan, PlannedTask, TooManyTasksError, decode
from taskagent.imports.schemas import ImportedTask
from taskagent.tasks.models import TaskPriority
from taskagent.tasks.schemas import storable_text

REQUIRED_COLUMNS = ("TYPE", "CONTENT")
PRIORITIES = {"1": TaskPriority.urgent, "2": TaskPriority.high, "3": TaskPriority.normal}
PRIORITIES |= {"4": TaskPriority.normal, "": TaskPriority.normal}
MAX_TAG = 32
MAX_DESCRIPTION = 10_000
MINUTES_PER_UNIT = {"": 1, "minute": 1, "minutes": 1, "day": 24 * 60, "days": 24 * 60}
_LABEL = re.compile(r"(?<!\S)@([^\s@]+)")
_REPEATING = re.compile(r"^(every|ev)(!|\s)", re.IGNORECASE)
# Which column each field of a task comes from, to name it in a 422.
_COLUMN_OF = {
    "title": "CONTENT",
    "tags": "CONTENT",
    "description": "DESCRIPTION",
    "due_date": "DATE",
    "estimate_minutes": "DURATION",
    "priority": "PRIORITY",
}


class _LineError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def read_todoist(body: bytes, user_zone: ZoneInfo, now: datetime) -> ImportPlan:
    """The tasks of a Todoist CSV export; any problem is a 422 naming the line and column
    (`["body", "line", 7, "PRIORITY"]`, lines counted from 1, the header included)."""
    # Windows line ends, also inside quoted cells (a description's line breaks), become plain ones.
    text = decode(body).replace("\r\n", "\n")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    plan = ImportPlan([])
    # The tasks above this line at each indent (the last one at INDENT n is at index n - 1).
    indents: list[int] = []
    section: str | None = None
    note_target: int | None = None
    line = 1
    try:
        for cells in reader:
            first_line, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells)
                continue
            row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
            kind = row.get("TYPE", "").lower()
            try:
                if kind == "task":
                    if len(plan.tasks) >= MAX_IMPORT_TASKS:
                        raise TooManyTasksError
                    task, indent = _task(row, section, user_zone, now)
                    if indent > len(indents) + 1:
                        raise _LineError(
                            "INDENT",
                            f"INDENT {indent} follows a task at INDENT {len(indents)}: a subtask sits one "
                            "indent below the task above it",
                        )
                    task.parent = indents[indent - 2] if indent > 1 else None
                    indents = [*indents[: indent - 1], len(plan.tasks)]
                    note_target = len(plan.tasks)
                    plan.tasks.append(task)
                elif kind == "section":
                    section = _section_tag(row.get("CONTENT", ""))
                    indents, note_target = [], None
                elif kind == "note":
                    if note_target is None:
                        plan.skipped.notes += 1
                    else:
                        _add_note(plan.tasks[note_target], row.get("CONTENT", ""))
                elif kind == "meta":
                    continue
                else:
                    raise _LineError("TYPE", "TYPE must be task, section or note")
            except _LineError as error:
                raise InvalidRequest.at(
                    ("body", "line", first_line, error.column), f"line {first_line}: {error.message}"
                ) from None
    except csv.Error as exc:
        raise InvalidRequest.at(
            ("body", "line", line), f"line {line}: not valid CSV ({exc})", "csv_invalid"
        ) from None
    if header is None:
        raise _not_todoist("the file is empty")
    return plan


def _not_todoist(why: str) -> InvalidRequest:
    return InvalidRequest.at(
        ("body", "line", 1),
        f"not a Todoist CSV export: {why} (its first line names the columns TYPE,CONTENT,...; "
        "our own JSON export needs format=json)",
        "import_format",
    )


def _header(cells: list[str]) -> list[str]:
    header = [cell.strip().upper() for cell in cells]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise _not_todoist(f"no {' or '.join(missing)} column")
    return header


def _task(
    row: dict[str, str], section: str | None, user_zone: ZoneInfo, now: datetime
) -> tuple[PlannedTask, int]:
    content = row.get("CONTENT", "")
    labels = _LABEL.findall(content)
    title = re.sub(r"\s+", " ", _LABEL.sub(" ", content)).strip()
    description = row.get("DESCRIPTION", "") or None
    zone = _zone(row.get("TIMEZONE", ""), user_zone)
    due, note = _due(row.get("DATE", ""), zone, now)
    deadline = _deadline(row.get("DEADLINE", ""), zone)
    if deadline is not None:
        if due is None:
            due = deadline
        else:
            note = "\n".join(filter(None, [note, f"Deadline: {row['DEADLINE']}"]))
    if note:
        description = f"{description}\n\n{note}" if description else note
    priority = PRIORITIES.get(row.get("PRIORITY", ""))
    if priority is None:
        raise _LineError("PRIORITY", "PRIORITY must be 1 (p1, the most urgent) to 4")
    fields: dict[str, Any] = {
        "title": title,
        "description": description,
        "priority": priority,
        "due_date": due,
        "tags": [*labels, *([section] if section else [])],
        "estimate_minutes": _estimate(row.get("DURATION", ""), row.get("DURATION_UNIT", "")),
    }
    try:
        checked = ImportedTask.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        field = str(error["loc"][0]) if error["loc"] else "title"
        what = "the title (CONTENT without its @labels)" if field == "title" else f"{field}"
        raise _LineError(_COLUMN_OF.get(field, "CONTENT"), f"{what}: {error['msg']}") from None
    indent_text = row.get("INDENT", "") or "1"
    if not indent_text.isdigit() or not 1 <= int(indent_text) <= 100:
        raise _LineError("INDENT", "INDENT must be a whole number from 1 (a top-level task)")
    task = PlannedTask(
        title=checked.title,
        description=checked.description,
        priority=checked.priority,
        due_date=checked.due_date,
        tags=list(checked.tags),
        estimate_minutes=checked.estimate_minutes,
    )
    return task, int(indent_text)


def _section_tag(name: str) -> str | None:
    tag = re.sub(r"\s+", " ", name).strip()[:MAX_TAG].strip()
    try:
        return storable_text(tag) or None
    except ValueError:
        raise _LineError("CONTENT", "the section name holds a NUL character") from None


def _add_note(task: PlannedTask, content: str) -> None:
    if not content:
        return
    description = f"{task.description}\n\nNote: {content}" if task.description else f"Note: {content}"
    if len(description) > MAX_DESCRIPTION:
        raise _LineError(
            "CONTENT", f"the task's description with its notes would be over {MAX_DESCRIPTION:,} characters"
        )
    if "\x00" in content:
        raise _LineError("CONTENT", "text cannot contain the NUL character")
    task.description = description


def _zone(name: str, user_zone: ZoneInfo) -> ZoneInfo:
    if not name:
        return user_zone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _LineError(
            "TIMEZONE", f"unknown time zone {name[:64]!r} (an IANA name, such as Europe/Paris)"
        ) from None


def _iso(text: str, zone: ZoneInfo) -> datetime | None:
    """`2026-12-05` (23:59 that day), `2026-12-05 17:00` or `2026-12-05T17:00:00Z`, in `zone` when
    no offset is given; None for any other text."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?", text):
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), END_OF_DAY, tzinfo=zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _due(text: str, zone: ZoneInfo, now: datetime) -> tuple[datetime | None, str | None]:
    """The due date a DATE cell names, and a line for the description when the date repeats."""
    if not text:
        return None, None
    moment = _iso(text, zone)
    if moment is not None:
        return moment, None
    found = parse_date(text, now.astimezone(zone))
    if _REPEATING.match(text):
        return found, f"Repeats (in Todoist): {text}"
    if found is None:
        raise _LineError(
            "DATE", f"cannot read the date {text[:64]!r}; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM"
        )
    return found, None


def _deadline(text: str, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _LineError("DEADLINE", "DEADLINE must be a date, YYYY-MM-DD") from None
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)


def _estimate(amount: str, unit: str) -> int | None:
    if not amount:
        return None
    per_unit = MINUTES_PER_UNIT.get(unit.lower())
    if per_unit is None:
        raise _LineError("DURATION_UNIT", "DURATION_UNIT must be minute or day")
    if not amount.isdigit():
        raise _LineError("DURATION", "DURATION must be a whole number")
    return int(amount) * per_unit
