"""Creating tasks: one or several, with their fields cut out of the sentence.

"Create a low priority task to clean the garage in 3 days" gives the title "Clean the garage" with
priority low and a due date; "Create 3 tasks: a, b, c" and quoted titles give several. The pieces are cut
one by one (repetition, tags, description, estimate, priority, dates) and what is left, once the command
words are gone, is the title.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, get_args

from ..dates import END_OF_DAY, NUMBER_WORDS, Traced, find_dates, remove_spans, tidy
from ..fields import (
    NOT_A_LEVEL,
    PRIORITY_WORDS,
    VAGUE_TIME,
    Span,
    find_description,
    find_estimate,
    find_priority,
    find_tags,
    find_urgency,
    quoted_strings,
    strip_quotes,
)
from ..intents import is_bulleted_list, strip_politeness
from ..repetition import RelativeReminder, Repetition, find_reminder, find_repetition, first_due
from ..understanding import without_trailing_pictographs

# "Remind me to pay rent on Friday" (no time): the reminder comes that morning at this hour.
REMINDER_HOUR = 9
_REMIND_ME = re.compile(
    r"^(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?remind\s+(?:me|us)\b", re.IGNORECASE
)


@dataclass
class NewTask:
    title: str
    priority: str | None = None
    due: datetime | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    estimate_minutes: int | None = None
    # "every Friday": the due date is the first occurrence (repetition.first_due), the words the rule.
    repetition: Repetition | None = None
    # "remind me to ...": a reminder at the due time, or at 09:00 that day when only a day was named.
    remind: bool = False
    due_has_time: bool = False
    # "remind me 30 minutes before", "with a reminder the day before at 9": relative to the due date.
    before: RelativeReminder | None = None
    # "submit the grant application, the deadline is tomorrow": no priority said, but words that suggest
    # one; the answer offers it (the user's own priority word always wins).
    suggested_priority: str | None = None
    # "I've already started on it": a new task that is under way (in_progress); None: pending.
    status: str | None = None

    @property
    def repeats(self) -> str | None:
        """The words that said the repetition ("every weekday")."""
        return self.repetition.phrase if self.repetition else None

    def reminder(self) -> dict[str, object] | None:
        if self.due is None:
            return None
        if self.before is not None:
            return {"before_minutes": self.before.before_minutes(self.due)}
        if not self.remind:
            return None
        if self.due_has_time:
            return {"before_minutes": 0}
        morning = self.due.replace(hour=REMINDER_HOUR, minute=0, second=0, microsecond=0)
        if self.recurrence is not None:
            # Relative, so that it moves with each occurrence: 09:00 on each one's day.
            return {
                "before_minutes": RelativeReminder("", (0, 0), days=0, at=morning.time()).before_minutes(
                    self.due
                )
            }
        return {"at": morning.isoformat(timespec="seconds")}

    @property
    def recurrence(self) -> str | None:
        return self.repetition.rule if self.repetition else None

    @property
    def repeat_from(self) -> str | None:
        """`due`, or `completion` when the words say so ("every 3 days after I do it") or there is no
        first date."""
        if self.recurrence is None or self.repetition is None:
            return None
        return "completion" if self.repetition.from_completion or self.due is None else "due"

    def arguments(self) -> dict[str, object]:
        """The `create_tasks` item for this task (ISO 8601 with offset for the due date)."""
        item: dict[str, object] = {"title": self.title}
        if self.description:
            item["description"] = self.description
        if self.priority:
            item["priority"] = self.priority
        if self.status:
            item["status"] = self.status
        if self.due is not None:
            item["due_date"] = self.due.isoformat(timespec="seconds")
        if self.tags:
            item["tags"] = self.tags
        if self.estimate_minutes:
            item["estimate_minutes"] = self.estimate_minutes
        if self.recurrence is not None:
            item["recurrence"] = self.recurrence
            if self.repeat_from == "completion":
                item["repeat_from"] = "completion"
        reminder = self.reminder()
        if reminder is not None:
            item["reminders"] = [reminder]
        return item


@dataclass
class CreateCommand:
    tasks: list[NewTask]


_CREATE_PREFIX = re.compile(
    r"^(?:"
    r"(?:create|add|make|new|set\s+up|set|log|record|register|jot\s+down|note\s+down|write\s+down|put\s+down|put|schedule"
    r"|open|start|pop|chuck|stick|bung)\s+(?:in\s+|on\s+)?"
    r"(?:me\s+|us\s+)?(?:(?:a|an|another|one|the|new|quick|single|\d+|two|three|four|five|six|some|few|these"
    r"|following|more|weekly|daily|monthly|yearly|recurring|repeating|regular|separate|small|little)\s+)*(?:tasks?|to-?dos?|reminders?|action\s+items?|items?|entry|entries|notes?|jobs?)(?:\s+(?:items?|entry))?\b"
    r"(?:\s+(?:to|on|in|onto)\s+(?:my|the)\s+(?:\w+\s+)?list|\s+in(?=\s+(?:for|to)\b))?"
    r"(?:\s+(?:called|named|titled|saying|that\s+says|with\s+(?:the\s+)?(?:title|name)|for\s+me\s+to|for\s+me|for|to"
    r"|about|regarding|so\s+i\s+can"
    r"|so\s+that\s+i))?"
    r"\s*(?:[:,\u2013\u2014-]\s*)?"
    r"|remind\s+(?:me|us)(?:\s+(?:to|about|that|of))?\s+"
    r"|don'?t\s+(?:let\s+me\s+)?forget(?:\s+(?:to|about))?\s+"
    r"|make\s+sure\s+(?:i|we)\s+"
    r"|(?:(?:i|we)\s+(?:want|would\s+like|should\s+like|'d\s+like|wanna)\s+to\s+(?:add|create|make|set\s+up)\s+)"
    r"(?:a|an|another)\s+(?:new\s+)?(?:task|to-?do|reminder)(?:\s+(?:to|for|about|called|named|titled)\s+"
    r"|\s*[:\u2013\u2014-]+\s*)"
    r"|(?:(?:i|we)\s+(?:want|would\s+like|should\s+like|'d\s+like|need)\s+)?(?:a|an|another)\s+(?:new\s+)?(?:task|to-?do|reminder)"
    r"\s+(?:(?:added|created|set\s+up|made|put\s+in)\s+)?(?:to|for|about|called|named|titled)\s+"
    r"|(?:i|we)\s+(?:have|'ve\s+got|got)\s+(?:a|an)\s+(?=\w)"
    r"|(?:(?:i|we)\s+)?(?:really\s+|still\s+|also\s+|definitely\s+)?(?:need|have|must|should|gotta|got|ought)"
    r"(?:\s+really)?(?:\s+(?:a|an|another)\s+(?:new\s+)?(?:task|to-?do|reminder)(?:\s+(?:to|for|about|:))?"
    r"|\s+to)?\s+"
    r"|(?:new\s+)?(?:task|to-?do|reminder|item)\s*[:\u2013\u2014-]\s*"
    r"|note\s+to\s+self\s*[:,\u2013\u2014-]?\s*"
    r"|(?:add|put)\s+(?:this\s+|these\s+)?(?:to|on|in|onto)\s+(?:my|the)\s+(?:task\s+|to-?do\s+)?"
    r"(?:list|tasks|to-?dos?|to-?do\s+list)\s*[:,\u2013\u2014-]?\s*"
    r"|(?:create|add|make(?!\s+(?:a|an|the|some|my|our|sure)\b)|new|jot\s+down|note\s+down|write\s+down|put\s+down"
    r"|put\s+in(?=\s*:)|put)\s*:?\s+"
    r")",
    re.IGNORECASE,
)
# What a lead into a request can leave before the task: "make sure I [don't forget to] send the contract".
_SECOND_LEAD = re.compile(
    r"^(?:(?:do\s+not|don'?t|not)\s+(?:let\s+me\s+)?forget|remember|i\s+remember|i\s+don'?t\s+forget)"
    r"\s+(?:to|about)\s+",
    re.IGNORECASE,
)
_LIST_SUFFIX = re.compile(
    r"[\s,]+(?:(?:to\s+be\s+)?(?:put|added|placed)\s+)?(?:to|on|in|onto|into)\s+(?:my|the|our)?\s*(?:\w+\s+){0,3}?"
    r"(?:list|tasks|to-?\s?dos?'?s?)(?:\s+(?:of|for)\s+(?:\w+\s+){0,2}?(?:things|tasks|stuff|chores|reminders|to-?dos?)"
    r"(?:\s+to\s+(?:do|complete|accomplish|get\s+done))?|\s+to\s+do)?\s*$"
    r"|\s+as\s+(?:a\s+)?(?:new\s+)?(?:task|to-?do|reminder)\s*$",
    re.IGNORECASE,
)
_PLURAL = re.compile(
    r"\bthese\b(?=\s*[:\n])|\b(?:(?P<count>\d+|two|three|four|five|six|seven|eight|nine|ten|several|some|few|these|the\s+following)\s+)?"
    r"(?:\w+\s+)?(?:tasks|to-?dos|reminders|items|things|jobs|errands|chores)\b",
    re.IGNORECASE,
)


# The fields a sentence can set, as the task API names them, in the order they are read.
FieldName = Literal[
    "reminders", "recurrence", "tags", "description", "estimate_minutes", "priority", "due_date"
]
FIELDS: tuple[FieldName, ...] = get_args(FieldName)


@dataclass(frozen=True)
class Recognised:
    """Words read as a field: `text` as read, `start`/`end` where they sit in the text given."""

    field: FieldName
    text: str
    start: int
    end: int


@dataclass
class _Modifiers:
    priority: str | None = None
    due: datetime | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    estimate: int | None = None
    repetition: Repetition | None = None
    before: RelativeReminder | None = None
    recognised: list[Recognised] = field(default_factory=list)
    due_has_time: bool = False
    # A time said alone ("11am unblock the sink") names no day; a list's head may ("tomorrow: 8am ...").
    due_has_day: bool = True
    suggested_priority: str | None = None

    def as_task(self, title: str, defaults: _Modifiers) -> NewTask:
        """The task these fields describe; a field not read here comes from `defaults` (the fields a list's
        head gives every item: "Create 3 urgent tasks for tomorrow: ...")."""
        own_due = self.due is not None
        due = self.due or defaults.due
        if self.due is not None and not self.due_has_day and defaults.due is not None:
            day = defaults.due.astimezone(self.due.tzinfo).date()
            due = self.due.replace(year=day.year, month=day.month, day=day.day)
        return NewTask(
            title=title,
            priority=self.priority or defaults.priority,
            due=due,
            tags=self.tags or list(defaults.tags),
            description=self.description or defaults.description,
            estimate_minutes=self.estimate or defaults.estimate,
            repetition=self.repetition or defaults.repetition,
            due_has_time=self.due_has_time if own_due else defaults.due_has_time,
            before=self.before or defaults.before,
            suggested_priority=None
            if self.priority or defaults.priority
            else self.suggested_priority or defaults.suggested_priority,
        )


def _take_modifiers(text: Traced, now: datetime, ignore: Collection[str] = ()) -> tuple[Traced, _Modifiers]:
    """Cut the field values out of `text`; return what is left and the values.

    A field named in `ignore` is still found, so that its words are not read as another field ("every
    Friday" is not a due date), but they stay in the text as they were typed.
    """
    found = _Modifiers()
    text = text.squeeze()

    def take(name: FieldName, spans: list[Span]) -> bool:
        nonlocal text
        if name in ignore:
            text = text.mask(spans)
            return False
        for start, end in spans:
            words = text.text[start:end]
            start += len(words) - len(words.lstrip(" ,;"))
            end -= len(words) - len(words.rstrip(" ,;"))
            if end > start:
                first, last = text.span_in_original(start, end)
                found.recognised.append(Recognised(name, text.text[start:end], first, last))
        text = text.cut(spans)
        return True

    before = find_reminder(text.text, bare=bool(_REMIND_ME.match(text.text)))
    if before and take("reminders", [before.span]):
        found.before = before
    repetition = find_repetition(text.text)
    if repetition and take("recurrence", [repetition.span]):
        found.repetition = repetition
        if repetition.rule is not None:
            found.due = first_due(repetition.rule, now, END_OF_DAY)
    tags, tag_spans = find_tags(text.text)
    if tag_spans and take("tags", tag_spans):
        found.tags = tags
    description = find_description(text.text)
    if description and take("description", [description[1]]):
        found.description = description[0]
    estimate = find_estimate(text.text)
    if estimate and take("estimate_minutes", [estimate[1]]):
        found.estimate = estimate[0]
    priority = find_priority(text.text)
    if priority and take("priority", priority.spans):
        found.priority = priority.value
    urgency = None if priority else find_urgency(text.text)
    if urgency and take("priority", urgency.spans):
        found.suggested_priority = urgency.value
    said_deadline = _DEADLINE.search(text.text) is not None
    dates = find_dates(text.text, now)
    if dates and take("due_date", [(match.start, match.end) for match in dates]):
        match = dates[0]
        rule = found.repetition.rule if found.repetition else None
        # A time alone with a rule ("every weekday at 9:30", "daily at 7am") is the rule's first date
        # still to come at that time, not the next 9:30 whatever the day.
        at = match.when.timetz().replace(tzinfo=None)
        found.due = match.when if match.has_day or rule is None else first_due(rule, now, at)
        found.due_has_time = match.has_time
        found.due_has_day = match.has_day or rule is not None
        if said_deadline and not priority and found.due.date() <= now.date() + timedelta(days=1):
            found.suggested_priority = "high"  # "the deadline is tomorrow"
    return text, found


def clean_title(text: str) -> str:
    """A title as people write it: no command words, no list suffix, no quotes, a capital first letter."""
    return _title_words(text)[:200].strip()


# Words that talk to the assistant about the list, not about the task: a clause made of these alone ("can
# you put that on my list", "this one's", "add it pls") is no part of a title.
_ASIDE_WORDS = frozenset(
    """i i'd i'm i'll we you u can could would will please pls plz add put stick pop bung chuck it it's that
    that's this these them one one's on onto to in into my the a an for me list task tasks todo to-do todos
    reminder item note thanks thx thank ty cheers ok okay hey hi so just also and too as well new set up make
    create jot down write is there quick ugh um uh lol haha maybe if possible mind do don't let remember real
    really very pretty thing here now again oh hmm yeah yes sure fine nicely nothing remind forget excuse
    register kindly""".split()  # noqa: SIM905  (a list of 100 words reads better so)
)
# Emoji mark a clause's end too: "clean my room before mom gets home 😭 add it".
_CLAUSE_MARK = re.compile(
    r"\s*(?:[,;:!?]+|\.(?=\s)|\s[-\u2013\u2014]\s|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]+)\s*"
)
# Chat slang said after (or before) a task's words: "finish my bio lab report lol", "ngl ...".
_SLANG_EDGE = re.compile(
    r"(?:^(?:(?:ngl|tbh|lol|lmao|honestly|fyi)\W+)+|(?:\W+(?:lol|lmao|lmfao|ngl|tbh|fyi|haha+|xd|rn|i\s+guess|i\s+suppose"
    r"|i\s+think|probably))+\W*$)",
    re.I,
)
# How people lead into what they have to do: "i keep forgetting to", "i should probably", "i've been meaning
# to"; and the vague times that are no part of a title ("at some point", "one of these days").
_HEDGE = re.compile(
    r"^(?:(?:ugh+|argh+|hmm+|um+|oh|ok(?:ay)?|so|right|honestly)\W+)*"
    r"(?:(?:i'?m\s+|i\s+am\s+|was\s+)?thinking\s+|i\s+think\s+|i\s+reckon\s+)?"
    r"(?:(?:i|we)(?:'ve|\s+have|'m|\s+am|'d|\s+would|'ll|\s+will)?\s+)"
    r"(?:(?:really|probably|definitely|still|also|seriously|totally|prob|actually|finally|just|kinda)\s+)*"
    r"(?:keep\s+forgetting\s+(?:to|about)|keep\s+meaning\s+to|been\s+meaning\s+to|mean\s+to|meant\s+to|should|must|need\s+to"
    r"|have\s+to|gotta|got\s+to|ought\s+to|want\s+to|wanna|like\s+to|better|going\s+to|gonna|can|could|might"
    r"|plan\s+to|planning\s+to|hope\s+to|hoping\s+to|try\s+to|remember\s+to)\s+"
    r"(?:(?:really|probably|definitely|still|also|actually|finally|maybe|prob|try\s+to|remember\s+to)\s+)*",
    re.IGNORECASE,
)
# What a cut can leave at a title's start: "[low priority] but at some point i should sort out the loft",
# "[put down] that i have to prepare the handover notes".
_LEADING_JOINT = re.compile(
    rf"^(?:(?:but|and|so|also|that)\s+|(?:{VAGUE_TIME})\b[\s,]*"
    # "first, review the lease; second, ...", "one to prepare the memo, and another to book the room"
    r"|(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth(?:ly)?|fifth(?:ly)?|lastly|last(?:ly)?\s+of\s+all)\s*[,:]\s*"
    r"|(?:one|another|the\s+other|a\s+second|a\s+third)\s+(?=to\s))+",
    re.IGNORECASE,
)
_LEADING_ADVERB = re.compile(r"^(?:probably|definitely|really|maybe|actually|finally|still|also)\s+", re.I)
_VAGUE_WHEN = re.compile(
    rf"[\s,]+(?:{VAGUE_TIME}|one\s+day|soon(?:ish)?|in\s+the\s+near\s+future)\b(?=[\s,.!?]*$)",
    re.IGNORECASE,
)
# Words a cut can leave dangling at a title's end: "submit the grant application, the" (once "deadline is
# tomorrow" went to the due date).
_DANGLING = re.compile(
    r"(?:[\s,;:]+(?:the|a|an|by|is|are|due|and|with|of|for|before|until|from|deadline|date|which|that|latest"
    r"|it\s+(?:runs\s+out|expires|ends|closes|is\s+due)|it'?s\s+due))+$",
    re.IGNORECASE,
)


# "no real deadline", "nothing pressing": a clause that says the task has no date or hurry (it sets nothing).
_NO_DEADLINE = re.compile(
    r"(?:and\s+)?(?:(?:there'?s\s+)?no|without\s+(?:a|any)|nothing)\s+(?:real\s+|particular\s+|specific\s+|set\s+|hard\s+"
    r"|fixed\s+)?(?:deadline|due\s+date|date|rush|hurry|pressing|urgent)(?:\s+(?:on\s+it|really|as\s+such))?",
    re.IGNORECASE,
)
# "ok so I think I need to, like, add a thing to reread the paper": the lead-in before the words that add.
_LEAD_IN_THEN_ADD = re.compile(
    r"^(?P<lead>[^.!?]*?)\b(?:add|create|make|put|jot\s+down|set\s+up)\s+(?:a|an)\s+(?:new\s+)?"
    r"(?:task|thing|to-?do|reminder|item|entry)\s+(?:to|for|about)\s+(?=\w)",
    re.IGNORECASE,
)
_LEAD_IN_WORDS = _ASIDE_WORDS | frozenset(
    ["think", "need", "like", "guess", "reckon", "probably", "kinda", "sorta", "actually", "well"]
)


# "ok brain dump time, can you add: a, b, c": a clause of its own before the words that add a list.
_LEAD_IN_THEN_ADD_A_LIST = re.compile(
    r"^[^:\n]{1,60}?[,.!;\u2013\u2014-]+\s*(?:(?:can|could|would|will)\s+(?:you|u)\s+|please\s+|pls\s+|so\s+)*"
    r"(?P<add>(?:add|put\s+down|jot\s+down|note\s+down)(?:\s+(?:these|this|the\s+following|them))?\s*:)",
    re.IGNORECASE,
)


def _without_lead_in(text: str, now: datetime) -> str:
    """The request from the words that add on, when all before them is a lead-in ("ok so I think I need to,
    like, add a thing to ...", "ok brain dump time, can you add: ...")."""
    listed = _LEAD_IN_THEN_ADD_A_LIST.match(text)
    if listed:
        # "right, sunday admin, could you add: ...": the lead's fields are every item's, its other words none
        head = text[: listed.start("add")]
        spans = [(day.start, day.end) for day in find_dates(head, now)]
        level = find_priority(head)
        spans += list(level.spans) if level is not None else []
        fields = " ".join(head[start:end] for start, end in sorted(spans))
        return f"{fields}, {text[listed.start('add') :]}" if fields else text[listed.start("add") :]
    lead = _LEAD_IN_THEN_ADD.match(text)
    if (
        lead
        and lead.group("lead").strip()
        and all(word in _LEAD_IN_WORDS for word in re.findall(r"[a-z][a-z'-]*", lead.group("lead").lower()))
    ):
        return text[lead.end() :]
    return text


def _without_asides(text: str) -> str:
    """The clauses of a title that say something about the task, when some only talk to the assistant."""
    pieces = _CLAUSE_MARK.split(text)
    if len(pieces) < 2:
        return text
    kept = [
        piece
        for piece in pieces
        if not all(word in _ASIDE_WORDS for word in re.findall(r"[a-z][a-z'-]*", piece.lower()))
        and not _NO_DEADLINE.fullmatch(piece.strip(" ."))
    ]
    if not kept or len(kept) == len(pieces):
        return text
    # From the first clause that stays to the last, as typed (an aside between two stays: it is rare).
    first, last = text.find(kept[0]), text.rfind(kept[-1]) + len(kept[-1])
    return text[first:last]


# A clause after the task's own words that only says why, or how the writer feels: "..., his shoes are plumb
# wore out", "!! It's because they need numbers", "... ngl im cooked", "... because the bus only goes after
# lunch". It starts with a subject of its own (not "I need to", which is a task said so) or a reason's word.
_REMARK_CLAUSE = re.compile(
    r"^(?:because|'?cause|cos|coz|cuz|since|otherwise|or\s+(?:else|we|they|i|she|he|mum|mom|dad)|ngl|tbh"
    r"|it'?s|its|it\s+(?:is|was|has|had|runs|will|needs|should|must)|they|they'?re|they'?ve|they'?ll|theyre"
    r"|she'?s|he'?s|she|he|his|their|there'?s|that'?s|thats|ain'?t|i'?m|im|i'?ll|i'?ve|ive|i\s+(?:am|was|will|have|had"
    r"|know|think|guess|reckon|keep|always|never|hate|love|really|can'?t|don'?t)|we'?re|we'?ve|we\s+(?:are|were|have|had)"
    r"|(?:the|my|our|your|her)\s+\w+(?:\s+\w+)?\s+(?:is|are|was|were|has|have)|(?:the|my|our)\s+\w+'s\s+\w+ing"
    r"|(?:has|have|needs?|got)\s+to\s+be|must\s+be"
    r"|\w+s\s+are)\b",
    re.IGNORECASE,
)
# Where a remark can begin without a stop: "study for the chem test ngl im cooked", "call the vet because ..."
_REMARK_JOINT = re.compile(r"\s+(?=(?:because|'?cause|cos|coz|cuz|ngl|tbh)\s)|" + _CLAUSE_MARK.pattern, re.I)


def _without_trailing_remarks(text: str) -> str:
    """The task's words without the remarks said after them (see `_REMARK_CLAUSE`); the first clause stays."""
    cut = None
    for joint in _REMARK_JOINT.finditer(text):
        if joint.start() == 0:
            continue
        if _REMARK_CLAUSE.match(text[joint.end() :]) and not _HEDGE.match(text[joint.end() :]):
            cut = joint.start()
            break
    return text if cut is None else text[:cut]


# "taste-test the cake flavours!!! (lemon is going to win, calling it now!!)": a remark in brackets, last
_REMARK_IN_BRACKETS = re.compile(r"\s*\((?P<inside>[^()]{3,})\)[\s.!?]*$")


def _without_a_remark_in_brackets(text: str) -> str:
    inside = _REMARK_IN_BRACKETS.search(text)
    if inside is None or not text[: inside.start()].strip():
        return text
    said = inside.group("inside").strip()
    if _REMARK_CLAUSE.match(said) or re.search(r"\s(?:is|are|was|were)\s|!|\blol\b|\bhaha", said, re.I):
        return text[: inside.start()]
    return text


def _title_words(text: str) -> str:
    """`clean_title` before it is cut to the 200 characters a title may have."""
    # the remarks after the task's words go first: a list's name may follow them ("clean my room to my list")
    text = _without_trailing_remarks(_without_asides(_without_a_remark_in_brackets(tidy(text).rstrip(".!?"))))
    listed = _LIST_SUFFIX.sub("", text)
    if listed != text:
        # "stick 'cancel the old phone plan' on my todo list": the verb only puts it there
        listed = re.sub(
            r"^(?:stick|pop|bung|chuck|put|add|jot(?:\s+down)?|write(?:\s+down)?)\s+(?=[\"'\u201c\u2018])",
            "",
            listed,
            flags=re.I,
        )
    text = strip_quotes(tidy(listed))
    text = _without_asides(text)
    text = _SLANG_EDGE.sub("", text)
    text = _LEADING_JOINT.sub("", text)
    text = _HEDGE.sub("", text, count=1)
    text = _LEADING_ADVERB.sub("", text)
    text = _VAGUE_WHEN.sub("", text)
    # "[need] reminder [in 3 days] to check the invoice", "I would appreciate a reminder, [...], to follow up"
    text = re.sub(
        r"^(?:(?:i(?:\s+would|'d)?\s+)?(?:appreciate|need|want|like)\s+)?(?:a\s+)?reminder[\s,]+(?=(?:to|about|that)\s)",
        "",
        text,
        flags=re.IGNORECASE,
    )
    # "put on my list to take Duke to the farrier": the list it goes on
    text = re.sub(r"^(?:on|onto|in)\s+(?:my|the)\s+(?:\w+\s+)?list\s+(?=to\s|that\s)", "", text, flags=re.I)
    text = re.sub(
        r"^(?:to|that|about|regarding|for|of|i\s+(?:need|have)\s+to|(?:i|we)\s+(?:have|'ve\s+got)(?=\s+an?\s))\s+",
        "",
        text,
        flags=re.IGNORECASE,
    )
    text = re.sub(r"\s+(?:task|to-?do|reminder|please)$", "", text, flags=re.IGNORECASE)
    text = _DANGLING.sub("", tidy(text).rstrip(".!?"))
    text = tidy(text).rstrip(".!?")
    # "clean my room 😩": a feeling after the task, not part of its name
    text = without_trailing_pictographs(text)
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text


def _read(
    fragment: str, now: datetime, ignore: Collection[str] = (), *, command: bool = True
) -> tuple[str, _Modifiers]:
    """One task's words: its title (not yet cut to 200 characters) and its fields. A `command` ("add a task
    to ...") loses its command words; otherwise the title is the words left as typed."""
    rest, found = _take_modifiers(Traced.of(fragment), now, ignore)
    left = tidy(rest.unmask(fragment))
    if command:
        left = _SECOND_LEAD.sub("", _CREATE_PREFIX.sub("", left, count=1), count=1)
    return (_title_words(left) if command else left), found


# A level said last on its own ("redo the allergen matrix. high. end of month.", "pay rent tomorrow high"):
# after a stop or a date, the word is the task's priority, not its title's.
_LEVEL_LAST = re.compile(r"(?:[.,;:!\u2013\u2014-]|^)\s*(?P<level>urgent|high|low)\s*[.!]*$", re.IGNORECASE)


def _level_last(title: str, fragment: str, now: datetime, found: _Modifiers) -> str:
    """The title without a level said last on its own, which becomes the task's priority (see _LEVEL_LAST)."""
    if found.priority is not None or len(title.split()) < 2:
        return title
    level = _LEVEL_LAST.search(title)
    if level is None and _level_right_after_a_date(fragment, now):
        level = re.search(r"\s(?P<level>urgent|high|low)\s*[.!]*$", title, re.IGNORECASE)
    if level is None:
        return title
    found.priority = PRIORITY_WORDS[level.group("level").lower()]
    return title[: level.start()].rstrip(" ,.;:-")


def _level_right_after_a_date(fragment: str, now: datetime) -> bool:
    """ "pay rent tomorrow high": the fragment ends with a level word that follows its last date."""
    said = re.search(r"\s(?:urgent|high|low)\s*[.!]*$", fragment, re.IGNORECASE)
    dates = find_dates(fragment, now) if said else []
    return bool(dates) and said is not None and not fragment[dates[-1].end : said.start()].strip()


def _new_task(fragment: str, now: datetime, defaults: _Modifiers | None = None) -> NewTask | None:
    title, found = _read(fragment, now)
    title = _level_last(title[:200].strip(), fragment, now, found)
    if not title or not re.search(r"\w", title):
        return None
    return found.as_task(title, defaults or _Modifiers())


_FILLER_ITEM = re.compile(
    r"(?:and\s+)?(?:and|&|um+|uh+|er+m?|like|oh|also|then|plus|hmm+|first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth"
    r"|fifth|lastly|finally|next)(?:\s+(?:um+|uh+|er+m?|like|oh))*",
    re.I,
)
_DASHED_ASIDE = re.compile(
    r"\s+(?:--|\u2013|\u2014)\s+(?P<aside>[^-\u2013\u2014]{1,60}?)\s+(?:--|\u2013|\u2014)\s+"
)


def _without_an_aside(item: str) -> str:
    """ "third -- this is the important one -- to pay the water bill": the item without its aside, which
    gives it at most a priority."""
    aside = _DASHED_ASIDE.search(item)
    if aside is None:
        return item
    said = find_priority(aside.group("aside"))
    rest = _DASHED_ASIDE.sub(" ", item, count=1)
    return f"{rest}, {said.value} priority" if said is not None else rest


# "first, to post the card; second, to book the sweep": the word that counts an item, and its "to"
_COUNTED_ITEM = re.compile(
    r"^(?:and\s+)?(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth|fifth|lastly|finally)\b[\s,:-]*", re.I
)


_FIELD_ITEM = re.compile(
    r"^(?:due(?:\s+(?:on|by|date))?|deadline|(?:urgent|high|low|normal)\s+prio(?:rity)?)\b[^,;]{0,25}$",
    re.IGNORECASE,
)


def _split_items(body: str, count: int | None) -> list[str]:
    body = re.sub(
        r"(?:(?<=\s)|^)(?:and\s+)?\((\d{1,2})\)\s+", r"\1) ", body
    )  # "(1) read …; and (2) outline …"
    if len(re.findall(r"(?:^|\s)\d+[.)]\s", body)) >= 2:
        # "1. buy paint 2. paint the fence": an inline numbered list.
        body = re.sub(r"(?:^|\s+)\d+[.)]\s+", "\n", body)
    lines = [line for line in re.split(r"\s*\n\s*", body) if line.strip()]
    if len(lines) > 1:
        items = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line) for line in lines]
    else:
        # "a, due tomorrow; and b, due in 3 days": semicolons part the items, commas then belong to them
        parts = r"\s*;\s*" if ";" in body else r"\s*(?:;|,)\s*"
        items = [part.strip() for part in re.split(parts, body) if part.strip()]
        items = [re.sub(r"^(?:and|&)\s+", "", item, flags=re.IGNORECASE) for item in items]
        # "..., and, um, book a room": the words between the items are none
        items = [item for item in items if not _FILLER_ITEM.fullmatch(item.strip(" .!"))]
        # "third -- this is the important one -- to pay the water bill": the aside goes after the task
        items = [_without_an_aside(item) for item in items]
        uncounted = [_COUNTED_ITEM.sub("", item) for item in items]
        if len(items) >= 2 and all(re.match(r"(?:and\s+)?to\s+\w", item, re.I) for item in uncounted):
            items = [re.sub(r"^(?:and\s+)?to\s+", "", item, flags=re.I) for item in uncounted]
    if len(lines) == 1:
        # "one to prepare the memo, due Friday, and another to book the room": a field between commas
        # belongs to the item before it
        merged: list[str] = []
        for item in items:
            if merged and _FIELD_ITEM.match(item):
                merged[-1] = f"{merged[-1]}, {item}"
            else:
                merged.append(item)
        items = merged
    if len(items) >= 2 and len(lines) == 1:
        # "a, b and c": the last comma item holds two (not a line or a numbered item of its own).
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


