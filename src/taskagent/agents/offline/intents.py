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

# "if it's no trouble": a courtesy said before or after the request
_NO_TROUBLE = r"if\s+(?:it'?s|it\s+is)\s+(?:no|not\s+too\s+much)\s+trouble"
_POLITE = re.compile(
    r"^(?:(?:please|pls|plz|kindly|abeg|oya|hey|heya|hi|hello|yo|oi|ok(?:ay)?|so|now|also|and|then|alright|great"
    r"|thanks|thank\s+you|cheers|yes|yeah|nah|aye|you\s+(?:can|may|could)|u\s+can|assistant|shame|damn|dang|oh\s+well"
    r"|i\s+want(?=\s+(?:make|add|create|see|delete|remove|change))"
    r"|could\s+we|can\s+we|shall\s+we"
    r"|actually|sorry(?:\s+to\s+(?:bother|trouble|pester)(?:\s+you)?)?|(?:my\s+)?apologies|oops|wait|um+|uh+|hmm+|ugh+"
    r"|argh+|meh|ok+"
    r"|no(?!\s+(?:rush|hurry|need|deadline|pressure|big\s+deal|real))|nope"
    r"|right|cool|perfect|oh|well|hm|never\s*mind|scratch\s+that|quick\s+(?:question|thing)|one\s+more(?:\s+thing)?"
    r"|further\s+to\s+(?:that|this|my\s+(?:last|previous)(?:\s+message)?)|following\s+on(?:\s+from\s+that)?"
    r"|by\s+the\s+way|btw|fyi|i\s+was\s+wondering\s+if\s+you\s+could|do\s+you\s+mind|any\s+chance\s+you\s+could"
    r"|maybe|perhaps|possibly|heads\s+up|quick\s+one|i'?d\s+love\s+it\s+if\s+you\s+could|if\s+you\s+could|could\s+u"
    r"|can\s+you|could\s+you|would\s+you|will\s+you|can\s+u|would\s+you\s+mind|i'?d\s+like\s+(?:you\s+)?to"
    r"|i\s+would\s+like\s+(?:you\s+)?to"
    r"|i\s+want\s+(?:you\s+)?to|i\s+wanna|let'?s|go\s+ahead\s+and|help\s+me|quickly|just|eh|ah|lah|dear|love"
    rf"|{_NO_TROUBLE}|(?:would\s+you\s+)?be\s+so\s+kind\s+as\s+to"
    r"|i\s+(?:should|would|'d)\s+be\s+(?:grateful|obliged)\s+if\s+you\s+(?:would|could|might)|can\s+or\s+not)\b[\s,!.:]*)+",
    re.IGNORECASE,
)


# "done! mark it complete", "phew! finally sent it": a cheer before the request itself
_CHEER = re.compile(
    r"^\W*(?:done|finished|finally|yay|woo+hoo+|phew|ugh|argh|oops|ok(?:ay)?|right|great|cool|nice|sweet"
    r"|awesome|yes+|hooray|boom|sorted)\s*!+\s*(?=\w)",
    re.IGNORECASE,
)


# The ways of saying thanks: stripped after a request, and before or after the question they come with.
_THANKS = r"(?:thanks|thank\s+you|thx|ty|cheers|ta)"


# "would you remind me on sunday dear to phone the church": a term of address inside the request
_ADDRESSED = re.compile(
    r",?\s+(?:dear|love|darling|hun|sweetheart)\b,?(?=\s+(?:to|please|pls|could|can|would|will|i|that|it|its|it's"
    r"|make|put|add|remind)\b|\s*[.!?]*\s*$)",
    re.IGNORECASE,
)


def strip_politeness(text: str) -> str:
    """ "Could you please mark..." -> "mark...": the words that carry no action."""
    text = _ADDRESSED.sub("", text)
    text = _LEADING_GREETING.sub("", text.strip(), count=1) or text  # "Good afternoon. I would like..."
    stripped = _POLITE.sub("", _CHEER.sub("", text.strip())).strip()
    stripped = re.sub(
        rf"[\s,.!?]*\b(?:please|{_THANKS}|much\s+appreciated|pls|plz|for\s+me|instead|then|would\s+ya|mate"
        r"|when(?:ever)?\s+you\s+(?:get|have)\s+a\s+(?:chance|moment|sec(?:ond)?|minute)|if\s+(?:you\s+can|possible)"
        r"|if\s+you\s+don'?t\s+mind|if\s+i\s+may|when\s+you\s+can|can\s+or\s+not|lah|hor|leh|lor"
        rf"|{_NO_TROUBLE})"
        r"(?:\s+(?:a\s+lot|so\s+much|very\s+much))?[\s!.?]*$",
        "",
        stripped,
        flags=re.IGNORECASE,
    )
    return stripped or text.strip()


