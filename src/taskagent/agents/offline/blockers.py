"""What kind of blocker a person describes, and what helps with that kind.

The kinds (waiting on someone, missing access, a broken tool, an unclear requirement, a task too big to
start, no time) are scored from weighted cues like the intents are; the answer for a kind names the
likely root cause, a workaround, who to ask, and a follow-up message ready to send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .breakdown import classify
from .intents import Feature, score
from .tasks import TaskInfo


def _f(pattern: str, **weights: float) -> Feature:
    return Feature(re.compile(pattern, re.IGNORECASE), weights)


BLOCKER_FEATURES = [
    _f(r"\bwaiting\s+(?:on|for)\b|\bwait(?:ing)?\b", waiting=3),
    _f(r"\bnever\s+(?:sent|replied|responded|answered|got\s+back|delivered|came\s+back)\b", waiting=4),
    _f(
        r"\b(?:no|any)\s+(?:reply|response|answer|word)\b|\bhasn'?t\s+(?:replied|responded|sent|answered|delivered)\b",
        waiting=3.5,
    ),
    _f(r"\b(?:ghost\w*|ignor\w*|chase|chasing|pending\s+approval|sign[\s-]?off|approval)\b", waiting=2.5),
    _f(
        r"\b(?:nobody|no\s*one|no-one)\b.*\b(?:replied|responded|answered|got\s+back|sent|approved|signed)\b"
        r"|\b(?:haven'?t|not|never)\s+heard\s+back\b|\bstill\s+no\b",
        waiting=4,
    ),
    _f(
        r"\bdepend\w*\s+on\b|\bblocked\s+by\b|\bneed\s+\w+\s+(?:from|to\s+send)\b|\bvendor\b|\bsupplier\b|\bclient\b",
        waiting=1.5,
    ),
    _f(
        r"\b(?:no|without|lack\w*|missing|lost|revoked|expired|need)\s+(?:the\s+|an?\s+|my\s+)?(?:access|permissions?|credentials?|api\s+keys?|keys?|password|login|license|account|rights)\b",
        access=4,
    ),
    _f(
        r"\baccess\b|\bpermissions?\b|\bcredentials?\b|\bapi\s+keys?\b|\bpassword\b|\blocked\s+out\b|\b403\b|\bunauthori[sz]ed\b|\bforbidden\b",
        access=2.5,
    ),
    _f(
        r"\bbroken\b|\bbroke\b|\bcrash\w*|\berrors?\b|\bbugs?\b|\bfail\w*|\boutage\b|\b500\b|\bexception\b",
        broken=3,
    ),
    _f(
        r"\b(?:doesn'?t|does\s+not|don'?t|isn'?t|is\s+not|won'?t|not)\s+(?:work|load|start|run|compile|build|connect)\w*",
        broken=3.5,
    ),
    _f(r"\b(?:down|offline|slow|hangs?|freez\w*|stuck\s+loading)\b", broken=2),
    _f(
        r"\bmissing\s+(?:info\w*|data|details|input|context)\b"
        r"|\bdon'?t\s+have\s+(?:the|enough)\s+(?:info\w*|data|details)\b|\bneed\s+data\b",
        unclear=3.5,
    ),
    _f(
        r"\bunclear\b|\bconfus\w*|\bambiguous\b|\bvague\b|\bdon'?t\s+understand\b|\bmakes?\s+no\s+sense\b",
        unclear=4,
    ),
    _f(
        r"\bnot\s+sure\s+(?:what|how|which|if)\b|\bdon'?t\s+know\s+(?:what|which|if|whether)\b|\brequirements?\b|\bspec\b|\bscope\b|\bexpectations?\b",
        unclear=2.5,
    ),
    _f(r"\bconflicting\b|\bcontradict\w*|\bchanging\s+requirements\b|\bwhat\s+they\s+want\b", unclear=3),
    _f(
        r"\btoo\s+big\b|\bhuge\b|\bmassive\b|\boverwhelm\w*|\bdaunting\b|\bdon'?t\s+know\s+where\s+to\s+start\b|\bwhere\s+to\s+begin\b",
        too_big=4,
    ),
    _f(
        r"\bprocrastinat\w*|\bmotivat\w*|\bkeep\s+putting\s+(?:it\s+|this\s+)?off\b|\bavoid\w*|\bdread\w*|\bcan'?t\s+(?:get\s+)?started\b",
        too_big=3.5,
    ),
    _f(
        r"\bno\s+progress\b|\bnot\s+(?:making|getting)\s+(?:any\s+)?(?:progress|anywhere)\b|\bgoing\s+nowhere\b"
        r"|\bgoing\s+in\s+circles\b",
        too_big=3,
    ),
    _f(
        r"\bno\s+time\b|\btoo\s+busy\b|\bnot\s+enough\s+time\b|\binterrupt\w*|\bmeetings\s+all\s+day\b|\bother\s+priorities\b",
        no_time=4,
    ),
]

KINDS = ("waiting", "access", "broken", "unclear", "too_big", "no_time")


@dataclass(frozen=True)
class Diagnosis:
    kind: str
    also: list[str]
    who: str | None
    what: str | None


_ROLES = (
    r"(?:the|our|my)\s+(?:\w+\s+)?(?:vendor|client|customer|supplier|manager|boss|team|designer|developer|contractor|agency"
    r"|lawyer|accountant|landlord|it\s+team|it|legal|finance|hr|admin|partner|provider)"
)
# Verbs are matched in any case; a person's name must start with a capital letter.
_WHO = re.compile(
    rf"(?i:\b(?:waiting\s+(?:on|for)|from|chase|chasing|ask(?:ed)?|emailed|pinged|told|need))\s+"
    rf"(?P<who>(?i:{_ROLES})|[A-Z][a-z]+)\b"
    rf"|\b(?P<subject>(?i:{_ROLES})|[A-Z][a-z]+)\s+(?i:never|hasn'?t|has\s+not|didn'?t|won'?t|still)\b",
)
_THING = r"(?P<what>(?:the|our|my|an?)\s+[\w\s-]+?)(?=[.,!?;]|\s+(?:yet|so|and|but|since|for)\b|$)"
_WHAT = [
    re.compile(
        r"\b(?:sent|send|give|gave|share|shared|provide|provided|deliver|delivered|approve|approved)\s+"
        rf"(?:me\s+|us\s+)?{_THING}",
        re.IGNORECASE,
    ),
    # "waiting on Sarah for the numbers", "waiting for the keys"
    re.compile(
        r"\bwaiting\s+(?:on|for)\s+(?:\w+\s+){1,3}?(?:for|to\s+(?:send|give|share|approve))\s+" + _THING, re.I
    ),
    re.compile(r"\bwaiting\s+for\s+" + _THING, re.IGNORECASE),
]


def diagnose(text: str) -> Diagnosis:
    scores = score(text, BLOCKER_FEATURES)
    ranked = sorted((kind for kind in KINDS if scores.get(kind, 0) > 0), key=lambda k: -scores[k])
    kind = ranked[0] if ranked else "unknown"
    who_match = _WHO.search(text)
    who = None
    if who_match:
        who = (who_match.group("who") or who_match.group("subject") or "").strip()
        if re.match(r"(?:The|Our|My)\s", who):
            who = who[0].lower() + who[1:]  # "The vendor never sent..." -> "the vendor"
        if who.lower() in {"i", "the", "my", "it"} or (who[:1].isupper() and who.lower() in _NOT_NAMES):
            who = None
    what = None
    for pattern in _WHAT:
        found = pattern.search(text)
        if found and (who is None or found.group("what").strip().lower() != who.lower()):
            what = found.group("what").strip()
            break
    return Diagnosis(kind=kind, also=ranked[1:3], who=who, what=what)


_NOT_NAMES = {
    "i'm",
    "im",
    "the",
    "my",
    "this",
    "that",
    "it",
    "we",
    "they",
    "can",
    "how",
    "what",
    "when",
    "help",
    "still",
}


def _next_working_day(today: date, offset: int = 1) -> date:
    day = today
    added = 0
    while added < offset:
        day += timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return day


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


# Per kind: root cause, workaround, who to ask, the message to send. Placeholders: {title}, {who} (who
# was named, or a sensible role), {what}, {hello}, {soon} (next working day), {later} (the one after).
ADVICE: dict[str, tuple[str, str, str, str]] = {
    "waiting": (
        "“{title}” depends on {who} for {what}, and nothing has a date on it yet.",
        "Do the parts of “{title}” that don't depend on {what}, and prepare the rest so that it "
        "takes minutes "
        "once it arrives.",
        "{Asked} directly, with a concrete date. If there's no answer by {later}, escalate to their manager "
        "or whoever owns the relationship on your side (account manager, project lead).",
        "{hello} I'm working on “{title}” and I'm blocked until I get {what}. Could you send "
        "{them} by {soon}? "
        "If something is holding it up, tell me and we'll find a workaround. Thanks!",
    ),
    "access": (
        "You're missing {what}, which “{title}” needs.",
        "Ask for the narrowest access that unblocks you (read-only, a sandbox or a test "
        "account), and meanwhile "
        "work on what doesn't need it: reading docs, preparing config, writing tests against a mock.",
        "{Who}; say exactly which resource you need and which level of access.",
        "{hello} for “{title}” I need {what} ([read/write], for [reason]). Could you grant it, "
        "or tell me who "
        "can, by {soon}? Thanks!",
    ),
    "broken": (
        "Something “{title}” relies on is failing; until it's reproduced, the cause is a guess.",
        "Write down the exact steps and error message, check the tool's status page and recent changes "
        "(versions, config), and try the previous version or another route to the same result.",
        "{Who}, with the steps to reproduce; a colleague who used it recently can often spot it in minutes.",
        "{hello} while working on “{title}” I hit this: [error]. Steps: [1, 2, 3]. Expected [x], got [y]. "
        "Is this known, or is there a workaround? Thanks!",
    ),
    "unclear": (
        "“Done” isn't defined for “{title}”, so every start feels like a guess.",
        "Write your best assumptions and a one-paragraph definition of done, then start on the "
        "part that holds "
        "under any answer.",
        "{Who}: send your assumptions and ask them to confirm or correct. Questions with a "
        "default answer get "
        "quick replies.",
        "{hello} before I go further on “{title}”, can you confirm: 1) [assumption], 2) "
        "[assumption], 3) what "
        "done looks like? If I don't hear back by {soon}, I'll go with these.",
    ),
    "too_big": (
        "“{title}” is one big item with no obvious first step, so it keeps getting pushed back.",
        "Pick a first step you can finish in 15 to 25 minutes and do only that today; ask me to "
        "break it down "
        "and I'll suggest concrete steps with estimates.",
        "Someone who has done something similar, for 15 minutes: ask how they'd start.",
        "Hi, I'm starting on “{title}”. Could we talk for 15 minutes by {soon} about how you'd approach it?",
    ),
    "no_time": (
        "“{title}” has no protected time, so other work takes its place.",
        "Book a 90-minute block in your calendar this week and treat it as a meeting; ask me when to work on "
        "it and I'll find your lightest day.",
        "Your manager or whoever sets your priorities: ask what to drop or delay.",
        "Hi, I can't fit “{title}” in alongside [other work] this week. Which should come first, or can "
        "[other work] move to after {later}?",
    ),
}
# Who to ask when the user named nobody.
DEFAULT_WHO = {
    "waiting": "someone else",
    "access": "the owner of the system or your IT/admin team",
    "broken": "the owner of the tool or its support",
    "unclear": "whoever asked for it",
}
DEFAULT_WHAT = {"waiting": "what I need from you", "access": "access (credentials or permissions)"}
HEADINGS = ("Root cause", "Workaround", "Who to ask", "Follow-up to send")


def advise(task: TaskInfo, diagnosis: Diagnosis, now: datetime) -> list[tuple[str, str]]:
    """Sections of the answer: (heading, text); the follow-up message is quoted."""
    if diagnosis.kind not in ADVICE:
        return [
            (
                "What I need to know",
                f"Tell me what's stopping “{task.title}”: are you waiting on someone, missing access, is "
                "something broken, is it unclear what to do, or is it just too big to start?",
            ),
            (
                "Meanwhile",
                "Write down the very next physical action (e.g. “email Sam for the figures”); blockers are "
                "often a missing next step.",
            ),
        ]
    who = diagnosis.who or DEFAULT_WHO.get(diagnosis.kind, "them")
    what = diagnosis.what or DEFAULT_WHAT.get(diagnosis.kind, "what I need")
    # A person's name goes in the greeting ("Hi Sarah,"); a role does not ("Hi the vendor," reads badly).
    named = diagnosis.who if diagnosis.who and re.fullmatch(r"[A-Z][a-z]+", diagnosis.who) else None
    values = {
        "title": task.title,
        "who": who,
        "Who": _cap(who),
        "Asked": _cap(diagnosis.who) if diagnosis.who else "The person you're waiting on",
        "what": what,
        "them": _them(what),
        "hello": f"Hi {named}," if named else "Hi,",
        "soon": _day(_next_working_day(now.date(), 1)),
        "later": _day(_next_working_day(now.date(), 2)),
    }
    cause, workaround, ask, message = (text.format(**values) for text in ADVICE[diagnosis.kind])
    if diagnosis.kind == "waiting" and (classify(task).kind == "software" or "key" in what.lower()):
        workaround = (
            "Build against the sandbox or a mock of the API so that everything is ready and tested when "
            f"{what} arrive; swapping them in should then take minutes."
        )
    return list(zip(HEADINGS, (cause, workaround, ask, "> " + message), strict=True))


def _them(what: str) -> str:
    """'the API keys' -> 'them', 'the contract' -> 'it': so the draft reads naturally."""
    last = what.split()[-1].lower() if what.split() else ""
    return "them" if last.endswith("s") and not last.endswith("ss") else "it"


def _cap(text: str | None) -> str:
    text = text or ""
    return text[:1].upper() + text[1:]