# "..., and get the MCA paperwork sorted. Both urgent.", "\nboth high", "Make both high priority": fields said
# last of every task the message names.
_FOR_EACH_LAST = re.compile(
    r"(?:^|(?<=[.!?\n;,])|\s+(?=(?:and\s+)?(?:make\s+)?(?:them\s+)?(?:both|all\s+of\s+them|each)\b))\s*"
    r"(?P<said>(?:and\s+)?(?:make\s+|set\s+|mark\s+)?(?:them\s+)?(?:both|all\s+of\s+them|all\s+three|each(?:\s+one)?)"
    r"(?:\s+of\s+(?:them|those|these))?(?:\s+(?:are|is|should\s+be|need\s+to\s+be|to|as))?\s+(?P<fields>[^.!?\n]+?))"
    r"[.!?]*\s*$",
    re.IGNORECASE,
)


def _fields_for_each(text: str, now: datetime) -> tuple[str, _Modifiers | None]:
    """The message without a last part that only gives every task its fields, and those fields."""
    said = _FOR_EACH_LAST.search(text)
    if said is None or not text[: said.start("said")].strip():
        return text, None
    fields = said.group("fields")
    if re.fullmatch(r"\s*(?:urgent|high|low|normal|medium)\s*", fields, re.IGNORECASE):
        fields += " priority"  # "both high"
    rest, found = _take_modifiers(Traced.of(fields), now)
    if re.search(r"[a-z]", rest.text.replace("priority", "").replace("prio", ""), re.IGNORECASE):
        return text, None  # more than fields: not said of every task
    return text[: said.start("said")].rstrip(" ,;"), found


