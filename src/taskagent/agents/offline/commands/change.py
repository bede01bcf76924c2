"""Changing and deleting tasks: which task ("the slides task", "it", "task 12") and what changes.

The field values are cut out of the sentence (status, priority, dates, shifts, estimates...) and the words
left, once the action words at the edges of each clause are gone, are the reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher

from taskagent.tasks.matching import clean_phrase

from ..dates import NUMBER_WORDS, end_of_day, find_dates, zone_of
from ..fields import (
    NOT_A_LEVEL,
    PRIORITY_WORDS,
    cut,
    find_estimate,
    find_priority,
    find_status,
    status_after_but,
    strip_quotes,
)
from ..intents import DELETE_IT, strip_politeness
from ..references import PLURAL_PRONOUN, Reference, parse_reference
from ..repetition import RelativeReminder, find_reminder
from .create import clean_title
from .query import ListCommand, Status, parse_list


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
    # "remind me about the rent task the day before at 9": one more reminder, relative to the due date.
    reminder: RelativeReminder | None = None
    # "fix the typo …, it should be restaurant": the right spelling of one word of the current title.
    respell: str | None = None
    # "no wait, 6:45": a time alone keeps the day the task is due, when it has one.
    time_only: bool = False
    # "make it Thursday": a day alone keeps the time of day the task is due at, when it has one.
    day_only: bool = False

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
            or self.reminder
            or self.respell
        )

    @property
    def needs_current_task(self) -> bool:
        """Changes relative to what the task holds now (its tags, its due date)."""
        return bool(
            self.add_tags
            or self.remove_tags
            or self.shift_days
            or self.reminder
            or self.respell
            or self.time_only
            or self.day_only
        )


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


_EVERY = re.compile(
    r"^(?:all|every|everything|each)\b"
    r"|^(?:the\s+|my\s+)?(?:finished|completed|done|ticked[\s-]off|checked[\s-]off)\s+(?:ones|tasks|items|stuff|to-?dos)$",
    re.IGNORECASE,
)


def _every(phrase: str, now: datetime) -> ListCommand | None:
    """A filter when the reference is "all …" / "everything …", else None."""
    if not _EVERY.match(phrase.strip()) or PLURAL_PRONOUN.match(phrase.strip()):
        return None  # "all of them": the tasks just named, not a filter
    return parse_list(phrase, now)


# "change buy groceries to buy groceries for the barbie": the new title starts as the old one does
_SAME_VERB_RENAME = re.compile(
    r"^(?:change|update|edit)\s+(?P<ref>(?P<verb>[a-z]+)\s.+?)\s+to\s+(?P<title>(?P=verb)\s.+)$", re.I
)


def renames_keeping_the_verb(text: str) -> bool:
    return _SAME_VERB_RENAME.match(text) is not None


_RENAME = [
    _SAME_VERB_RENAME,
    re.compile(r"^(?:rename|retitle|re-?name)\s+(?P<ref>.+?)\s+(?:to|as|into)\s+(?P<title>.+)$", re.I),
    # "change 'call bob' to 'call bob about the van'": one quoted title for another
    re.compile(
        r"^(?:change|update|edit|switch|turn|make)\s+(?P<ref>[\"\u201c'\u2018][^\"\u201d'\u2019]+[\"\u201d'\u2019])\s+"
        r"(?:to|into)\s+(?P<title>[\"\u201c'\u2018].+[\"\u201d'\u2019])$",
        re.I,
    ),
    re.compile(
        r"^(?:change|update|set|edit)\s+(?:the\s+)?(?:title|name)\s+(?:of|for|on)\s+(?P<ref>.+?)\s+to\s+(?P<title>.+)$",
        re.I,
    ),
    re.compile(
        r"^(?:change|update|set|edit)\s+(?P<ref>.+?)(?:'s)?\s+(?:title|name)\s+to\s+(?P<title>.+)$", re.I
    ),
    # "change the grandma task so it says …", "the bins task should say …"
    re.compile(
        r"^(?:change|update|edit|fix|alter|amend|reword|rename|retitle)\s+(?P<ref>.+?)\s+(?:so\s+(?:that\s+)?it\s+(?:says|reads)"
        r"|to\s+(?:say|read))\s+(?P<title>.+)$",
        re.I,
    ),
    re.compile(
        r"^(?P<ref>.+?)\s+(?:should|must|needs?\s+to|has\s+to|ought\s+to)\s+(?:say|read|be\s+(?:called|named|titled))"
        r"\s+(?P<title>.+)$",
        re.I,
    ),
    re.compile(
        r"^call\s+(?P<ref>it|that(?:\s+one)?|this(?:\s+one)?|task\s*#?\d+|#\d+)\s+(?P<title>.+)$", re.I
    ),
    # "I think I said 'book room' but it should be 'book seminar room 204', can you fix the title?"
    re.compile(
        r"(?:(?<!\w)(?P<ref>[\"\u201c'\u2018][^\"\u201d'\u2019]{2,}[\"\u201d'\u2019])(?!\w)|\b(?:it|that|this))"
        r"\s*[^\"\u201c'\u2018]*?\b(?:it|that)\s+(?:should|must|needs?\s+to|has\s+to)\s+(?:be|say|read)\s+"
        r"(?P<title>[\"\u201c'\u2018][^\"\u201d'\u2019]{2,}[\"\u201d'\u2019])(?!\w)",
        re.I,
    ),
]
# "fix the typo in the resturant task, it should be restaurant": one word of the title spelt right.
_RESPELL = re.compile(
    r"^(?:fix|correct|change)\s+(?:the\s+|a\s+)?(?:typo|spelling(?:\s+mistake)?|misspelling)\s+(?:in|on|of)\s+"
    r"(?P<ref>.+?)\s*[,;:-]?\s*(?:it\s+)?(?:should\s+(?:be|say|read)|is\s+spelt|to)\s+['\"“]?(?P<word>[\w'-]+)['\"”]?$",
    re.I,
)
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
    # "take the deadline off the photo album", "take the date off it"
    re.compile(
        r"^(?:take|remove|drop|clear)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+off\s*(?P<ref>.*?)(?:,.*)?$",
        re.I,
    ),
    re.compile(
        r"^(?:make|set)\s+(?P<ref>.+?)\s+(?:undated|without\s+(?:a\s+)?(?:due\s+date|deadline))$", re.I
    ),
    # "the pram thing can wait, take the due date off it": the task named first, then "it"
    re.compile(
        r"^(?P<ref>.+?)\s*[,;:\u2013\u2014-]+\s*(?:(?:so|just|pls|please|can\s+you)\s+)*(?:take|remove|drop|clear)"
        r"\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+(?:off|from)(?:\s+(?:it|that|this)(?:\s+one)?)?(?:\s*,.*)?\W*$",
        re.I,
    ),
]
_SHIFT = re.compile(
    r"\b(?P<verb>push|postpone|delay|move|shift|bring|pull|put\s+off)\b.*?\b(?P<direction>back|forward|earlier|later)?\s*"
    r"\b(?P<way>by|back|out|forward|up)\s+(?:by\s+)?(?:another\s+|an\s+extra\s+)?(?P<amount>\d+|an?|one|two|three|four|five|six|seven"
    r"|a\s+couple\s+of|a\s+few)\s+(?:more\s+|extra\s+)?(?P<unit>days?|weeks?)\b"
    # "two more days on the essay": that much later
    r"|\b(?P<more>\d+|an?|one|two|three|four|five|six|seven|a\s+couple\s+of|a\s+few)\s+(?:more|extra)\s+"
    r"(?P<more_unit>days?|weeks?)\b"
    # "give me another week on the speech", "another 3 days for the quote"
    r"|\banother\s+(?P<another>\d+|one|two|three|four|five|six|seven|couple\s+of|few)?\s*(?P<another_unit>days?|weeks?)\b",
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
            r"^(?:deprioriti[sz]e|lower|decrease|reduce|downgrade)(?:\s+the\s+priority\s+(?:of|on|for))?\b"
            # "warfarin bed 11 no longer pressing, drop to low", "knock it doon tae low": a step down said so
            r"|\b(?:drop|knock|bring|take)(?:\s+(?:it|that|this|them))?\s+(?:down|doon)?\s*(?:to|tae)\s+(?=low\b)",
            re.I,
        ),
        "low",
    ),
    (re.compile(r"^escalate\b", re.I), "urgent"),
]
# "…, make it low", "bump it up to high": a level said for "it" decides, whatever the words before it say
# ("the gym thing isn't that important, make it low").
_LEVEL_FOR_IT = re.compile(
    r"\b(?:make|set|bump|put|change|move|turn|raise|lower|drop|knock|mark|(?:de)?prioriti[sz]e|downgrade|upgrade)"
    r"\s+(?:it|that|this)(?:\s+one)?"
    r"(?:\s+(?:up|down|back))?(?:\s+(?:to|on|as|at|into))?\s+(?P<level>urgent|high|medium|normal|low)"
    r"(?:\s+priority)?\b",
    re.I,
)
# "the garage door is more important than i thought": the words from the verb on say something about the
# task, they do not name it (a clause that starts with "the …" and goes on with "is", "isn't", "has"…).
_REMARK = re.compile(
    r"^(?P<named>(?:(?:the|my|our|that|this)\s+|(?!(?:i|you|we|it|he|she|they|there)\b))"
    r"(?:(?!(?:that|which|who)\b)[\w'-]+\s+){1,5}?)"
    r"(?:is|isn'?t|isnt|are|aren'?t|arent|was|wasn'?t|wasnt|were|has|hasn'?t|needs|turned\s+out|got|seems|looks|matters|feels|became"
    r"|can|could|will|won'?t|should|must|runs?)\b.+$",
    re.I,
)

# Words that carry the action rather than the reference, at the edges of each clause.
_LEADING = re.compile(
    r"^(?:(?:mark(?:ed)?|set|change|update|edit|modify|make|move|reschedule|push|postpone|delay|shift|bump|flag"
    r"|switch|turn|put|give|treat|prioriti[sz]e|deprioriti[sz]e|escalate|lower|raise|bring|pull|complete|finish|close"
    r"|reopen|start|begin|(?:can|could|may)\s+(?:i|we)\s+(?:get|have)|give\s+(?:me|us)"
    r"|i|we|also|then|please|now|so|both|maybe|perhaps|just|you\s+(?:can|could|may)|(?:can|could)\s+you|feel\s+free\s+to"
    r"|need\s+to|want\s+to|wanna|(?:would|'d)\s+like\s+to|have\s+to"
    r"|go\s+ahead\s+and|turns\s+out(?:\s+that)?|apparently|it\s+seems(?:\s+that)?"
    r"|the\s+(?:priority|status|due\s+date|deadline|date|state)"
    r"(?:\s+(?:of|for|on))?|(?:priority|status|due\s+date|deadline|date)\s+(?:of|for|on))\b\s*)+",
    re.I,
)
# A task's date said as moved ("chart audit pushed to next week", "the IRB thing got extended").
MOVED = r"pushed|moved|postponed|delayed|shifted|bumped|rescheduled|extended|changed?"
_TRAILING = re.compile(
    r"(?:\s*\b(?:as|to|for|is|are|be|should|must|shall|will|can|needs?\s+to|has\s+to|have\s+to|ought\s+to"
    r"|was|were|gets?|got|becomes?|now|'s|priority|status|due\s+date|deadline|back|up|down"
    # "chart audit pushed to next week", "the IRB thing got extended": the task's date moved, said of it
    rf"|{MOVED}|brought|pulled"
    r"|forward|later|earlier|please|again|with|too|also|as\s+well|btw|fyi|by\s+the\s+way|though|any\s*more"
    r"|i\s+mean)\b\s*|'s\b)+$",
    re.I,
)


_NEEDS_DOING = re.compile(r"\s*\b(?:it\s+)?needs?\s+(?:doing|sorting|[a-z]+ing)$", re.I)


# "delete it, the tenant found the spare set", "close it. dave paid": "it", then why.
_PRONOUN_THEN_WHY = re.compile(
    r"^\W*(?P<pronoun>it|that(?:\s+one|\s+task)?|this(?:\s+one|\s+task)?|them|those|both(?:\s+of\s+them)?)"
    r"\s*(?:[,;.!]+|\s[-\u2013\u2014]\s)\s*(?!and\b|also\b|plus\b|&|the\s+\w+\s+(?:one|task)\b)\S",
    re.IGNORECASE,
)


def _reference_from(rest: str) -> Reference:
    said_why = _PRONOUN_THEN_WHY.match(rest)
    if said_why:
        return parse_reference(said_why.group("pronoun"))
    clauses = [
        clause
        for clause in re.split(r"\s*(?:,|;|\s[-\u2013\u2014]\s|\band\b|\bthen\b)\s*", rest)
        if clause.strip()
    ]
    if len(clauses) > 1:
        # "move the smoke alarm to tomorrow, it's been beeping all night": why, not which
        clauses = [clauses[0], *(clause for clause in clauses[1:] if not _REASON.match(f", {clause}"))]
    kept = []
    for clause in clauses:
        clause = _LEADING.sub("", clause.strip())
        clause = _TRAILING.sub("", clause).strip(" ,.!?")
        clause = re.sub(
            r"^(?:not\s+)?(?:actually\s+|really\s+)?(?:working|work)\s+on\s+", "", clause, flags=re.I
        )
        clause = _NEEDS_DOING.sub("", clause).strip()  # "the school uniform needs ordering by Friday"
        if len(clauses) > 1:
            clause = _REMARK.sub(lambda match: match.group("named"), clause).strip()
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


def _rename(match: re.Match[str], changes: Changes) -> bool:
    changes.title = clean_title(match.group("title"))
    return bool(changes.title)


def _respell(match: re.Match[str], changes: Changes) -> bool:
    changes.respell = match.group("word")
    return True


def _describe(match: re.Match[str], changes: Changes) -> bool:
    changes.description = strip_quotes(match.group("text").strip())
    return bool(changes.description)


def _tag(match: re.Match[str], changes: Changes) -> bool:
    changes.add_tags = _tag_list(match.group("tags"))
    return bool(changes.add_tags)


def _untag(match: re.Match[str], changes: Changes) -> bool:
    changes.remove_tags = _tag_list(match.group("tags"))
    return bool(changes.remove_tags)


def _clear_description(match: re.Match[str], changes: Changes) -> bool:
    changes.clear_description = True
    return True


def _set_estimate(match: re.Match[str], changes: Changes) -> bool:
    estimate = find_estimate("takes " + match.group("amount"))
    if estimate:
        changes.estimate_minutes = estimate[0]
    return estimate is not None


def _clear_due(match: re.Match[str], changes: Changes) -> bool:
    changes.clear_due = True
    return True


# Forms where the new value is the rest of the sentence, tried in order.
_WHOLE_SENTENCE: list[tuple[list[re.Pattern[str]], Callable[[re.Match[str], Changes], bool]]] = [
    ([_RESPELL], _respell),
    (_RENAME, _rename),
    (_DESCRIBE, _describe),
    (_TAG_UPDATE, _tag),
    (_UNTAG, _untag),
    ([_CLEAR_DESCRIPTION], _clear_description),
    ([_ESTIMATE_UPDATE], _set_estimate),
    (_CLEAR_DUE, _clear_due),
]


def _whole_sentence_change(text: str, now: datetime) -> UpdateCommand | None:
    """ "Rename X to Y", "add a note to X: ...", "tag X with Y", "remove the due date from X"..."""
    text = re.sub(r"\bto:\s*", "to ", text)  # "change name of X to: Y"
    for patterns, apply in _WHOLE_SENTENCE:
        for pattern in patterns:
            match = pattern.search(text)
            changes = Changes()
            if match and apply(match, changes):
                if apply is _rename and (quoted := _QUOTED_THEN_MORE.match(match.group("title"))):
                    # "call it 'draft lit review 2', and it's due in 5 days": the quote is the title, the
                    # rest its fields
                    more = parse_update(quoted.group("more"), now).changes
                    if more.title is None and not more.is_empty:
                        more.title = clean_title(quoted.group("title"))
                        changes = more
                return UpdateCommand(_reference_from(match.group("ref")), changes)
    renamed = _CHANGE_THE_TASK_TO.match(text)
    if renamed:
        # "change the badges task to 250 name badges, headcount went up!!": words that are no field are the
        # new title (the remark after a comma is not)
        title = re.split(r"\s*(?:[,;!]|\s[-\u2013\u2014]\s)\s*", renamed.group("title"), maxsplit=1)[0]
        if len(title.split()) >= 2 and parse_update(f"make it {title}", now).changes.is_empty:
            return UpdateCommand(_reference_from(renamed.group("ref")), Changes(title=clean_title(title)))
    return None


_CHANGE_THE_TASK_TO = re.compile(
    r"^(?:change|update|edit|amend)\s+(?P<ref>(?:the|my)\s+.+?\s+(?:task|one|item|to-?do))\s+(?:to|into)\s+(?P<title>.+)$",
    re.IGNORECASE,
)


_QUOTED_THEN_MORE = re.compile(
    r"^\s*[\"\u201c'\u2018](?P<title>[^\"\u201d'\u2019]+)[\"\u201d'\u2019]\s*(?:,|\band\b|;)\s*(?P<more>\S.*)$",
    re.I,
)


def _take_shift(rest: str) -> tuple[int | None, str]:
    """ "Push it back by 2 days", "bring it forward a week": whole days to move the due date by."""
    shift = _SHIFT.search(rest)
    if not shift:
        return None, rest
    more = shift.group("more") is not None or shift.group("another_unit") is not None
    amount = (shift.group("more") or shift.group("amount") or shift.group("another") or "a").lower()
    days = (
        int(amount) if amount.isdigit() else NUMBER_WORDS.get(amount.replace("a couple of", "couple of"), 1)
    )
    unit = shift.group("more_unit") or shift.group("unit") or shift.group("another_unit")
    if unit.lower().startswith("week"):
        days *= 7
    if more:
        return days, cut(rest, [shift.span()])
    earlier = (
        shift.group("verb").lower() in {"bring", "pull"}
        or (shift.group("direction") or "").lower() in {"forward", "earlier"}
        or shift.group("way").lower() == "up"
    )
    start = shift.end("verb") if shift.group("direction") else shift.start("way")
    rest = re.sub(r"\s+(?:by|back|out|forward)\s*$", "", cut(rest, [(start, shift.end())]), flags=re.I)
    return (-days if earlier else days), rest


_DEADLINE_PHRASE = re.compile(
    r"\b(?:should|must|needs?\s+to|has\s+to|have\s+to|is\s+to)\s+be\s+(?:done|finished|completed|ready)\b",
    re.I,
)


_MOVED_TO = re.compile(r"(?:to|until|till|onto|into)\s", re.IGNORECASE)


# "make it 6", "change it to 7:30", "actually 6 instead (of 5)": a number alone for "it" is an hour.
_BARE_HOUR = re.compile(
    r"^(?P<lead>(?:(?:no|nah|oh|actually|sorry|wait|hmm|ok|okay)[\s,]+)*"
    r"(?:(?:make|change|move|set|push|switch|put)\s+(?:it|that|this)\s+(?:to\s+|for\s+)?)?)"
    r"(?P<hour>[01]?\d|2[0-3])"  # "6:45" alone is read as the clock says, not as an hour for "it"
    r"(?:\s+(?:instead|then|actually))?(?:\s+(?:instead\s+of|not|rather\s+than)\s+\d{1,2}(?:[:.]\d{2})?)?$",
    re.IGNORECASE,
)


_NOT_THAT_DAY = re.compile(r"\b(?:not|instead\s+of|rather\s+than)\s+(?:on\s+|for\s+|by\s+)?$", re.IGNORECASE)


# "add a due date to the spare room task: sunday", "give the essay a deadline of friday": a new due date.
_GIVE_A_DEADLINE = re.compile(
    r"^(?:add|put|set|attach|stick)\s+(?:a\s+|the\s+)?(?:due\s+date|deadline)\s+(?:to|for|on)\s+(?P<ref>.+?)"
    r"\s*(?:[:,\u2013\u2014-]|\s(?:of|for|as|to|on)\s)\s*(?P<when>[^:,]+)$"
    r"|^give\s+(?P<ref2>.+?)\s+a\s+(?:due\s+date|deadline)\s*(?:[:,\u2013\u2014-]|\s(?:of|for|on)\s)\s*(?P<when2>[^:,]+)$",
    re.I,
)


_WHEN_IT_HAPPENED = re.compile(
    r"\W*(?:this\s+morning|earlier\s+today|last\s+night|yesterday)\b", re.IGNORECASE
)


def said_as_a_move(text: str, now: datetime) -> bool:
    """Whether a message moves a task's date without a verb that moves ("boat licence - give me till next
    week", "the essay isn't due tomorrow, it's due in 10 days")."""
    for pattern in _A_MOVE_SAID_OTHERWISE:
        said = pattern.match(strip_politeness(text.strip()).rstrip(" .!?"))
        if said and find_dates(said.group("when"), now):
            return True
    return False


