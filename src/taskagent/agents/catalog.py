"""The specialists, defined without code: a TOML file (`SPECIALISTS_FILE`, else the built-in
`specialists.toml` next to this module), checked at start-up with problems named by line.

    catalog = load_catalog(path)        # None: the built-in file; SpecialistsFileError names every problem
    catalog.specialists                 # the enabled ones, in the file's order
    catalog.get("incident")             # None when unknown or turned off (`enabled = false`)
    catalog.default                     # where a request that fits none goes

A file is the whole set: `default = "<id>"` at the top, then one `[[specialists]]` table each with `id`,
`name`, `description`, `instructions`, `tools` (names of task tools), `examples` (requests it should
receive) and `answer`: `builtin:<kind>` (the offline engine's own scheduler, breakdown or blocker answer)
or a template for the offline engine with the placeholders of `PLACEHOLDERS`. Optional: `enabled`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from taskagent.agents.tools import ALL_TOOLS
from taskagent.config import ConfigurationError

DEFAULT_FILE = Path(__file__).with_name("specialists.toml")
BUILTIN_ANSWERS = ("scheduler", "breakdown", "blocker")
RESERVED_IDS = ("triage", "task_manager")
RESERVED_NAMES = ("Triage Agent", "Task Manager")
# Every task tool a specialist may be given (agents/tools.py; architecture.md's contract).
TOOL_NAMES = tuple(ALL_TOOLS)
# A template's placeholders and the tool whose result fills them (the offline engine calls only the tools a
# specialist may use, so a placeholder needs its tool).
PLACEHOLDERS: dict[str, tuple[str, str | None]] = {
    "title": ("the task's title", "get_task"),
    "id": ("the task's id", "get_task"),
    "status": ("pending, in progress or completed", "get_task"),
    "priority": ("low, normal, high or urgent", "get_task"),
    "due": ('the due day ("Fri 27 Nov"), or "no due date"', "get_task"),
    "days_left": ('"3 days left", "due today", "2 days overdue" or "no due date"', "get_task"),
    "estimate": ('the estimate ("1 h 30 min"), or "no estimate"', "get_task"),
    "description": ('the task\'s description, or "no description"', "get_task"),
    "tags": ('the tags ("#backend #api"), or "no tags"', "get_task"),
    "request": ("what the user asked, in their words", None),
    "today": ('today in the user\'s zone ("Wed 25 Nov")', None),
    "open_count": ("how many other open tasks the user has", "list_open_tasks"),
    "open_tasks": (
        "the user's other open tasks, one per line, soonest due first (at most 5)",
        "list_open_tasks",
    ),
    "overdue": ('the user\'s overdue tasks, one per line, or "nothing overdue"', "list_open_tasks"),
}
REQUIRED = ("id", "name", "description", "instructions", "tools", "examples", "answer")
OPTIONAL = ("enabled",)
LIMITS = {"id": 40, "name": 60, "description": 500, "instructions": 8000, "answer": 4000}
MAX_EXAMPLES = 200
MAX_EXAMPLE = 300
_ID = re.compile(r"[a-z][a-z0-9_]*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class SpecialistsFileError(ConfigurationError):
    """A specialists file that cannot be used; `problems` are `FILE:LINE: what`, one each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"the specialists file {source} has {_count(len(problems))}:\n{listed}")


def _count(n: int) -> str:
    return "1 problem" if n == 1 else f"{n} problems"


@dataclass(frozen=True)
class Specialist:
    id: str
    name: str
    description: str
    instructions: str
    tools: tuple[str, ...]
    examples: tuple[str, ...]
    answer: str

    @property
    def builtin(self) -> str | None:
        """The built-in answer this specialist gives offline (`scheduler`...), None for a template."""
        return self.answer.removeprefix("builtin:") if self.answer.startswith("builtin:") else None


@dataclass(frozen=True)
class SpecialistCatalog:
    specialists: tuple[Specialist, ...]  # the enabled ones, in the file's order
    default: str
    source: str

    def get(self, specialist_id: str) -> Specialist | None:
        return next((spec for spec in self.specialists if spec.id == specialist_id), None)

    def by_name(self, name: str) -> Specialist | None:
        return next((spec for spec in self.specialists if spec.name == name), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(spec.id for spec in self.specialists)

    def for_builtin(self, kind: str) -> Specialist | None:
        """The specialist that gives the built-in `kind` answer (the chat's hand-offs), if one does."""
        return next((spec for spec in self.specialists if spec.builtin == kind), None)


def placeholders(template: str) -> list[str]:
    """The placeholders of an answer template (`{{` and `}}` are literal braces)."""
    return _PLACEHOLDER.findall(template.replace("{{", "").replace("}}", ""))


def template_opening(template: str) -> str:
    """A template's fixed first words (up to its first placeholder or line end): how its answers begin."""
    return re.split(r"\{(?!\{)|\n", template.strip(), maxsplit=1)[0].strip()


def render_template(template: str, values: dict[str, str]) -> str:
    """The template with its placeholders filled (all known: the file was checked)."""
    parts = template.split("{{")
    filled = [
        _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), part).replace("}}", "}")
        for part in parts
    ]
    return "{".join(filled)