# "thanks, which one was that again?": the thanks before a question of its own
_LEADING_THANKS = re.compile(rf"^{_THANKS}\s*[,!.:-]+\s*(?=\S)", re.IGNORECASE)
_TRAILING_THANKS = re.compile(
    rf"[\s,.!]+{_THANKS}(?:\s+(?:so|very)\s+much|\s+a\s+lot)?[\s.!]*$",
    re.IGNORECASE,
)
_ADD_A_TASK_FIRST = re.compile(
    r"^(?:(?:add|create|make|new|put\s+in|set\s+up|log|record|register)\s+(?:me\s+|us\s+)?(?:(?:a|an|one|another)\s+)?"
    r"(?:new\s+)?(?:task|to-?do|reminder)\b(?!\s+(?:is|was|for\s+each|to\s+(?:each|every|all)|list|#?\d))"
    # "I would like a task added to chase the invoice"
    r"|(?:i|we)\s+(?:would|should|'d)\s+like\s+(?:a|an|another)\s+(?:new\s+)?(?:task|to-?do|reminder)\s+"
    r"(?:added|created|set\s+up|made|put\s+in)\b)",
    re.IGNORECASE,
)
_STATUS_ASKED = re.compile(
    r"^(?:put|set|mark|move|change|switch|turn)\s+\S.*?\s+(?:back\s+)?(?:to|as|into)\s+"
    r"(?:pending|in[\s-]progress|done|complete[d]?|finished|not\s+started|to-?do|open)\b",
    re.IGNORECASE,
)
_RENAME_FIRST = re.compile(r"^(?:rename|retitle|re-name)\s+\S.*\s(?:to|as|into)\s+\S", re.IGNORECASE)
_LEADING_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|g'?day|yo|heya|hey\s+hey|morning|evening|good\s+(?:morning|afternoon|evening))"
    r"(?:\s+(?:there|again|mate|all|dear|love))?\s*[,!.:-]+\s*",
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
    r"\b(?:create|add|new(?=\s+(?:task|to-?do|reminder|item|one|entry)|\s*:)|remind|reminder|jot|note|log|put"
    r"|make\s+(?:me\s+)?a|don'?t\s+(?:let\s+me\s+)?forget"
    r"|need\s+to|have\s+to|got\s+to|gotta|must|should|to-?do|task)\b",
    re.IGNORECASE,
)


def explicit_create(text: str) -> bool:
    """Whether a message says in so many words that something is to be added ("add", "remind", "need to")."""
    return bool(_EXPLICIT_CREATE.search(text))


_YES = re.compile(
    r"^\s*(?:yes|yeah|yea|yep|yup|yes\s+please|sure|ok(?:ay)?|righto|please\s+do|do\s+it|go\s+ahead|sounds\s+good|perfect"
    r"|great|good\s+idea|why\s+not|absolutely|definitely|of\s+course)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^\s*(?:no|nope|nah|no\s+thanks|leave\s+it|keep\s+it|don'?t|not\s+(?:really|now))\b(?!\s+(?:rush|hurry))",
    re.IGNORECASE,
)


_NEVER_MIND = re.compile(
    r"\b(?:never\s*mind|nvm|forget\s+(?:it|that|about\s+it)|scratch\s+that|cancel\s+that|skip\s+it|leave\s+it"
    r"|i'?ll\s+(?:think\s+about\s+it|(?:do|sort|add)\s+it)\s+later|not\s+(?:now|right\s+now|important)"
    r"|don'?t\s+(?:worry|bother)(?:\s+about\s+it)?|it\s+doesn'?t\s+matter|no\s+worries|ignore\s+(?:that|me|this)"
    r"|(?:that\s+)?was\s+(?:a\s+)?(?:mistake|typo|an\s+accident|my\s+(?:cat|dog|kid|son|daughter|toddler|baby))"
    r"|wrong\s+(?:chat|window|button|person)|(?:sent|pressed|hit)\s+(?:that\s+|it\s+)?by\s+(?:mistake|accident))\b",
    re.IGNORECASE,
)


def said_never_mind(text: str) -> bool:
    """Whether a message drops what it was asked about ("never mind", "forget it, not important")."""
    return bool(_NEVER_MIND.search(text)) and len(text.split()) <= 10


def said_yes(text: str) -> bool:
    """Whether a message accepts what the assistant just offered ("yes", "ok do it", "sure")."""
    return bool(_YES.search(text))