# "... tomorrow at 7.30am. sorry 7.45", "... high priority, by friday. Actually not high, just normal": a
# correction said last, whose fields replace those said before it.
_CORRECTION = re.compile(
    r"(?:[.,;!?]+\s+|\s+-\s+|\s+)(?P<said>(?:no\s+wait|wait\s+no|wait|sorry|oops|actually(?:\s+no)?|i\s+mean(?:t)?"
    r"|or\s+rather)\b[\s,.!]*(?:(?:make|change)\s+(?:it|that)\s+|it'?s\s+)?(?P<rest>(?:[^.!?]|\.(?=\d))*?))[.!?]*\s*$",
    re.IGNORECASE,
)


def _corrected_last(text: str, now: datetime) -> tuple[str, _Modifiers | None]:
    """The message without a correction said last, and the fields the correction gives."""
    said = _CORRECTION.search(text)
    if said is None or not text[: said.start()].strip():
        return text, None
    rest = _without_trailing_remarks(said.group("rest"))
    rest = NOT_A_LEVEL.sub(" ", rest).strip(" ,;")
    if re.fullmatch(r"\s*(?:just\s+)?(?:urgent|high|low|normal|medium)\s*", rest, re.IGNORECASE):
        rest += " priority"  # "just normal"
    rest = re.sub(r"^(\d{1,2})[.:](\d{2})$", r"at \1:\2", rest)  # "sorry 7.45": a time
    left, found = _take_modifiers(Traced.of(rest), now)
    if found.due is None and found.priority is None:
        return text, None
    if re.search(
        r"[a-z]", re.sub(r"\b(?:just|then|instead|priority|prio)\b", "", left.text, flags=re.I), re.I
    ):
        return text, None  # more than fields: a task of its own, or a remark
    return text[: said.start()], found


