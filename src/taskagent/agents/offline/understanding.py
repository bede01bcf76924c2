"""What a message wants, decided by a linear model learned from the labelled corpus (corpus/, `make train`).

The exact parts stay rules (dates, numbers, ids, quoted titles: they only show up here as "this message has
a date" features); which action, which list filter family or which specialist a message asks for is
the label with the highest score. The model is a multinomial logistic regression over word uni- and
bigrams and character 3- and 4-grams, trained by scikit-learn at build time and stored as plain weights in
`understanding.json`; scoring it is a few dictionary look-ups in pure Python (no numpy at run time).

Typing mistakes in the words that carry meaning ("shwo", "delte", "priorty") are mended first, against the
words the model weighs most (within one edit for short words, two for long ones; a three-letter word with no
vowel, "tsk", by the one letter it misses).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from .dates import find_dates
from .fields import find_priority
from .hinglish import read_hinglish

MODEL_FILE = Path(__file__).with_name("understanding.json")

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|[?!:#]")
_DETECTION_CLOCK = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # any moment will do: only presence matters


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


# A quoted title ("erase 'follow up with Ana'") says which task, never what to do with it: the model sees a
# placeholder, so that the title's own words ("follow up", "add", "delete") cannot decide the action.
_QUOTED = re.compile(r"[\"\u201c][^\"\u201d\n]+[\"\u201d]|(?<!\w)['\u2018][^'\u2019\n]{2,}?['\u2019](?!\w)")


def features(text: str) -> dict[str, float]:
    """The features of a message, L2-normalised; the training script uses this very function."""
    quoted = _QUOTED.search(text) is not None
    words = words_of(_QUOTED.sub(" quotedtitle ", text))
    found: set[str] = set()
    tokens = ["<num>" if word.isdigit() else word for word in words]
    for index, token in enumerate(tokens):
        found.add(f"w:{token}")
        if index + 1 < len(tokens):
            found.add(f"b:{token} {tokens[index + 1]}")
    if tokens:
        found.add(f"first:{tokens[0]}")
        found.add(f"first2:{' '.join(tokens[:2])}")
        found.add(f"len:{min(len(tokens), 12) // 3}")
    joined = f" {' '.join(token for token in tokens if token.isalpha())} "
    for size in (3, 4):
        found.update(f"c:{joined[start : start + size]}" for start in range(len(joined) - size + 1))
    # The exact parts, found by rules: their presence is evidence, their values are read elsewhere.
    if find_dates(text, _DETECTION_CLOCK):
        found.add("has:date")
    if find_priority(text):
        found.add("has:priority")
    if re.search(r"#\d+|\btasks?\s*#?\d+", text, re.IGNORECASE):
        found.add("has:id")
    if quoted:
        found.add("has:quote")
    if "\n" in text.strip() or re.search(r"(?:,[^,]+){2,}", text):
        found.add("has:list")
    if text.rstrip().endswith("?"):
        found.add("has:question")
    norm = 1 / math.sqrt(len(found)) if found else 0.0
    return dict.fromkeys(found, norm)


@dataclass(frozen=True)
class LinearModel:
    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        return cls(
            tuple(data["labels"]),
            tuple(data["bias"]),
            {
                name: tuple(value / data["scale"] for value in values)
                for name, values in data["weights"].items()
            },
        )

    def probabilities(self, text: str) -> dict[str, float]:
        scores = list(self.bias)
        for name, value in features(text).items():
            row = self.weights.get(name)
            if row is not None:
                for index, weight in enumerate(row):
                    scores[index] += weight * value
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return {label: exp / total for label, exp in zip(self.labels, exps, strict=True)}

    def best(self, text: str, among: Iterable[str] | None = None) -> tuple[str, float]:
        probabilities = self.probabilities(text)
        allowed = set(among) if among is not None else set(self.labels)
        label = max((label for label in self.labels if label in allowed), key=probabilities.__getitem__)
        return label, probabilities[label]


class Speller:
    """Mends a typing mistake in a word that carries meaning ("shwo" -> "show", "priorty" -> "priority").

    Cautious, since a title's own words must survive: only words the corpus never saw are mended, only into
    the words the chat model weighs most; a 4-letter word only by swapping two neighbouring letters, up to 7
    letters by one mistake, longer words by two; never by adding or dropping a final "s".
    """

    def __init__(self, targets: dict[str, int], known: Iterable[str]) -> None:
        self.targets = targets
        self.known = set(known) | set(targets)
        self.index: dict[str, set[str]] = {}
        for word in targets:
            for variant in _deletions(word, _reach(len(word))):
                self.index.setdefault(variant, set()).add(word)

    def mend(self, word: str) -> str:
        lowered = word.lower()
        if not lowered.isalpha() or lowered in self.known:
            return word
        if len(lowered) == 3:
            short = self._short(lowered)
            if short is not None:
                return short.capitalize() if word[:1].isupper() else short
        if len(lowered) < 4:
            return word
        candidates: set[str] = set()
        for variant in _deletions(lowered, _reach(len(lowered))):
            candidates |= self.index.get(variant, set())
        scored = [
            # Among equally close words, one that ends as the typed word does ("startd" is "started", not
            # "start"), then the one the corpus uses most.
            (distance, target[-1] != lowered[-1], -self.targets[target], target)
            for target in candidates
            if _plausible(lowered, target)
            and (distance := _osa_distance(lowered, target)) <= _reach(min(len(lowered), len(target)))
        ]
        if not scored:
            return word
        target = min(scored)[3]
        return target.capitalize() if word[:1].isupper() else target

    def _short(self, word: str) -> str | None:
        """A three-letter word with no vowel (so no English word) missing an inner letter of a four-letter
        meaning word: "tsk" -> "task", "shw" -> "show". A word that could be two targets is left alone."""
        if len(word) != 3 or re.search("[aeiouy]", word):
            return None
        found = {
            target
            for target in self.targets
            if len(target) == 4
            and target[0] == word[0]
            and target[-1] == word[-1]
            and word in {target[:index] + target[index + 1 :] for index in (1, 2)}
        }
        return found.pop() if len(found) == 1 else None

    def mend_text(self, text: str) -> str:
        return re.sub(r"[A-Za-z]+", lambda match: self.mend(match.group(0)), text)


def _reach(length: int) -> int:
    return 2 if length >= 8 else 1


def _plausible(word: str, target: str) -> bool:
    if word.rstrip("s") == target.rstrip("s") and not (word + target).endswith("ss"):
        return False  # a plural is not a typo ("progres" is one of "progress")
    if len(word) == 4 or len(target) == 4:  # short words: only two neighbouring letters swapped
        return len(word) == len(target) and sorted(word) == sorted(target)
    return True


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {item[:index] + item[index + 1 :] for item in frontier for index in range(len(item))}
        found |= frontier
    return found


def _osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one mistake."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


@dataclass(frozen=True)
class Understanding:
    chat: LinearModel
    triage: LinearModel
    speller: Speller


@cache
def understanding() -> Understanding:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    return Understanding(
        chat=LinearModel.from_json(data["chat"]),
        triage=LinearModel.from_json(data["triage"]),
        speller=Speller(data["meaning_words"], data["known_words"]),
    )


# The commonest slips of the little words, which the speller leaves alone (too short to mend by distance):
# "by teh end of the month" must still read as a date.
_LITTLE_WORDS = {
    "teh": "the",
    "hte": "the",
    "adn": "and",
    "nad": "and",
    "taht": "that",
    "wiht": "with",
    "jsut": "just",
    "abt": "about",
    "hav": "have",
    "wat": "what",
    "smth": "something",
    "sth": "something",
    "whats": "what's",
}
# Words as spoken in Caribbean and West African English, and "del" for delete: in lower case only, so that
# a name ("Di", "Mi") stays what it is.
_SPOKEN_WORDS = {
    "mi": "me",
    "di": "the",
    "fi": "to",
    "tek": "take",
    "del": "delete",
    "tae": "to",
    "aff": "off",
    "the morra": "tomorrow",
    "rn": "right now",
}
_SHORT_SPOKEN = re.compile(r"\b(?:mi|di|fi|[Tt]ek|tae|aff|the\s+morra|rn)\b|^[Dd]el\b")
# Scots words that carry a request's meaning (the date, the verb): "put doon a task tae pay the dues the
# morn", "dinnae let me forget", "whit's due", "end o the month".
_SCOTS_WORDS = {
    "the morn": "tomorrow",
    "doon": "down",
    "dinnae": "don't",
    "oot": "out",
    "aboot": "about",
    "mair": "more",
    "intae": "into",
    "fer": "for",
    "afore": "before",
    "whit": "what",
    "whaur": "where",
    "gie": "give",
    "o": "of",
    "nae": "no",
    "the day": "today",
}
_SCOTS = re.compile(
    r"\b(?:the\s+morn(?!ing)|doon|dinnae|oot|aboot|mair|intae|fer|afore|whit|whaur|gie|o(?=\s+the\b)"
    r"|nae(?=\s+(?:rush|hurry|bother|need))|the\s+day(?=\s+at\s+\d))\b",
    re.I,
)
# "mind me tae phone", "gie me a shout to check": asking to be reminded
_MIND_ME = re.compile(
    r"\b(?:mind\s+me|give\s+me\s+a\s+(?:shout|nudge|heads[\s-]up)|nudge\s+me)\s+(?=to\b)", re.IGNORECASE
)
# "remember me to pay the bill": how many say "remind me" in English learnt as a second language
# (with its day in between: "remember me on Thursday to pay for the container")
_REMEMBER_ME = re.compile(
    r"\bremember\s+me\s+(?=to\b|about\b|that\b|(?:on\s+|this\s+|next\s+)?[a-z]+day\s+to\b|tomorrow\s+to\b)",
    re.IGNORECASE,
)
_TO_BE_REMINDED = re.compile(
    r"\b(?:(?:i(?:\s+would|\s+should|'d)\s+like|i\s+want|i'?d\s+love)\s+to\s+be\s+reminded"
    r"|(?:ensure|make\s+sure)\s+(?:that\s+)?(?:i\s+am|i'?m|i\s+get)\s+reminded)\b",
    re.IGNORECASE,
)
# "remind me 2 call the charge nurse", "need 2 order gloves": "2" for "to", as phones shorten it
_TWO_FOR_TO = re.compile(r"\b(remind\s+me|need|have|want|got)\s+2\s+(?=[a-z]{3,})", re.IGNORECASE)
# "I always forget - please remind me ...": why the user asks, said before the request.
_FORGETFUL_LEAD = re.compile(
    r"^\W*(?:(?:ngl|tbh|honestly|ugh|lol)\W+)*i\s+(?:always|usually|often|keep|never)\s+"
    r"(?:forget(?:ting)?|remember)(?:\s+(?:this|that|it|things))?\s*(?:[-\u2013\u2014,:;.!]+|\s+so)\s*(?=\w)",
    re.IGNORECASE,
)
# "ngl i'm gonna forget to sign up for the sat so remind me next week": a reminder said back to front.
_FORGET_THEN_REMIND = re.compile(
    r"^\W*(?:(?:ngl|tbh|honestly|ugh|lol|ok(?:ay)?|so)\W+)*(?:i'?m|i\s+am|i'?ll|i\s+will)\s+"
    r"(?:(?:so|totally|definitely|100%|probably|deffo)\s+)?(?:gonna\s+|going\s+to\s+|bound\s+to\s+)?forget\s+"
    r"(?P<what>(?:to|about)\s+.+?)[\s,]+(?:so\s+|pls\s+|please\s+)*remind\s+me\b(?P<when>.*)$",
    re.IGNORECASE,
)
# "make it more important", "the gym one is less urgent now": a step up or down, said as the level it means.
_MORE_OR_LESS = re.compile(r"\b(?P<way>more|less)\s+(?:important|urgent|pressing)\b", re.IGNORECASE)
_STEP = {"more": "high", "less": "low"}
# Everyday short and regional forms of words that carry meaning: "saturday arvo", "tonite", "pop this on me
# list", "prepone it to friday" (Indian English: bring it forward).
_EVERYDAY_WORDS = {
    "arvo": "afternoon",
    "tonite": "tonight",
    "2nite": "tonight",
    "me list": "my list",
    "prepone": "bring forward",
    "preponed": "brought forward",
    "in flight": "in progress",
    "rite now": "right now",
    "workin": "working",
    "status on": "status to",  # "set the status on in progress" (German "auf")
    "in to days": "in two days",  # a speech recogniser's homophone
    "in to weeks": "in two weeks",
    "b4": "before",
    "abt": "about",
    "next wk": "next week",
    "this wk": "this week",
}
_EVERYDAY_SHORT = re.compile(
    r"\b(?:" + "|".join(word.replace(" ", r"\s+") for word in _EVERYDAY_WORDS) + r")\b", re.I
)
_END_OF_DAY = re.compile(
    r"\b(?:by\s+)?(?:(?<!\ba\s)cob|eod|close\s+of\s+business)\b"  # not "rough as a cob"
    r"(?=(?P<day>\s+(?:on\s+)?(?:mon|tue|wed|thu|fri|sat|sun|tomorrow|tmrw|today|tonight)\w*)?)",
    re.IGNORECASE,
)
_LITTLE_SLIP = re.compile(r"\b(?:" + "|".join(_LITTLE_WORDS) + r")\b", re.IGNORECASE)


_CHECK_MARKS = frozenset("\u2705\u2714\u2611")
# Emoji and pictographs (📌, ✨, ⭐, 😩), with the variation selector and joiner that build them; not other
# symbols ("™", "°", "©"), which belong to the words they follow.
_PICTOGRAPH = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]")


def without_trailing_pictographs(text: str, keep: frozenset[str] = frozenset()) -> str:
    """`text` without the emoji after its last word ("clean my room 😩"), but those in `keep`; unchanged
    when it is nothing but emoji."""
    end = len(text.rstrip())
    while end and (
        (_PICTOGRAPH.fullmatch(text[end - 1]) and text[end - 1] not in keep) or text[end - 1].isspace()
    ):
        end -= 1
    return text[:end] if text[:end].strip() else text


# Words a request hangs on (a day, a state) that people who spell by ear write far from their spelling:
# "tomoro", "wensday", "canceld", "alredy". Each is distinctive, so a word the corpus never saw that starts
# as one of them does and is at most two mistakes away is read as it, where the speller allows one.
_SPELT_BY_EAR = (
    "tomorrow",
    "tonight",
    "tuesday",
    "wednesday",
    "thursday",
    "saturday",
    "already",
    "cancelled",
    "finished",
    "started",
    "priority",
    "progress",
    "deadline",
    "deadlines",
    "completed",
)


def _by_ear(match: re.Match[str]) -> str:
    word = match.group(0)
    lowered = word.lower()
    if lowered in understanding().speller.known:
        return word
    found = {
        (_osa_distance(lowered, target), target)
        for target in _SPELT_BY_EAR
        if target[0] == lowered[0] and abs(len(target) - len(lowered)) <= 2
    }
    best = sorted(pair for pair in found if pair[0] <= 2)
    if not best or (len(best) > 1 and best[1][0] == best[0][0]):
        return word
    return _same_case(word, best[0][1])


def _same_case(said: str, word: str) -> str:
    return word[0].upper() + word[1:] if said[0].isupper() else word


def mend_typos(text: str) -> str:
    # "📌 add dentist checkup": a sign before the words is decoration, not part of a command or a title
    stripped = text.lstrip()
    kept = stripped.lstrip("".join(ch for ch in set(stripped[:8]) if _PICTOGRAPH.fullmatch(ch)))
    if kept != stripped and kept.strip():
        text = kept.lstrip()
    # "... urgent 😩": a feeling after the words, not a word (a check mark is a status: kept)
    text = without_trailing_pictographs(text, keep=_CHECK_MARKS)
    text = read_hinglish(text)
    text = _LITTLE_SLIP.sub(lambda match: _LITTLE_WORDS[match.group(0).lower()], text)
    text = _REMEMBER_ME.sub("remind me ", text)
    text = _TWO_FOR_TO.sub(r"\1 to ", text)
    # "I should like to be reminded to ...", "please ensure that I am reminded, on Monday, to ...": remind me
    text = _TO_BE_REMINDED.sub("remind me", text)
    # "rename the pharm one -> call pharmacy": an arrow says "to"
    text = re.sub(r"\s*(?:-+>|\u2192|=>)\s*", " to ", text)
    # "del stethoscope + CEU tasks", "show high + urgent": a plus between words is "and"
    text = re.sub(r"(?<=\w)\s+\+\s+(?=\w)", " and ", text)
    # "is there anything overdo", "lower it two normal": a speech recogniser's homophones
    text = re.sub(r"\boverdo\b(?!\s+(?:it|things))", "overdue", text, flags=re.IGNORECASE)
    text = re.sub(
        r"\b(priority\b.*?\s)two\s+(urgent|high|medium|normal|low)\b", r"\1to \2", text, flags=re.IGNORECASE
    )
    # "hi priority", "hi prio": high, as texted
    text = re.sub(r"\bhi\s+(?=prio)", "high ", text, flags=re.IGNORECASE)
    # "put the doctor call back by a week", "put it off 3 days": pushed back that much
    text = re.sub(
        r"\bput\s+([^,.;!?]{1,40}?)\s+(?:back|off)\s+(?:by\s+|for\s+)?(?=(?:\d+|an?|one|two|three|four|five|six"
        r"|seven|a\s+couple\s+of|a\s+few)\s+(?:days?|weeks?)\b)",
        r"push \1 back by ",
        text,
        flags=re.IGNORECASE,
    )
    # "have i mist any deadlines": missed, as heard
    text = re.sub(r"\b(have|has|i|we|i've|we've)\s+mist\b", r"\1 missed", text, flags=re.IGNORECASE)
    # "open task again please": reopen it
    text = re.sub(
        r"\bopen\s+((?:the\s+)?task|it|th(?:at|is)(?:\s+(?:one|job|task))?)\s+again\b",
        r"reopen \1",
        text,
        flags=re.IGNORECASE,
    )
    # "take the sandpaper of the list": off
    text = re.sub(
        r"\b((?:take|get|cross|knock|scratch|strike)\s(?:[^,.;!?]{1,40}?\s)?)of(?=\s+(?:the|my)\s+list\b)",
        r"\1off",
        text,
        flags=re.IGNORECASE,
    )
    # "high pri", "low prio": the priority, shortened
    text = re.sub(
        r"\b(urgent|high|medium|normal|low)\s+prio?\b(?!-)", r"\1 priority", text, flags=re.IGNORECASE
    )
    text = _FORGETFUL_LEAD.sub("", text, count=1)
    text = _MORE_OR_LESS.sub(lambda match: f"{_STEP[match['way'].lower()]} priority", text)
    text = re.sub(r"(?<=\w)'ll\s+do\b", "", text)  # "next week'll do": that day will do
    text = _EVERYDAY_SHORT.sub(
        lambda match: _EVERYDAY_WORDS[re.sub(r"\s+", " ", match.group(0).lower())], text
    )
    # "by COB Friday", "EOD tmrw": the end of a working day is that day; alone, today
    text = _END_OF_DAY.sub(lambda match: "" if match.group("day") else "today", text)
    text = _FORGET_THEN_REMIND.sub(lambda match: f"remind me {match['what']}{match['when']}", text, count=1)
    text = _SHORT_SPOKEN.sub(lambda match: _SPOKEN_WORDS[re.sub(r"\s+", " ", match.group(0).lower())], text)
    text = _SCOTS.sub(
        lambda match: _same_case(match.group(0), _SCOTS_WORDS[re.sub(r"\s+", " ", match.group(0).lower())]),
        text,
    )
    text = _MIND_ME.sub("remind me ", text)
    # "mark em urgent": them
    text = re.sub(
        r"\b(mark|make|set|move|put|get|delete|remove|bin|do|push|bump)\s+'?em\b",
        r"\1 them",
        text,
        flags=re.I,
    )
    # "I would be grateful if you reminded me to ...": the courteous past of "would you remind me"
    text = re.sub(r"\bif\s+you\s+reminded\s+me\b", "if you would remind me", text, flags=re.IGNORECASE)
    # "that'n", "paintin' job": the words as spoken, written out
    text = re.sub(r"\b(th(?:at|is))'(?:u)?n\b", r"\1 one", text, flags=re.IGNORECASE)
    text = re.sub(r"\b([a-z]{3,}in)'(?=\s|$|[,.!?])", r"\1g", text)
    text = re.sub(r"[A-Za-z]{5,}", _by_ear, text)
    return understanding().speller.mend_text(text)