def said_no(text: str) -> bool:
    """Whether a message turns down what the assistant just offered ("no", "nah, leave it")."""
    return bool(_NO.search(text))


# Lines that start with a bullet or a number: items of a list.
_BULLET_LINE = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+\S", re.MULTILINE)


def is_bulleted_list(text: str) -> bool:
    """Two or more lines that start with a bullet or a number: a list of things to do."""
    return len(_BULLET_LINE.findall(text)) >= 2


_EXPLICIT_CHANGE = re.compile(
    r"\b(?:move|moved|change|set|mark|make|bump|push|update|rename|re-?schedule|postpone|delay|raise|lower|shift"
    r"|switch|turn|put|wait|slide|slip|bring|pull|drop|knock|upgrade|downgrade|it|that|this\s+one|task\s*#?\d+|#\d+)\b",
    re.IGNORECASE,
)
_TODO_PREFIX = re.compile(
    r"^(?:(?:new|add|quick)\s+(?:a\s+)?)?(?:to-?\s?do|task|reminder|note\s+to\s+self)\s*[:\u2013\u2014-]\s*\w",
    re.IGNORECASE,
)
_FIELD_FOR_A_TASK = re.compile(
    r"^(?:add|put|set|attach|stick)\s+(?:a\s+|the\s+)?(?:due\s+date|deadline|priority(?:\s+level)?)\s+(?:to|for|on)\s",
    re.IGNORECASE,
)
# "task: mark the report done": a change after the prefix, not a new task.
_CHANGE_AFTER_PREFIX = re.compile(
    r"^\w+(?:\s+to\s+self)?\s*[:\u2013\u2014-]\s*(?:please\s+)?(?:delete|remove|mark|move|set|change|rename|push"
    r"|postpone|update|show|list|what|which)\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"^\W*(?:where|what|which|when|who|how|is|are|do|does|did|have|has|any|anything)(?:'s|'re)?\b|\?\s*$",
    re.IGNORECASE,
)
DELETE_WORDS = re.compile(
    r"\b(?:delet\w*|remov\w*|drop\w*|scrap\w*|cancel\w*|bin|trash\w*|toss\w*|rid|off|out|forget|never\s*mind"
    r"|clear\w*|ditch\w*|kill|nuke|erase|axe|wipe|purge|dump|scratch|strike|discard|nix|zap|undo|cut|throw"
    r"|lose|clean\s+up|(?:don'?t|do\s+not|no\s+longer)\s+(?:need|want)|not\s+needed|no\s+need\s+for)\b",
    re.IGNORECASE,
)
# "..., put it on the list", "..., can you add that": the clause before says what to add.
_ENDS_ADD_IT = re.compile(
    r"\w.*[,;.-]\s*(?:so\s+|and\s+|just\s+|please\s+)*(?:(?:can|could|would)\s+you\s+|pls\s+|please\s+)?"
    r"(?:(?:put|add|stick|pop|jot|write)\s+(?:it|that|this)(?:\s+down)?|keep\s+(?:track|a\s+note)\s+of\s+(?:it|that|this))"
    r"(?:\s+(?:for\s+me|on|to|onto|in)\s+(?:my|the)?\s*(?:to-?do\s+)?(?:list)?)?"
    r"(?:\s+(?:please|pls|thanks))?[\s.!?]*$",
    re.IGNORECASE,
)
# The words that end a message deleting the task its first words name ("..., so delete it", "..., take it off
# my list"); commands/change.py reads the name out of what comes before.
DELETE_IT = (
    r"(?:(?:delete|remove|drop|get\s+rid\s+of|scrap|ditch|bin|trash|nuke|toss|cancel|erase)\s+(?:it|that|this)"
    r"(?:\s+one|\s+task)?"
    r"|(?:take|strike)\s+(?:it|that|this)(?:\s+one|\s+task)?\s+off(?:\s+(?:my|the)\s+(?:to-?do\s+)?list)?)"
)
_ENDS_DELETE_IT = re.compile(
    r"\w.*[,;.-]?\s*(?:so\s+|and\s+|just\s+|please\s+)*"
    r"(?:(?:you\s+can|you\s+could|you\s+may|can\s+you|could\s+you|feel\s+free\s+to)\s+)?"
    rf"{DELETE_IT}(?:\s+please)?[\s.!]*$",
    re.IGNORECASE,
)
_CHECK_MARK = re.compile("[\u2705\u2714\u2611]")
# "add a note to the plumber visit: gate code is 4412": words for a task that exists, after a colon.
_NOTE_ON_A_TASK = re.compile(
    r"^(?:add|put|attach|write)\s+(?:a\s+|the\s+|some\s+|this\s+)?(?:note|description|details?|comment)s?\s+"
    r"(?:to|on|for)\s+(?!(?:self|myself|me)\b)\S.*?\s*(?::|\bsaying\b|\bthat\s+says\b|\s-\s)",
    re.IGNORECASE,
)
_STATUS_SAID = re.compile(r"\b(?:done|finished|complete|completed|started|progress)\b", re.IGNORECASE)