def starts_with_a_delete_verb(text: str) -> bool:
    return bool(_DELETE_VERBS.match(strip_politeness(text.strip())))


# A new date said without a verb that moves: the task, then its date.
_A_MOVE_SAID_OTHERWISE = [
    # "gas licence renewal - give me til end of month"
    re.compile(
        r"^(?P<ref>[^,;:\u2013\u2014-]+?)\s*[-:,\u2013\u2014]+\s*(?:can\s+you\s+)?give\s+(?:me|us)\s+(?:un)?till?\s+"
        r"(?P<when>.+)$",
        re.I,
    ),
    # "the maths worksheet isnt due tmrw, its due in a week"
    re.compile(
        r"^(?P<ref>.+?)\s+(?:is\s*n'?t|isnt|is\s+not|ain'?t)\s+(?:due\s+)?[^,;]+?\s*[,;-]+\s*(?:but\s+|no\s+)?"
        r"(?:it'?s|its|it\s+is|it\s+should\s+be)\s+(?:actually\s+|really\s+)?(?:due\s+)?(?P<when>.+)$",
        re.I,
    ),
    # "client wants to prepone it to day after tomorrow, please update"
    re.compile(
        r"^(?:(?:the\s+)?\w+\s+wants?\s+(?:me\s+|us\s+)?to\s+)?(?:prepone|bring\s+forward)\s+(?P<ref>.+?)\s+"
        r"(?:to|till?|until)\s+(?P<when>.+?)(?:\s*,\s*(?:please|pls|kindly)\s+update(?:\s+it)?)?$",
        re.I,
    ),
]
# "change priority of buying brushes on high": a level after "priority ... on/in/at" is the new one.
_PRIORITY_ON_LEVEL = re.compile(
    r"(?<=\bpriority\b)(?P<between>.*?)\s+(?:on|in|at|into)\s+(?P<level>urgent|high|low|normal|medium)\s*$",
    re.IGNORECASE,
)