def parse_create(text: str, now: datetime) -> CreateCommand | None:
    """The tasks a request creates, or None when it names none ("Create a task")."""
    text = _without_a_remark_in_brackets(_without_lead_in(strip_politeness(text), now))
    text, for_each = _fields_for_each(text, now)
    text, correction = _corrected_last(text, now)
    command = _parse_create(text, now)
    if command is not None and correction is not None and len(command.tasks) == 1:
        task = command.tasks[0]
        task.priority = correction.priority or task.priority
        if correction.due is not None and correction.due_has_day:
            task.due, task.due_has_time = correction.due, correction.due_has_time
        elif correction.due is not None and task.due is not None:
            # "sorry 7.45": the time changes, the day stays
            task.due = datetime.combine(task.due.date(), correction.due.timetz())
            task.due_has_time = True
    if command is not None and for_each is not None and len(command.tasks) > 1:
        for task in command.tasks:
            task.priority = task.priority or for_each.priority
            if task.due is None and for_each.due is not None:
                task.due, task.due_has_time = for_each.due, for_each.due_has_time
    return command


def _parse_create(text: str, now: datetime) -> CreateCommand | None:
    started = _ALREADY_STARTED.search(text)
    if started:
        text = tidy(_ALREADY_STARTED.sub(" ", text))
    tasks = _quoted_titles(text, now) or _listed_titles(text, now)
    if tasks is None:
        tasks = _joined_tasks(text, now)
    if tasks is None:
        # "return the library books. They are due back in five days.": a sentence about the task after it
        # gives its fields, not its title
        about = _ABOUT_IT_AFTER.search(text)
        defaults = _take_modifiers(Traced.of(about.group("about")), now)[1] if about else None
        single = _new_task(text[: about.start()] if about else text, now, defaults)
        tasks = [single] if single else []
    if len(tasks) > 1:
        tasks = _without_stray_pieces(tasks)
    if started and len(tasks) == 1:
        tasks[0].status = "in_progress"
    if _REMIND_ME.match(text):
        for task in tasks:
            task.remind = True
    return CreateCommand(tasks) if tasks else None


