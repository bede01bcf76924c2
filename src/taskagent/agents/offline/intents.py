"""What a message asks for: the chat action or the specialist, decided by the learned models of
understanding.py; and the politeness that never belongs in a title.

(`Feature` and `score` remain for the blocker specialist's own diagnosis of what kind of blocker it is.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from .dates import find_dates
from .fields import find_priority
from .understanding import mend_typos, understanding

HelpKind = Literal["scheduler", "breakdown", "blocker"]
HELP_KINDS: tuple[HelpKind, ...] = ("scheduler", "breakdown", "blocker")

ChatIntent = Literal[
    "greet", "capabilities", "thanks", "summary", "create", "list", "update", "delete", "find", "clarify"
]


@dataclass(frozen=True)
class Feature:
    pattern: re.Pattern[str]
    weights: dict[str, float]


def _f(pattern: str, **weights: float) -> Feature:
    return Feature(re.compile(pattern, re.IGNORECASE), weights)


def score(text: str, features: Sequence[Feature]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for feature in features:
        if feature.pattern.search(text):
            for intent, weight in feature.weights.items():
                totals[intent] = totals.get(intent, 0.0) + weight
    return totals


# --- help requests: which specialist --------------------------------------------------------------------


def classify_help(text: str) -> tuple[HelpKind, dict[str, float]]:
    """The specialist a help request needs, by the triage model learned from labelled help requests and
    the specialists' descriptions (understanding.py)."""
    probabilities = understanding().triage.probabilities(mend_typos(text))
    best = max(HELP_KINDS, key=lambda kind: probabilities.get(kind, 0.0))
    return best, probabilities


# --- chat requests: which action -------------------------------------------------------------------------

_POLITE = re.compile(
    r"^(?:(?:please|pls|plz|kindly|hey|hi|hello|ok(?:ay)?|so|now|also|and|then|alright|great|thanks|yes|yeah"
    r"|actually|sorry|oops|wait|um+|uh+|hmm+|no|nope|right|cool|perfect|oh|well|hm|never\s*mind|scratch\s+that"
    r"|maybe|perhaps|possibly|heads\s+up|quick\s+one|i'?d\s+love\s+it\s+if\s+you\s+could|if\s+you\s+could|could\s+u"
    r"|can\s+you|could\s+you|would\s+you|will\s+you|can\s+u|would\s+you\s+mind|i'?d\s+like\s+(?:you\s+)?to"
    r"|i\s+want\s+(?:you\s+)?to|i\s+wanna|let'?s|go\s+ahead\s+and|help\s+me|quickly|just)\b[\s,!.:]*)+",
    re.IGNORECASE,
)


def strip_politeness(text: str) -> str:
    """ "Could you please mark..." -> "mark...": the words that carry no action."""
    stripped = _POLITE.sub("", text.strip()).strip()
    stripped = re.sub(
        r"[\s,.!?]*\b(?:please|thanks|thank\s+you|thx|ty|cheers|ta|much\s+appreciated|pls|for\s+me|instead|then)"
        r"(?:\s+(?:a\s+lot|so\s+much|very\s+much))?[\s!.?]*$",
        "",
        stripped,
        flags=re.IGNORECASE,
    )
    return stripped or text.strip()


_LEADING_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|good\s+(?:morning|afternoon|evening))(?:\s+there)?\s*[,!.:-]+\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ChatClassification:
    intent: ChatIntent | None
    help_kind: HelpKind | None
    scores: dict[str, float]
    # A statement read as a new task only because it names a date or a priority ("the report is on Friday",
    # "task 1 tomorrow"): the engine first checks that it does not talk about a task that already exists.
    tentative: bool = False


# Below this probability the model's best guess is not trusted: the engine says it did not understand.
_CONFIDENT = 0.3
# An explicit request to add something; without one, a statement naming a date ("the report is on Friday")
# is only tentatively a new task: the engine first checks it does not talk about an existing one.
_EXPLICIT_CREATE = re.compile(
    r"\b(?:create|add|new|remind|reminder|jot|note|log|put|make\s+(?:me\s+)?a|don'?t\s+(?:let\s+me\s+)?forget"
    r"|need\s+to|have\s+to|got\s+to|gotta|must|should|to-?do|task)\b",
    re.IGNORECASE,
)


def classify_chat(text: str) -> ChatClassification:
    """The action a chat message asks for, or a specialist it should go to, or nothing understood.

    The decision is the chat model's (understanding.py, learned from corpus/); rules only say whether
    a date or a priority is named.
    """
    raw = mend_typos(text.strip())
    greeting = _LEADING_GREETING.match(raw)
    if greeting and raw[greeting.end() :].strip():
        raw = raw[greeting.end() :].strip()  # "Hi there, what can you do?": the greeting carries nothing
    probabilities = understanding().chat.probabilities(raw)
    label = max(probabilities, key=probabilities.__getitem__)
    if probabilities[label] < _CONFIDENT or label == "none":
        return ChatClassification(None, None, probabilities)
    if label.startswith("help:"):
        kind = label.removeprefix("help:")
        return ChatClassification(None, kind if kind in HELP_KINDS else "breakdown", probabilities)
    intent: ChatIntent = label  # type: ignore[assignment]
    tentative = intent == "create" and not _EXPLICIT_CREATE.search(raw) and _names_a_field(raw)
    return ChatClassification(intent, None, probabilities, tentative=tentative)


_DETECTION_CLOCK = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # any moment will do: only presence matters


def _names_a_field(text: str) -> bool:
    """Whether a message names a due date or a priority."""
    return bool(find_dates(text, _DETECTION_CLOCK) or find_priority(text))