# "Good-o, make that one due Saturday", "Splendid. Please set it for …": an acknowledgement, then the request.
_ACKNOWLEDGED = re.compile(
    r"^(?:(?:good-?o|righto|splendid|lovely|great|cool|perfect|nice|brilliant|ok(?:ay)?|thanks|ta|cheers)[\s,.!]+)+",
    re.IGNORECASE,
)


def parse_update(text: str, now: datetime) -> UpdateCommand:
    text = strip_politeness(_ACKNOWLEDGED.sub("", text.strip())).rstrip(" .!?")
    text = _PRIORITY_ON_LEVEL.sub(lambda match: f"{match['between']} to {match['level']}", text, count=1)
    deadline_for = _GIVE_A_DEADLINE.match(text)
    if deadline_for and find_dates(deadline_for.group("when") or deadline_for.group("when2"), now):
        ref = deadline_for.group("ref") or deadline_for.group("ref2")
        text = f"move {ref} to {deadline_for.group('when') or deadline_for.group('when2')}"
    for pattern in _A_MOVE_SAID_OTHERWISE:
        moved = pattern.match(text)
        if moved and find_dates(moved.group("when"), now):
            text = f"move {moved.group('ref')} to {moved.group('when')}"
            break
    whole = _whole_sentence_change(text, now)
    if whole is not None:
        return whole

    text = _status_clause(text)
    changes = Changes()
    reminder = find_reminder(text)
    if reminder is not None:
        changes.reminder = reminder
        text = cut(text, [reminder.span])
        if reminder.ref:  # "remind me about <the task> ...": the reference is in the reminder's words
            text = f"{reminder.ref} {text}".strip()
    changes.shift_days, rest = _take_shift(text)
    unsaid = NOT_A_LEVEL.search(rest)
    if unsaid and find_priority(cut(rest, [unsaid.span()])):
        # "make that urgent not high": the level said no to is not the new one
        rest = cut(rest, [unsaid.span()])
    estimate = find_estimate(rest)
    if estimate:
        changes.estimate_minutes = estimate[0]
        rest = cut(rest, [estimate[1]])
    deadline = _DEADLINE_PHRASE.search(rest)
    if deadline and find_dates(rest, now):
        rest = cut(rest, [deadline.span()])  # "should be done by Wednesday" is a deadline, not a status
    for_it = _LEVEL_FOR_IT.search(rest)
    if for_it:
        changes.priority = PRIORITY_WORDS[for_it.group("level").lower()]
        rest = cut(rest, [(for_it.start("level"), for_it.end())])
        said = find_priority(rest)  # the remark's own priority words are not the task's name
        if said:
            rest = cut(rest, said.spans)
    status = find_status(rest)
    if status:
        changes.status = status.value  # type: ignore[assignment]
        rest = cut(rest, status.spans)
    priority = find_priority(rest)
    if priority and not changes.priority:
        changes.priority = priority.value
        rest = cut(rest, priority.spans)
    for pattern, level in _PRIORITY_VERBS:
        match = pattern.search(rest)
        if match:
            # "Bump X" with no level named means a step up (high); "bump X to urgent" is urgent.
            changes.priority = changes.priority or level
            rest = cut(rest, [match.span()])
            break
    bare_hour = _BARE_HOUR.match(rest.strip())
    if bare_hour and changes.is_empty:
        rest = f"{bare_hour.group('lead')} it at {bare_hour.group('hour')}"
    dates = find_dates(rest, now) if not changes.shift_days else []
    negated = [
        (no.start(), match.end) for match in dates if (no := _NOT_THAT_DAY.search(rest[: match.start]))
    ]
    if negated and len(negated) < len(dates):
        # "thursday, not tomorrow", "friday instead of monday": the day said no to is not the new date
        rest = cut(rest, negated)
        dates = find_dates(rest, now)
    # "is paid since this morning", "done as of Monday": when it was done, whatever the hour now
    since = bool(dates) and bool(re.search(r"\b(?:since|as\s+of)\s+$", rest[: dates[0].start], re.IGNORECASE))
    # "started the kitchen this morning": when it happened, even while that morning is still to come
    since = since or (
        bool(dates)
        and bool(
            _WHEN_IT_HAPPENED.match(rest[dates[0].start : dates[0].end])
            or re.search(r"\bearlier\s+$", rest[: dates[0].start], re.IGNORECASE)
        )
    )
    moved_to = [
        index
        for index, match in enumerate(dates)
        if _MOVED_TO.match(rest[match.start : match.end])
        or re.search(r"\s(?:to|until|till)\s+$", rest[: match.start])
    ]
    if len(dates) > 1 and moved_to:
        # "move everything due today to tomorrow": the day after "to" is the new date; the other one says
        # which tasks, unless it only says the day it had ("from tuesday to thursday").
        target = dates[moved_to[0]]
        changes.due = target.when
        had = re.search(r"\bfrom\b", rest, re.IGNORECASE)
        rest = cut(rest, [(match.start, match.end) for match in dates if had or match is target])
    elif dates:
        changes.due = dates[0].when
        changes.time_only = not dates[0].has_day
        changes.day_only = not dates[0].has_time
        rest = cut(rest, [(match.start, match.end) for match in dates])
    if since:
        rest = re.sub(r"\b(?:since|as\s+of)\b", " ", rest, count=1, flags=re.IGNORECASE)
    if (
        changes.due is not None
        and (changes.due < now or since)
        and (status or _DONE_STATEMENT.match(rest) or _DONE_PASSIVE.match(rest.strip()))
    ):
        changes.due = None  # "renewed the passport yesterday": when it was done, not a new due date
    if changes.due is not None or changes.shift_days:
        rest = _CAN_WAIT.sub(" ", rest)
    if changes.is_empty:
        done = _DONE_STATEMENT.match(rest)
        passive = _DONE_PASSIVE.match(rest) or _DONE_TERSE.match(rest)
        if done:
            # "i bought the printer paper", "finally called the insurance people": a task said as done.
            changes.status = "completed"
            rest = rest[done.end("lead") :]
        elif passive:
            # "the shed is painted", "the letters are posted": the task's own verb, said as done.
            changes.status = "completed"
            rest = (
                f"{passive.group('named')} {passive.group('verb')}"  # "shed painted": its verb tells it apart
            )
    ref = _reference_from(rest)
    return UpdateCommand(ref, changes, _every(ref.phrase, now))