# "I already started it", "already in progress", "(started)", "so perhaps mark it as in progress?": a new task
# said to be under way. Never a title's own verb ("start the car"): "already", "I've", "mark it" or brackets
# say so.
_ALREADY_STARTED = re.compile(
    r"[\s,;:-]*(?:(?:and|but|so)\s+)?(?:"
    r"(?:(?:i|we)(?:'ve|\s+have)?\s+)?already\s+(?:started|begun|begin|in\s+progress|under\s*way|working\s+on)"
    r"(?:\s+(?:on\s+)?(?:it|this|that|them))?(?:,?\s+in\s+a\s+manner\s+of\s+speaking)?"
    r"|(?:i|we)(?:'ve|\s+have)\s+started(?:\s+on)?\s+(?:it|this|that)"
    r"|(?:(?:perhaps|maybe|please|pls|so)\s+)*(?:mark|set|put)\s+it\s+(?:as\s+|to\s+)?(?:in\s+progress|started|ongoing)"
    r"|\((?:started|in\s+progress|wip|ongoing)\)"
    r")[\s,.;!?]*(?=$|[,;:-]|\s)",
    re.IGNORECASE,
)


# What a piece split off a list can say besides its fields when it is no task: "low priority is fine", "not
# urgent", "low priority will do nicely".
_SAYS_NOTHING_MORE = frozenset(
    """is fine ok okay alright will would do does nicely good great enough works work be that's that it's it
    not no real really nothing pressing just please pls thanks thank you i guess suppose think for
    now honestly tbh ngl seriously also and reckon""".split()  # noqa: SIM905  (a list reads better so)
)
# "check the boiler at Flat 1, 9 Mill Lane": the rest of an address after its comma, not a task.
_ADDRESS_REST = re.compile(
    r"^\d+[a-z]?\s+(?:[A-Z][\w'-]*\s+)+(?:street|st|road|rd|lane|ln|avenue|ave|close|drive|dr|way|place|court"
    r"|crescent|terrace|grove|gardens|square|hill)\b\.?$",
    re.IGNORECASE,
)


