"""How a message points at a task, and which tasks that can be.

A reference is an id ("task 12", "#12"), a position in the last list shown ("the first one"), a pronoun
("it", "that one": the last task the conversation mentioned) or a description ("the security audit
task"), which the find_tasks tool searches and `best_matches` narrows. ChatKit replays earlier turns as
message text only, so positions and pronouns are read from the `#<id>` labels the engine's own replies
carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from taskagent.tasks.matching import clean_phrase, extra_title_words, match_score

from .conversation import Entry, mentioned_ids
from .tasks import TaskInfo

ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "7th": 7,
    "eighth": 8,
    "8th": 8,
    "ninth": 9,
    "9th": 9,
    "tenth": 10,
    "10th": 10,
    "last": -1,
    "final": -1,
}
_ORDINAL = re.compile(
    r"\b(?P<word>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final|\d+(?:st|nd|rd|th))"
    r"(?:\s+(?:one|task|item|entry|on\s+the\s+list))?\b",
    re.IGNORECASE,
)
# Not after "at", "in", "on", "of", "for": "the kitchen fitting at no 12" is an address, part of a title.
_NUMBER_ON_LIST = re.compile(
    r"(?<!\bat\s)(?<!\bin\s)(?<!\bon\s)(?<!\bof\s)(?<!\bfor\s)"
    r"\b(?:number|no\.?)\s+(?P<n>\d+)(?P<list>\s+on\s+the\s+list)?\b",
    re.IGNORECASE,
)
_IDS = re.compile(
    r"(?:\btasks?\s*(?:number\s*|no\.?\s*|id\s*)?#?\s*|(?<![\w&])#|\bid\s*)(?P<id>\d+)\b"
    r"(?P<more>(?:\s*(?:,|and|&)\s*(?:tasks?\s*)?#?\d+\b)*)",
    re.IGNORECASE,
)
_PRONOUN = re.compile(
    r"^(?:it|its|it's|that|this|them|those|these|same|the\s+same(?:\s+one)?|that\s+one|this\s+one|the\s+one|one"
    r"|that\s+task|this\s+task|the\s+task|this\s+one\s+here|the\s+last\s+one\s+i\s+(?:created|added|made)|one\s+i\s+just\s+\w+"
    # "the one i mentioned", "the task we talked about": whatever was last named
    r"|(?:the|that)\s+(?:one|task)\s+(?:i|we|you)\s+(?:just\s+)?(?:mentioned|said|meant|talked\s+about|told\s+you\s+about)"
    r"|you\s+know\s+which(?:\s+one)?|(?:you\s+know\W+)?the\s+thing|you\s+know)$",
    re.IGNORECASE,
)

PLURAL_PRONOUN = re.compile(
    r"^(?:(?:all|each|both)\s+)?(?:of\s+)?(?:them|those|these)(?:\s+(?:all|both|two|three|four|tasks|ones))?$"
    r"|^(?:both|all\s+(?:two|three|four))(?:\s+of\s+them)?$"
    r"|^they(?:'re|'ve|\s+are|\s+have|\s+were)?(?:\s+(?:all|both))?$",
    re.IGNORECASE,
)


@dataclass
class Reference:
    phrase: str = ""
    ids: list[int] = field(default_factory=list)
    ordinal: int | None = None
    pronoun: bool = False
    description: str = ""
    ordinal_or_id: bool = False
    # "them all", "both of them": every task the last answer named, not one of them.
    plural: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.ids or self.ordinal is not None or self.pronoun or self.description)


def parse_reference(phrase: str) -> Reference:
    """Read a reference from the words left once the action and field values are cut out."""
    phrase = re.sub(r"\s+", " ", phrase).strip(" ,.;:!?\"'“”")
    ref = Reference(phrase=phrase)
    ids_match = _IDS.search(phrase)
    if ids_match:
        ref.ids = [int(number) for number in re.findall(r"\d+", ids_match.group(0))]
        return ref
    on_list = _NUMBER_ON_LIST.search(phrase)
    if on_list:
        ref.ordinal = int(on_list.group("n"))
        # "number 2" is a position when a list was shown, else an id; "number 2 on the list" is a position.
        ref.ordinal_or_id = not on_list.group("list")
        return ref
    cleaned = clean_phrase(phrase)
    ordinal = _ORDINAL.search(phrase)
    if ordinal and len(cleaned.split()) <= 1:
        word = ordinal.group("word").lower()
        ref.ordinal = ORDINALS.get(word) or int(re.sub(r"\D", "", word) or 0) or None
        return ref
    if PLURAL_PRONOUN.match(phrase):
        ref.pronoun = ref.plural = True
        return ref
    pieces = [piece.strip() for piece in re.split(r"\s*(?:,|\band\b)\s*", phrase) if piece.strip()]
    if not cleaned or all(_PRONOUN.match(piece) for piece in pieces):
        ref.pronoun = True
        return ref
    ref.description = cleaned
    # "(both of) the Bali tasks", "all the gym ones": every task the words fit
    ref.plural = bool(re.search(r"\b(?:tasks|ones|reminders|to-?dos)\b", phrase, re.IGNORECASE))
    return ref


# --- reading earlier turns ------------------------------------------------------------------------------

_LIST_LINE = re.compile(r"^\s*(?P<pos>\d+)[.)]\s+.*?#(?P<id>\d+)\b", re.MULTILINE)
_LABEL = re.compile(r"#(?P<id>\d+)[:\s]+(?P<title>[^\n(]+?)(?=\s*(?:\(|$|\n|—| - ))", re.MULTILINE)


def last_list(history: Sequence[Entry]) -> list[int]:
    """The task ids of the most recent numbered list the assistant showed, in their order."""
    for entry in reversed(history):
        if entry.role != "assistant":
            continue
        positions = {int(m.group("pos")): int(m.group("id")) for m in _LIST_LINE.finditer(entry.text)}
        if positions:
            return [positions[pos] for pos in sorted(positions)]
    return []


def last_mentioned(history: Sequence[Entry]) -> list[int]:
    """The ids named by the most recent entry that names any: the candidates for "it"."""
    for entry in reversed(history):
        ids = mentioned_ids(entry)
        if ids:
            return ids
    return []


def titles_from_history(history: Iterable[Entry]) -> dict[int, str]:
    """`#12 Title` labels seen in earlier assistant messages, so a question can name the candidates."""
    titles: dict[int, str] = {}
    for entry in history:
        if entry.role == "assistant":
            for match in _LABEL.finditer(entry.text):
                titles[int(match.group("id"))] = match.group("title").strip(" .,:;")
    return titles


# --- choosing among search results ----------------------------------------------------------------------


def best_matches(description: str, candidates: Sequence[TaskInfo], *, prefer_open: bool) -> list[TaskInfo]:
    """The tasks a description most plausibly means: one when it is clear, several when it is not."""
    if not candidates:
        return []
    exact = [task for task in candidates if task.title.strip().lower() == description.strip().lower()]
    if len(exact) == 1:
        return exact
    scored = [(match_score(description, task), task) for task in candidates]
    top = max(score for score, _ in scored)
    if top <= 0:
        # The search matched on something we cannot see (say, a stemmed word); trust it if it is one.
        return list(candidates)
    best = [task for score, task in scored if score >= top - 1e-9 and score >= 0.5]
    if not best:
        return [task for score, task in scored if score >= top - 1e-9]
    if prefer_open and len(best) > 1:
        open_ones = [task for task in best if task.is_open]
        if len(open_ones) == 1:
            return open_ones
    if len(best) > 1:
        # A candidate whose title has no words beyond the description is the one meant:
        # "the report" means "Report" rather than "Report on the offsite budget".
        tight = [task for task in best if extra_title_words(description, task) == 0]
        if len(tight) == 1:
            return tight
    return best