# "waterer fixed", "482 merged", "tax return filed": a few words naming a task, then a verb that finishes
# things, without "is" (a note to self).
_DONE_TERSE = re.compile(
    r"^\W*(?P<named>[\w'/-]+(?:\s+[\w'/-]+){0,2}?)\s+(?:all\s+|now\s+)?(?P<verb>fixed|merged|done|sorted|sent|paid|finished"
    r"|booked|posted|ordered|signed|filed|submitted|shipped|deployed|closed|returned|renewed|collected|delivered"
    r"|completed|cancell?ed)\b(?:\s+(?:now|already|today|finally|at\s+last))?\W*$",
    re.I,
)


# "the blood work is done": a status said of a task in a clause of its own.
_STATUS_STATEMENT = re.compile(
    r"\b(?:is|are|'s|was|were|been|now)\s+(?:(?:all|finally|now|just|already)\s+)*(?:done|finished|complete|completed"
    r"|sorted|in\s+progress|underway|under\s+way|started)\b",
    re.I,
)
_CHANGE_WORDS = re.compile(
    r"\b(?:move|set|mark|make|bump|push|change|rename|postpone|reschedule|delay|due|deadline|priority|urgent|tag"
    r"|it|that|this)\b",
    re.I,
)


def _status_clause(text: str) -> str:
    """ "blood work is done, results come back next week": the clause that says the status names the task;
    the others only tell what happens next (their dates are not a new due date)."""
    clauses = [clause for clause in re.split(r"\s*[,;]\s*|\s+-\s+|\s+but\s+", text) if clause.strip()]
    if len(clauses) < 2:
        return text
    if status_after_but(text):
        return text  # "I thought it was done but no, I'm on it again": find_status reads what is true now
    said = [clause for clause in clauses if _STATUS_STATEMENT.search(clause)]
    others = [clause for clause in clauses if clause not in said]
    if len(said) == 1 and not any(_CHANGE_WORDS.search(clause) for clause in others):
        pronoun = re.match(r"(?:that|it|this|which)\b\s*", said[0], re.I)
        if pronoun and others:
            # "got my flu jab booked, that's sorted": the other clause names what "that" is.
            return f"{' '.join(others)} {said[0][pronoun.end() :]}"
        return said[0]
    return text