_A_REMARK = re.compile(
    r"^(?:they'?re|they\s+are|he'?s|she'?s|we'?re|it'?s\s+(?:for|because|been)|i\s+(?:want|need|'d\s+like)\s+(?:it|them)"
    r"|(?:i|we)\s+(?:dropped|promised|said|told|think|guess)"
    # "..., since finals are still a while off": why, not what
    r"|(?:since|because|cos|'?cause|coz|as)\s+(?:i|we|it|they|he|she|the|my|finals?|there)\b)\b",
    re.IGNORECASE,
)


# "...; please treat it as high priority, although ...", "and make it due friday": fields for the task before
_FIELDS_FOR_IT = re.compile(
    r"^(?:(?:please|pls|kindly|and|but|also|so|then)\s+)*(?:treat|make|mark|set|keep|have|flag|put)\s+(?:it|this|that)\b"
    # "..., and completed no later than Thursday": when the task before is to be done
    r"|^(?:and\s+)?(?:to\s+be\s+)?(?:completed|done|finished|ready|submitted)\W*$",
    re.IGNORECASE,
)


def _without_stray_pieces(tasks: list[NewTask]) -> list[NewTask]:
    """Pieces of a split that are no task of their own go to the task before them: a clause of fields
    ("low priority is fine") gives it its fields, the rest of an address its title."""
    kept: list[NewTask] = []
    for task in tasks:
        words = re.findall(r"[a-z][a-z']*", task.title.lower())
        # "they're literally asking every day", "I want it done before section": a remark, not a task
        remark = bool(_A_REMARK.match(task.title) or _REMARK_CLAUSE.match(task.title))
        stray_fields = all(word in _SAYS_NOTHING_MORE for word in words) or remark
        stray_fields = stray_fields or bool(_FIELDS_FOR_IT.match(task.title) and (task.priority or task.due))
        if kept and (stray_fields or _ADDRESS_REST.match(task.title)):
            before = kept[-1]
            # a remark's words are about the task, not its title; a priority said with it is the task's ("low
            # priority for now, since finals are still a while off"), a day it names is not ("they're asking
            # every day")
            if not stray_fields:
                before.title = f"{before.title}, {task.title}"
            before.priority = before.priority or task.priority
            if before.due is None and task.due is not None and not remark:
                before.due, before.due_has_time = task.due, task.due_has_time
            continue
        kept.append(task)
    return kept


_DEADLINE = re.compile(r"\bdeadline\b", re.IGNORECASE)
_ABOUT_IT_AFTER = re.compile(
    r"(?<=\w)[.!?]\s+(?P<about>(?:it|they|this|that|these)(?:'s|'re|\s+(?:is|are|was|were|has|have|needs?|must|should"
    r"|ought))"
    r"\b[^.!?]*)[.!]?\s*$",
    re.IGNORECASE,
)

