"""Task fields said in passing: priority, status, tags, estimates, descriptions.

Each extractor returns the value it found and the character spans it used, so that the caller can cut
those words out of a title or a reference ("the report task, urgent" -> title "the report task").
Words are only taken as a field where the sentence uses them as one: "urgent" at the end of a clause or
before "task" is a priority, "the urgent care bill" is a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import remove_spans

Span = tuple[int, int]


def cut(text: str, spans: list[Span]) -> str:
    """`text` without the given spans, tidied (see dates.remove_spans)."""
    return remove_spans(text, spans) if spans else text


PRIORITY_WORDS = {
    "urgent": "urgent",
    "urgently": "urgent",
    "asap": "urgent",
    "critical": "urgent",
    "top": "urgent",
    "highest": "urgent",
    "high": "high",
    "important": "high",
    "crucial": "high",
    "medium": "normal",
    "normal": "normal",
    "regular": "normal",
    "default": "normal",
    "low": "low",
    "lowest": "low",
}
_TODOIST_LEVELS = {"1": "urgent", "2": "high", "3": "normal", "4": "low"}

_LEVEL = r"(?P<level>top|highest|high|medium|normal|regular|default|low|lowest|urgent|critical)"
_PRIORITY_PATTERNS = [
    # Quick-add shortcuts: "!high", "!urgent", and Todoist's "!1" (urgent) to "!4" (low)
    re.compile(rf"(?<![\w!])!(?:{_LEVEL}|(?P<todoist>[1-4]))\b", re.IGNORECASE),
    # "finalise the resourcing plan (high), chase legal on the NDA (urgent)": a level in brackets
    re.compile(rf"\(\s*{_LEVEL}(?:\s+prio(?:rity)?)?\s*\)", re.IGNORECASE),
    # "with high priority", "high-priority", "a low prio"
    # ("to be treated as high priority", "marked as urgent priority")
    re.compile(
        r"(?:\b(?:(?:to\s+be\s+|is\s+)?(?:treated|marked|flagged|handled|considered|rated)\s+)?(?:with|at|as|to|of|on)\s+)?"
        rf"\b{_LEVEL}[\s-]+prio(?:rity)?\b",
        re.IGNORECASE,
    ),
    # "priority: high", "priority is urgent", "set the priority to low"
    re.compile(
        rf"\b(?:prio(?:rity)?|p(?=\s*[:=]))\s*(?:is|:|=|of|to|level|should\s+be|as)?\s*(?:now\s+)?(?:be\s+)?{_LEVEL}\b",
        re.IGNORECASE,
    ),
    # "with priority set to high"
    re.compile(
        rf"(?:\bwith\s+)?(?:the\s+)?\bprio(?:rity)?\s+(?:set|changed|raised|lowered|bumped)\s+(?:to|at)\s+{_LEVEL}\b",
        re.IGNORECASE,
    ),
    # Todoist's p1..p4
    re.compile(r"\b[pP](?P<todoist>[1-4])\b"),
    # "normal is fine", "low is ok"
    re.compile(rf"\b{_LEVEL}\s+(?:is|'s)\s+(?:fine|ok|okay|good|enough)\b", re.IGNORECASE),
    # a level alone as the last item of a comma list: "revise chapter 4, due tomorrow, high"
    re.compile(r"(?<=,)\s*(?P<level>high|low|urgent|top)[\s.!]*$", re.IGNORECASE),
]
_STANDALONE = re.compile(
    r"(?P<lead>\b(?:to|as|is|be|it'?s|that'?s|this'?s|very|super|really|marked|now|pretty|quite|kinda|fairly"
    r"|rather|so|extremely|actually|kind\s+of|a\s+bit)\s+)*"
    r"\b(?P<word>urgent(?:ly)?|asap|a\.s\.a\.p\.?|critical|crucial|important|top\s+priority|high\s+importance"
    r"|matters\s+(?:the\s+)?most|(?:a\s+matter\s+of\s+)?(?:the\s+)?utmost\s+(?:urgency|importance)"
    r"|not\s+(?:(?:that|very|so|too|really|super|all\s+that|massively|hugely)\s+)?(?:urgent|important)|unimportant|low\s+importance|(?:no|not\s+in\s+a(?:ny)?)\s+(?:rush|hurry)(?:\s+(?:at\s+all|whatsoever))?|not\s+a\s+priority"
    r"|(?:a\s+)?whenever(?:\s+thing)?|when(?:ever)?\s+i\s+(?:have|get|find)\s+(?:the\s+|some\s+)?(?:time|a\s+(?:chance|moment))"
    r"|someday|some\s+day)"
    r"(?=(?P<tail>\s+(?:task|one|item|to-?do|reminder)s?\b)?)",
    re.IGNORECASE,
)
_SET_VERB = re.compile(r"^(?:please\s+)?(?:set|make|change|put|mark|bump|move|switch|turn)\b", re.IGNORECASE)
_LEVEL_AT_END = re.compile(rf"\s(?:to|as)\s+{_LEVEL}[\s.!]*$", re.IGNORECASE)
# "call accountant re VAT return. high.": a level said as a sentence of its own, at the end
_LEVEL_SENTENCE = re.compile(rf"(?<=[.;!])\s+{_LEVEL}[\s.!]*$", re.IGNORECASE)
_LEVEL_AFTER_PRIORITY = re.compile(rf"\b(?:to|as|at)\s+(?:be\s+)?{_LEVEL}\b(?!\s+prio)", re.IGNORECASE)
_CLAUSE_END = re.compile(
    r"^\s*(?:[,.;:!?)]|$|and\b|but\b|please\b|now\b|too\b|actually\b|though\b|btw\b|tbh\b|i\s+think\b)",
    re.IGNORECASE,
)


@dataclass
class Found:
    """A field value and the spans of text that expressed it."""

    value: str
    spans: list[Span] = field(default_factory=list)


def _overlaps(span: Span, taken: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


_NEGATED = re.compile(
    r"\b(?:no\s+longer|not|n't|no\s+more|never|isn'?t|aren'?t)\s+(?:so\s+|that\s+|very\s+|really\s+|as\s+)?$",
    re.IGNORECASE,
)


def find_priority(text: str) -> Found | None:
    """The priority a sentence sets, if any: `urgent`, `high`, `normal` or `low`.

    Every mention is collected (so "high priority ... ASAP" leaves neither in a title); the strongest wins.
    """
    found: list[tuple[str, Span]] = []
    taken: list[Span] = []
    for pattern in _PRIORITY_PATTERNS:
        for match in pattern.finditer(text):
            if _overlaps(match.span(), taken):
                continue
            todoist = match.groupdict().get("todoist")
            value = _TODOIST_LEVELS[todoist] if todoist else PRIORITY_WORDS[match.group("level").lower()]
            found.append((value, match.span()))
            taken.append(match.span())
    if _SET_VERB.match(text):
        # "set the linkedin task to high": a level at the end of a change is a priority
        for match in _LEVEL_AT_END.finditer(text):
            if not _overlaps(match.span(), taken):
                found.append((PRIORITY_WORDS[match.group("level").lower()], match.span()))
                taken.append(match.span())
    for match in _LEVEL_SENTENCE.finditer(text):
        if not _overlaps(match.span(), taken):
            found.append((PRIORITY_WORDS[match.group("level").lower()], match.span()))
            taken.append(match.span())
    if re.search(r"\bprio(?:rity)?\b", text, re.IGNORECASE):
        # "change the priority of task 3 to low": the level comes after the task.
        for match in _LEVEL_AFTER_PRIORITY.finditer(text):
            if not _overlaps(match.span(), taken):
                found.append((PRIORITY_WORDS[match.group("level").lower()], match.span()))
                taken.append(match.span())
    for match in _STANDALONE.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        word = re.sub(r"\s+", " ", match.group("word").lower())
        before = text[: match.start()].rstrip()
        announced = bool(match.group("lead")) or before.endswith((",", ":", "-", "(")) or not before
        if not (announced or match.group("tail") or _CLAUSE_END.match(text[match.end() :])):
            continue
        if word.startswith(("not", "unimportant", "low", "no ", "a whenever", "whenever", "when", "some")):
            value = "low"
        elif word in {"important", "crucial", "high importance"}:
            value = "high"
        else:
            value = "urgent"
        found.append((value, match.span()))
        taken.append(match.span())
    # "no longer urgent, just normal now": a level said as what it is not is no level (its words still go)
    # ("isn't urgent" is low, as "not urgent" is)
    said: list[tuple[str | None, Span]] = []
    for value, span in found:
        negated = _NEGATED.search(text[: span[0]])
        if negated is None:
            said.append((value, span))
        else:  # the negation's words go with the level's
            said.append(("low" if value in ("high", "urgent") else None, (negated.start(), span[1])))
    levels = [value for value, _ in said if value is not None]
    if not levels:
        return None
    strongest = max(levels, key=lambda value: PRIORITY_RANK[value])
    return Found(strongest, [span for _, span in said])


PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


# Words that make a task sound pressing or not, without naming a priority: the engine suggests one and asks
# (the user's own priority word always wins). A clause of them ("it's time-sensitive", "at some point") is
# no part of a title; an adjective inside one ("the overdue invoice") is.
_SOON = (
    r"time[\s-]sensitive|pressing|overdue|running\s+late|right\s+away|straight\s+away|immediately|quickly"
    r"|as\s+soon\s+as\s+(?:possible|i\s+can|we\s+can|you\s+can)|before\s+it'?s\s+too\s+late"
    r"|running\s+out\s+of\s+time|last\s+chance|can'?t\s+(?:miss|forget)\s+(?:it|this)"
    r"|(?:the\s+)?deadline\s+is\s+(?:looming|close|near|tight|coming\s+up|approaching)"
)
# Vague times ("at some point"): no due date, no part of a title, and a hint that the task is not pressing.
VAGUE_TIME = r"at\s+some\s+point|some\s*time|eventually|one\s+of\s+these\s+days"
_LATER = (
    rf"not\s+(?:pressing|time[\s-]sensitive)|{VAGUE_TIME}|one\s+day"
    r"|if\s+i\s+(?:ever\s+)?get\s+(?:a)?round\s+to\s+it|nice\s+to\s+have|(?:no|not\s+a)\s+big\s+deal"
    r"|low[\s-]key"
)
_CUE_CLAUSE = (
    r"(?:[,;]\s*|\s+)(?:(?:and|so|but|because|as)\s+)?(?:(?:it'?s|it\s+is|this\s+is|that'?s|which\s+is)\s+)?"
)
_CUE_ADVERB = r"(?:(?:really|very|quite|kind\s+of|kinda|a\s+bit|pretty|super)\s+)?"
_URGENCY_CUES = [
    (level, re.compile(rf"(?P<clause>{_CUE_CLAUSE}{_CUE_ADVERB})?\b(?:{words})\b", re.IGNORECASE))
    for level, words in (("low", _LATER), ("high", _SOON))
]


def find_urgency(text: str) -> Found | None:
    """The priority the words of a task suggest (`high` or `low`), and the spans to cut from its title: the
    cue when it ends a clause ("call the plumber, it's time-sensitive"), none when it is part of the title
    ("pay the overdue invoice")."""
    for level, pattern in _URGENCY_CUES:
        match = pattern.search(text)
        if match is None:
            continue
        at_end = _CLAUSE_END.match(text[match.end() :]) is not None
        return Found(level, [match.span()] if at_end else [])
    return None


# Status words, by the status they set. The longer phrases come first so that "not done" is not "done".
_STATUS_PHRASES: list[tuple[str, re.Pattern[str]]] = [
    (
        "pending",
        re.compile(
            r"(?:\b(?:as|to|back\s+to|is|be)\s+)*\b(?:(?:not|isn'?t|aren'?t|wasn'?t|not\s+yet|isn'?t\s+yet)\s+(?:really\s+|actually\s+)?"
            r"(?:done|finished|complete|completed|started)|undone|re-?open(?:ed)?"
            r"|(?:haven'?t|hasn'?t|have\s+not|has\s+not)\s+(?:even\s+|yet\s+|actually\s+)?(?:started|begun)"
            r"|incomplete|unfinished|pending|to-?do|open|not\s+started)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "in_progress",
        re.compile(
            r"(?:\b(?:as|to|is|be|i'?m|i\s+am|we'?re|we\s+are|i'?ve|we'?ve|i\s+have|we\s+have)\s+)*\b(?:in[\s-]+progress"
            r"|ongoing|under\s+way|underway|started|doing|wip"
            r"|(?:about\s+)?(?:half\s*way|part\s*way|midway)\s+(?:done\s+)?(?:through|with|into)|in\s+the\s+middle\s+of"
            r"|made\s+a\s+start\s+on|chipping\s+away\s+at|got\s+(?:going|started|stuck\s+in)\s+(?:on|with|into)"
            r"|cracking\s+on\s+with|on\s+the\s+go)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "completed",
        re.compile(
            r"(?:\b(?:as|to|is|be|now|all)\s+)*\b(?:done|complete|completed|finished|closed|resolved|sorted|handled"
            r"|taken\s+care\s+of|(?:tick|check|mark|cross)(?:ed)?\s+(?:it|that|this)(?:\s+one)?\s+off"
            r"|close\s+(?:it|that|this)(?:\s+(?:one|task))?"
            r"|(?:(?<=\bcan\s)|(?<=\bpls\s)|(?<=\bplease\s))(?:tick|check|cross)\s+(?:it\s+)?off"
            r"|(?:(?<=\bi\s)|(?<=\bwe\s))(?:did|finished|completed|sorted)\s+(?:it|that|this)(?:\s+one)?)\b(?:\s+with\b)?",
            re.IGNORECASE,
        ),
    ),
    # A check mark said as a status: "passport renewal ✅".
    ("completed", re.compile(r"\s*(?:\u2705|\u2714\ufe0f?|\u2611\ufe0f?)")),
]
# Verbs that set a status when they lead the sentence ("finish the report", "start working on X").
_STATUS_VERBS: list[tuple[str, re.Pattern[str]]] = [
    (
        "pending",
        re.compile(
            # "open that one back up": reopened
            r"^(?:re-?open|un-?complete|undo|restart|revive|un-?check|open\s+(?:it|that|this)(?:\s+one)?\s+(?:back\s+)?up)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "in_progress",
        re.compile(
            r"^(?:(?:i(?:\s+am|'?m)\s+|i've\s+|we(?:\s+are|'re)\s+)?(?:start(?:ed)?|begin|began|begun|kick\s+off|kicked\s+off"
            r"|starting|beginning|commence)(?:\s+(?:working|work)\s+on|\s+on|\s+with)?|(?:i(?:\s+am|'?m)\s+|we(?:\s+are|'re)\s+)(?:now\s+|currently\s+)?(?:working\s+on|on)"
            r"|work\s+on|(?:now\s+|currently\s+)?working\s+on|pick\s+up|picked\s+up)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "completed",
        re.compile(
            r"^(?:(?:i|we)\s+(?:have\s+|'ve\s+|just\s+|already\s+)*)?(?:complete[d]?|finish(?:ed)?|close[d]?"
            r"|check(?:ed)?\s+off|tick(?:ed)?\s+off|cross(?:ed)?\s+off|wrap(?:ped)?\s+up|did|done\s+with|resolve[d]?)\b",
            re.IGNORECASE,
        ),
    ),
]


# What is still to be done, said before a status word: "it needs to be done by Friday", "needs doing",
# "I want it sorted this week", "get it finished": a deadline or a wish, not the task's state.
_OBLIGED = re.compile(
    r"(?:\b(?:needs?|must|should|gotta|ought\s+to|(?:has|have|had)\s+to|want(?:s|ed)?|wanna|would\s+like|get|gets"
    r"|getting|hop(?:e|ing)\s+to|going\s+to|gonna)(?:\s+(?:it|this|that|them|these|those|all))?(?:\s+to)?"
    r"|\b(?:will|can|could|'ll))(?:\s+(?:be|get|have))\s*$"
    r"|\b(?:needs?|must|should|gotta|want(?:s|ed)?|wanna|would\s+like|get|gets|getting)"
    r"(?:\s+(?:it|this|that|them|these|those|all))?\s*$",
    re.IGNORECASE,
)


_LEAD = re.compile(r"(?:\b(?:as|to|is|be|now|all|back\s+to|i'?m|i\s+am|we'?re|we\s+are)\s+)*", re.IGNORECASE)


def _obliged(text: str, match: re.Match[str], status: str) -> bool:
    """Whether a status phrase is said as what must still happen ("has to be finished", "needs doing");
    "it should be in progress" still sets one."""
    if status != "completed" and not match.group().lower().endswith("doing"):
        return False
    lead = _LEAD.match(match.group())
    word_start = match.start() + (lead.end() if lead else 0)
    return _OBLIGED.search(text[:word_start]) is not None


_CONTRAST = re.compile(r"\bbut\s+(?:nope|no|now|actually)?\W*", re.IGNORECASE)


def status_after_but(text: str, *, allow_verbs: bool = True) -> tuple[int, Found] | None:
    """The status said after "but" ("I thought I was done with the verbs but nope, I'm working on them
    again"): where "but" starts, and what is true now with its spans in `text`'s positions; None when
    nothing after "but" says one."""
    contrast = _CONTRAST.search(text)
    if contrast is None:
        return None
    after = find_status(text[contrast.end() :], allow_verbs=allow_verbs)
    if after is None:
        return None
    shifted = [(start + contrast.end(), end + contrast.end()) for start, end in after.spans]
    return contrast.start(), Found(after.value, shifted)


def find_status(text: str, *, allow_verbs: bool = True) -> Found | None:
    """The status a sentence sets (`pending`, `in_progress`, `completed`), if any.

    A leading verb ("reopen", "finish") decides; other status words are still collected, so that "undo
    that, mark it as not done" leaves no status words in the reference.
    """
    value: str | None = None
    taken: list[Span] = []
    contrast = status_after_but(text, allow_verbs=allow_verbs)
    if contrast is not None:
        but, now_true = contrast
        before = find_status(text[:but], allow_verbs=allow_verbs)
        return Found(now_true.value, (before.spans if before else []) + now_true.spans)
    if allow_verbs:
        for status, pattern in _STATUS_VERBS:
            match = pattern.search(text)
            if match:
                value = status
                taken.append(match.span())
                break
    for status, pattern in _STATUS_PHRASES:
        for match in pattern.finditer(text):
            if _overlaps(match.span(), taken) or _obliged(text, match, status):
                continue
            value = value or status
            taken.append(match.span())
    return Found(value, taken) if value else None


_HASHTAG = re.compile(r"(?<![\w#])#(?P<tag>[A-Za-z][\w-]{0,49})")
_TAG_PHRASE = re.compile(
    r"(?:,\s*|\s+|^)(?:and\s+)?(?:tag(?:ged)?|label(?:led|ed)?|with\s+(?:the\s+)?(?:tags?|labels?))"
    r"(?:\s+(?:it|them|with|as))*\s*:?\s+(?P<tags>[\w-]+(?:\s*(?:,|and|&)\s*[\w-]+)*)",
    re.IGNORECASE,
)


def find_tags(text: str) -> tuple[list[str], list[Span]]:
    """Tags given as `#tag` or "tagged work, home"; lower-cased, in order, without repeats."""
    tags: list[str] = []
    spans: list[Span] = []
    for match in _HASHTAG.finditer(text):
        tags.append(match.group("tag").lower())
        spans.append(match.span())
    for match in _TAG_PHRASE.finditer(text):
        tags.extend(part.lower() for part in re.split(r"\s*(?:,|\band\b|&)\s*", match.group("tags")) if part)
        spans.append(match.span())
    return list(dict.fromkeys(tags)), spans


_AMOUNT = r"(?P<amount>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|half\s+an?)"
_ESTIMATE = re.compile(
    r"(?:,\s*|\s+|^)(?:(?:it|this|that)\s+)?(?:(?:will|should|would|might)\s+)?(?:takes?|taking|estimated?(?:\s+at)?"
    r"|estimate\s*:?|est\.?|effort\s*:?|~)\s*(?:about|around|roughly)?\s*"
    rf"{_AMOUNT}\s*(?P<unit>h|hrs?|hours?|m|mins?|minutes?)\b",
    re.IGNORECASE,
)
_SIZE_PREFIX = re.compile(
    r"\b(?P<amount>\d+)[\s-]*(?P<unit>min(?:ute)?|hour|h)s?(?=\s+(?:task|job|item))", re.IGNORECASE
)
_AMOUNT_WORDS = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
}


def find_estimate(text: str) -> tuple[int, Span] | None:
    """An effort estimate in minutes ("it takes 2 hours", "~30 min", "a 45-minute task")."""
    match = _ESTIMATE.search(text) or _SIZE_PREFIX.search(text)
    if not match:
        return None
    amount_text = match.group("amount").lower()
    amount = 0.5 if amount_text.startswith("half") else _AMOUNT_WORDS.get(amount_text) or float(amount_text)
    unit = match.group("unit").lower()
    minutes = amount * 60 if unit.startswith("h") else amount
    return max(1, round(minutes)), match.span()


_DESCRIPTION = re.compile(
    r"(?:[,;.]\s*|\s+-+\s*|\s+)(?:and\s+)?(?:with\s+)?(?:(?:the|a)\s+)?(?:description|desc|notes?|details?|comment)"
    r"\s*(?::|=|saying|that\s+says|reading|-|(?=[\"'\u201c\u2018]))\s*(?P<text>.+)$",
    re.IGNORECASE | re.DOTALL,
)


def find_description(text: str) -> tuple[str, Span] | None:
    """A description appended to a request: "..., notes: bring the receipts"."""
    match = _DESCRIPTION.search(text)
    if not match:
        return None
    return strip_quotes(match.group("text").strip()), match.span()


_QUOTES = "\"'“”\u2018\u2019`"


def strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        return text[1:-1].strip()
    return text


QUOTED = re.compile(r"\"(?P<a>[^\"]+)\"|“(?P<b>[^”]+)”|(?<![\w])'(?P<c>[^']+)'(?![\w])")


def quoted_strings(text: str) -> list[tuple[str, Span]]:
    """Text inside double quotes, curly quotes or single quotes (apostrophes in words are not quotes)."""
    found = []
    for match in QUOTED.finditer(text):
        value = match.group("a") or match.group("b") or match.group("c") or ""
        if value.strip():
            found.append((value.strip(), match.span()))
    return found


# "urgent not high", "instead of low": a level said no to
NOT_A_LEVEL = re.compile(
    r"[\s,]*\b(?:and\s+|but\s+)?(?:not|instead\s+of)\s+(?:a\s+|as\s+)?(?:urgent|high|low|normal|medium)"
    r"(?:\s+prio(?:rity)?)?\b",
    re.IGNORECASE,
)