# "the invoice can wait till Friday": the words around a new date that are not the task's name.
_CAN_WAIT = re.compile(
    r"\b(?:can|could|will|should|may|might)\s+(?:wait|slide|slip|hold)(?:\s+(?:un)?till?|\s+until)?\b", re.I
)

# A statement that something was done: a subject or adverb, then a verb in the past tense (not one that
# wishes, plans or changes something: those are requests of their own).
_NOT_DONE_VERBS = (
    "need|want|decid|plann|hop|wonder|tri|wish|intend|us|expect|delay|postpon|mov|push|chang|renam|updat"
    "|schedul|reschedul|add|creat|delet|remov|forgott|forget|start|mark|set|bump|rais|lower|ask|mention"
)
_DONE_STATEMENT = re.compile(
    r"^(?P<lead>(?:(?:i|we)(?:'ve|\s+have)?\s+)?(?:(?:just|finally|already|now|also|actually|totally)\s+)*)"
    rf"(?:(?!(?:{_NOT_DONE_VERBS})(?:ed|d)\b|[a-z]*eed\b)[a-z]{{2,}}ed|bought|paid|sent|got|did|made|took|wrote|went|met|gave"
    r"|sold|found|brought|fed|told|spoke|built|caught|drove|swept|hung|ran|threw|dropped)\b",
    re.IGNORECASE,
)