# --- reading and checking ----------------------------------------------------------------------------------


class _Lines:
    """Where things are in the file's text: the n-th `[[specialists]]` header, a key inside a table."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [
            number
            for number, line in enumerate(self.lines, 1)
            if re.match(r"\s*\[\[\s*specialists\s*\]\]", line)
        ]

    def table(self, index: int) -> int:
        return self.headers[index] if index < len(self.headers) else 1

    def _span(self, index: int | None) -> tuple[int, int]:
        if index is None:  # the top level: before the first table
            return 1, (self.headers[0] - 1 if self.headers else len(self.lines))
        start = self.table(index)
        end = self.headers[index + 1] - 1 if index + 1 < len(self.headers) else len(self.lines)
        return start, end

    def key(self, index: int | None, key: str) -> int:
        start, end = self._span(index)
        pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
        for number in range(start, end + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return self.table(index) if index is not None else 1

    def text(self, index: int, needle: str, after: int) -> int:
        """The line of `needle` in the table, from line `after` on (a placeholder in a long template)."""
        _, end = self._span(index)
        for number in range(after, end + 1):
            if needle in self.lines[number - 1]:
                return number
        return after


def load_catalog(path: Path | str | None = None) -> SpecialistCatalog:
    """The catalog of `path` (None: the built-in file). Raises SpecialistsFileError."""
    resolved = Path(path).expanduser().resolve() if path is not None else DEFAULT_FILE
    source = str(path) if path is not None else str(DEFAULT_FILE)
    try:
        stat = resolved.stat()
    except OSError as exc:
        raise SpecialistsFileError(source, [f"{source}: cannot read it: {exc.strerror or exc}"]) from None
    return _load(resolved, source, stat.st_mtime_ns, stat.st_size)


@cache
def _load(path: Path, source: str, mtime_ns: int, size: int) -> SpecialistCatalog:
    """Read once per version of the file (the app, every agent's model and the offline triage share it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecialistsFileError(source, [f"{source}: cannot read it: {exc}"]) from None
    return parse_catalog(text, source)


def parse_catalog(text: str, source: str) -> SpecialistCatalog:
    """Check a file's text; every problem found is named with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        where = f"{source}:{found.group(1)}" if found else source
        what = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        column = f" (column {found.group(2)})" if found else ""
        raise SpecialistsFileError(source, [f"{where}: not valid TOML: {what}{column}"]) from None
    return _Checker(source, text).catalog(data)


def _handoff_slug(name: str) -> str:
    """What the SDK's hand-off tool name is made of (`transfer_to_<slug>`)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


class _Checker:
    """Checks a parsed file, collecting every problem with its line."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = _Lines(text)
        self.problems: list[str] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.source}:{line}: {message}")

    def catalog(self, data: dict[str, Any]) -> SpecialistCatalog:
        lines = self.lines
        for key in sorted(set(data) - {"default", "specialists"}):
            self.problem(
                lines.key(None, key), f"unknown setting {key!r} (the file has `default` and [[specialists]])"
            )
        tables = data.get("specialists")
        if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
            self.problem(1, "no [[specialists]] tables: the file needs at least one specialist")
            raise SpecialistsFileError(self.source, self.problems)
        specialists: list[Specialist] = []
        seen_ids: dict[str, int] = {}
        seen_names: dict[str, int] = {}
        enabled_ids: set[str] = set()
        for index, table in enumerate(tables):
            raw_id, raw_name = table.get("id"), table.get("name")
            if isinstance(raw_id, str):
                line = lines.key(index, "id")
                if raw_id in seen_ids:
                    self.problem(line, f"duplicate id {raw_id!r} (also on line {seen_ids[raw_id]})")
                    continue
                seen_ids[raw_id] = line
                if table.get("enabled", True) is True:
                    enabled_ids.add(raw_id)
            if isinstance(raw_name, str):
                line, slug = lines.key(index, "name"), _handoff_slug(raw_name)
                if slug in seen_names:
                    self.problem(
                        line,
                        f"name {raw_name!r} is too close to the name on line {seen_names[slug]}: their "
                        "hand-offs would have the same tool name",
                    )
                    continue
                seen_names[slug] = line
            spec = self.specialist(index, table)
            if spec is not None and spec.id in enabled_ids:
                specialists.append(spec)
        default = data.get("default")
        if default is None:
            self.problem(1, "`default` is missing: name the specialist that gets the requests that fit none")
        elif not isinstance(default, str):
            self.problem(lines.key(None, "default"), "`default` must be a specialist's id (a string)")
        elif default not in enabled_ids:
            state = "is turned off" if default in seen_ids else "names no specialist"
            known = ", ".join(sorted(enabled_ids)) or "none"
            self.problem(
                lines.key(None, "default"), f"`default = {default!r}` {state} (the specialists: {known})"
            )
        if not specialists and not self.problems:
            self.problem(1, "every specialist is turned off: at least one must be enabled")
        if self.problems:
            raise SpecialistsFileError(self.source, self.problems)
        assert isinstance(default, str)
        return SpecialistCatalog(specialists=tuple(specialists), default=default, source=self.source)

    def specialist(self, index: int, table: dict[str, Any]) -> Specialist | None:
        """One table as a Specialist, or None when it has problems (they are recorded)."""
        lines, problem = self.lines, self.problem
        header = lines.table(index)
        label = (
            f"specialist {table['id']!r}" if isinstance(table.get("id"), str) else f"specialist {index + 1}"
        )
        before = len(self.problems)
        for key in sorted(set(table) - set(REQUIRED) - set(OPTIONAL)):
            known = ", ".join((*REQUIRED, *OPTIONAL))
            problem(lines.key(index, key), f"{label}: unknown key {key!r} (the keys are {known})")
        missing = [key for key in REQUIRED if key not in table]
        if missing:
            problem(header, f"{label}: missing {', '.join(missing)}")
        for key in ("id", "name", "description", "instructions", "answer"):
            value = table.get(key)
            if key not in table:
                continue
            if not isinstance(value, str) or not value.strip():
                problem(lines.key(index, key), f"{label}: `{key}` must be a non-empty string")
            elif len(value) > LIMITS[key]:
                problem(lines.key(index, key), f"{label}: `{key}` is longer than {LIMITS[key]} characters")
        spec_id = table.get("id")
        if isinstance(spec_id, str) and spec_id.strip():
            if not _ID.fullmatch(spec_id):
                problem(
                    lines.key(index, "id"),
                    f"{label}: `id` must be lower-case letters, digits and _, starting with a letter",
                )
            elif spec_id in RESERVED_IDS:
                problem(lines.key(index, "id"), f"{label}: the id {spec_id!r} is taken by a built-in agent")
        name = table.get("name")
        if isinstance(name, str) and name.strip() in RESERVED_NAMES:
            problem(lines.key(index, "name"), f"{label}: the name {name!r} is taken by a built-in agent")
        tools = table.get("tools")
        if "tools" in table:
            if not isinstance(tools, list) or not all(isinstance(tool, str) for tool in tools):
                problem(lines.key(index, "tools"), f"{label}: `tools` must be a list of tool names")
            else:
                for tool in tools:
                    if tool not in TOOL_NAMES:
                        problem(
                            lines.text(index, f'"{tool}"', lines.key(index, "tools")),
                            f"{label}: unknown tool {tool!r} (the tools are {', '.join(TOOL_NAMES)})",
                        )
                if len(set(tools)) != len(tools):
                    problem(lines.key(index, "tools"), f"{label}: a tool is named twice in `tools`")
        examples = table.get("examples")
        if "examples" in table:
            where = lines.key(index, "examples")
            if not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
                problem(where, f"{label}: `examples` must be a list of non-empty strings")
            elif not examples:
                problem(
                    where,
                    f"{label}: `examples` is empty: give a few requests it should receive (triage learns "
                    "from them)",
                )
            elif len(examples) > MAX_EXAMPLES or any(len(example) > MAX_EXAMPLE for example in examples):
                problem(
                    where, f"{label}: at most {MAX_EXAMPLES} examples of at most {MAX_EXAMPLE} characters"
                )
        if "enabled" in table and not isinstance(table["enabled"], bool):
            problem(lines.key(index, "enabled"), f"{label}: `enabled` must be true or false")
        answer = table.get("answer")
        if isinstance(answer, str) and answer.strip():
            self.answer(index, label, answer, tools if isinstance(tools, list) else [])
        if len(self.problems) > before:
            return None
        assert isinstance(spec_id, str) and isinstance(name, str) and isinstance(answer, str)
        assert isinstance(tools, list) and isinstance(examples, list)
        return Specialist(
            id=spec_id,
            name=name.strip(),
            description=str(table["description"]).strip(),
            instructions=str(table["instructions"]).strip(),
            tools=tuple(tools),
            examples=tuple(example.strip() for example in examples),
            answer=answer.strip() if answer.startswith("builtin:") else answer.strip("\n"),
        )

    def answer(self, index: int, label: str, answer: str, tools: list[Any]) -> None:
        start = self.lines.key(index, "answer")
        if answer.startswith("builtin:"):
            if answer.removeprefix("builtin:").strip() not in BUILTIN_ANSWERS:
                known = ", ".join(f"builtin:{kind}" for kind in BUILTIN_ANSWERS)
                self.problem(start, f"{label}: unknown built-in answer {answer!r} ({known}, or a template)")
            return
        for name in placeholders(answer):
            line = self.lines.text(index, "{" + name + "}", start)
            if name not in PLACEHOLDERS:
                known = ", ".join("{" + known + "}" for known in PLACEHOLDERS)
                self.problem(
                    line,
                    f"{label}: unknown placeholder {{{name}}} in `answer` (the placeholders are {known}; "
                    "write {{ and }} for braces)",
                )
                continue
            needs = PLACEHOLDERS[name][1]
            if needs is not None and needs not in tools:
                self.problem(line, f"{label}: the placeholder {{{name}}} needs the tool {needs!r} in `tools`")