# Words that may sit around quoted titles without being part of one: 'Create tasks "a" and "b"'.
_AROUND_QUOTES = re.compile(
    r"\b(?:and|called|named|titled|tasks?|to-?dos?|with|the|titles?|put|add|create|new|on|to|my|list|both|all"
    r"|reckon|you|u|could|can|would|will|please|pls|kindly|for\s+me"
    r"|each|them)\b|[,:;&.!?]",
    re.IGNORECASE,
)


# "Could you add 'email Dr. Okafor' to my list? No deadline, just don't want to forget it.", "Add 'book MOT' —
# due in a fortnight": one quoted title after the verb that adds it, and a sentence after it about the task.
_ONE_QUOTED_THEN_A_REMARK = re.compile(
    r"^\W*(?:(?:can|could|would|will)\s+(?:you|u)\s+|please\s+|pls\s+|maybe\s+|just\s+|kindly\s+)*"
    r"(?:add|put|create|stick|pop|jot\s+down)\s+"
    r"(?:a\s+task\s+)?[\"\u201c'\u2018][^\"\u201d'\u2019]{2,}[\"\u201d'\u2019]"
    r"(?:\s+(?:to|on|in|onto)\s+(?:my|the)\s+(?:\w+\s+)?list)?"
    r"(?:\s+(?:due|by|for|on|before)\s+[\w\s:]+?)?\s*(?:[?.!;]|\s[-\u2013\u2014]|,)\s*\S",
    re.IGNORECASE,
)


def _quoted_titles(text: str, now: datetime) -> list[NewTask] | None:
    """Quoted titles, when nothing but command words and fields surrounds them."""
    quoted = quoted_strings(text)
    if not quoted:
        return None
    own = _fields_after_each(text, quoted, now) if len(quoted) > 1 else None
    if own is not None:
        # "two tasks!! 'finalize menu' HIGH priority and 'send save the dates' low": each quote's fields
        # follow it; before the first quote, only the words that add
        lead = _LIST_SUFFIX.sub("", _CREATE_PREFIX.sub("", tidy(text[: quoted[0][1][0]]), count=1))
        if not _AROUND_QUOTES.sub(
            " ", re.sub(r"\b(?:two|three|four|five|\d+)\b", " ", lead, flags=re.I)
        ).strip():
            tasks = [_new_task(value, now, fields) for (value, _), fields in zip(quoted, own, strict=True)]
            return [task for task in tasks if task]
    outside = remove_spans(text, [span for _, span in quoted])
    left, shared = _take_modifiers(Traced.of(outside), now)
    rest = _LIST_SUFFIX.sub("", _CREATE_PREFIX.sub("", tidy(left.text), count=1))
    if _AROUND_QUOTES.sub(" ", rest).strip() and not _ONE_QUOTED_THEN_A_REMARK.match(text):
        return None  # 'Review "The Hobbit" draft': the quotes are part of one title
    tasks = [_new_task(value, now, shared) for value, _ in quoted]
    return [task for task in tasks if task]


_BARE_LEVEL_AFTER = re.compile(r"^\W*(?P<level>urgent|high|low|normal|medium)\b(?!\s+\w)", re.IGNORECASE)


def _fields_after_each(text: str, quoted: list[tuple[str, Span]], now: datetime) -> list[_Modifiers] | None:
    """The fields said between each quoted title and the next, when at least two quotes have fields of
    their own and differ (None otherwise: the fields are shared)."""
    own = []
    for index, (_, (_, end)) in enumerate(quoted):
        stop = quoted[index + 1][1][0] if index + 1 < len(quoted) else len(text)
        fields = _take_modifiers(Traced.of(text[end:stop]), now)[1]
        level = _BARE_LEVEL_AFTER.match(text[end:stop])
        if level and not fields.priority:
            fields.priority = PRIORITY_WORDS[level.group("level").lower()]  # "'send save the dates' low"
        own.append(fields)
    said = [fields for fields in own if fields.priority or fields.due]
    if len(said) < 2 or len({(fields.priority, fields.due) for fields in own}) < 2:
        return None
    return own


# Two tasks in one sentence: "email the landlord and also pay the bill", "X, then Y".
_AND_ALSO = re.compile(
    r"\s*(?:,\s*|\s+)(?:and\s+(?:also|then)|as\s+well\s+as)\s+|\s*;\s*|,\s*(?:also|plus)\s+"
    # "add a task quote for the refit and another one order a valve and another one invoice the dawsons"
    r"|\s*,?\s+and\s+(?:another|one\s+more)(?:\s+(?:one|task|to-?do))?(?:\s+(?:to|for))?\s+",
    re.I,
)
_AND = re.compile(r"\s*,?\s+and\s+", re.I)


# The verbs of everyday errands: two of them joined by "and", each with its own object, are two tasks
# ("call the electrician and email the school"), unlike "research and write the report", "buy milk and
# eggs", or anything said to be "a task".
_ERRAND_VERBS = frozenset(
    """call ring phone text email message buy get order book pay pick drop send post return collect renew
    cancel fix clean wash tidy water feed walk print sign submit file prepare write finish check schedule
    reply defrost iron vacuum hoover mow sweep empty take bring charge pack sort chase update
    arrange""".split()  # noqa: SIM905  (a list of 60 words reads better so)
)
_PARTICLES = frozenset({"up", "off", "out", "down", "in", "back", "over", "away"})


def _each_an_errand(halves: list[str]) -> bool:
    for half in halves:
        words = re.findall(r"[a-z']+", _CREATE_PREFIX.sub("", half.strip(), count=1).lower())
        if not words or words[0] not in _ERRAND_VERBS or not [w for w in words[1:] if w not in _PARTICLES]:
            return False
    return True


def _joined_tasks(text: str, now: datetime) -> list[NewTask] | None:
    """Two or more tasks joined in one sentence: by "and also", "then", "as well as", ";", or by "and"
    when each side has a date or a priority of its own ("tomorrow buy eggs and on Saturday clean the car",
    "buy the gift (high priority) and RSVP by Monday")."""
    parts = [part for part in _AND_ALSO.split(text) if part.strip()]
    if len(parts) < 2:
        halves = [part for part in _AND.split(text) if part.strip()]
        fielded = all(find_dates(half, now) or find_priority(half) for half in halves)
        one = re.search(r"\b(?:a|one|single)\s+(?:new\s+)?(?:task|to-?do|reminder)\b", text, re.IGNORECASE)
        if len(halves) < 2 or not (fielded or (not one and _each_an_errand(halves))):
            return None
        parts = halves
    if any(len(part.split()) < 2 for part in parts):
        return None
    # The first part keeps the command words ("add", "I need to"), the others read as titles alone.
    first = _new_task(parts[0], now)
    rest = [_new_task(_CREATE_PREFIX.sub("", part, count=1), now) for part in parts[1:]]
    tasks = [task for task in (first, *rest) if task]
    return tasks if len(tasks) >= 2 else None