_DONE_PASSIVE = re.compile(
    r"^(?P<named>.+?)\s*(?:\s(?:is|are|has\s+been|have\s+been|was|were|got)|'s|'s\s+been|'ve\s+been|'re)\s+"
    r"(?:(?:now|all|finally|just|already)\s+)*"
    rf"(?P<verb>(?!(?:{_NOT_DONE_VERBS}|cancel+|block|suppos|requir|relat|involv|assign|overwhelm|worri|concern|interest"
    r"|confus|stress|bor|tir|excit|lock|link|attach|overdu|due|need|extend|postpon|delay|push|mov|reschedul"
    r"|shift|bump|chang|updat|pull)(?:ed|d)\b)[a-z]{2,}ed|paid|sent|bought|built"
    r"|sold|hung|swept|written|taken|given|sorted|fixed)\b"
    r"(?:\s+(?:now|already|finally|at\s+last|too|as\s+well))?[^\w]*$",
    re.I,
)


# The verbs that delete, said first ("scrap the gym task"), or first after a remark (_VERB_AFTER_A_REMARK).
_DELETE_VERB = (
    r"(?:delete|remove|drop|cancel|trash|erase|discard|get\s+rid\s+of|scrap|nuke|bin|ditch|purge|toss|wipe(?:\s+out)?"
    r"|throw\s+(?:out|away)"
    r"|clear(?:\s+out|\s+away|\s+off)?|forget(?:\s+about)?|take\s+off|cross\s+off|strike\s+off|scratch|axe|kill|nix)"
)
# "so scratch their prints task", "ok then delete it": the words that join it to what was said before.
_DELETE_VERBS = re.compile(rf"^(?:(?:so|then|and|ok(?:ay)?|yeah|yep)\W+)*{_DELETE_VERB}(?:\s+|$)", re.I)


