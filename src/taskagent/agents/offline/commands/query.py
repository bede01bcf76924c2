"""Listing and finding tasks: filters said in words ("my high priority tasks due this week")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from taskagent.tasks.matching import clean_phrase

from ..dates import describe_day, find_dates, find_period
from ..fields import PRIORITY_WORDS, cut, find_priority, find_tags
from ..intents import strip_politeness

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
    # "what's still open?", "what haven't I done yet?": the open tasks asked for in so many words (after a
    # list of completed ones, another list, not that one again).
    said_open: bool = False

    @property
    def filters(self) -> bool:
        """Whether it narrows the list down (a status, priority, window, tag...), not only "my tasks"."""
        return bool(
            self.status
            or self.priority
            or self.overdue
            or self.window
            or self.tags
            or self.without_due_date
            or self.said_open
        )

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

    def describe(self, count: int = 2) -> str:
        """The filter in words, for the reply: "high priority tasks due this week" ("task" for one)."""
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
        noun = " ".join([*words, "task" if count == 1 else "tasks"])
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
        "tomorrow week month soon upcoming left remaining progress in active in_progress that's thats which "
        "stuff things ones are is at moment currently busy",
    )
)
_QUERY = re.compile(
    r"\b(?:about|mentioning|containing|contains|with\s+the\s+words?|related\s+to|regarding|concerning|matching|called|named"
    r"|titled|that\s+mention|that\s+contain|with)\s+(?P<q>.+?)(?:\s+in\s+(?:the\s+)?(?:title|name))?[?.!]*$",
    re.IGNORECASE,
)


# "anything for Patel?", "stuff for the school": a name after "for", when no date or filter was read there.
_FOR_SOMEONE = re.compile(
    r"\b(?:anything|something|stuff|tasks?|things?|to-?dos?)\s+for\s+(?!me\b|us\b|now\b|later\b|today\b|tonight\b"
    r"|tomorrow\b|this\b|next\b|the\s+(?:week|weekend|month|day)\b)(?P<q>[^?.!]+?)[?.!]*$",
    re.IGNORECASE,
)


# A level said alone in a question about the list: "the urgent stuff", "what's urgent", "anything important".
_LEVEL_ASKED = re.compile(
    r"(?<!not\s)(?<!\bmost\s)(?<!\bless\s)\b(?P<level>urgent|important|high|low)(?=\s+(?:stuff|things?|ones?|items?|tasks?|jobs?"
    r"|to-?dos?|due|right|now|at|for|on|this|today|tomorrow|awaiting|waiting|left|pending|coming)\b"
    r"|\s+\w+\s+(?:items|tasks|jobs|things)\b|[\s?!.]*$)",
    re.IGNORECASE,
)
_MARKED_LEVEL = re.compile(
    r"\b(?:marked|flagged|set|labell?ed|tagged|rated)\s+(?:as\s+|to\s+|at\s+)?(?P<level>high|low|medium|normal|urgent)\b",
    re.IGNORECASE,
)


# Open tasks said in so many words: what is left, still to do, not done yet, to be done ("what did I get
# done" and "what did I manage to finish" stay the completed ones).
_STILL_TO_DO = re.compile(
    r"\b(?:haven'?t|have\s+not|hasn'?t|has\s+not|didn'?t|did\s+not|not|never|yet\s+to|still\s+to|need\s+to"
    r"|needs\s+to|have\s+to|has\s+to|got\s+to|gotta|left\s+to|remain(?:s|ing)?\s+to|to\s+be)\s+"
    r"(?:(?:i|we|you|yet|even|really|been|actually|still)\s+)*(?:get\s+|git\s+|be\s+)?(?:done|finished|completed)\b"
    r"|\b(?:still\s+)?(?:open|outstanding|unfinished|undone|incomplete|remaining)\b|\bleft\s+(?:to\s+do|over)\b"
    r"|\bstill\s+(?:to\s+do|pending|on\s+my\s+(?:list|plate))\b|\bwhat(?:'s|\s+is)\s+(?:still\s+)?left\b"
)


def parse_list(text: str, now: datetime) -> ListCommand:
    text = strip_politeness(text)
    # "... for tomorrow because I'm trying to work out if I can go to the beach with the kids": the why
    text = re.sub(
        r"[\s,]+(?:because|cos|coz|since|as|so(?:\s+that)?)\s+(?:i|we)\b.*$", "", text, flags=re.IGNORECASE
    )
    # "Which of my tasks are low priority? I might leave those for the weekend.": a remark after the question
    text = re.sub(r"(?<=\?)\s+(?:i|we)\b(?!\s+mean)[^?]*$", "", text, flags=re.IGNORECASE)
    # "I'm so behind lol. can u just show me the urgent stuff": how the user feels, before the question
    text = re.sub(
        r"^\s*(?:i'?m|i\s+am)\s+(?:so\s+|really\s+|way\s+)?behind\b[^.!?]*[.!?]+\s*", "", text, flags=re.I
    )
    lowered = text.lower()
    command = ListCommand()
    tags, tag_spans = find_tags(text)
    command.tags = tags
    text = cut(text, tag_spans)
    including = re.search(
        r"\b(?:including|incl\.?|even|with|and|plus)\s+(?:the\s+)?(?:completed|done|finished)", lowered
    )
    if including:
        command.open_only = False
    elif re.search(
        r"\b(?:haven'?t|have\s+not|hasn'?t|didn'?t|not\s+yet|yet\s+to)\s+(?:(?:i|we|you|been|even|really)\s+)*"
        r"(?:start(?:ed)?|begun|begin|touch(?:ed)?)\b",
        lowered,
    ):
        command.status = "pending"
    elif _STILL_TO_DO.search(lowered) and not re.search(r"\bstarted\b", lowered):
        command.open_only = command.said_open = True  # "what do I need to get done today"
    elif re.search(
        r"\b(?:completed|done|finished|closed|accomplished|(?:tick|check|cross)(?:ed)?\s+off|wrapped\s+up"
        r"|closed\s+out|knocked\s+out)\b"
        r"|\bdid\s+(?:i|we)\s+(?:\w+\s+)?(?:finish|complete|do|get\s+done|tick\s+off|wrap\s+up|close\s+out"
        r"|knock\s+out)\b",
        lowered,
    ) and not re.search(r"\b(?:not|un|half[\s-]*)\s*(?:completed|done|finished)\b", lowered):
        command.status = "completed"
    elif re.search(r"\bnot\s+(?:been\s+|even\s+)?(?:started|begun)\b", lowered):
        command.status = "pending"  # "what's not started yet"
    elif re.search(
        r"\bin[\s_-]progress\b|\bstarted\b|\bongoing\b|\bworking\s+on\b|\bactive\b|\bin\s+the\s+middle\s+of\b"
        r"|\bon\s+the\s+go\b|\bbusy\s+with\b|\bhalf[\s-]*(?:done|finished|way\s+through)\b|\bpart(?:ly|ially)\s+done\b",
        lowered,
    ):
        command.status = "in_progress"
    elif re.search(r"\bpending\b", lowered):  # "not started" was read two branches up
        command.status = "pending"
    else:
        command.open_only = not re.search(r"\ball\b|\beverything\b|\bevery\b", lowered)
    priority = find_priority(text)
    if priority:
        command.priority = priority.value
    elif said := _MARKED_LEVEL.search(text) or _LEVEL_ASKED.search(text):
        # "which tasks are marked high?", "show me the urgent stuff", "anything urgent due this week?"
        command.priority = PRIORITY_WORDS[said.group("level").lower()]
    if re.search(
        r"\boverdue\b|\bpast\s+(?:the\s+|its\s+|their\s+)?(?:due|deadline|date)|\blate\b|\bmissed\b|\bbehind\b"
        r"|\blet\s+(?:\w+\s+)?slip\b|\bslipped\b"
        r"|\bmiss\s+(?:any|a|the)\s+(?:deadlines?|due\s+dates?)",
        lowered,
    ):
        if re.search(r"\b(?:or|and)\s+(?:(?:what'?s|that'?s|anything)\s+)?(?:due\s+)?today\b", lowered):
            command.due_before = now.date()  # "overdue or due today": everything open up to the end of today
            command.window = "by today"
        else:
            command.overdue = True
    elif re.search(
        r"\bno\s+(?:due\s+)?(?:dates?|deadlines?)\b|\bwithout\s+(?:a\s+)?(?:due\s+)?(?:dates?|deadlines?)|\bundated\b"
        r"|\b(?:don'?t|doesn'?t|do\s+not|does\s+not|haven'?t|hasn'?t)\s+(?:have|got)\s+(?:a\s+|any\s+)?(?:due\s+)?(?:dates?|deadlines?)",
        lowered,
    ):
        command.without_due_date = True
    else:
        days = find_dates(text, now)
        period = find_period(text, now)
        if len(days) == 2 and re.search(r"\b(?:or|and|to|through)\s*$|-\s*$", text[: days[1].start]):
            # "due today or tomorrow": both days and those between.
            first, last = sorted(day.when.astimezone(now.tzinfo) for day in days)
            command.due_after, command.due_before = first.date(), last.date()
            command.window = f"{describe_day(first, now)} to {describe_day(last, now)}"
        elif re.search(
            r"\b(?:in|over|within|during)\s+the\s+(?:next|coming)\s+(?:week|7\s+days|seven\s+days)\b", lowered
        ):
            command.due_after = (
                now  # "coming up in the next week": the next seven days, not next Monday's week
            )
            command.due_before = now.date() + timedelta(days=7)
            command.window = "in the next 7 days"
        elif period:
            window, _ = period
            command.due_after = window.first
            command.due_before = window.last
            command.window = window.label
        elif re.search(r"\b(?:next|coming|this)\s+(?:fortnight|two\s+weeks|2\s+weeks)\b", lowered):
            command.due_after = now
            command.due_before = now.date() + timedelta(days=14)
            command.window = "in the next 14 days"
        elif re.search(
            r"\bdue\s+soon\b|\bupcoming\b|\bcoming\s+up\b|\bnext\s+(?:few|couple(?:\s+of)?)\s+days\b|\bsoon\b",
            lowered,
        ):
            command.due_after = now
            command.due_before = now.date() + timedelta(days=7)
            command.window = "in the next 7 days"
        elif len(days) == 1:
            # "what's due Friday?": that one day; "due by Friday": up to it.
            day = days[0].when.astimezone(now.tzinfo)
            by = re.match(r"(?:due\s+)?(?:by|before|until|till)\b", text[days[0].start : days[0].end], re.I)
            by = by or re.search(r"\b(?:by|before|until|till)\s+$", text[: days[0].start], re.I)
            command.due_after = None if by else day.date()
            command.due_before = day.date()
            command.window = f"by {describe_day(day, now)}" if by else describe_day(day, now)
    query = _QUERY.search(text)
    if query is None and not command.window and not command.overdue:
        query = _FOR_SOMEONE.search(text)  # "do I have anything for Patel?"
    if query and not re.match(r"^(?:high|low|urgent|normal|no)\b", query.group("q"), re.IGNORECASE):
        # "what about my overdue stuff?": the filter words are not a text search.
        words = " ".join(
            word
            for word in clean_phrase(query.group("q")).split()
            if word not in _LIST_WORDS and word != "ones"
        )
        if words:
            command.query = words
    limit = re.search(
        r"\b(?:top|first|next|last)\s+(?P<n>\d+)\b(?!\s*(?:days?|weeks?|months?|hours?|hrs?)\b)|\b(?P<m>\d+)\s+(?:\w+\s+){0,2}(?:tasks|to-?dos|items)\b",
        lowered,
    )
    if limit:
        command.limit = int(limit.group("n") or limit.group("m"))
    if re.search(r"\bmost\s+(?:urgent|important|pressing)\b|\bby\s+priority\b|\btop\s+priorit", lowered):
        command.sort = "priority"
        command.priority = None
        if re.search(
            r"\bmost\s+(?:urgent|important|pressing)\s+(?:job|task|thing|item|to-?do)\b(?!s)", lowered
        ):
            command.limit = 1  # "whats my most important job": the one
    elif re.search(
        r"\bwhat'?s?\s+(?:is\s+)?next\b|\bnext\s+up\b|\bsoonest\b|\bby\s+(?:due\s+)?date\b|\bupcoming\b",
        lowered,
    ):
        command.sort = "due"
    return command


_FIND_VERBS = re.compile(
    r"^(?:tell\s+me\s+about|details\s+(?:of|for|on)|find|search(?:\s+for)?|look\s+(?:for|up)|locate|show\s+me|which\s+(?:tasks?|jobs?|one|thing)\s+(?:is|are|was|mentions?|has|have)"
    r"|where(?:'s|\s+is)|(?:do\s+i\s+have|have\s+i\s+got|(?:i\s+|you\s+)?got|is\s+there|are\s+there)\s+"
    r"(?:a|an|any(?:thing)?|something)"
    r"|(?:did|have)\s+i\s+(?:already\s+|ever\s+)?(?:add(?:ed)?|put(?:\s+in|\s+down)?|made?|create(?:d)?|save(?:d)?)"
    r"(?:\s+(?:a\s+task|an?|any(?:thing)?|something))?"
    r"|any(?:thing)?|when(?:'s|\s+is|\s+was))\s+",
    re.IGNORECASE,
)


_SOMETHING_ABOUT = re.compile(
    r"\b(?:something|a\s+task|a\s+thing|one|stuff|that\s+thing|the\s+thing)\s+(?:about|for|on|re|regarding|to\s+do\s+with)\s+"
    r"(?P<what>[^,.;?!]+?)\s*(?:[,.;?!]|\s+(?:where|can|could|have|did|is)\b|$)",
    re.IGNORECASE,
)


def parse_find(text: str) -> str:
    text = strip_politeness(text)
    by_id = re.search(r"(?:\btask\s*#?\s*|(?<![\w&])#)(\d+)\b", text, re.IGNORECASE)
    if by_id:
        return f"#{by_id.group(1)}"  # find_tasks reads "#12" as an id
    text = _FIND_VERBS.sub("", text)
    # "I remember adding something about the boiler, where's that?": what it was about, not the story
    about = _SOMETHING_ABOUT.search(text)
    if about:
        text = about.group("what")
    text = re.sub(
        r"\bw/\s*|\b(?:with|has|have|having|containing)\s+the\s+words?\b|\bthe\s+words?\b",
        " ",
        text,
        flags=re.I,
    )
    text = re.sub(
        r"\b(?:due|about|called|named|titled|mentioning|related\s+to|regarding|(?:to\s+)?do\s+with"
        r"|on\s+(?:my|the)\s+(?:list|to-?do\s+list))\b",
        " ",
        text,
        flags=re.I,
    )
    return clean_phrase(text)
