"""Repetitions and relative reminders said in words, read once for the chat and for quick add.

`find_repetition` reads "every Friday", "every weekday", "every other week", "every 2 weeks on Tuesday",
"every 3rd Friday" (monthly, on the third Friday), "on the last day of every month", "every month on the
15th", "every year on March 3", "daily at 7am" (the time is the due date's, read apart), "every 3 days after
I do it" (from completion) into an RFC 5545 RRULE (tasks.recurrence) and the words it used, so that they
leave the title. `find_reminder` reads "remind me 30 minutes before", "with a reminder the day before at 9".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from dateutil.rrule import rrule, rrulestr

from .dates import NUMBER_WORDS, local_moment, zone_of

Span = tuple[int, int]

WEEKDAY_CODES = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_SHORT_DAYS = {"mon": "MO", "tue": "TU", "tues": "TU", "wed": "WE", "thu": "TH", "thur": "TH", "thurs": "TH"}
_SHORT_DAYS |= {"fri": "FR", "sat": "SA", "sun": "SU"}
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}

_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"  # Monday, Mondays, mon, tues
_DAYS = rf"{_DAY}(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*){_DAY})*"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*"
_NTH = r"(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|last)"
_COUNT = r"(?:other|\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
# What "on ..." after a period may name: days of the week, a day of the month, a date in the year.
_ON = (
    rf"on\s+(?:the\s+)?(?:(?P<on_nth>{_NTH})\s+(?P<on_nth_day>{_DAY}|day)(?:\s+of\s+the\s+month)?"
    rf"|(?P<on_mday>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of\s+(?P<on_month2>{_MONTH}))?(?!\s*(?:am|pm|:|\.\d|h\b))"
    rf"|(?P<on_month>{_MONTH})\s+(?P<on_mday2>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<on_days>{_DAYS}))\b"
)
_DONE = (
    r"(?:\s*,?\s*(?P<done>(?:counting\s+)?(?:after|from\s+(?:when|the\s+day)?)\s*(?:i|we)\s+(?:last\s+)?"
    r"(?:do|did|finish(?:ed)?|complete[ds]?|have\s+done|'ve\s+done|tick(?:ed)?\s+off|mark(?:ed)?\s+done)"
    r"(?:\s+(?:it|that|them|this))?(?:\s+last)?"
    r"|after\s+(?:each\s+|every\s+)?completion|from\s+completion|after\s+(?:completing|finishing|doing)"
    r"(?:\s+(?:it|that|them))?|after\s+(?:it'?s|it\s+is|it\s+was)\s+(?:done|completed|finished)"
    r"|after\s+the\s+last\s+(?:one|time)))?"
)
_REPETITION = re.compile(
    r"(?:,\s*|\s+|^)(?:(?:that\s+)?(?:repeats?|recurs?|recurring|repeating)\s+)?(?:due\s+)?(?:"
    # "on the last day of every month", "the 15th of each month", "the first Monday of every month"
    rf"(?:on\s+)?(?:the\s+)?(?P<of_nth>{_NTH})\s+(?P<of_day>{_DAY}|day)?\s*of\s+(?:every|each)\s+month"
    # "every 3rd Friday", "every last Friday of the month"
    rf"|(?:every|each)\s+(?P<nth>{_NTH})\s+(?P<nth_day>{_DAY}|day)(?:\s+of\s+(?:the|each|every)\s+month)?"
    # "every 15th", "every 1st of the month"
    rf"|(?:every|each)\s+(?P<mday>\d{{1,2}})(?:st|nd|rd|th)(?:\s+(?:day\s+)?of\s+(?:the|each|every)\s+month)?"
    # "every March 3", "every 3 March"
    rf"|(?:every|each)\s+(?:(?P<ymonth>{_MONTH})\s+(?P<yday>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<yday2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<ymonth2>{_MONTH}))\b"
    # "every other week on Tuesday", "every 3 days", "every weekday", "every Monday and Thursday"; "daily",
    # "weekly on Friday", "monthly on the 1st", "daily at 7am", but not "the weekly report"
    rf"|(?:(?:every|each)\s+(?:(?P<count>{_COUNT})\s+)?(?P<unit>{_DAYS}|week\s*days?|work\s*days?|weekends?"
    r"|days?|weeks?|months?|years?|mornings?|evenings?|nights?|fortnights?)\b"
    r"|(?P<adverb>daily|weekly|monthly|yearly|annually|fortnightly)\b"
    r"(?=\s*(?:[,.;!?]|$)|\s+(?:at|on|from|after|starting|in|by|before|until|remind|with)\b))"
    rf"(?:\s*,?\s+{_ON})?"
    rf"){_DONE}"
    r"(?=\W|$)",
    re.IGNORECASE,
)
_PERIOD_FREQ = {"day": "DAILY", "morning": "DAILY", "evening": "DAILY", "night": "DAILY", "week": "WEEKLY"}
_PERIOD_FREQ |= {"month": "MONTHLY", "year": "YEARLY", "fortnight": "WEEKLY"}
_ADVERB_FREQ = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "yearly": "YEARLY"}
_ADVERB_FREQ |= {"annually": "YEARLY", "fortnightly": "WEEKLY"}


@dataclass(frozen=True)
class Repetition:
    """A repetition read in a text: the words (`phrase`, at `span`), its rule (None when the words say a
    repetition this reader cannot turn into one) and whether it counts from completion."""

    phrase: str
    span: Span
    rule: str | None
    from_completion: bool


def _day_code(word: str) -> str | None:
    word = word.lower().rstrip("s") if word.lower() not in ("tues", "thurs") else word.lower()
    word = word.removesuffix("day") if word.endswith("day") else word
    for name, code in WEEKDAY_CODES.items():
        if name.removesuffix("day") == word:
            return code
    return _SHORT_DAYS.get(word)


def _day_list(words: str) -> list[str] | None:
    codes = [_day_code(word) for word in re.split(r"\s*(?:,|\band\b|&)\s*", words.strip()) if word.strip()]
    if not codes or any(code is None for code in codes):
        return None
    order: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    return [code for code in order if code in codes]


def _nth(word: str) -> int:
    word = word.lower()
    return _ORDINALS[word] if word in _ORDINALS else int(re.sub(r"\D", "", word))


def _month_number(word: str) -> int | None:
    word = word.lower()
    return next((index for index, name in enumerate(MONTHS, start=1) if name.startswith(word[:3])), None)


def _on_parts(match: re.Match[str], freq: str) -> dict[str, str] | None:
    """The BY parts an "on ..." tail adds to `freq` ({} for none; None when they do not fit it)."""
    group = match.group
    if group("on_days"):
        days = _day_list(group("on_days"))
        return {"BYDAY": ",".join(days)} if days and freq == "WEEKLY" else None
    if group("on_nth"):
        nth, day = _nth(group("on_nth")), group("on_nth_day")
        if freq != "MONTHLY" or not 1 <= abs(nth) <= 5:
            return None
        if day.lower() == "day":
            return {"BYMONTHDAY": str(nth)}
        code = _day_code(day)
        return {"BYDAY": f"{nth:+d}{code}"} if code else None
    month_word = group("on_month") or group("on_month2")
    day_of_month = group("on_mday") or group("on_mday2")
    if month_word:
        month = _month_number(month_word)
        return {"BYMONTH": str(month), "BYMONTHDAY": day_of_month} if month and freq == "YEARLY" else None
    if day_of_month:
        valid = 1 <= int(day_of_month) <= 31
        return {"BYMONTHDAY": str(int(day_of_month))} if valid and freq == "MONTHLY" else None
    return {}


def _rule(match: re.Match[str]) -> str | None:
    group = match.group
    parts: dict[str, str] = {}
    if group("of_nth") or group("nth"):
        nth, day = _nth(group("of_nth") or group("nth")), group("of_day") or group("nth_day") or "day"
        if not (1 <= nth <= 31 or nth == -1):
            return None
        parts["FREQ"] = "MONTHLY"
        if day.lower() == "day":
            parts["BYMONTHDAY"] = str(nth)
        else:
            code = _day_code(day)
            if code is None or abs(nth) > 5:
                return None
            parts["BYDAY"] = f"{nth:+d}{code}"
    elif group("mday"):
        if not 1 <= int(group("mday")) <= 31:
            return None
        parts |= {"FREQ": "MONTHLY", "BYMONTHDAY": str(int(group("mday")))}
    elif group("ymonth") or group("ymonth2"):
        month = _month_number(group("ymonth") or group("ymonth2"))
        if month is None:
            return None
        parts |= {
            "FREQ": "YEARLY",
            "BYMONTH": str(month),
            "BYMONTHDAY": str(int(group("yday") or group("yday2"))),
        }
    else:
        unit = (group("unit") or group("adverb")).lower()
        interval = 1
        count = (group("count") or "").lower()
        if count == "other":
            interval = 2
        elif count:
            interval = int(count) if count.isdigit() else NUMBER_WORDS[count]
        if interval < 1:
            return None
        singular = re.sub(r"s$", "", re.sub(r"\s+", "", unit))
        if unit in _ADVERB_FREQ:
            parts["FREQ"] = _ADVERB_FREQ[unit]
            interval *= 2 if unit == "fortnightly" else 1
        elif singular in ("weekday", "workday"):
            parts |= {"FREQ": "WEEKLY", "BYDAY": "MO,TU,WE,TH,FR"}
        elif singular == "weekend":
            parts |= {"FREQ": "WEEKLY", "BYDAY": "SA,SU"}
        elif singular in _PERIOD_FREQ:
            parts["FREQ"] = _PERIOD_FREQ[singular]
            interval *= 2 if singular == "fortnight" else 1
        else:
            days = _day_list(unit)
            if days is None:
                return None
            parts |= {"FREQ": "WEEKLY", "BYDAY": ",".join(days)}
        if interval > 1:
            parts = {"FREQ": parts["FREQ"], "INTERVAL": str(interval), **parts}
        on = _on_parts(match, parts["FREQ"])
        if on is None:
            return None
        if "BYDAY" in on and "BYDAY" in parts:
            return None
        parts |= on
    return ";".join(f"{key}={value}" for key, value in parts.items())


def find_repetition(text: str) -> Repetition | None:
    """The first repetition said in `text` ("every Friday", "weekly"), or None."""
    match = _REPETITION.search(text)
    if not match:
        return None
    phrase = re.sub(
        r"^(?:(?:that\s+)?(?:repeats?|recurs?|recurring|repeating)\s+)?(?:due\s+)?",
        "",
        match.group(0).strip(" ,"),
        flags=re.IGNORECASE,
    )
    return Repetition(phrase, match.span(), _rule(match), bool(match.group("done")))


def first_due(rule: str, now: datetime, at: time) -> datetime:
    """The first date of `rule` after `now` (in `now`'s zone) at the time of day `at`: where the series
    starts. INTERVAL does not delay it ("every 2 weeks on Tuesday" starts on the next Tuesday). A rule that
    names no day ("every other week", "monthly") may start on any day: today if `at` is still to come, else
    tomorrow, never a whole period later."""
    zone = zone_of(now)
    parts = [part for part in rule.split(";") if part.split("=")[0] not in ("INTERVAL", "COUNT", "UNTIL")]
    local_now = now.astimezone(zone).replace(tzinfo=None)
    start = datetime.combine(local_now.date(), at)
    if not any(part.startswith("BY") for part in parts):
        day = start.date() if start > local_now else start.date() + timedelta(days=1)
        return local_moment(day, at, zone)
    built = rrulestr(";".join(parts), dtstart=start)
    assert isinstance(built, rrule)
    found = built.after(local_now)
    day = found.date() if found is not None else local_now.date() + timedelta(days=1)
    return local_moment(day, at, zone)


# --- reminders relative to the due date -----------------------------------------------------------------

_AMOUNT = (
    r"(?:\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty"
    r"|half\s+an?)"
)
_WHEN_BEFORE = (
    rf"(?:(?P<amount>{_AMOUNT})\s+(?P<unit>minutes?|mins?|m|hours?|hrs?|h|days?|weeks?)"
    r"|the\s+(?P<day>day|evening|night|morning|week))\s+(?:before|earlier|ahead|in\s+advance|prior)"
    r"(?:\s+(?:it'?s\s+due|it\s+is\s+due|the\s+due\s+(?:date|time)|(?:it|that|the\s+task)\b))?"
    r"(?:\s+at\s+(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<meridiem>am|pm|a\.m\.|p\.m\.)?)?"
)
# Where the reminder's words may stop: the end of a clause, or another field ("…before, on Friday at 3pm");
# "leave 30 minutes before the meeting" is a title.
_CLAUSE_END = r"(?=\s*(?:[,.;!?]|$)|\s+(?:and|on|at|by|every|each|due|tomorrow|today|next|this)\b)"
_REMINDER = re.compile(
    r"(?:,\s*|\s+|^)(?:and\s+|with\s+|plus\s+)?"
    r"(?:(?:please\s+)?(?:remind|notify|ping|alert)\s+(?:me|us)|(?:a|one)\s+reminders?|reminders?)"
    r"(?:\s+(?:about|of|for)\s+(?P<ref>.+?))?\s+" + _WHEN_BEFORE + _CLAUSE_END,
    re.IGNORECASE,
)
# In a "remind me to ..." request the lead words are the request's own: "remind me to pay rent on the 1st,
# 2 days before".
_BARE_REMINDER = re.compile(
    r"(?:,\s*|\s+|^)(?:and\s+)?(?P<ref>)" + _WHEN_BEFORE + r"(?=\s*(?:[.;!?]|$))", re.IGNORECASE
)
_UNIT_MINUTES = {"m": 1, "min": 1, "minute": 1, "h": 60, "hr": 60, "hour": 60, "day": 1440, "week": 10080}
_PART_OF_DAY = {"morning": time(9, 0), "evening": time(19, 0), "night": time(20, 0)}


@dataclass(frozen=True)
class RelativeReminder:
    """ "30 minutes before" (`minutes`), or "the day before at 9" (`days` before the due day, at `at`)."""

    phrase: str
    span: Span
    minutes: int | None = None
    days: int = 0
    at: time | None = None
    ref: str | None = None  # "remind me about the rent task the day before": the task meant

    def before_minutes(self, due: datetime) -> int:
        """Minutes before `due` (an aware time in the user's zone): "the day before at 9" becomes the
        minutes between 09:00 the day before and the due time, so that it moves with each occurrence."""
        if self.minutes is not None:
            return self.minutes
        day = due.date() - timedelta(days=self.days)
        moment = local_moment(day, self.at or due.timetz().replace(tzinfo=None), zone_of(due))
        # In UTC: between two times of one zone Python subtracts wall clocks, an hour off across DST.
        return max(0, round((due.astimezone(UTC) - moment.astimezone(UTC)).total_seconds() / 60))

    def describe(self) -> str:
        if self.minutes == 0:
            return "at the due time"
        if self.minutes is not None:
            return _describe_minutes(self.minutes) + " before"
        if self.days == 0:
            return f"that day at {self.at:%H:%M}" if self.at else "that day"
        when = "the day before" if self.days == 1 else f"{self.days} days before"
        return f"{when} at {self.at:%H:%M}" if self.at else when


def _describe_minutes(minutes: int) -> str:
    """ "30 minutes", "an hour", "2 days"."""
    for size, name in ((10080, "week"), (1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            count = minutes // size
            if count == 1:
                return f"an {name}" if name == "hour" else f"a {name}"
            return f"{count} {name}s"
    return f"{minutes} minutes"


def find_reminder(text: str, *, bare: bool = False) -> RelativeReminder | None:
    """A reminder before the due date ("remind me 30 minutes before"), or None. `bare`: the text is a
    "remind me to ..." request, where "30 minutes before" alone says it."""
    match = _REMINDER.search(text) or (_BARE_REMINDER.search(text) if bare else None)
    if not match:
        return None
    phrase = match.group(0).strip(" ,")
    at: time | None = None
    if match.group("hour"):
        hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
        meridiem = (match.group("meridiem") or "").lower().replace(".", "")
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            return None
        at = time(hour, minute)
    ref = match.group("ref") or None
    if match.group("day"):
        word = match.group("day").lower()
        if word == "week":
            return RelativeReminder(phrase, match.span(), days=7, at=at, ref=ref)
        return RelativeReminder(phrase, match.span(), days=1, at=at or _PART_OF_DAY.get(word), ref=ref)
    amount = match.group("amount").lower()
    if amount.startswith("half"):
        count = 0.5
    else:
        count = int(amount) if amount.isdigit() else NUMBER_WORDS.get(amount, 0)
        count = count or {"fifteen": 15, "twenty": 20, "thirty": 30}.get(amount, 0)
    unit = re.sub(r"s$", "", match.group("unit").lower())
    minutes = round(count * _UNIT_MINUTES[unit])
    if minutes <= 0:
        return None
    if unit in ("day", "week") and at is not None:
        return RelativeReminder(phrase, match.span(), days=minutes // 1440, at=at, ref=ref)
    return RelativeReminder(phrase, match.span(), minutes=minutes, ref=ref)