# "the plumber isn't needed anymore, get rid of it": the task is named before the words that delete "it".
_DELETE_IT = re.compile(
    r"^(?P<before>.+?)[\s,;.!-]+(?:so\s+|and\s+|just\s+)*(?:please\s+)?"
    r"(?:(?:you\s+can|you\s+could|you\s+may|can\s+you|could\s+you|feel\s+free\s+to)\s+)?"
    rf"{DELETE_IT}(?:\s+please)?$",
    re.I,
)
_NO_LONGER = re.compile(
    r"\b(?:(?:i|we)\s+)?(?:don'?t|do\s+not|no\s+longer|won'?t)\s+need(?:\s+to)?(?:\s+do)?|\b(?:any\s*more|no\s+longer)\b"
    r"|\bno\s+need\s+(?:for|to\s+do)\b"
    r"|\b(?:is|are|'s|was|were|got|has\s+been|have\s+been)\s+(?:now\s+)?(?:moot|pointless|off|cancel+ed|called\s+off"
    r"|scrapped|not\s+happening|irrelevant|unnecessary)\b"
    r"|\b(?:isn'?t|aren'?t)\s+(?:happening|needed|necessary)\b|\bnot\s+(?:happening|needed|necessary)\b"
    r"|\bno\s+need(?:\s+for\s+(?:it|that|this)(?:\s+(?:one|task))?)?\b",
    re.I,
)


# "delete the tennis lesson, coach is ill", "…, the studio closed": a clause with a verb of its own after the
# task's name says why.
_REASON_CLAUSE = re.compile(
    r"\s*(?:[,;:]|\s-)\s*[^,;]*\b(?:is|are|was|were|isn'?t|aren'?t|wasn'?t|has|have|had|got|won'?t|can'?t|didn'?t"
    r"|don'?t|doesn'?t|never)\b[^,;]*$"
    r"|\s*(?:[,;:]|\s-)\s*(?:the\s+|my\s+|our\s+|his\s+|her\s+|their\s+)?\w+(?:\s+\w+)?\s+\w+ed$",
    re.I,
)
# "scrap the holiday planning, we're not going": why it goes, after the task's name.
_REASON = re.compile(
    r"\s*(?:[,;:]|\s-)\s*(?:(?:we|i|they|he|she|it|that|this|there)(?:'re|'m|'s|'ve|'ll|'d|\s+(?:are|is|am|was|were"
    r"|have|has|had|will|won'?t|don'?t|didn'?t|can'?t|aren'?t|isn'?t|wasn'?t|got|no\s+longer|never|already))"
    r"|(?:we|they|he|she)\s+(?!(?:is|are|was|were)\b)\w+|no\s+longer|not\s+needed|because|since|cause|as|being|not\s+(?:happening|going|needed|necessary)|no\s+point"
    r"|changed\s+my\s+mind|turns\s+out|apparently|(?:her|his|their|my|our)\s+\w+(?:'s|\s+\w+)|no\s+need"
    # "delete it, sold the car last week": what was done instead, said without "I"
    r"|(?:sold|bought|found|gave|sent|paid|fixed|returned|cancell?ed|finished|did|moved|booked|went|managed)\s+(?=\w))"
    r"\b.*$"
    # "get rid of the breast pump one we dont need it anymore": the reason without a comma
    r"|\s+(?:we|i)\s+(?:don'?t|do\s+not|no\s+longer)\s+need\b.*$",
    re.I,
)


