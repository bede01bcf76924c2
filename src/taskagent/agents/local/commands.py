"""Chat requests read into commands: what to create, list, change, delete or find.

The parsers cut recognised pieces out of the sentence one by one (description, estimate, tags, priority,
dates, status...) and read what is left as the title or the task reference. Date and priority words
therefore end up in their fields and never in a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from .dates import (
    NUMBER_WORDS,
    DateMatch,
    end_of_day,
    find_dates,
    find_period,
    remove_spans,
    tidy,
    zone_of,
)
from .fields import (
    Span,
    find_description,
    find_estimate,
    find_priority,
    find_recurrence,
    find_status,
    find_tags,
    quoted_strings,
    strip_quotes,
)
from .intents import strip_politeness
from .references import Reference, clean_description, parse_reference

# --- create -------------------------------------------------------------------------------------------


@dataclass
class NewTask:
    title: str
    priority: str | None = None
    due: datetime | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    estimate_minutes: int | None = None
    # "every Friday": tasks don't repeat yet, so the first occurrence is created and the reply says so.
    repeats: str | None = None

    def arguments(self) -> dict[str, object]:
        """The `create_tasks` item for this task (ISO 8601 with offset for the due date)."""
        item: dict[str, object] = {"title": self.title}
        if self.description:
            item["description"] = self.description
        if self.priority:
            item["priority"] = self.priority
        if self.due is not None:
            item["due_date"] = self.due.isoformat(timespec="seconds")
        if self.tags:
            item["tags"] = self.tags
        if self.estimate_minutes:
            item["estimate_minutes"] = self.estimate_minutes
        return item


@dataclass
class CreateCommand:
    tasks: list[NewTask]


_CREATE_PREFIX = re.compile(
    r"^(?:"
    r"(?:create|add|make|new|set\s+up|set|log|record|jot\s+down|note\s+down|put\s+down|put|schedule|open|start)\s+"
    r"(?:me\s+|us\s+)?(?:(?:a|an|another|one|the|new|quick|single|\d+|two|three|four|five|six|some|few|these"
    r"|following|more)\s+)*(?:tasks?|to-?dos?|reminders?|items?|entry|entries|notes?)\b"
    r"(?:\s+(?:to|on|in|onto)\s+(?:my|the)\s+(?:\w+\s+)?list)?"
    r"(?:\s+(?:called|named|titled|saying|that\s+says|for\s+me\s+to|for|to|about|so\s+i\s+can|so\s+that\s+i))?"
    r"\s*(?:[:,\u2013\u2014-]\s*)?"
    r"|remind\s+(?:me|us)(?:\s+(?:to|about|that|of))?\s+"
    r"|don'?t\s+(?:let\s+me\s+)?forget(?:\s+(?:to|about))?\s+"
    r"|make\s+sure\s+(?:i|we)\s+"
    r"|(?:i|we)\s+(?:have|'ve\s+got|got)\s+(?:a|an)\s+(?=\w)"
    r"|(?:(?:i|we)\s+)?(?:really\s+|still\s+|also\s+|definitely\s+)?(?:need|have|must|should|gotta|got|ought)"
    r"(?:\s+really)?(?:\s+(?:a|an|another)\s+(?:new\s+)?(?:task|to-?do|reminder)(?:\s+(?:to|for|about|:))?"
    r"|\s+to)?\s+"
    r"|(?:new\s+)?(?:task|to-?do|reminder)\s*[:\u2013\u2014-]\s*"
    r"|(?:create|add|make|new|jot\s+down|note\s+down|put\s+down|put)\s*:?\s+"
    r")",
    re.IGNORECASE,
)
_LIST_SUFFIX = re.compile(
    r"\s+(?:to|on|in|onto|into)\s+(?:my|the|our)\s+(?:task\s+|to-?do\s+)?(?:list|tasks|to-?dos?|to-?do\s+list)\s*$"
    r"|\s+as\s+(?:a\s+)?(?:new\s+)?(?:task|to-?do|reminder)\s*$",
    re.IGNORECASE,
)
_PLURAL = re.compile(
    r"\b(?:(?P<count>\d+|two|three|four|five|six|seven|eight|nine|ten|several|some|few|these|the\s+following)\s+)?"
    r"(?:\w+\s+)?(?:tasks|to-?dos|reminders|items|things)\b",
    re.IGNORECASE,
)


def _cut(text: str, spans: list[Span]) -> str:
    return remove_spans(text, spans) if spans else text


@dataclass
class _Modifiers:
    priority: str | None = None
    due: datetime | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    estimate: int | None = None
    repeats: str | None = None


def _take_modifiers(text: str, now: datetime) -> tuple[str, _Modifiers]:
    """Cut the field values out of `text`; return what is left and the values."""
    found = _Modifiers()
    repeat = find_recurrence(text)
    if repeat:
        phrase, span = repeat
        found.repeats = phrase
        first = find_dates(phrase.replace("every", "").replace("each", ""), now)
        found.due = first[0].when if first else None
        text = _cut(text, [span])
    tags, tag_spans = find_tags(text)
    found.tags = tags
    text = _cut(text, tag_spans)
    description = find_description(text)
    if description:
        found.description = description[0]
        text = _cut(text, [description[1]])
    estimate = find_estimate(text)
    if estimate:
        found.estimate = estimate[0]
        text = _cut(text, [estimate[1]])
    priority = find_priority(text)
    if priority:
        found.priority = priority.value
        text = _cut(text, priority.spans)
    dates = find_dates(text, now)
    if dates:
        found.due = dates[0].when
        text = _cut(text, [(match.start, match.end) for match in dates])
    return text, found


def _clean_title(text: str) -> str:
    text = tidy(text)
    text = _LIST_SUFFIX.sub("", text)
    text = strip_quotes(tidy(text))
    text = re.sub(r"^(?:to|that|about|for|of|i\s+(?:need|have)\s+to)\s+", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+(?:task|to-?do|reminder|please)$", "", text, flags=re.IGNORECASE)
    text = tidy(text).rstrip(".!?")
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text[:200].strip()


def _new_task(fragment: str, now: datetime, defaults: _Modifiers | None = None) -> NewTask | None:
    rest, found = _take_modifiers(fragment, now)
    rest = _CREATE_PREFIX.sub("", tidy(rest), count=1)
    title = _clean_title(rest)
    if not title or not re.search(r"\w", title):
        return None
    defaults = defaults or _Modifiers()
    return NewTask(
        title=title,
        priority=found.priority or defaults.priority,
        due=found.due or defaults.due,
        tags=found.tags or list(defaults.tags),
        description=found.description or defaults.description,
        estimate_minutes=found.estimate or defaults.estimate,
        repeats=found.repeats or defaults.repeats,
    )


def _split_items(body: str, count: int | None) -> list[str]:
    if len(re.findall(r"(?:^|\s)\d+[.)]\s", body)) >= 2:
        # "1. buy paint 2. paint the fence": an inline numbered list.
        body = re.sub(r"(?:^|\s+)\d+[.)]\s+", "\n", body)
    lines = [line for line in re.split(r"\s*\n\s*", body) if line.strip()]
    if len(lines) > 1:
        items = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line) for line in lines]
    else:
        items = [part for part in re.split(r"\s*(?:;|,)\s*", body) if part.strip()]
        items = [re.sub(r"^(?:and|&)\s+", "", item, flags=re.IGNORECASE) for item in items]
    if len(items) >= 2:
        # "a, b and c": the last comma item holds two.
        last = re.split(r"\s+(?:and|&)\s+", items[-1], maxsplit=1)
        items = items[:-1] + last
    wants_more = count is not None and len(items) < count
    if wants_more or (count is None and len(items) == 1):
        split: list[str] = []
        for item in items:
            halves = re.split(r"\s+(?:and|&)\s+", item)
            if wants_more or all(len(half.split()) >= 2 for half in halves):
                split.extend(halves)
            else:
                split.append(item)
        items = split
    return [item.strip(" .") for item in items if item.strip(" .")]


def parse_create(text: str, now: datetime) -> CreateCommand | None:
    text = strip_politeness(text)
    quoted = quoted_strings(text)
    if quoted:
        outside = remove_spans(text, [span for _, span in quoted])
        rest, shared = _take_modifiers(outside, now)
        rest = _CREATE_PREFIX.sub("", tidy(rest), count=1)
        rest = _LIST_SUFFIX.sub("", rest)
        leftover = re.sub(
            r"\b(?:and|called|named|titled|tasks?|to-?dos?|with|the|titles?|put|add|create|new|on|to|my|list|both|all"
            r"|each|them)\b|[,:;&]",
            " ",
            rest,
            flags=re.I,
        )
        if not leftover.strip():
            tasks = [_new_task(value, now, shared) for value, _ in quoted]
            found = [task for task in tasks if task]
            return CreateCommand(found) if found else None

    plural = _PLURAL.search(text.split(":")[0])
    count = None
    if plural and plural.group("count"):
        word = plural.group("count").lower()
        count = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
    head, sep, body = text.partition(":")
    if not sep and "\n" in text:
        head, sep, body = text.partition("\n")
    if plural and not sep:
        # "Create tasks for a, b and c", "Add two tasks called x and y"
        split = re.search(r"\s+(?:for|called|named|to)\s+", text[plural.end() :])
        if split:
            cut_at = plural.end() + split.start()
            head, body, sep = text[:cut_at], text[plural.end() + split.end() :], " "
    if plural and sep and body.strip():
        _, shared = _take_modifiers(head, now)
        items = _split_items(body, count)
        if len(items) > 1 or count == 1:
            tasks = [_new_task(item, now, shared) for item in items]
            found = [task for task in tasks if task]
            return CreateCommand(found) if found else None

    task = _new_task(text, now)
    return CreateCommand([task]) if task else None


# --- list and find ------------------------------------------------------------------------------------

Status = Literal["pending", "in_progress", "completed"]


@dataclass
class ListCommand:
    status: Status | None = None
    open_only: bool = False
    priority: str | None = None
    overdue: bool = False
    # Whole days (dates) are sent as dates: the tool reads a date bound as including that day, in the
    # user's zone. A moment ("due soon": from now) is sent with its offset.
    due_after: date | datetime | None = None
    due_before: date | datetime | None = None
    window: str | None = None
    query: str | None = None
    tags: list[str] = field(default_factory=list)
    without_due_date: bool = False
    limit: int | None = None
    # "my 5 most urgent tasks", "what's next": an order rather than a filter, applied to the reply.
    sort: Literal["priority", "due"] | None = None

    def arguments(self) -> dict[str, object]:
        args: dict[str, object] = {}
        if self.status:
            args["status"] = self.status
        if self.priority:
            args["priority"] = self.priority
        if self.overdue:
            args["overdue"] = True
        for name, bound in (("due_after", self.due_after), ("due_before", self.due_before)):
            if isinstance(bound, datetime):
                args[name] = bound.isoformat(timespec="seconds")
            elif bound is not None:
                args[name] = bound.isoformat()
        if self.query:
            args["q"] = self.query
        if self.limit and not self.sort:
            args["limit"] = self.limit
        return args

    def describe(self) -> str:
        """The filter in words, for the reply: "high priority tasks due this week"."""
        words = []
        if self.status == "completed":
            words.append("completed")
        elif self.status == "in_progress":
            words.append("in-progress")
        elif self.status == "pending" or self.open_only:
            words.append("open")
        if self.overdue:
            words.append("overdue")
        if self.priority:
            words.append(f"{self.priority} priority")
        noun = " ".join([*words, "tasks"])
        if self.window:
            noun += f" due {self.window}"
        if self.query:
            noun += f" matching “{self.query}”"
        if self.tags:
            noun += " tagged " + ", ".join(f"#{tag}" for tag in self.tags)
        if self.without_due_date:
            noun += " with no due date"
        return noun


# Words of a list filter, not of a text search ("what about my overdue stuff?").
_LIST_WORDS = frozenset(
    re.findall(
        r"\S+",
        "overdue due late open pending completed done finished urgent important high low normal "
        "priority today "
        "tomorrow week month soon upcoming left remaining progress in active",
    )
)
_QUERY = re.compile(
    r"\b(?:about|mentioning|containing|contains|with\s+the\s+words?|related\s+to|regarding|matching|called|named"
    r"|titled|that\s+mention|that\s+contain|with)\s+(?P<q>.+?)(?:\s+in\s+(?:the\s+)?(?:title|name))?[?.!]*$",
    re.IGNORECASE,
)


def parse_list(text: str, now: datetime) -> ListCommand:
    text = strip_politeness(text)
    lowered = text.lower()
    command = ListCommand()
    tags, tag_spans = find_tags(text)
    command.tags = tags
    text = _cut(text, tag_spans)
    including = re.search(
        r"\b(?:including|incl\.?|even|with|and|plus)\s+(?:the\s+)?(?:completed|done|finished)", lowered
    )
    if including:
        command.open_only = False
    elif re.search(r"\b(?:completed|done|finished|closed|accomplished)\b", lowered) and not re.search(
        r"\b(?:not|un)\s*(?:completed|done|finished)\b", lowered
    ):
        command.status = "completed"
    elif re.search(r"\bin[\s-]progress\b|\bstarted\b|\bongoing\b|\bworking\s+on\b|\bactive\b", lowered):
        command.status = "in_progress"
    elif re.search(r"\bpending\b|\bnot\s+started\b|\bnot\s+begun\b", lowered):
        command.status = "pending"
    else:
        command.open_only = not re.search(r"\ball\b|\beverything\b|\bevery\b", lowered)
    priority = find_priority(text)
    if priority:
        command.priority = priority.value
    if re.search(r"\boverdue\b|\bpast\s+due\b|\blate\b|\bmissed\b|\bbehind\b", lowered):
        command.overdue = True
    elif re.search(
        r"\bno\s+(?:due\s+)?dates?\b|\bwithout\s+(?:a\s+)?(?:due\s+date|deadline)|\bundated\b", lowered
    ):
        command.without_due_date = True
    else:
        period = find_period(text, now)
        if period:
            window, _ = period
            command.due_after = window.first
            command.due_before = window.last
            command.window = window.label
        elif re.search(r"\bdue\s+soon\b|\bupcoming\b|\bcoming\s+up\b|\bnext\s+few\s+days\b", lowered):
            command.due_after = now
            command.due_before = now.date() + timedelta(days=7)
            command.window = "in the next 7 days"
    query = _QUERY.search(text)
    if query and not re.match(r"^(?:high|low|urgent|normal|no)\b", query.group("q"), re.IGNORECASE):
        # "what about my overdue stuff?": the filter words are not a text search.
        words = " ".join(
            word for word in clean_description(query.group("q")).split() if word not in _LIST_WORDS
        )
        if words:
            command.query = words
    limit = re.search(
        r"\b(?:top|first|next|last)\s+(?P<n>\d+)\b|\b(?P<m>\d+)\s+(?:\w+\s+){0,2}(?:tasks|to-?dos|items)\b",
        lowered,
    )
    if limit:
        command.limit = int(limit.group("n") or limit.group("m"))
    if re.search(r"\bmost\s+(?:urgent|important|pressing)\b|\bby\s+priority\b|\btop\s+priorit", lowered):
        command.sort = "priority"
        command.priority = None
    elif re.search(
        r"\bwhat'?s?\s+(?:is\s+)?next\b|\bnext\s+up\b|\bsoonest\b|\bby\s+(?:due\s+)?date\b|\bupcoming\b",
        lowered,
    ):
        command.sort = "due"
    return command


_FIND_VERBS = re.compile(
    r"^(?:tell\s+me\s+about|details\s+(?:of|for|on)|find|search(?:\s+for)?|look\s+(?:for|up)|locate|show\s+me|which\s+tasks?\s+(?:is|are|mentions?|has|have)"
    r"|where(?:'s|\s+is)|do\s+i\s+have\s+(?:a|any)|is\s+there\s+(?:a|any)|when(?:'s|\s+is|\s+was))\s+",
    re.IGNORECASE,
)


def parse_find(text: str) -> str:
    text = strip_politeness(text)
    by_id = re.search(r"(?:\btask\s*#?\s*|(?<![\w&])#)(\d+)\b", text, re.IGNORECASE)
    if by_id:
        return f"#{by_id.group(1)}"  # find_tasks reads "#12" as an id
    text = _FIND_VERBS.sub("", text)
    text = re.sub(
        r"\b(?:due|about|called|named|titled|mentioning|related\s+to|regarding)\b", " ", text, flags=re.I
    )
    return clean_description(text)


# --- update and delete --------------------------------------------------------------------------------


@dataclass
class Changes:
    title: str | None = None
    description: str | None = None
    status: Status | None = None
    priority: str | None = None
    due: datetime | None = None
    clear_due: bool = False
    clear_description: bool = False
    shift_days: int | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    estimate_minutes: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (
            self.title
            or self.description
            or self.status
            or self.priority
            or self.due
            or self.clear_due
            or self.clear_description
            or self.shift_days
            or self.add_tags
            or self.remove_tags
            or self.estimate_minutes
        )

    @property
    def needs_current_task(self) -> bool:
        """Changes relative to what the task holds now (its tags, its due date)."""
        return bool(self.add_tags or self.remove_tags or self.shift_days)


@dataclass
class UpdateCommand:
    ref: Reference
    changes: Changes
    # "mark all overdue tasks as done": every task the filter lists, instead of one reference.
    every: ListCommand | None = None


@dataclass
class DeleteCommand:
    ref: Reference
    every: ListCommand | None = None


_EVERY = re.compile(r"^(?:all|every|everything|each)\b", re.IGNORECASE)


def _every(phrase: str, now: datetime) -> ListCommand | None:
    """A filter when the reference is "all …" / "everything …", else None."""
    if not _EVERY.match(phrase.strip()):
        return None
    return parse_list(phrase, now)


_RENAME = [
    re.compile(r"^(?:rename|retitle|re-?name)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<title>.+)$", re.I),
    re.compile(
        r"^(?:change|update|set|edit)\s+the\s+(?:title|name)\s+(?:of|for)\s+(?P<ref>.+?)\s+to\s+(?P<title>.+)$",
        re.I,
    ),
    re.compile(
        r"^(?:change|update|set|edit)\s+(?P<ref>.+?)(?:'s)?\s+(?:title|name)\s+to\s+(?P<title>.+)$", re.I
    ),
    re.compile(
        r"^call\s+(?P<ref>it|that(?:\s+one)?|this(?:\s+one)?|task\s*#?\d+|#\d+)\s+(?P<title>.+)$", re.I
    ),
]
_DESCRIBE = [
    re.compile(
        r"^(?:add|put|attach|write)\s+(?:a\s+|the\s+|this\s+)?(?:note|description|details?|comment)s?\s+(?:to|on|for)\s+"
        r"(?P<ref>.+?)\s*(?::|saying|that\s+says|reading|-|\u2013)\s*(?P<text>.+)$",
        re.I | re.S,
    ),
    re.compile(
        r"^(?:set|change|update|edit)\s+the\s+(?:description|notes?|details)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+to\s*:?\s*"
        r"(?P<text>.+)$",
        re.I | re.S,
    ),
    re.compile(r"^describe\s+(?P<ref>.+?)\s+as\s+(?P<text>.+)$", re.I | re.S),
]
_TAG_UPDATE = [
    re.compile(r"^(?:tag|label)\s+(?P<ref>.+?)\s+(?:with|as)\s+(?P<tags>.+)$", re.I),
    re.compile(r"^add\s+(?:the\s+)?(?:tags?|labels?)\s+(?P<tags>.+?)\s+to\s+(?P<ref>.+)$", re.I),
]
_UNTAG = [
    re.compile(
        r"^(?:remove|delete|drop)\s+(?:the\s+)?(?:tags?|labels?)\s+(?P<tags>.+?)\s+from\s+(?P<ref>.+)$", re.I
    ),
    re.compile(r"^untag\s+(?P<ref>.+?)\s+(?:from\s+)?(?P<tags>[#\w-]+)$", re.I),
]
_CLEAR_DESCRIPTION = re.compile(
    r"^(?:clear|remove|delete|erase|drop|wipe)\s+(?:the\s+)?(?:description|notes?|details)\s*(?:of|from|on|for)?\s*"
    r"(?P<ref>.*)$",
    re.I,
)
_ESTIMATE_UPDATE = re.compile(
    r"^(?:set|change|update|make)\s+(?:the\s+)?(?:estimate|effort|duration|time\s+estimate)\s+(?:of|for|on)\s+"
    r"(?P<ref>.+?)\s+(?:to|at)\s+(?P<amount>.+)$",
    re.I,
)
_CLEAR_DUE = [
    re.compile(
        r"^(?:remove|clear|delete|drop|unset)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s*(?:from|of|on|for)?\s*(?P<ref>.*)$",
        re.I,
    ),
    re.compile(r"^(?P<ref>.+?)\s+(?:has|have|needs?)\s+no\s+(?:due\s+date|deadline)$", re.I),
    re.compile(
        r"^(?:make|set)\s+(?P<ref>.+?)\s+(?:undated|without\s+(?:a\s+)?(?:due\s+date|deadline))$", re.I
    ),
]
_SHIFT = re.compile(
    r"\b(?P<verb>push|postpone|delay|move|shift|bring|pull|put\s+off)\b.*?\b(?P<direction>back|forward|earlier|later)?\s*"
    r"\b(?:by|back|out|forward)\s+(?:by\s+)?(?P<amount>\d+|an?|one|two|three|four|five|six|seven|a\s+couple\s+of"
    r"|a\s+few)\s+(?P<unit>days?|weeks?)\b",
    re.I,
)
_PRIORITY_VERBS = [
    (
        re.compile(
            r"^(?:prioriti[sz]e|bump(?:\s+up)?|raise|increase|upgrade)(?:\s+the\s+priority\s+(?:of|on|for))?\b",
            re.I,
        ),
        "high",
    ),
    (
        re.compile(
            r"^(?:deprioriti[sz]e|lower|decrease|reduce|downgrade)(?:\s+the\s+priority\s+(?:of|on|for))?\b",
            re.I,
        ),
        "low",
    ),
    (re.compile(r"^escalate\b", re.I), "urgent"),
]
# Words that carry the action rather than the reference, at the edges of each clause.
_LEADING = re.compile(
    r"^(?:(?:mark(?:ed)?|set|change|update|edit|modify|make|move|reschedule|push|postpone|delay|shift|bump|flag"
    r"|switch|turn|put|give|prioriti[sz]e|deprioriti[sz]e|escalate|lower|raise|bring|pull|complete|finish|close"
    r"|reopen|start|begin|i|we|also|then|please|now|so|the\s+(?:priority|status|due\s+date|deadline|date|state)"
    r"(?:\s+(?:of|for|on))?|(?:priority|status|due\s+date|deadline|date)\s+(?:of|for|on))\b\s*)+",
    re.I,
)
_TRAILING = re.compile(
    r"(?:\s*\b(?:as|to|for|is|are|be|should\s+be|now|'s|priority|status|due\s+date|deadline|back|up|down"
    r"|forward|later|earlier|please|again|with)\b\s*|'s\b)+$",
    re.I,
)


def _reference_from(rest: str) -> Reference:
    clauses = [clause for clause in re.split(r"\s*(?:,|;|\band\b|\bthen\b)\s*", rest) if clause.strip()]
    kept = []
    for clause in clauses:
        clause = _LEADING.sub("", clause.strip())
        clause = _TRAILING.sub("", clause).strip(" ,.!?")
        clause = re.sub(r"^(?:working|work)\s+on\s+", "", clause, flags=re.I)
        if clause:
            kept.append(clause)
    # "it and it" (from "set it ... and mark it ...") is one pronoun.
    unique = list(dict.fromkeys(kept))
    return parse_reference(" and ".join(unique))


def _tag_list(text: str) -> list[str]:
    return [
        tag.strip("#").lower()
        for tag in re.split(r"\s*(?:,|\band\b|&|\s)\s*", text.strip(" ."))
        if tag.strip("#")
    ]


def parse_update(text: str, now: datetime) -> UpdateCommand:
    text = strip_politeness(text).rstrip(" .!?")
    changes = Changes()
    for pattern in _RENAME:
        match = pattern.search(text)
        if match:
            changes.title = _clean_title(match.group("title"))
            return UpdateCommand(_reference_from(match.group("ref")), changes)
    for pattern in _DESCRIBE:
        match = pattern.search(text)
        if match:
            changes.description = strip_quotes(match.group("text").strip())
            return UpdateCommand(_reference_from(match.group("ref")), changes)
    for pattern in _TAG_UPDATE:
        match = pattern.search(text)
        if match:
            changes.add_tags = _tag_list(match.group("tags"))
            return UpdateCommand(_reference_from(match.group("ref")), changes)
    for pattern in _UNTAG:
        match = pattern.search(text)
        if match:
            changes.remove_tags = _tag_list(match.group("tags"))
            return UpdateCommand(_reference_from(match.group("ref")), changes)
    clear_description = _CLEAR_DESCRIPTION.search(text)
    if clear_description:
        changes.clear_description = True
        return UpdateCommand(_reference_from(clear_description.group("ref")), changes)
    estimate_update = _ESTIMATE_UPDATE.search(text)
    if estimate_update:
        estimate = find_estimate("takes " + estimate_update.group("amount"))
        if estimate:
            changes.estimate_minutes = estimate[0]
            return UpdateCommand(_reference_from(estimate_update.group("ref")), changes)
    for pattern in _CLEAR_DUE:
        match = pattern.search(text)
        if match:
            changes.clear_due = True
            return UpdateCommand(_reference_from(match.group("ref")), changes)

    rest = text
    shift = _SHIFT.search(rest)
    if shift:
        amount = shift.group("amount").lower()
        days = (
            int(amount)
            if amount.isdigit()
            else NUMBER_WORDS.get(amount.replace("a couple of", "couple of"), 1)
        )
        if shift.group("unit").lower().startswith("week"):
            days *= 7
        backwards = shift.group("verb").lower() in {"bring", "pull"} or (
            shift.group("direction") or ""
        ).lower() in {
            "forward",
            "earlier",
        }
        changes.shift_days = -days if backwards else days
        rest = (
            _cut(rest, [(shift.end("verb"), shift.end())])
            if shift.group("direction")
            else _cut(rest, [(shift.start("amount"), shift.end())])
        )
        rest = re.sub(r"\s+(?:by|back|out|forward)\s*$", "", rest, flags=re.I)
    estimate = find_estimate(rest)
    if estimate:
        changes.estimate_minutes = estimate[0]
        rest = _cut(rest, [estimate[1]])
    # "should be done by Wednesday" sets a deadline, not a status.
    deadline = re.search(
        r"\b(?:should|must|needs?\s+to|has\s+to|have\s+to|is\s+to)\s+be\s+(?:done|finished|completed|ready)\b",
        rest,
        re.I,
    )
    if deadline and find_dates(rest, now):
        rest = _cut(rest, [deadline.span()])
    status = find_status(rest) if not (deadline and changes.due is None and find_dates(rest, now)) else None
    if status:
        changes.status = status.value  # type: ignore[assignment]
        rest = _cut(rest, status.spans)
    priority = find_priority(rest)
    if priority:
        changes.priority = priority.value
        rest = _cut(rest, priority.spans)
    for pattern, level in _PRIORITY_VERBS:
        # "Bump X" with no level named means up a step (high); "bump X to urgent" is urgent.
        match = pattern.search(rest)
        if match:
            changes.priority = changes.priority or level
            rest = _cut(rest, [match.span()])
            break
    dates: list[DateMatch] = find_dates(rest, now) if not changes.shift_days else []
    if dates:
        changes.due = dates[0].when
        rest = _cut(rest, [(match.start, match.end) for match in dates])
    ref = _reference_from(rest)
    return UpdateCommand(ref, changes, _every(ref.phrase, now))


_DELETE_VERBS = re.compile(
    r"^(?:delete|remove|drop|cancel|trash|erase|discard|get\s+rid\s+of|scrap|nuke|bin|ditch|purge|forget(?:\s+about)?)\s+",
    re.I,
)


def parse_delete(text: str, now: datetime) -> DeleteCommand:
    text = strip_politeness(text).rstrip(" .!?")
    text = _DELETE_VERBS.sub("", text)
    text = re.sub(
        r"\s+(?:from|off)\s+(?:my|the)\s+(?:task\s+)?(?:list|tasks|to-?dos?)$", "", text, flags=re.I
    )
    ref = _reference_from(text)
    return DeleteCommand(ref, _every(ref.phrase, now))


def day_after_shift(due: datetime | None, days: int, now: datetime) -> datetime:
    """A due date moved by whole days in the user's zone, keeping its time of day."""
    base = due.astimezone(now.tzinfo) if due else end_of_day(now.date(), zone_of(now))
    moved: date = base.date() + timedelta(days=days)
    return base.replace(year=moved.year, month=moved.month, day=moved.day).astimezone(now.tzinfo)
