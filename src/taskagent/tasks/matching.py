"""Which of the user's tasks a phrase means ("the security audit task", "taxes", "task 12").

One matcher for every reader of task references: the `find_tasks` tool that hosted models and the offline
engine call, the offline engine's narrowing of those results, and its choice of the task a help request is
about. Words are compared after light stemming, a prefix of four letters or more counts almost as the word,
and a close misspelling counts for less; the title weighs twice what the description and tags do.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

MAX_MATCHES = 10
# A candidate within this score of the best one is as plausible: several such matches mean "ambiguous".
CLOSE_MATCH = 0.35
# Below this share of the phrase's words found, a task is not a match at all.
MIN_MATCH = 0.5
PREFIX_MATCH = 0.9
PHRASE_BONUS = 0.5

# Words that say "a task" without saying which one: dropped from a phrase before matching.
NOISE = frozenset(
    {
        "a",
        "an",
        "the",
        "teh",  # "the" mistyped: a task is never named by it
        "hte",
        "my",
        "our",
        "your",
        "this",
        "that",
        "these",
        "those",
        "it",
        "is",
        "me",
        "i",
        "what",
        "which",
        "so",
        "now",
        "all",
        "everything",
        "please",
        "task",
        "tasks",
        "todo",
        "to-do",
        "todos",
        "item",
        "items",
        "one",
        "thing",
        "things",
        "stuff",
        "anything",
        "something",
        "entry",
        "list",
        "reminder",
        "called",
        "named",
        "titled",
        "about",
        "regarding",
        "concerning",
        "re",
        "related",
        "says",
        "for",
        "with",
        "w",  # "rehearsal w the new drummer"
        "of",
        "on",
        "in",
        "from",
        "and",
        "both",
        # hedges and particles said around a task's name ("not actually working on the bathroom anymore")
        "actually",
        "btw",  # "the kiwisaver one is high prio btw"
        "there",  # "is physics on there somewhere"
        "somewhere",
        "anywhere",
        "fyi",
        "tbh",
        "anymore",
        "finally",
        "really",
        "just",
        "again",
        "out",
        "up",
        "to",
        "due",
        "date",
        "deadline",
        "priority",
        "prio",
        "status",
    }
)
_WORD = re.compile(r"[\w'&+-]+")
_BY_ID = re.compile(r"(?:task\s*)?#?(\d+)", re.IGNORECASE)


class Matchable(Protocol):
    """What matching reads of a task: a stored `Task` and the offline engine's `TaskInfo` both are."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def status(self) -> str: ...


T = TypeVar("T", bound=Matchable)


# Past tenses that no suffix rule undoes: "paid the water bill" names "Pay water bill".
IRREGULAR = {
    "paid": "pay",
    "bought": "buy",
    "sent": "send",
    "made": "make",
    "took": "take",
    "taken": "take",
    "wrote": "write",
    "written": "write",
    "met": "meet",
    "gave": "give",
    "given": "give",
    "sold": "sell",
    "brought": "bring",
    "fed": "feed",
    "told": "tell",
    "spoke": "speak",
    "built": "build",
    "caught": "catch",
    "drove": "drive",
    "swept": "sweep",
    "hung": "hang",
    "threw": "throw",
    "went": "go",
    "rang": "ring",
    "sang": "sing",
    "ate": "eat",
    "chose": "choose",
    "began": "begin",
    "begun": "begin",
    "fought": "fight",
    "thought": "think",
    "taught": "teach",
    "kept": "keep",
    "lent": "lend",
    "spent": "spend",
    "sewn": "sew",
    "mown": "mow",
}


# Short forms people type for a title's word: "tax docs" names "Prepare tax documents".
SHORT_FORMS = {
    "doc": "document",
    "docs": "document",
    "appt": "appointment",
    "appts": "appointment",
    "info": "information",
    "bday": "birthday",
    "b'day": "birthday",
    "mgmt": "management",
    "dept": "department",
    "govt": "government",
    "uni": "university",
    "admin": "administration",
    "approx": "approximate",
    "prefs": "preference",
    "specs": "specification",
}


def stem(word: str) -> str:
    word = word.lower().strip("'-")
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word in SHORT_FORMS:
        return SHORT_FORMS[word]
    if word.endswith("'s"):
        word = word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(?:x|s|sh|ch|z)es$", word) and len(word) > 4:
        return word[:-2]  # taxes -> tax, matches -> match (but notes -> note)
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """The stemmed words of a text that can tell one task from another."""
    stems = (stem(word) for word in _WORD.findall(text.lower()) if word.strip("'") not in NOISE)
    return [word for word in stems if word]


def clean_phrase(phrase: str) -> str:
    """The phrase without the words that name no task in particular, unstemmed."""
    kept = (word.strip("'") for word in _WORD.findall(phrase.lower()))
    return " ".join(word for word in kept if word and word not in NOISE)


def word_match(wanted: str, have: Sequence[str]) -> float:
    """How well one word is found among a text's words: 1 exact, 0.9 a prefix, less for a misspelling."""
    best = 0.0
    for word in have:
        if word == wanted:
            return 1.0
        shorter, longer = sorted((wanted, word), key=len)
        if len(shorter) >= 4 and longer.startswith(shorter):
            best = max(best, PREFIX_MATCH)
        elif len(shorter) >= 7 and wanted[:6] == word[:6] and _shared_start(wanted, word) >= len(shorter) - 2:
            best = max(best, PREFIX_MATCH)  # another form of the word: "migration" names "Migrate"
        elif min(len(wanted), len(word)) >= 4:
            ratio = difflib.SequenceMatcher(None, wanted, word).ratio()
            if ratio >= 0.8:
                best = max(best, 0.8 * ratio)
    return best