def classify_chat(text: str) -> ChatClassification:
    """The action a chat message asks for, or a specialist it should go to, or nothing understood.

    The decision is the chat model's (understanding.py, learned from corpus/); rules only say whether
    a date or a priority is named.
    """
    raw = mend_typos(text.strip())
    greeting = _LEADING_GREETING.match(raw)
    if greeting and raw[greeting.end() :].strip():
        raw = raw[greeting.end() :].strip()  # "Hi there, what can you do?": the greeting carries nothing
    thanks = _LEADING_THANKS.match(raw)
    if thanks and len(raw[thanks.end() :].split()) >= 2:
        raw = raw[thanks.end() :].strip()
    thanked = _TRAILING_THANKS.search(raw)
    if thanked and len(raw[: thanked.start()].split()) >= 3:
        raw = raw[: thanked.start()]  # "please change priority of IELTS task to high, thank you very much"
    probabilities = understanding().chat.probabilities(raw)
    label = max(probabilities, key=probabilities.__getitem__)
    if probabilities[label] < _CONFIDENT:
        label = "none"
    if is_bulleted_list(raw) and label not in ("update", "delete"):
        label = "create"  # a bulleted list is a list of things to do
    elif _TODO_PREFIX.match(raw) and (
        label not in ("update", "delete", "list") or not _CHANGE_AFTER_PREFIX.match(raw)
    ):
        label = "create"  # "todo: fix the faucet", "todo: clear out the garage"
    elif _ENDS_DELETE_IT.search(raw):
        label = "delete"  # "..., so delete it": whatever comes first names the task
    elif _ENDS_ADD_IT.search(raw):
        label = "create"  # "..., put it on the list": whatever comes first is the task
    elif _NOTE_ON_A_TASK.match(strip_politeness(raw)):
        label = "update"  # the words go on the task named, they are not a new one
    elif _CHECK_MARK.search(raw):
        label = "update"  # "passport renewal ✅": a status, never a deletion
    elif _ADD_A_TASK_FIRST.match(strip_politeness(raw)):
        label = "create"  # "kindly add one task for me regarding the GST filing": said in so many words
    elif _STATUS_ASKED.match(strip_politeness(raw)):
        label = (
            "update"  # "put the kamau return back to pending, I'm waiting on documents": not a help request
        )
    elif _RENAME_FIRST.match(strip_politeness(raw)):
        label = "update"  # "rename buy plants to buy lavender plants": a title for a task, not a task
    elif _FIELD_FOR_A_TASK.match(strip_politeness(raw)):
        label = "update"  # "add a due date to the spare room task: sunday": a field for a task, not a task
    if label == "delete" and not DELETE_WORDS.search(raw):
        # Nothing is deleted unless a word says so: "can you update the roof quotes task" is no deletion,
        # whatever the model's weights; "where is that task about mom's birthday" changes nothing either.
        label = max(
            (
                other
                for other in probabilities
                if other != "delete" and (other != "update" or not _QUESTION.search(raw))
            ),
            key=probabilities.__getitem__,
        )
    if label == "none":
        return ChatClassification(None, None, probabilities)
    if label.startswith("help:"):
        kind = label.removeprefix("help:")
        return ChatClassification(None, kind if kind in HELP_KINDS else "breakdown", probabilities)
    intent: ChatIntent = label  # type: ignore[assignment]
    tentative = intent == "create" and not _EXPLICIT_CREATE.search(raw) and _names_a_field(raw)
    # A statement read as a change that names no change verb ("low priority - sort the photos"): a change
    # only when it names a task that exists, else a new task (the engine checks, see task_manager).
    tentative = tentative or (
        intent == "update"
        and not _EXPLICIT_CHANGE.search(raw)
        and not _STATUS_SAID.search(raw)
        and _names_a_field(raw)
    )
    return ChatClassification(intent, None, probabilities, tentative=tentative)


_DETECTION_CLOCK = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # any moment will do: only presence matters


def _names_a_field(text: str) -> bool:
    """Whether a message names a due date or a priority."""
    return bool(find_dates(text, _DETECTION_CLOCK) or find_priority(text))