# A first line that only announces what follows ("please add:", "add these please", "to-do for today"):
# the lines after it are the tasks.
_HEADER_ONLY = re.compile(
    r"\b(?:please|pls|plz|add|create|put|new|make|jot|note|write|down|these|this|the|following|things|stuff"
    r"|items?|tasks?|to-?dos?|reminders?|to|on|onto|in|my|list|for|me|us|can|could|would|you|u|will|all|of"
    r"|them|those|that|some|a|few|bunch|couple|quick|ones?|also|and|hey|hi|ok|okay|so|thanks|thx|here|are|is|i"
    r"|need|two|three|four|five|six|seven|eight|nine|ten|\d+)\b"
    r"|[\s,:;.!?\u2013\u2014-]+",
    re.IGNORECASE,
)
_ANNOUNCES = re.compile(r"\b(?:add|create|put|jot|these|following|tasks|to-?dos?|list)\b|:\s*$", re.I)


def _only_announces(line: str, now: datetime) -> _Modifiers | None:
    """The fields a line gives every task, when all it says is that tasks follow ("for tomorrow, add:")."""
    if not _ANNOUNCES.search(line):
        return None
    rest, shared = _take_modifiers(Traced.of(line), now)
    return None if _HEADER_ONLY.sub("", rest.text).strip() else shared


def _lines_after_a_header(text: str, now: datetime) -> list[NewTask] | None:
    """One task a line after a line that announces them ("please add:") or before one ("add all of those")."""
    lines = [line for line in text.splitlines() if line.strip()]
    shared = _only_announces(lines[0], now)
    if shared is not None:
        lines = lines[1:]
    elif (shared := _only_announces(lines[-1], now)) is not None:
        lines = lines[:-1]
    if shared is None or len(lines) < 2:
        return None
    tasks = [_new_task(item, now, shared) for item in _split_items("\n".join(lines), None)]
    found = [task for task in tasks if task]
    return found if len(found) >= 2 else None


def _items_after_a_colon(text: str, now: datetime) -> list[NewTask] | None:
    """ "for tomorrow, add: dentist appointment, pick up kids shoes, fix the bike tire": several tasks when
    each comma item has two words or more ("add: milk, eggs and bread" stays one)."""
    head, colon, body = text.partition(":")
    one = re.search(r"\b(?:task|to-?do|reminder|item|note|entry)\b", head, re.IGNORECASE)  # "add a task: ..."
    shared = _only_announces(head + colon, now) if colon and not one else None
    if shared is None:
        return None
    items = _split_items(body, None)
    if len(items) < 2 or any(len(item.split()) < 2 for item in items):
        return None
    tasks = [_new_task(item, now, shared) for item in items]
    found = [task for task in tasks if task]
    return found if len(found) >= 2 else None


def _plain_lines(text: str, now: datetime) -> list[NewTask] | None:
    """Short lines with nothing before them ("pack the suitcase" / "charge the camera"): a task each."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2 or any(not 2 <= len(line.split()) <= 12 or line.endswith("?") for line in lines):
        return None
    tasks = [_new_task(line, now) for line in lines]
    found = [task for task in tasks if task]
    return found if len(found) == len(lines) else None


def _added_in_a_row(text: str, now: datetime) -> list[NewTask] | None:
    """ "add math hw, english essay, clean my room": three comma items or more after "add", each of two
    words or more, are a task each ("add milk, eggs, bread" stays one shopping task)."""
    said = re.match(r"^\s*(?:add|put|new)\s+(?P<body>[^:\n]+)$", text, re.IGNORECASE)
    if said is None or re.match(
        r"(?:an?\s+|the\s+|one\s+)?(?:tasks?|to-?dos?|reminders?)\b", said.group("body"), re.I
    ):
        return None  # "add a task to ...": one task, whatever its commas
    items = _split_items(said.group("body"), None)
    if len(items) < 3 or any(len(item.split()) < 2 for item in items):
        return None
    tasks = [_new_task(item, now) for item in items]
    found = [task for task in tasks if task]
    return found if len(found) == len(items) else None


def _listed_titles(text: str, now: datetime) -> list[NewTask] | None:
    """Several tasks: "Create 3 tasks: a, b, c", "Add tasks for a, b and c", a bulleted list, lines after a
    first line that announces them."""
    first = re.search(r"(?:^|\s)1[.)]\s", text)
    if "\n" not in text.strip() and len(re.findall(r"(?:^|\s)\d+[.)]\s", text)) >= 2 and first:
        # "1. revise organic chem 2. finish stats worksheet", "Ok need 4 tasks!! 1) cull … 2) invoice …"
        header = re.sub(r"\b(?:\d+|two|three|four|five|six)\b", " ", text[: first.start()])
        shared = _only_announces(header, now) if header.strip() else _Modifiers()
        if shared is not None:
            numbered = [_new_task(item, now, shared) for item in _split_items(text[first.start() :], None)]
            if len([task for task in numbered if task]) >= 2:
                return [task for task in numbered if task]
    lined = (
        _lines_after_a_header(text.strip(), now) if "\n" in text.strip() else _items_after_a_colon(text, now)
    )
    if lined:
        return lined
    head_words = text.split(":")[0] + (":" if ":" in text else "")
    plural = _PLURAL.search(head_words)
    if not plural and is_bulleted_list(text):
        # "a few errands for the week:" then bullets: the lines are the tasks, whatever the head says.
        head, _, body = text.partition("\n")
        items = _split_items(body, None)
        _, shared = _take_modifiers(Traced.of(head), now)
        tasks = [_new_task(item, now, shared) for item in items]
        found = [task for task in tasks if task]
        return found if len(found) >= 2 else None
    if not plural:
        return _plain_lines(text, now) or _added_in_a_row(text, now)
    count = None
    if plural.group("count"):
        word = plural.group("count").lower()
        count = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
    head, sep, body = text.partition(":")
    if not sep and "\n" in text:
        head, sep, body = text.partition("\n")
    stop = re.match(r"\s*(?:[.;]|\s[-\u2013\u2014])\s+", text[plural.end() :])
    if not sep and stop:  # "can u add 2 things. book the 6 week checkup. and buy a bigger car seat"
        head, sep, body = text[: plural.end()], ".", text[plural.end() + stop.end() :].replace(". ", "; ")
    if not sep:
        split = re.search(r"\s+(?:for|called|named|to)\s+", text[plural.end() :])
        if not split:
            return None
        head, body = text[: plural.end() + split.start()], text[plural.end() + split.end() :]
    items = _split_items(body, count) if body.strip() else []
    if len(items) < 2 and count != 1:
        return None
    # "Create 3 urgent tasks for tomorrow: ..." applies to each
    _, shared = _take_modifiers(Traced.of(head), now)
    tasks = [_new_task(item, now, shared) for item in items]
    return [task for task in tasks if task]


@dataclass(frozen=True)
class OneTask:
    """What a one-line task says (the web page's quick add): the title left, possibly empty or over 200
    characters (the caller decides), the fields, and the words read as each field."""

    title: str
    task: NewTask
    recognised: list[Recognised]


def read_one_task(text: str, now: datetime, ignore: Collection[str] = ()) -> OneTask:
    """Read `text` as a task's title with its fields in passing, as the chat reads the fields of a new task
    (dates in `now`'s zone). The title is the words left as typed: "Make dinner" is not a command here.
    Fields in `ignore` keep their words in the title."""
    title, found = _read(text, now, ignore, command=False)
    if not re.search(r"\w", title):
        title = ""
    task = found.as_task(title, _Modifiers())
    return OneTask(title, task, sorted(found.recognised, key=lambda words: words.start))
