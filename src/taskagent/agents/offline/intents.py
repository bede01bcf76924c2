"""What a message asks for, scored from weighted phrase features.

Each feature is a pattern with a weight per intent; a message's score for an intent is the sum of the
weights of the features it contains. Many small, general cues ("stuck", "waiting on", "no access", "when
should") add up, so phrasings nobody wrote down still land in the right place, and a new cue is one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from .dates import find_dates
from .fields import find_priority

HelpKind = Literal["scheduler", "breakdown", "blocker"]
HELP_KINDS: tuple[HelpKind, ...] = ("scheduler", "breakdown", "blocker")

ChatIntent = Literal[
    "greet", "capabilities", "thanks", "summary", "create", "list", "update", "delete", "find"
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

HELP_FEATURES: list[Feature] = [
    # scheduler: when, deadlines, priorities, load
    _f(r"\bwhen\b", scheduler=2),
    _f(r"\bwhen\s+(?:should|can|could|do|would|will|shall)\b", scheduler=2),
    _f(r"\b(?:what|which)\s+(?:day|time|date)\b", scheduler=2.5),
    _f(r"\bschedul\w*|\bcalendar\b|\bslot\b|\btime\s*block", scheduler=3),
    _f(r"\bdeadlines?\b|\bdue\b|\bby\s+when\b|\bin\s+time\b|\bon\s+time\b", scheduler=2.5),
    _f(
        r"\bprioriti[sz]\w*|\bpriorit(?:y|ies)\b|\bwhat\s+(?:should|do)\s+i\s+do\s+first\b|\bmost\s+important\b",
        scheduler=2.5,
    ),
    _f(r"\bplan\s+(?:my|the|this|next)\s+(?:day|week|month|morning|afternoon|sprint)\b", scheduler=4),
    _f(
        r"\b(?:busy|packed|hectic|swamped|full)\s+(?:week|day|schedule|month)\b"
        r"|\bi(?:'m| am)\s+(?:so\s+)?busy\b",
        scheduler=3,
    ),
    _f(
        r"\b(?:too\s+many\s+(?:tasks|things)|no\s+time|running\s+out\s+of\s+time|not\s+enough\s+time|short\s+on\s+time)\b",
        scheduler=3,
    ),
    _f(
        r"\b(?:fit\s+(?:it|this)\s+in|free\s+time|spare\s+time|make\s+time|find\s+time|time\s+for)\b",
        scheduler=2.5,
    ),
    _f(
        r"\b(?:postpone|reschedul\w*|delay|push\s+(?:it|this)\s+back|move\s+(?:it|this)|later)\b", scheduler=2
    ),
    _f(
        r"\b(?:today|tomorrow|this\s+week|next\s+week|weekend|monday|tuesday|wednesday|thursday|friday)\b",
        scheduler=1,
    ),
    _f(r"\b(?:urgent|asap|late|behind|overdue)\b", scheduler=1.5),
    _f(r"\b(?:order|sequence)\b", scheduler=1),
    _f(
        r"\bhow\s+much\s+time\b|\btime\s+(?:left|remaining)\b|\bcan\s+(?:it|this|that)\s+wait\b|\bwait\s+until\b",
        scheduler=3.5,
    ),
    _f(r"\bblock\s+(?:out\s+)?(?:time|a\s+slot|an?\s+hour|for|off|some)\b", scheduler=4.5),
    _f(
        r"\b(?:better|best|good|right|ideal)\s+(?:day|time|moment|slot)\b|\bwhich\s+(?:of\s+my\s+)?tasks?\b",
        scheduler=3,
    ),
    _f(r"\b(?:come|go|goes)\s+first\b", scheduler=2.5),
    _f(
        r"\benough\s+time\b|\bbefore\s+the\s+deadline\b|\bmake\s+(?:it|the\s+deadline)\b|\brealistic\b",
        scheduler=3,
    ),
    _f(
        r"\b(?:more|less)\s+(?:important|urgent|pressing)\b|\bimportant\s+than\b|\bcompared\s+(?:to|with)\b"
        r"|\bmy\s+other\s+(?:tasks|stuff|things|work)\b|\bmatters?\s+more\b",
        scheduler=3,
    ),
    _f(r"\bstart\s+(?:it|this|on\s+it)\b(?!.*\bhow\b)", scheduler=1.5),
    # breakdown: steps, pieces, where to start
    _f(r"\bbreak\w*\s+(?:it|this|that|\w+)?\s*(?:down|up|apart)\b|\bbreakdown\b", breakdown=4.5),
    _f(r"\bsplit\w*|\bdivide\w*|\bdecompos\w*|\bchunk\w*", breakdown=3.5),
    _f(r"\bsteps?\b|\bstep[\s-]by[\s-]step\b", breakdown=3),
    _f(
        r"\bsub[\s-]?tasks?\b|\bchecklist\b|\bto-?do\s+list\b|\bmilestones?\b|\bphases?\b|\bstages?\b",
        breakdown=3.5,
    ),
    _f(r"\b(?:smaller|manageable|bite[\s-]sized)\b|\bpieces?\b|\bparts?\b", breakdown=2.5),
    _f(
        r"\bwhere\s+(?:do|should|can)\s+i\s+(?:even\s+)?(?:start|begin)\b|\bwhere\s+to\s+(?:start|begin)\b",
        breakdown=3.5,
    ),
    _f(
        r"\bhow\s+(?:do|should|can|would)\s+i\s+(?:start|begin|approach|tackle|go\s+about|do|handle|get\s+started)\b",
        breakdown=3,
    ),
    _f(
        r"\bhow\s+to\b|\bfirst\s+steps?\b|\bplan\s+(?:it|this|for\s+(?:it|this))\b|\bplan\s+out\b|\boutline\b",
        breakdown=2.5,
    ),
    _f(
        r"\bwhat(?:'s|\s+is)\s+involved\b|\bwhat\s+does\s+it\s+take\b|\bwhat\s+do\s+i\s+need\s+to\s+do\b",
        breakdown=3,
    ),
    _f(r"\b(?:estimate|how\s+long)\b", breakdown=1.5, scheduler=1),
    _f(r"\b(?:too\s+big|huge|massive|overwhelm\w*|daunting|complex|complicated)\b", breakdown=2, blocker=1.5),
    _f(r"\borgani[sz]e\b|\bstructure\b", breakdown=1.5),
    _f(
        r"\bmake\s+(?:some\s+)?progress\b|\bget\s+(?:it|this)\s+done\b|\bmove\s+(?:it|this)\s+forward\b",
        breakdown=3,
    ),
    _f(r"\b(?:do|start)\s+first\s+(?:for|on|with|in)\s+(?:this|it|the)\b", breakdown=3.5),
    # blocker: stuck, waiting, access, broken, unclear
    _f(r"\bstuck\b|\bblock(?:ed|er|ers|ing|age)\b|\bheld\s+up\b|\bhold[\s-]?up\b|\bstalled\b", blocker=4.5),
    _f(
        r"\bmissing\s+(?:info\w*|data|details|input|pieces?|context)\b|\bdon'?t\s+have\s+(?:the|enough|any)\b",
        blocker=3.5,
    ),
    _f(r"\b(?:need|needs)\s+\w+\s+(?:i|we)\s+don'?t\s+have\b", blocker=3.5),
    _f(r"\bwaiting\s+(?:on|for)\b|\bwaiting\b|\bdepend\w*\s+on\b", blocker=3),
    _f(
        r"\bnever\s+(?:sent|replied|responded|answered|got\s+back|came\s+back|delivered|arrived)\b", blocker=4
    ),
    _f(
        r"\b(?:no|any)\s+(?:reply|response|answer|word)\b|\bhasn'?t\s+(?:replied|responded|answered|sent|gotten)\b|\bghost\w*",
        blocker=3.5,
    ),
    _f(
        r"\b(?:nobody|no\s*one|no-one)\b.*\b(?:replied|responded|answered|got\s+back|sent|approved|signed)\b"
        r"|\b(?:haven'?t|not|never)\s+heard\s+back\b|\bstill\s+no\b",
        blocker=3.5,
    ),
    _f(r"\b(?:can'?t|cannot|can\s+not|unable\s+to|couldn'?t|won'?t\s+let\s+me)\b", blocker=2.5),
    _f(
        r"\bprevent\w*|\bstopping\s+me\b|\bkeep\w*\s+me\s+from\b|\bholding\s+(?:me|it|this)\s+(?:back|up)\b"
        r"|\bin\s+the\s+way\b|\bhinder\w*",
        blocker=4,
    ),
    _f(
        r"\b(?:no|without|lack\w*|missing|lost|revoked|expired)\s+(?:the\s+)?(?:access|permissions?|credentials?|keys?|password|login|license|rights)\b",
        blocker=4,
    ),
    _f(
        r"\baccess\b|\bpermissions?\b|\bcredentials?\b|\bapi\s+keys?\b|\bpassword\b|\blocked\s+out\b|\blogin\b",
        blocker=2,
    ),
    _f(
        r"\bbroken\b|\bbroke\b|\bcrash\w*|\berrors?\b|\bbugs?\b|\bfail\w*|\bdown\b(?!\s+into)|\boutage\b",
        blocker=2.5,
    ),
    _f(
        r"\b(?:doesn'?t|does\s+not|don'?t|isn'?t|is\s+not|won'?t|not)\s+work\w*\b|\bkeeps?\s+(?:failing|crashing)\b",
        blocker=3.5,
    ),
    _f(
        r"\bunclear\b|\bconfus\w*|\bambiguous\b|\bvague\b|\bdon'?t\s+understand\b|\bmakes?\s+no\s+sense\b",
        blocker=3.5,
    ),
    _f(r"\bnot\s+sure\s+what\b|\bdon'?t\s+know\s+what\b|\brequirements?\b|\bspec\b|\bscope\b", blocker=2),
    _f(r"\bprocrastinat\w*|\bmotivat\w*|\bkeep\s+putting\s+(?:it\s+|this\s+)?off\b|\bavoid\w*", blocker=3),
    _f(
        r"\bno\s+progress\b|\bnot\s+(?:making|getting)\s+(?:any\s+)?(?:progress|anywhere)\b|\bgoing\s+nowhere\b"
        r"|\bgoing\s+in\s+circles\b|\bspinning\s+my\s+wheels\b",
        blocker=4,
    ),
    _f(r"\b(?:problem|issue|obstacle|roadblock|blocker|bottleneck|impediment)s?\b", blocker=2.5),
    _f(
        r"\bvendor\b|\bclient\b|\bapproval\b|\bsign[\s-]?off\b|\bmanager\b|\bboss\b|\bteam\b|\bsupplier\b",
        blocker=1,
    ),
    _f(r"\bhelp\b", breakdown=0.5),
]


def classify_help(text: str) -> tuple[HelpKind, dict[str, float]]:
    """The specialist a help request needs. With no cue at all, a breakdown: steps are useful for any task."""
    scores = score(text, HELP_FEATURES)
    best: HelpKind = "breakdown"
    for kind in HELP_KINDS:
        if scores.get(kind, 0.0) > scores.get(best, 0.0):
            best = kind
    return best, scores


# --- chat requests: which action -------------------------------------------------------------------------

_POLITE = re.compile(
    r"^(?:(?:please|pls|plz|kindly|hey|hi|hello|ok(?:ay)?|so|now|also|and|then|alright|great|thanks|yes|yeah"
    r"|actually|sorry|oops|wait|um+|uh+|hmm+|no|nope|right|cool|perfect|oh|well|hm|never\s*mind|scratch\s+that"
    r"|can\s+you|could\s+you|would\s+you|will\s+you|can\s+u|would\s+you\s+mind|i'?d\s+like\s+(?:you\s+)?to"
    r"|i\s+want\s+(?:you\s+)?to|i\s+wanna|let'?s|go\s+ahead\s+and|help\s+me|quickly|just)\b[\s,!.:]*)+",
    re.IGNORECASE,
)


def strip_politeness(text: str) -> str:
    """ "Could you please mark..." -> "mark...": the words that carry no action."""
    stripped = _POLITE.sub("", text.strip()).strip()
    stripped = re.sub(
        r"[\s,]*(?:please|thanks|thank\s+you|pls|for\s+me|instead|then)[\s!.?]*$",
        "",
        stripped,
        flags=re.IGNORECASE,
    )
    return stripped or text.strip()


# "I need to…", "I should really…", "need to…": a task being said out loud.
MODAL_START = (
    r"^(?:(?:i|we)\s+)?(?:really\s+|still\s+|also\s+|definitely\s+)?"
    r"(?:(?:need|have|got|ought)\s+(?:really\s+)?(?:to\b|a\s+task)|(?:must|should|gotta)(?:\s+really)?\s+\w)"
)

CHAT_FEATURES: list[Feature] = [
    # create
    _f(
        r"^(?:create|add|new|set\s+up|log|record|jot(?:\s+down)?|note\s+down|write\s+down|put\s+down"
        r"|make\s+(?:me\s+)?(?:a|an|another)"
        r"|(?:schedule|book|arrange|organi[sz]e)\s+(?:a|an)\s+)\b",
        create=4,
    ),
    _f(
        r"\b(?:new|another|a|an)\s+(?:\w+\s+){0,2}(?:tasks?|to-?dos?|reminders?|items?)\s*(?:to|for|called|named|titled|about|:|-)",
        create=2.5,
    ),
    _f(r"\bremind\s+me\b(?!\s+(?:what|how|which|of\s+what))", create=4.5),
    _f(r"^(?:set|create|add|make)\s+(?:me\s+)?(?:a|an)\s+(?:new\s+)?(?:reminder|to-?do)\b", create=5),
    _f(r"\bdon'?t\s+(?:let\s+me\s+)?forget\b|\bmake\s+sure\s+i\b", create=4),
    _f(MODAL_START, create=3.5),
    _f(r"^(?:to-?do|task|new\s+task|reminder)\s*:", create=4),
    _f(
        r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|some|these|few)\s+(?:new\s+)?(?:tasks|to-?dos|items|reminders)\b",
        create=2,
    ),
    _f(r"\b(?:to|on|onto|in)\s+(?:my|the)\s+(?:task\s+|to-?do\s+)?list\b", create=2),
    _f(r"^put\b", create=1.5),
    # list
    _f(r"^(?:show|list|display|view|see|give\s+me|get\s+me|print|pull\s+up|bring\s+up)\b", list=3),
    _f(
        r"^what(?:'s|\s+is|\s+are|\s+do|\s+does|\s+have)?\b.*\b(?:tasks?|to-?dos?|overdue|due|plate|left|pending|remaining|next|on\s+my\s+list|completed|done|open"
        r"|finished|accomplished|today|tomorrow|this\s+week)\b",
        list=3,
    ),
    _f(r"\b(?:do|have)\s+i\s+(?:have|got)\b|\bare\s+there\s+any\b|\bis\s+there\s+anything\b|^any\b", list=2),
    _f(
        r"\b(?:my|all|open|pending|completed|finished|overdue|urgent|high[\s-]priority|low[\s-]priority)\s+(?:\w+\s+)?tasks\b",
        list=1.5,
    ),
    _f(r"\boverdue\b|\bpast\s+due\b|\blate\s+tasks\b", list=2),
    _f(r"\bhow\s+many\b", list=3),
    # Questions about the list ("what's due today?", "which tasks are in progress?") are lookups, not
    # requests for planning advice, even though they mention deadlines.
    _f(
        r"^(?:what|which|anything)(?:'s|\s+is|\s+are)?\s+(?:\w+\s+)?(?:due|overdue|left|pending|open)\b",
        list=2,
    ),
    _f(r"^which\s+(?:of\s+my\s+)?tasks\b|^(?:any|which)\s+tasks\b|^which\s+(?:ones|of\s+them)\b", list=3),
    _f(r"\?\s*$", list=1.5),
    _f(r"^(?:tasks|my\s+tasks|to-?dos|my\s+list)\W*$", list=4),
    # update
    _f(
        r"^(?:mark|set|change|update|edit|modify|rename|retitle|move|reschedule|push|postpone|delay|shift|bump|flag"
        r"|lower|raise|increase|decrease|reduce|upgrade|downgrade|undo|un-?mark|give(?!\s+me\b)|assign|switch|flip"
        r"|prioriti[sz]e|deprioriti[sz]e|escalate|re-?open|complete|finish|close|start|begin|tag|label|untag|make"
        r"|check\s+off|tick\s+off|cross\s+off|describe|add\s+(?:a\s+)?(?:note|description|tag|label|comment)s?\b"
        r"|remove\s+the\s+(?:due\s+date|deadline|tags?|description)|clear\s+the)\b",
        update=3,
    ),
    _f(
        r"\b(?:as|is|are|now)\s+(?:done|complete[d]?|finished|urgent|important|in\s+progress|high\s+priority|low\s+priority)\b",
        update=3,
    ),
    _f(
        r"^(?:i|we)\s*(?:have\s+|'ve\s+)?(?:just\s+|already\s+|finally\s+)?(?:finished|completed|did|started|began"
        r"|done\s+with)\b|^(?:done|finished|through)\s+with\b"
        r"|^(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:now\s+|currently\s+)?(?:working\s+on|doing|on|starting|done\s+with)\b",
        update=4,
    ),
    _f(r"\b(?:priority|due\s+date|deadline|title|name|description|status|notes?)\b", update=1),
    _f(r"\b(?:is|are)\s+(?:now\s+)?due\b", update=3),
    # "task 1 should be urgent", "it needs to be high priority", "the first one should be due Monday":
    # a field value said of something that already exists.
    _f(
        r"\b(?:should|must|shall|will|needs?\s+to|has\s+to|have\s+to|ought\s+to|can)\s+(?:now\s+)?be\s+(?:now\s+)?"
        r"(?:due|urgent|important|(?:marked\s+)?(?:as\s+)?(?:done|complete[d]?|finished|closed|in\s+progress)"
        r"|(?:an?\s+)?(?:high|low|normal|medium|top|urgent|highest|lowest)[\s-]+priority)\b",
        update=3,
    ),
    _f(
        r"\b(?:should|must|needs?\s+to|has\s+to|have\s+to)\s+be\s+(?:done|finished|completed|ready)\s+by\b",
        update=4,
    ),
    # "Add a note to task 3: ...", "add the tag work to it": changes, even though they start with "add".
    _f(
        r"^add\s+(?:a\s+|the\s+)?(?:note|description|tags?|labels?|comment|estimate)\b.*\b(?:to|on|for)\b",
        update=5,
    ),
    _f(
        r"\b(?:it|that\s+one|this\s+one|that|task\s*#?\d+|#\d+|the\s+(?:first|second|third|last)\s+(?:one|task))\b",
        update=0.5,
    ),
    _f(r"\bdone\s*[.!]*$|\bfinished\s*[.!]*$", update=2),
    # delete
    _f(
        r"^(?:delete|remove|drop|cancel|trash|erase|discard|get\s+rid\s+of|scrap|nuke|bin|ditch|purge)\b",
        delete=4,
    ),
    _f(r"\b(?:delete|remove|get\s+rid\s+of|cancel)\b", delete=1.5),
    _f(
        r"\b(?:remove|delete|clear|drop)\s+(?:the\s+)?(?:due\s+date|deadline|tags?|labels?|description|notes?)\b",
        update=4,
        delete=-4,
    ),
    # find
    _f(r"^(?:find|search|look\s+(?:for|up)|locate|which\s+task\b(?!s)|where(?:'s|\s+is))\b", find=4),
    _f(
        r"\bdo\s+i\s+have\s+(?:a|any)\s+tasks?\s+(?:about|for|called|named|mentioning|to|with|related|on)\b",
        find=3,
    ),
    _f(r"^when(?:'s|\s+is|\s+was)\b.*\bdue\b", find=5),
    _f(
        r"^(?:what(?:'s|\s+is)|tell\s+me\s+about|show\s+(?:me\s+)?|details\s+(?:of|for|on)|open|describe)\s+"
        r"(?:task\s*#?\d+|#\d+)\s*(?:about)?\W*$",
        find=6,
    ),
    _f(
        r"^(?:is|are)\s+there\s+(?:a|any)\s+tasks?\s+(?:about|for|called|named|to|with|mentioning|on|regarding)\b",
        find=5,
    ),
    # conversation
    _f(
        r"\bwhat\s+(?:did|have)\s+(?:we|you|i)\s+(?:just\s+)?(?:do|done|change|changed|say|said|talk\w*|ask\w*"
        r"|request\w*|tell|told)\b",
        summary=7,
    ),
    _f(
        r"\b(?:recap|summari[sz]e|summary)\b|\bwhat\s+(?:just\s+)?happened\b|\bremind\s+me\s+what\b",
        summary=6,
    ),
    _f(
        r"\bwhat\s+was\s+(?:that|the\s+last\s+thing|my\s+last\s+(?:request|message|question))\b|\bwhere\s+were\s+we\b"
        r"|\b(?:repeat|say)\s+that(?:\s+again)?\b|\bdid\s+you\s+just\s+(?:create|add|make|delete|update|change|do)\b",
        summary=7,
    ),
    _f(
        r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)|hi\s+there|hey\s+there)"
        r"(?:\s+(?:there|again|assistant|bot|friend|partner|team|taskagent|everyone|all))*[\s!.,:)]*$",
        greet=8,
    ),
    _f(
        r"^(?:help|\?+|what\s+can\s+you\s+do|what\s+do\s+you\s+do|how\s+does\s+this\s+work|who\s+are\s+you"
        r"|what\s+are\s+you|how\s+do\s+i\s+use\s+(?:this|you)|what\s+can\s+i\s+(?:say|ask|do)|commands)\b[\s?!.]*$",
        capabilities=8,
    ),
    _f(
        r"^(?:(?:thanks|thank\s+you|thx|ty|cheers|great|perfect|awesome|cool|ok(?:ay)?|nice|got\s+it|sounds\s+good"
        r"|that'?s\s+(?:all|it|great|perfect)|bye|goodbye|see\s+you|all\s+good)"
        r"(?:\s+(?:a\s+lot|so\s+much|very\s+much|again|then|for\s+now))?[\s!.,:)]*)+$",
        thanks=8,
    ),
]

_LEADING_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|good\s+(?:morning|afternoon|evening))(?:\s+there)?\s*[,!.:-]+\s*",
    re.IGNORECASE,
)
_ACTIONS: tuple[ChatIntent, ...] = ("create", "update", "delete", "list", "find")
_CONVERSATIONAL: tuple[ChatIntent, ...] = ("greet", "capabilities", "thanks", "summary")


@dataclass(frozen=True)
class ChatClassification:
    intent: ChatIntent | None
    help_kind: HelpKind | None
    scores: dict[str, float]
    # A statement read as a new task only because it names a date or a priority ("the report is on Friday",
    # "task 1 tomorrow"): the engine first checks that it does not talk about a task that already exists.
    tentative: bool = False


def classify_chat(text: str) -> ChatClassification:
    """The action a chat message asks for, or a specialist it should go to, or nothing understood."""
    raw = text.strip()
    greeting = _LEADING_GREETING.match(raw)
    if greeting and raw[greeting.end() :].strip():
        raw = raw[greeting.end() :].strip()  # "Hi there, what can you do?": the greeting carries nothing
    scores = score(raw, CHAT_FEATURES)
    for intent in _CONVERSATIONAL:
        if scores.get(intent, 0.0) >= 6:
            return ChatClassification(intent, None, scores)
    core = strip_politeness(raw)
    if core != raw:
        for name, value in score(core, CHAT_FEATURES).items():
            scores[name] = max(scores.get(name, 0.0), value)
    best_action: ChatIntent | None = None
    for intent in _ACTIONS:
        if scores.get(intent, 0.0) > 0 and (best_action is None or scores[intent] > scores[best_action]):
            best_action = intent
    action_score = scores.get(best_action, 0.0) if best_action else 0.0

    help_kind, help_scores = classify_help(core)
    help_score = help_scores.get(help_kind, 0.0)
    for kind, value in help_scores.items():
        scores[f"help:{kind}"] = value
    # Planning, breakdown and unblocking requests go to a specialist unless an action clearly wins;
    # "subtasks" always does, since the breakdown specialist is the one that creates them.
    wants_subtasks = bool(
        re.search(r"\bsub[\s-]?tasks?\b|\bbreak\w*\s+(?:\S+\s+){0,4}down\b", core, re.IGNORECASE)
    )
    # A request with a clear action verb ("Create task X by tomorrow, high priority") stays an action even
    # though its deadline words also score for the scheduler: a hand-off needs a clear margin.
    # A field value said with an action verb ("make it urgent and due tomorrow") is that action.
    sets_fields = _names_a_field(core)
    if sets_fields and best_action is not None and action_score >= 3 and not wants_subtasks:
        return ChatClassification(best_action, None, scores)
    if help_score >= 3.5 and (help_score > action_score + 1 or (wants_subtasks and help_kind == "breakdown")):
        return ChatClassification(None, help_kind, scores)
    if best_action is not None and action_score >= 2:
        return ChatClassification(best_action, None, scores)
    if help_score >= 3:
        return ChatClassification(None, help_kind, scores)
    if (
        sets_fields
        and not core.rstrip().endswith("?")
        and (len(core.split()) >= 3 or re.search(r"#\d|\btasks?\s*#?\d", core, re.IGNORECASE))
    ):
        # "Put together the onboarding doc by tomorrow", "I have a dentist appointment on Thursday at 3pm":
        # a statement with a deadline or a priority and no other action is something to do.
        return ChatClassification("create", None, scores, tentative=True)
    return ChatClassification(None, None, scores)


_DETECTION_CLOCK = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # any moment will do: only presence matters


def _names_a_field(text: str) -> bool:
    """Whether a message names a due date or a priority."""
    return bool(find_dates(text, _DETECTION_CLOCK) or find_priority(text))