def _shared_start(one: str, other: str) -> int:
    """How many letters two words share from their start."""
    shared = 0
    for mine, theirs in zip(one, other, strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared


def match_score(phrase: str, task: Matchable) -> float:
    """0..1.5: the share of the phrase's words in the title (half weight in the description and tags),
    plus a bonus when the whole phrase appears in the title."""
    wanted = words(phrase)
    if not wanted:
        return 0.0
    title = words(task.title)
    body = words(task.description or "") + [stem(tag) for tag in task.tags or ()]
    total = sum(max(word_match(word, title), 0.5 * word_match(word, body)) for word in wanted)
    score = total / len(wanted)
    said = " ".join(_WORD.findall(phrase.lower()))
    # A phrase said whole in the title is a closer match; one word said as typed is not ("invoices" fits
    # "Send invoice to Acme" as well as "Chase unpaid invoices").
    if " " in said and said in " ".join(_WORD.findall(task.title.lower())):
        score += PHRASE_BONUS
    return score


def extra_title_words(phrase: str, task: Matchable) -> int:
    """How many more words the title has than the phrase: between equal matches, fewer is closer."""
    return max(0, len(words(task.title)) - len(words(phrase)))


def title_coverage(text: str, task: Matchable) -> float:
    """The share of the title's words that a longer text uses ("I'm stuck on the payment API" covers two
    of the three words of "Integrate the payment API")."""
    title = words(task.title)
    if not title:
        return 0.0
    said = words(text)
    return sum(1 for word in title if word_match(word, said) >= PREFIX_MATCH) / len(title)


# A sentence names a task by its title when it says this share of the title's words, and at least two of
# them (one word in common, "call", is too little to tell "call the bank" from "Call mom").
SAID_TITLE = 0.6


def said_title(text: str, task: Matchable) -> float:
    """How surely a sentence names a task by saying its title's words, 0 when it does not: the share of the
    title's words said (a typing mistake counts a little less), when that share is at least `SAID_TITLE`
    and two or more words are said (all of them, for a title of one word)."""
    title = words(task.title)
    if not title:
        return 0.0
    said = words(text)
    found = [word_match(word, said) for word in title]
    hits = sum(1 for value in found if value >= (0.7 if len(title) > 1 else PREFIX_MATCH))
    share = sum(found) / len(title)
    if share < SAID_TITLE or hits < min(2, len(title)):
        return 0.0
    return share


# Words of a request that say what to do with a task, or how the user feels about it, rather than which
# task: they never tell one task from another for `named_in_passing`.
_REQUEST_WORDS = frozenset(
    stem(word)
    for word in """add added put make made set move moved change changed update delete deleted remove removed
    mark marked check close closed open reopen start started finish finished done complete completed
    cancel cancelled drop dropped scrap need needs want can can't could would should will won't still
    already yet have has had was were been not don't isn't wasn't did didn't does doesn't get got take off
    back again later today tonight tomorrow week weekend month high low urgent normal important priority
    progress pending wrong mistake way overdue late happen happening anymore just okay yes yeah thank
    thanks sorry please pls you your can't i'm i've it's that's there's we're they're let know think
    said say says tell told call called""".split()  # noqa: SIM905  (a list reads better so)
)


def named_in_passing(text: str, tasks: Sequence[T]) -> T | None:
    """The task a sentence names only in passing, by a word or two of its title among other words ("I was
    wrong, the plumber task is not finished" names "Call plumber about bathroom"): the one task whose
    title has the most of the sentence's telling words; None when no task, or several, have as many."""
    said = {word for word in words(text) if len(word) >= 3 and word not in _REQUEST_WORDS}
    counted = []
    for task in tasks:
        title = words(task.title)
        found = sum(1 for word in said if word_match(word, title) >= PREFIX_MATCH)
        if found:
            counted.append((found, task))
    counted.sort(key=lambda pair: -pair[0])
    if not counted or (len(counted) > 1 and counted[1][0] == counted[0][0]):
        return None
    return counted[0][1]


def rank_tasks(phrase: str, tasks: Sequence[T], *, limit: int = MAX_MATCHES) -> list[T]:
    """The tasks a phrase can mean, best first.

    A candidate needs at least half of the phrase's words (or, when no task has that many, the phrase
    says most of its title: `said_title`), and must be about as good as the best one
    (within `CLOSE_MATCH`): a clearly better match is returned alone, so several matches really mean the
    reference is ambiguous. A bare id ("12", "#12", "task 12") means that task only.
    """
    text = phrase.strip()
    by_id = _BY_ID.fullmatch(text)
    if by_id:
        wanted_id = int(by_id.group(1))
        return [task for task in tasks if task.id == wanted_id]
    scored = [(match_score(text, task), task) for task in tasks]
    best = max((score for score, _ in scored), default=0.0)
    if best < MIN_MATCH:
        # A whole sentence rather than a name ("the hotel booking matters more than I thought"): most of
        # its words name no task, so look for the task whose own title it says.
        scored = [(said_title(text, task), task) for task in tasks]
        best = max((score for score, _ in scored), default=0.0)
    kept = [(score, task) for score, task in scored if score >= max(MIN_MATCH, best - CLOSE_MATCH)]
    kept.sort(
        key=lambda pair: (
            -pair[0],
            extra_title_words(text, pair[1]),
            pair[1].status == "completed",
            pair[1].id,
        )
    )
    return [task for _, task in kept[:limit]]