# "delete the gate task, not the shed one": the task left alone is no part of the reference.
# "not the shed one", "the lanyards, not the badges": the task left out, never the one meant
NOT_THAT_ONE = re.compile(
    r"[\s,;]+(?:but\s+)?not\s+the\s+(?:\w+\s+){0,3}?(?:one|task|reminder)s?\b(?:\s+(?:though|please))?"
    r"|(?:[,;]\s*(?:but\s+)?|\s+but\s+)not\s+(?:the\s+)?\w+(?:\s+\w+){0,3}\W*$",
    re.I,
)
_LEAD_IN = re.compile(r"^(?:(?:please|pls|(?:you\s+)?can(?:\s+you)?|just|go\s+ahead(?:\s+and)?)\s+)+", re.I)
# A delete verb that starts a new sentence after something said first ("we've cancelled Bali :( delete ...").
_VERB_AFTER_A_REMARK = re.compile(
    r"(?:[.!?;]+|:\(|:\)|:/|\s[-\u2013\u2014]|\bso)\s+"
    r"(?=(?:please\s+|pls\s+|(?:you\s+)?can\s+(?:you\s+)?|just\s+|(?:go\s+ahead\s+)(?:and\s+)?)*"
    rf"{_DELETE_VERB}\b)",
    re.I,
)


def parse_delete(text: str, now: datetime) -> DeleteCommand:
    text = strip_politeness(_ACKNOWLEDGED.sub("", text.strip())).rstrip(" .!?")
    text = re.sub(r"^(?:yes|yeah|yep|ok(?:ay)?|sure|right)\b[\s,.!]*", "", text, flags=re.I)
    text = NOT_THAT_ONE.sub("", text)
    # "... (I dropped those two classes this morning)": why, in brackets
    text = re.sub(r"\s+\((?:i|we|they|he|she|it'?s)\b[^()]*\)[\s.!]*$", "", text, flags=re.I)
    if _DELETE_VERBS.match(text):
        # "remove the cottage booking? We're not going this year.": the first sentence names the task
        text = re.split(r"(?<=\w)[?.!]+\s+(?=\w)", text, maxsplit=1)[0]
    told = _VERB_AFTER_A_REMARK.search(text)
    if told and clean_phrase(_DELETE_VERBS.sub("", _LEAD_IN.sub("", text[told.end() :]))):
        text = _LEAD_IN.sub("", text[told.end() :])  # "we've cancelled Bali :( delete both of the Bali tasks"
    named_before = _DELETE_IT.match(text)
    if named_before and not _DELETE_VERBS.match(text):
        # The clause that names the task: the last one that still has words once "no longer needed" goes.
        clauses = re.split(r"\s*[,;]\s*|\s+(?:so|because|since)\s+", named_before.group("before"))
        named = [_NO_LONGER.sub(" ", clause).strip() for clause in clauses]
        named = [clause for clause in named if re.search(r"\w", clause)]
        # "sold the bike already, no need for that task, remove it": "that task" names nothing by itself
        named = [clause for clause in named if clean_phrase(clause)] or named
        # "no need for the cake task anymore, her mum's making one, can you take it off": not the reason
        named = [clause for clause in named if not _REASON.match(f", {clause}")] or named
        if named:
            text = named[-1]
    text = _DELETE_VERBS.sub("", text)
    text = _REASON_CLAUSE.sub("", _REASON.sub("", text))
    text = re.sub(
        r"\s+(?:from|off)\s+(?:my|the)\s+(?:task\s+)?(?:list|tasks|to-?dos?)$", "", text, flags=re.I
    )
    ref = _reference_from(text)
    return DeleteCommand(ref, _every(ref.phrase, now))


def respelled(title: str, word: str) -> str | None:
    """The title with its word closest in spelling to `word` spelt as `word` ("Book resturant" ->
    "Book restaurant"), or None when no word of the title is close enough to be that word mistyped."""
    best: tuple[float, re.Match[str]] | None = None
    for match in re.finditer(r"[\w'-]+", title):
        ratio = SequenceMatcher(None, match.group(0).lower(), word.lower()).ratio()
        if match.group(0).lower() != word.lower() and ratio >= 0.7 and (best is None or ratio > best[0]):
            best = (ratio, match)
    if best is None:
        return None
    found = best[1]
    spelt = word.capitalize() if found.group(0)[:1].isupper() else word
    return title[: found.start()] + spelt + title[found.end() :]


def day_after_shift(due: datetime | None, days: int, now: datetime) -> datetime:
    """A due date moved by whole days in the user's zone, keeping its time of day."""
    base = due.astimezone(now.tzinfo) if due else end_of_day(now.date(), zone_of(now))
    moved: date = base.date() + timedelta(days=days)
    return base.replace(year=moved.year, month=moved.month, day=moved.day).astimezone(now.tzinfo)
