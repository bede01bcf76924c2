"""Hinglish, as hundreds of millions write their to-dos: Hindi in Latin letters mixed into English ("kal tak
DBMS assignment submit karna hai, add kar do"). The words that carry a request's meaning (its day, its
time, its verb) are put into the English the rest of the engine reads; the words of a title stay as said.

Read only when a message has at least two words that only Hindi uses, so that an English title that
happens to hold one ("Kal's birthday", "the Aur river") is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MARKERS = re.compile(
    r"\b(?:hai|hain|karna|karni|karne|kar|liye|mujhe|maine|yaar|bhai|wala|wale|wali|kya|aur|aaj|kal|parso"
    r"|baje|shaam|subah|raat|dena|kaam|naam|badal|hata|bana|daal|tak|mein|pehle|abhi|sabse|kaunsa|woh"
    r"|dila|yaad|gaya|gaye|diya|liya)\b",
    re.IGNORECASE,
)
_LEVEL = r"urgent|high(?:\s+priority)?|low(?:\s+priority)?|normal"
_DO = r"(?:do|de|dena|dijiye|dijie|karo)"

_COUNT: dict[str, str] = {"do": "two", "teen": "three", "char": "four", "paanch": "five"}

Rewrite = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _part_of_day(match: re.Match[str]) -> str:
    day = {"kal": "tomorrow ", "aaj": "today ", None: ""}[(match["day"] or "").lower() or None]
    hour = int(match["hour"])
    meridiem = "am" if match["part"].lower() == "subah" else "pm"
    return f"{day}at {hour}{meridiem}"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# In order: whole requests first, then the verbs, then days and times, then the little words.
_REWRITES: list[Rewrite] = [
    # the little words that join
    (_compile(r"^\s*aur\s+"), ""),
    (_compile(r"\baur\b"), "and"),
    (_compile(r"\bisko\b"), "it"),
    (_compile(r"\b(?:yaar|bhai)\b[\s,]*"), ""),
    (_compile(r"\s+ho\s+(?:gaya|gayi|gaye)\b"), ""),
    # "hostel fees wala task": the task named so
    (_compile(r"\s+(?:wala|wale|wali)(?:\s+(?:task|kaam))?\b"), " task"),
    # what is asked of the list
    (_compile(r"\b(?:mere|meri|my)\s+list\s+(?:mein|me)\s+kya(?:\s+kya)?\s+hai\b"), "what is on my list"),
    (_compile(r"^(?P<pre>.*?)\bkya\s+(?:pending|karna)\s+hai\b"), r"what do I have \g<pre>"),
    (_compile(r"\bsabse\s+urgent\s+kya\s+hai(?:\s+mera)?"), "what is urgent"),
    (
        _compile(
            r"\bmaine\s+kya(?:\s+kya)?\s+(?:complete|done|khatam)\s+kar\s+liya(?:\s+hai)?(?:\s+abhi\s+tak)?"
        ),
        "what have I completed",
    ),
    (
        _compile(
            r"\b(?:abhi\s+)?(?:kin\s+kin|kis|kaun\s+si)\s+(?:cheezon|cheez|tasks?)\s+(?:pe|par)\s+kaam\s+chal"
            r"\s+raha\s+hai"
        ),
        "what am I working on",
    ),
    (_compile(r"^(?P<what>.+?)\s+se\s+related\s+koi\s+task\s+hai\s+kya\b"), r"find tasks about \g<what>"),
    (_compile(r"^(?P<what>.+?)\s+kaunsa\s+(?:tha|hai)\b"), r"find the \g<what>"),
    # what is done to a task
    (
        _compile(
            r"\bjo\s+tasks?\s+(?:complete|done)\s+(?:hain|hai)\s+woh\s+sab\s+(?:delete|hata)"
            rf"\s+(?:kar\s+)?{_DO}"
        ),
        "delete all the completed tasks",
    ),
    (
        _compile(r"^(?P<what>.+?)\s+(?:pe|par)\s+kaam\s+shuru\s+kar\s+(?:diya|di)(?:\s+hai)?"),
        r"I started \g<what>",
    ),
    (_compile(rf"^(?P<what>.+?)\s+ka\s+naam\s+badal\s+{_DO}\s*:?"), r"rename \g<what> to"),
    (_compile(rf"^(?P<what>.+?)\s+ek\s+din\s+pehle\s+kar\s+{_DO}"), r"move \g<what> one day earlier"),
    (
        _compile(rf"^(?P<what>.+?)\s+(?P<when>\w+)\s+(?:pe|par|ko)\s+(?:shift|move)\s+kar\s+{_DO}"),
        r"move \g<what> to \g<when>",
    ),
    (_compile(rf"\bdono\s+(?:done|complete)\s+mark\s+kar\s+{_DO}"), "mark both done"),
    (_compile(rf"^(?P<what>.+?)\s+(?:done|complete)\s+mark\s+kar\s+{_DO}"), r"mark \g<what> done"),
    (_compile(rf"^(?P<what>.+?)\s+(?P<level>{_LEVEL})\s+kar\s+{_DO}"), r"make \g<what> \g<level>"),
    (_compile(rf"\b(?P<day>aaj|kal)\s+ka\s+kar\s+{_DO}"), r"due \g<day>"),
    (
        _compile(rf"\b(?:woh|wo|yeh|ye)\s+task\s+(?:hata|delete\s+kar|remove\s+kar)\s+{_DO}"),
        "delete that task",
    ),
    (_compile(rf"^(?P<what>.+?)\s+(?:hata|delete\s+kar|remove\s+kar)\s+{_DO}"), r"delete \g<what>"),
    # days and times
    (
        _compile(r"\b(?:(?P<day>kal|aaj)\s+)?(?P<part>subah|shaam|raat)\s+(?P<hour>\d{1,2})\s+baje\b"),
        _part_of_day,
    ),
    (_compile(r"\b(\d{1,2})\s+baje\b"), r"at \1"),
    (_compile(r"\bkal\s+subah\b"), "tomorrow morning"),
    (_compile(r"\bkal\s+shaam\b"), "tomorrow evening"),
    (_compile(r"\bkal\s+raat\b"), "tomorrow night"),
    (_compile(r"\baaj\s+raat\b"), "tonight"),
    (_compile(r"\baaj\s+shaam(?:\s+tak)?\b"), "this evening"),
    (_compile(r"\baaj\s+subah\b"), "this morning"),
    (_compile(r"\bkal\b"), "tomorrow"),
    (_compile(r"\baaj\b"), "today"),
    (_compile(r"\bparso\b"), "in 2 days"),
    (_compile(r"\b(\d+|ek|do|teen)\s+din\s+(?:mein|me|main)\b"), r"in \1 days"),
    (
        _compile(
            r"\b(?P<when>(?:(?:tomorrow|today|tonight)(?:\s+at\s+\d+(?:am|pm)?)?|end\s+of\s+(?:the\s+)?month"
            r"|next\s+week|\w+day))\s+tak(?:\s+ka)?\b"
        ),
        r"by \g<when>",
    ),
    (_compile(r"\b(?P<when>in\s+\d+\s+days)\s+tak\b"), r"\g<when>"),
    (_compile(r"\b(?:for\s+)?(?P<when>tomorrow|today|next\s+week)\s+ke\s+liye\b"), r"for \g<when>"),
    # asking to add, to remind
    (
        _compile(
            rf"\b(?:remind\s+kar(?:na|\s+{_DO})?\s+mujhe|mujhe\s+remind\s+kar(?:na|\s+{_DO})?"
            rf"|yaad\s+dila\s+{_DO})\b[\s,:-]*"
        ),
        "",
    ),
    (
        _compile(
            rf"[\s,:-]*\b(?:add\s+kar\s+{_DO}|add\s+karo|(?:ek\s+)?task\s+bana\s+{_DO}"
            rf"|list\s+(?:mein|me)\s+daal\s+{_DO})\b[\s:-]*"
        ),
        " : ",
    ),
    (
        _compile(r"\b(do|teen|char|paanch)\s+(?:kaam|tasks?|cheezein)\b"),
        lambda match: f"{_COUNT[match[1].lower()]} things",
    ),
    # the verbs' endings
    (_compile(r"\s+(?:karna|karni|karne)\s+(?:hai|hain|h)\b"), ""),
    (_compile(r"\b(\w+(?:na|ni|ne))\s+(?:hai|hain)\b"), r"\1"),  # "lani hai", "bhejni hai": to be done
    (_compile(r"\s+(?:hai|hain)\b(?=\s*(?:[,.!?]|$))"), ""),
]
_REMINDING = re.compile(r"\b(?:remind\s+kar|mujhe\s+remind|yaad\s+dila)", re.IGNORECASE)
_ADDING = re.compile(r"\b(?:add\s+kar|add\s+karo|task\s+bana|list\s+(?:mein|me)\s+daal)\b", re.IGNORECASE)


def read_hinglish(text: str) -> str:
    """`text` with its Hindi words of meaning in English, when it is Hinglish; else `text` unchanged."""
    if len({word.lower() for word in _MARKERS.findall(text)}) < 2:
        return text
    reminding = _REMINDING.search(text) is not None
    adding = _ADDING.search(text) is not None
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\s+", " ", text).strip(" ,:-")
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    if reminding:
        return f"remind me to {text}"
    if adding and not re.match(r"(?:add|create)\b", text, re.IGNORECASE):
        return f"add: {text}"
    return text
