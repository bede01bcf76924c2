"""Natural-language dates and times, read in the user's time zone.

The engine finds date expressions inside a sentence ("call the dentist tomorrow at 5pm"), so that it can
both set the due date and cut the words out of the task title. We parse a closed set of English forms
people actually type instead of depending on dateparser (its "next week" and "end of month" disagree with
the product's meaning, and it is slow without a fixed language).

Conventions (the product's, see docs/architecture.md and the eval README):
- a date with no time of day means 23:59 that day in the user's zone;
- "Friday" / "on Friday" / "this Friday" is the next Friday, today included;
- "next Friday" is the first Friday strictly after today; "next week" is the next Monday;
- "end of the week" is Friday (Sunday once the work week is over); "end of month" its last day;
- "tonight" is 20:00, "morning" 09:00, "afternoon" 15:00, "evening" 19:00, "noon" 12:00;
- "at 5" with no am/pm means 17:00 for hours 1-6 (nobody schedules a task at 5 in the morning by default);
- numeric dates are ISO (2026-12-05) or month-first (12/5), as in US English;
- a bare time that has already passed today means tomorrow.
Arithmetic on days is done on calendar dates and then placed in the zone, so DST changes never shift a
due date by an hour; "in 2 hours" is done on absolute time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

END_OF_DAY = time(23, 59)

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NAMES: tuple[str, ...] = ("january", "february", "march", "april", "may", "june")
_MONTH_NAMES += ("july", "august", "september", "october", "november", "december")
WEEKDAYS = {name: index for index, name in enumerate(_WEEKDAY_NAMES)}  # 0 = Monday, as date.weekday()
_WEEKDAY_ABBREVIATIONS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4}
_WEEKDAY_ABBREVIATIONS |= {"sat": 5, "sun": 6}
MONTHS = {name: index for index, name in enumerate(_MONTH_NAMES, start=1)}
_MONTH_ABBREVIATIONS = {name[:3]: index for name, index in MONTHS.items()} | {"sept": 9}
_COUNTING = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
NUMBER_WORDS = {word: index for index, word in enumerate(_COUNTING, start=1)}
NUMBER_WORDS |= {"a": 1, "an": 1, "couple of": 2, "a couple of": 2, "few": 3, "a few": 3}
_DAY_PARTS = {
    "morning": time(9, 0),
    "afternoon": time(15, 0),
    "evening": time(19, 0),
    "night": time(20, 0),
}

_WEEKDAY_NAME = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri)"
# Short forms that are also English words ("sat", "sun") only count after a word that announces a date.
_MONTH_NAME = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
)
_NUMBER = (
    r"(?:\d+|a couple of|couple of|a few|few|an?|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve)"
)
_ORDINAL_SUFFIX = r"(?:st|nd|rd|th)?"

# Words that introduce a date and belong to it when it is cut out of a title ("due Friday", "by 5pm").
_LEAD_IN = re.compile(
    r"(?:\b(?:(?:it'?s|is|are)\s+(?:now\s+)?)?(?:due(?:\s+date)?(?:\s+(?:on|by|at|in|for|before))?|deadline(?:\s+(?:is|of))?"
    r"|by|on|at|for|before|until|till|from|starting|scheduled\s+for|set\s+for|to|no\s+later\s+than|not\s+later\s+than)"
    r"\s*:?\s*|[,;(-]\s*)+$",
    re.IGNORECASE,
)


_LEAD_IN_REACH = 200


@dataclass(frozen=True)
class DateMatch:
    """A date expression found in a text: its value and where it sits (lead-in words included)."""

    when: datetime
    has_time: bool
    start: int
    end: int
    text: str
    has_day: bool = True  # False for a time alone ("at 5pm"), which means its next occurrence


@dataclass(frozen=True)
class _Piece:
    """One recognised fragment: a date, a time of day, or an absolute moment."""

    start: int
    end: int
    day: date | None = None
    at: time | None = None
    implied_time: time | None = None  # "tomorrow morning": a time used only when none is given
    moment: datetime | None = None


_Handler = Callable[[re.Match[str], datetime], _Piece | None]


def _number(word: str) -> int:
    word = word.lower().strip()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word, 1)


def _weekday(name: str) -> int:
    name = name.lower().rstrip(".")
    return WEEKDAYS.get(name, _WEEKDAY_ABBREVIATIONS.get(name, 0))


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return MONTHS.get(name, _MONTH_ABBREVIATIONS.get(name, 1))


def next_weekday(today: date, weekday: int, *, strictly_after: bool) -> date:
    """The next `weekday` (0 = Monday) on or after `today`, or strictly after it."""
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and strictly_after:
        ahead = 7
    return today + timedelta(days=ahead)


def end_of_month(day: date) -> date:
    first_of_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def end_of_week(today: date) -> date:
    """The end of the work week: this Friday, or Sunday once Friday has passed."""
    if today.weekday() <= 4:
        return next_weekday(today, 4, strictly_after=False)
    return next_weekday(today, 6, strictly_after=False)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return min(date(year, month, 1) + timedelta(days=day.day - 1), end_of_month(date(year, month, 1)))


def _closest_future_date(today: date, month: int, day_of_month: int, year: int | None) -> date | None:
    """A month/day with no year is the next one to come (today included)."""
    try:
        if year is not None:
            return date(year if year > 99 else 2000 + year, month, day_of_month)
        candidate = date(today.year, month, day_of_month)
        if candidate < today:
            candidate = date(today.year + 1, month, day_of_month)
        return candidate
    except ValueError:
        return None


def _clock(hour: int, minute: int, meridiem: str | None) -> time | None:
    meridiem = re.sub(r"[.\s]", "", (meridiem or "").lower())
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


# --- the handlers, one per family of expressions ------------------------------------------------------


def _relative_day(match: re.Match[str], now: datetime) -> _Piece:
    word = match.group("word").lower()
    part = (match.group("part") or "").lower()
    today = now.date()
    offsets = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "yesterday": -1}
    offset = 2 if "after" in word else offsets.get(word.split()[-1], 0)
    implied = _DAY_PARTS.get(part) if part else None
    if word == "tonight":
        implied = _DAY_PARTS["night"]
    return _Piece(match.start(), match.end(), day=today + timedelta(days=offset), implied_time=implied)


def _this_day_part(match: re.Match[str], now: datetime) -> _Piece:
    return _Piece(
        match.start(), match.end(), day=now.date(), implied_time=_DAY_PARTS[match.group("part").lower()]
    )


def _weekday_handler(match: re.Match[str], now: datetime) -> _Piece | None:
    modifier = (match.group("modifier") or "").lower()
    if not modifier and re.search(
        r"\b(?:the|a|our|my|this)\s+$", match.string[: match.start()], re.IGNORECASE
    ):
        return None  # "the Monday meeting": a name, not a date
    weekday = _weekday(match.group("weekday"))
    today = now.date()
    if modifier == "next":
        day = next_weekday(today, weekday, strictly_after=True)
    elif modifier == "next week":
        # "Friday next week": that weekday in the week that starts next Monday.
        monday = next_weekday(today, 0, strictly_after=True)
        day = monday + timedelta(days=weekday)
    else:
        day = next_weekday(today, weekday, strictly_after=False)
    part = (match.group("part") or "").lower()
    return _Piece(match.start(), match.end(), day=day, implied_time=_DAY_PARTS.get(part))


def _announced_weekend_day(match: re.Match[str], now: datetime) -> _Piece:
    """'on sat', 'next sun': short forms that are also ordinary words need a word announcing a date."""
    strictly_after = match.group("lead").lower() == "next"
    day = next_weekday(now.date(), _weekday(match.group("weekday")), strictly_after=strictly_after)
    return _Piece(match.start("weekday"), match.end(), day=day)


def _weekday_next_week(match: re.Match[str], now: datetime) -> _Piece:
    monday = next_weekday(now.date(), 0, strictly_after=True)
    return _Piece(match.start(), match.end(), day=monday + timedelta(days=_weekday(match.group("weekday"))))


def _period(match: re.Match[str], now: datetime) -> _Piece:
    phrase = re.sub(r"\s+", " ", match.group(0).lower())
    today = now.date()
    if "month" in phrase or phrase == "eom":
        if "next" in phrase and "end" in phrase:
            day = end_of_month(add_months(today.replace(day=1), 1))
        elif "next" in phrase:
            day = add_months(today.replace(day=1), 1)
        else:
            day = end_of_month(today)
    elif "year" in phrase:
        day = date(today.year + ("next" in phrase), 12, 31) if "end" in phrase else date(today.year + 1, 1, 1)
    elif "weekend" in phrase:
        saturday = next_weekday(today, 5, strictly_after=False)
        if "next" in phrase:
            saturday = next_weekday(today, 5, strictly_after=True)
            if saturday - today < timedelta(days=2):
                saturday += timedelta(days=7)
        day = saturday
    elif "next week" in phrase and "end" in phrase:
        day = next_weekday(today, 0, strictly_after=True) + timedelta(days=4)
    elif "next week" in phrase:
        day = next_weekday(today, 0, strictly_after=True)
    elif "week" in phrase or phrase in {"eow"}:
        day = end_of_week(today)
    else:  # end of (the) day, eod, close of business
        day = today
    return _Piece(match.start(), match.end(), day=day)


def _in_duration(match: re.Match[str], now: datetime) -> _Piece:
    amount = _number(match.group("amount"))
    unit = match.group("unit").lower()
    if unit.startswith(("min", "hour", "hr")):
        minutes = amount * (60 if unit.startswith(("hour", "hr")) else 1)
        moment = (now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(now.tzinfo)
        return _Piece(match.start(), match.end(), moment=moment)
    today = now.date()
    if unit.startswith("day"):
        day = today + timedelta(days=amount)
    elif unit.startswith("week"):
        day = today + timedelta(weeks=amount)
    elif unit.startswith("fortnight"):
        day = today + timedelta(weeks=2 * amount)
    elif unit.startswith("month"):
        day = add_months(today, amount)
    else:
        day = date(today.year + amount, today.month, min(today.day, 28))
    return _Piece(match.start(), match.end(), day=day)


def _iso_date(match: re.Match[str], now: datetime) -> _Piece | None:
    try:
        day = date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    except ValueError:
        return None
    at = None
    if match.group("hh"):
        at = _clock(int(match.group("hh")), int(match.group("mm")), None)
    return _Piece(match.start(), match.end(), day=day, at=at)


def _numeric_date(match: re.Match[str], now: datetime) -> _Piece | None:
    year = int(match.group("y")) if match.group("y") else None
    day = _closest_future_date(now.date(), int(match.group("m")), int(match.group("d")), year)
    return _Piece(match.start(), match.end(), day=day) if day else None


def _month_day(match: re.Match[str], now: datetime) -> _Piece | None:
    year = int(match.group("y")) if match.group("y") else None
    day = _closest_future_date(now.date(), _month(match.group("month")), int(match.group("d")), year)
    return _Piece(match.start(), match.end(), day=day) if day else None


def _day_of_month(match: re.Match[str], now: datetime) -> _Piece | None:
    today = now.date()
    wanted = int(match.group("d"))
    for months_ahead in range(3):
        first = add_months(today.replace(day=1), months_ahead)
        try:
            candidate = first.replace(day=wanted)
        except ValueError:
            continue
        if candidate >= today:
            return _Piece(match.start(), match.end(), day=candidate)
    return None


def _clock_time(match: re.Match[str], now: datetime) -> _Piece | None:
    if re.search(r"\bthe\s+$", match.string[: match.start()], re.IGNORECASE):
        return None  # "the 2pm webinar": a name, not a due time
    minute = int(match.group("mm") or 0)
    at = _clock(int(match.group("hh")), minute, match.group("ampm"))
    return _Piece(match.start(), match.end(), at=at) if at else None


def _bare_hour(match: re.Match[str], now: datetime) -> _Piece | None:
    hour = int(match.group("hh"))
    minute = int(match.group("mm") or 0)
    if 1 <= hour <= 6:
        hour += 12
    at = _clock(hour, minute, None)
    return _Piece(match.start(), match.end(), at=at) if at else None


def _hour_h(match: re.Match[str], now: datetime) -> _Piece | None:
    hour = int(match.group("hh") or match.group("hh2"))
    at = _clock(hour, int(match.group("mm") or 0), None)
    return _Piece(match.start(), match.end(), at=at) if at else None


def _oclock(match: re.Match[str], now: datetime) -> _Piece | None:
    said = match.group("hh").lower()
    hour = int(said) if said.isdigit() else NUMBER_WORDS.get(said, 0)
    if not 1 <= hour <= 23:
        return None
    part = (match.group("part") or "").lower()
    if part:  # "2 o'clock in the afternoon", "8 o'clock in the morning"
        at = _clock(hour + 12 if part != "morning" and hour <= 11 else hour, 0, None)
        return _Piece(match.start(), match.end(), at=at) if at else None
    # "14 o'clock" is 14:00 (a 24-hour clock's speaker); "4 o'clock" in the working day, 16:00
    at = _clock(hour + 12 if hour <= 6 else hour, 0, None)
    return _Piece(match.start(), match.end(), at=at) if at else None


def _hour_of_day_part(match: re.Match[str], now: datetime) -> _Piece | None:
    said = match.group("hh").lower()
    if not said.isdigit() and not re.search(r"^(?:at|around|about)\s|\sin\s+the\s", match.group(0), re.I):
        return None  # "four in the afternoon", "at four evening"; not "one evening", "two morning tasks"
    hour = int(said) if said.isdigit() else NUMBER_WORDS.get(said, 0)
    minute = int(match.group("mm") or 0)
    part = match.group("part").lower()
    if part != "morning" and 1 <= hour <= 11:
        hour += 12  # "6 in the evening", "3 in the afternoon", "10 at night"
    at = _clock(hour, minute, None)
    return _Piece(match.start(), match.end(), at=at) if at else None


def _military_time(match: re.Match[str], now: datetime) -> _Piece | None:
    """ "0700", "at 1930", "1400h": a 24-hour time written without its colon."""
    hour = match.group("hh") or match.group("hh2") or match.group("hh3")
    minute = match.group("mm") or match.group("mm2") or match.group("mm3")
    at = _clock(int(hour), int(minute), None)
    return _Piece(match.start(), match.end(), at=at) if at else None


_A_DAY_WORD = rf"(?:today|tonight|tomorrow|tmrw|tmr|tmw|{_WEEKDAY_NAME}|sat(?:urday)?|sun(?:day)?)"
_DAY_BEFORE = re.compile(rf"\b{_A_DAY_WORD}\s+$", re.IGNORECASE)
_DAY_AFTER = re.compile(rf"\s+{_A_DAY_WORD}\b", re.IGNORECASE)


def _time_beside_a_day(match: re.Match[str], now: datetime) -> _Piece | None:
    text = match.string
    if not (_DAY_BEFORE.search(text, 0, match.start()) or _DAY_AFTER.match(text, match.end())):
        return None  # "order 1300 gloves": a number
    return _military_time(match, now)


def _half_past(match: re.Match[str], now: datetime) -> _Piece | None:
    """ "at half nine" (British 9:30), "half past 4", "quarter past 10", "quarter to 6": as "at H:MM"."""
    said = match.group("hh").lower()
    hour = int(said) if said.isdigit() else NUMBER_WORDS.get(said, 0)
    if not 1 <= hour <= 12:
        return None
    kind = match.group("kind").lower()
    minute = 45 if kind.startswith("quarter to") else 15 if kind.startswith("quarter") else 30
    if kind.startswith("quarter to"):
        hour = hour - 1 or 12
    if 1 <= hour <= 6:
        hour += 12
    at = _clock(hour, minute, None)
    return _Piece(match.start(), match.end(), at=at) if at else None


_TEENS = ("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
# The words of a spoken minute ("oh five", "forty-five"); "oh" counts nothing
_MINUTE_WORDS = (
    {word: NUMBER_WORDS[word] for word in _COUNTING}
    | {word: value for value, word in enumerate(_TEENS, start=13)}
    | {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
)
_HOUR_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_UNIT_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_MINUTES = (
    rf"(?:oh?[\s-]+{_UNIT_WORD}|(?:twenty|thirty|forty|fifty)(?:[\s-]+{_UNIT_WORD})?"
    r"|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)


def _spoken_minutes(words: str | None) -> int:
    """ "thirty" 30, "forty-five" 45, "oh five" 5: minutes as dictation writes them."""
    return sum(_MINUTE_WORDS.get(word, 0) for word in re.split(r"[\s-]+", words.lower())) if words else 0


def _spoken_time(match: re.Match[str], now: datetime) -> _Piece | None:
    """ "three thirty pm", "eight a m", "at six fifteen": a time of day in words, as dictation types it."""
    hour = NUMBER_WORDS.get((match.group("hh") or match.group("hh2")).lower(), 0)
    minute = _spoken_minutes(match.group("mm") or match.group("mm2"))
    meridiem = match.group("ampm")
    if not meridiem and 1 <= hour <= 6:
        hour += 12  # "at three thirty": in the working day, as "at 3:30" reads
    at = _clock(hour, minute, meridiem)
    return _Piece(match.start(), match.end(), at=at) if at else None


def _named_time(match: re.Match[str], now: datetime) -> _Piece:
    word = match.group(0).lower()
    at = time(12, 0) if ("noon" in word or "midday" in word) else END_OF_DAY
    return _Piece(match.start(), match.end(), at=at)


_RULES: list[tuple[re.Pattern[str], _Handler]] = [
    (
        re.compile(
            r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ](?P<hh>\d{1,2}):(?P<mm>\d{2}))?\b",
            re.IGNORECASE,
        ),
        _iso_date,
    ),
    (re.compile(r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{2,4}))?\b"), _numeric_date),
    (
        re.compile(
            rf"\b(?P<month>{_MONTH_NAME})\s+(?P<d>\d{{1,2}}){_ORDINAL_SUFFIX}\b(?:,?\s+(?P<y>\d{{4}})\b)?",
            re.IGNORECASE,
        ),
        _month_day,
    ),
    (
        re.compile(
            rf"\b(?:the\s+)?(?P<d>\d{{1,2}}){_ORDINAL_SUFFIX}\s+(?:of\s+)?(?P<month>{_MONTH_NAME})(?:,?\s+(?P<y>\d{{4}})\b)?",
            re.IGNORECASE,
        ),
        _month_day,
    ),
    (
        re.compile(
            r"\b(?P<word>(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr)|today|tonight|tomorrow|tmrw|tmr|yesterday)"
            r"(?:\s+(?P<part>morning|afternoon|evening|night))?\b",
            re.IGNORECASE,
        ),
        _relative_day,
    ),
    (re.compile(r"\bthis\s+(?P<part>morning|afternoon|evening)\b", re.IGNORECASE), _this_day_part),
    (
        re.compile(rf"\b(?P<weekday>{_WEEKDAY_NAME})\s+(?:of\s+)?next\s+week\b", re.IGNORECASE),
        _weekday_next_week,
    ),
    (
        re.compile(
            rf"\b(?:(?P<modifier>next|this|coming|this\s+coming)\s+)?(?P<weekday>{_WEEKDAY_NAME})\b\.?"
            r"(?:\s+(?P<part>morning|afternoon|evening|night))?",
            re.IGNORECASE,
        ),
        _weekday_handler,
    ),
    (
        re.compile(r"\b(?P<lead>on|by|due|next|this|until|before)\s+(?P<weekday>sat|sun)\b", re.IGNORECASE),
        _announced_weekend_day,
    ),
    (
        # "the double xp event sat at 6pm": a time said right after announces the day too
        re.compile(
            r"\b(?P<lead>)(?P<weekday>sat|sun)(?=\s+(?:at\s+|@\s*)?\d{1,2}(?::\d\d)?\s*(?:am|pm)\b)",
            re.IGNORECASE,
        ),
        _announced_weekend_day,
    ),
    (
        # "the 2nd floor", "the 3rd time": an ordinal before a noun of its own is not a day
        re.compile(
            r"\b(?:on\s+)?the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b"
            r"(?!\s+(?:floor|flat|storey|story|street|st|avenue|ave|road|rd|time|round|attempt|try|grade|year|place"
            r"|edition|birthday|anniversary|draft|page|chapter|row|gate|door|building|house|level|shift|period"
            r"|class|semester|term|lesson|box|item|one|version|stage|step|phase|quarter|half|season|episode)\b)",
            re.IGNORECASE,
        ),
        _day_of_month,
    ),
    (
        re.compile(
            r"\b(?:(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:next\s+)?(?:week|month|year|day|business\s+day)"
            r"|close\s+of\s+business|eod|eow|eom|(?<!\bas\s)(?<!\ba\s)cob|next\s+(?:week|month|year|weekend)|this\s+weekend"
            r"|the\s+weekend"  # not the bread or the horse: "rough as a cob"
            r"|end\s+of\s+next\s+(?:week|month)|(?:the\s+)?month[\s-]end)\b",
            re.IGNORECASE,
        ),
        _period,
    ),
    (
        re.compile(
            rf"\b(?:in|within)\s+(?P<amount>{_NUMBER})\s+(?P<unit>minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?|years?)\b"
            r"(?:\s+(?:from\s+now|time))?",
            re.IGNORECASE,
        ),
        _in_duration,
    ),
    (
        re.compile(
            rf"\b(?P<amount>{_NUMBER})\s+(?P<unit>days?|weeks?|months?)\s+from\s+(?:now|today)\b",
            re.IGNORECASE,
        ),
        _in_duration,
    ),
    (
        re.compile(
            r"\b(?P<hh>\d{1,2})(?:[:.](?P<mm>\d{2}))?\s*(?P<ampm>a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])",
            re.IGNORECASE,
        ),
        _clock_time,
    ),
    # Before the 24-hour form, so that "at 5:30" reads as 17:30 rather than 05:30.
    (
        # Not "at 14 Elm Rd", "at 221B Baker Street": a number before a name is an address
        re.compile(
            r"(?<=\bat\s)(?P<hh>\d{1,2})(?::(?P<mm>\d{2}))?\b(?!\s*(?:%|percent|people|tasks?))"
            r"(?!\s+(?!(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b)[A-Z][a-z])"
            r"(?!(?:\s+[a-z]+){0,2}\s+(?i:street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|place|court|crescent"
            r"|terrace)\b)"
        ),
        _bare_hour,
    ),
    (re.compile(r"\b(?P<hh>[01]?\d|2[0-3]):(?P<mm>[0-5]\d)\b(?P<ampm>)"), _clock_time),
    # "due tmrw 0700", "at 1930", "1400h": a 24-hour time without its colon (a leading zero, "at" or "h" says
    # so; not a year or a number of things)
    (
        re.compile(
            r"(?:\b(?P<hh>0\d)(?P<mm>[0-5]\d)\b|(?<=\bat\s)(?P<hh2>[01]\d|2[0-3])(?P<mm2>[0-5]\d)\b"
            r"|\b(?P<hh3>[01]\d|2[0-3])(?P<mm3>[0-5]\d)(?:\s*(?:h|hrs|hours)\b))(?!\s*(?:people|tasks?|items?))"
        ),
        _military_time,
    ),
    # "tmrw 1300", "1400 wed": four digits right beside a day are its time
    (
        re.compile(r"\b(?P<hh>[01]\d|2[0-3])(?P<mm>[0-5]\d)\b(?!\s*(?:people|tasks?|items?))"),
        _time_beside_a_day,
    ),
    # "9h", "8h30", "à 14h": the hour as much of Europe writes it (not a duration: "in 12h", "takes 2h")
    (
        re.compile(
            r"(?<!\bin\s)(?<!\bwithin\s)(?<!\bfor\s)(?<!\bevery\s)(?<!\btakes\s)(?<!\babout\s)"
            r"\b(?:(?P<hh>[01]?\d|2[0-3])h(?P<mm>[0-5]\d)|(?P<hh2>0?[7-9]|1\d|2[0-3])h)\b"
        ),
        _hour_h,
    ),
    # "at nine o'clock", "6 in the evening": an hour said in words or with its part of the day
    (
        re.compile(
            r"\b(?:at\s+)?(?P<hh>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
            r"\s*(?:o'?\s*clock|o\u2019clock)(?:\s+in\s+the\s+(?P<part>morning|afternoon|evening|night))?",
            re.IGNORECASE,
        ),
        _oclock,
    ),
    (
        re.compile(
            # not the hour of "half past ten in the morning" (read whole by _half_past)
            r"(?<!past\s)(?<!\bto\s)(?<!half\s)\b(?:(?:at|around|about)\s+)?"
            r"(?P<hh>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
            r"|twelve)(?::(?P<mm>\d{2}))?\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night)\b",
            re.IGNORECASE,
        ),
        _hour_of_day_part,
    ),
    (
        re.compile(
            r"\b(?:at\s+)?(?P<kind>half(?:\s+past)?|quarter\s+past|quarter\s+to)\s+"
            r"(?P<hh>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b",
            re.IGNORECASE,
        ),
        _half_past,
    ),
    (re.compile(r"\b(?:at\s+)?(?:noon|midday|midnight)\b", re.IGNORECASE), _named_time),
    # "three thirty pm", "eight a m", "at six fifteen" (without am/pm only with minutes: "at three" may count)
    (
        re.compile(
            rf"\b(?:at\s+)?(?P<hh>{_HOUR_WORD})(?:[\s-]+(?P<mm>{_SPOKEN_MINUTES}))?\s*"
            r"(?P<ampm>a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])"
            rf"|\bat\s+(?P<hh2>{_HOUR_WORD})[\s-]+(?P<mm2>{_SPOKEN_MINUTES})\b"
            r"(?!\s*(?:people|tasks?|items?|minutes?|mins?|hours?|hrs?|days?))",
            re.IGNORECASE,
        ),
        _spoken_time,
    ),
]

# What may sit between a date and its time ("tomorrow at 5pm", "Friday, 9:30", "5pm on Friday").
_JOINER = re.compile(r"^\s*(?:,|at|@|on|by|around|about|from)?\s*(?:at|on)?\s*$", re.IGNORECASE)


def _pieces(text: str, now: datetime) -> list[_Piece]:
    """Every recognised fragment, earliest first, overlaps resolved in favour of the longer one."""
    found: list[_Piece] = []
    for pattern, handler in _RULES:
        for match in pattern.finditer(text):
            try:
                piece = handler(match, now)
            except (ValueError, OverflowError):
                continue  # "in 9000 years", "in 99999999999 days": past the calendar, so not a date
            if piece is not None:
                found.append(piece)
    found.sort(key=lambda piece: (piece.start, -(piece.end - piece.start)))
    kept: list[_Piece] = []
    for piece in found:
        if kept and piece.start < kept[-1].end:
            if piece.end - piece.start > kept[-1].end - kept[-1].start:
                kept[-1] = piece
            continue
        kept.append(piece)
    return kept


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at the wall-clock time `at` in `zone`."""
    return _localize(day, at, zone)


def _localize(day: date, at: time, zone: ZoneInfo) -> datetime:
    # Round-trip through UTC so that a wall time inside a DST gap becomes a real instant.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _merge(group: list[_Piece], now: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    day = next((piece.day for piece in group if piece.day is not None), None)
    at = next((piece.at for piece in group if piece.at is not None), None)
    implied = next((piece.implied_time for piece in group if piece.implied_time is not None), None)
    moment = next((piece.moment for piece in group if piece.moment is not None), None)
    if moment is not None:
        if at is not None:
            return _localize(moment.date(), at, zone), True
        return moment, True
    if day is None:
        assert at is not None
        candidate = _localize(now.date(), at, zone)
        if candidate <= now:
            candidate = _localize(now.date() + timedelta(days=1), at, zone)
        return candidate, True
    if at is not None:
        if implied is not None and implied.hour >= 17 and at.hour < 12:
            at = at.replace(hour=at.hour + 12)  # "tonight at 8", "this evening at 7:30"
        return _localize(day, at, zone), True
    if implied is not None:
        return _localize(day, implied, zone), True
    return _localize(day, END_OF_DAY, zone), False


_DAY_STRESSED = re.compile(r"\s+(?:itself|only|latest|at\s+the\s+latest|sharp|for\s+sure)\b", re.IGNORECASE)


_NAMES_AN_EVENT = re.compile(
    r"(?:'s|\u2019s)\b|\s+(?:service|meeting|drinks|shift|class|lesson|market|lunch|dinner|brunch|game|match"
    r"|rehearsal|practice|session|stand-?up|party|club|school|mass|rota|delivery|league|quiz|training|sale|show"
    r"|gig|lecture|seminar|tutorial|deadline|event|fair|service|briefing|huddle|catch-?up|call)\b",
    re.IGNORECASE,
)


def find_dates(text: str, now: datetime) -> list[DateMatch]:
    """All date expressions in `text`, read relative to `now` (an aware datetime in the user's zone).

    Adjacent fragments are combined ("next Friday at 9:30", "5pm tomorrow"); each match's span includes
    the words that introduce it ("due", "by", "on"...), so that cutting the span leaves a clean title.
    """
    zone = zone_of(now)
    pieces = _pieces(text, now)
    groups: list[list[_Piece]] = []
    for piece in pieces:
        if groups:
            previous = groups[-1]
            gap = text[previous[-1].end : piece.start]
            kinds_free = _compatible(previous, piece)
            if kinds_free and _JOINER.match(gap):
                previous.append(piece)
                continue
        groups.append([piece])
    matches = []
    for group in groups:
        when, has_time = _merge(group, now, zone)
        start = group[0].start
        # Lead-in words sit just before the date: looking further back made a long text cost O(n²).
        window = max(0, start - _LEAD_IN_REACH)
        lead_in = _LEAD_IN.search(text[window:start])
        if lead_in:
            start = window + lead_in.start()
        end = group[-1].end
        # "on Monday itself", "today only": words that stress the day belong to it, not to the title
        stress = _DAY_STRESSED.match(text, end)
        if stress:
            end = stress.end()
        has_day = any(piece.day is not None or piece.moment is not None for piece in group)
        matches.append(
            DateMatch(
                when=when, has_time=has_time, start=start, end=end, text=text[start:end], has_day=has_day
            )
        )
    # "prep veal stock for Saturday service, tomorrow at 2pm", "the rota for Saturday's shift, due Thursday":
    # a day that names an event is the due date only when nothing else is
    said = [match for match in matches if not _NAMES_AN_EVENT.match(text, match.end)]
    return said or matches


def _compatible(group: list[_Piece], piece: _Piece) -> bool:
    """A date joins a time, not another date ("Friday, Dec 5" is rare; "tomorrow 5pm" is common)."""
    has_day = any(p.day is not None or p.moment is not None for p in group)
    has_time = any(p.at is not None for p in group)
    piece_day = piece.day is not None or piece.moment is not None
    return not ((has_day and piece_day) or (has_time and piece.at is not None))


def find_date(text: str, now: datetime) -> DateMatch | None:
    """The first date expression in `text`, or None."""
    matches = find_dates(text, now)
    return matches[0] if matches else None


def parse_date(text: str, now: datetime) -> datetime | None:
    """The moment a short text such as "tomorrow 5pm" names, or None if it names none."""
    match = find_date(text, now)
    return match.when if match else None


def remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without the given character spans, with spacing and stray punctuation tidied."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return tidy(text)


# Each step replaces a match by a fixed text or by its first group (r"\1"): see Traced.tidy.
_TIDY_STEPS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\(\s*\)|\[\s*\]"), " "),
    (re.compile(r"\s+"), " "),
    # "done !" -> "done!", but "rent !high" keeps its space (a quick-add priority, fields.find_priority)
    (re.compile(r"\s+([,.;:?]|!(?!\w))"), r"\1"),
    (re.compile(r"([,;:])(?:\s*[,;:])+"), r"\1"),
)
_TIDY_STRIP = " ,;:-\u2013\u2014"


def tidy(text: str) -> str:
    for pattern, replacement in _TIDY_STEPS:
        text = pattern.sub(replacement, text)
    return text.strip(_TIDY_STRIP)


_WHITE_RUN = re.compile(r"\s{2,}")
# Stands for words a reader must not see but the title keeps (Traced.mask); no pattern matches it.
_MASK = "\ue000"


@dataclass(frozen=True)
class Traced:
    """A text being cut down, each character with its index in the original: the same cuts and tidying
    as `remove_spans`, and what was read can still be pointed at in what the user typed."""

    text: str
    origin: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Traced:
        return cls(text, tuple(range(len(text))))

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        """Where `text[start:end]` came from (covering any words cut out from between its parts)."""
        return self.origin[start], self.origin[end - 1] + 1

    def cut(self, spans: list[tuple[int, int]]) -> Traced:
        """As `remove_spans` (no spans: unchanged, not even tidied)."""
        if not spans:
            return self
        text, origin = self.text, list(self.origin)
        for start, end in sorted(spans, reverse=True):
            mark = origin[start] if start < len(origin) else (origin[-1] + 1 if origin else 0)
            text = text[:start] + " " + text[end:]
            origin[start:end] = [mark]
        return Traced(text, tuple(origin)).tidy()

    def mask(self, spans: list[tuple[int, int]]) -> Traced:
        """Hide words from the readers that come next while keeping them in the text (`unmask`)."""
        text = self.text
        for start, end in spans:
            text = text[:start] + _MASK * (end - start) + text[end:]
        return Traced(text, self.origin)

    def unmask(self, original: str) -> str:
        pairs = zip(self.text, self.origin, strict=True)
        return "".join(original[index] if char == _MASK else char for char, index in pairs)

    def tidy(self) -> Traced:
        traced = self
        for pattern, replacement in _TIDY_STEPS:
            traced = traced.sub(pattern, replacement)
        text, origin = traced.text, traced.origin
        stripped = text.strip(_TIDY_STRIP)
        lead = len(text) - len(text.lstrip(_TIDY_STRIP))
        return Traced(stripped, origin[lead : lead + len(stripped)])

    def squeeze(self) -> Traced:
        """Runs of white space as one space: the readers' patterns that start with `\\s+` would otherwise
        take time quadratic in a run's length (a line of 2,000 spaces took 0.6 s)."""
        return self.sub(_WHITE_RUN, " ")

    def sub(self, pattern: re.Pattern[str], replacement: str) -> Traced:
        """`pattern.sub` for a fixed `replacement` or r"\\1", keeping each character's origin."""
        text, origin = self.text, self.origin
        parts: list[str] = []
        origins: list[int] = []
        last = 0
        for match in pattern.finditer(text):
            parts.append(text[last : match.start()])
            origins.extend(origin[last : match.start()])
            if replacement == r"\1":
                parts.append(match.group(1))
                origins.extend(origin[match.start(1) : match.end(1)])
            else:
                parts.append(replacement)
                origins.extend([origin[match.start()]] * len(replacement))
            last = match.end()
        parts.append(text[last:])
        origins.extend(origin[last:])
        return Traced("".join(parts), tuple(origins))


def zone_of(now: datetime) -> ZoneInfo:
    if isinstance(now.tzinfo, ZoneInfo):
        return now.tzinfo
    return ZoneInfo("UTC")


def to_iso(moment: datetime) -> str:
    """ISO 8601 with the UTC offset, to the minute when seconds are zero: 2026-11-27T23:59:00-05:00."""
    return moment.isoformat(timespec="seconds")


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    return _localize(day, END_OF_DAY, zone)


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return _localize(day, time(0, 0), zone)


@dataclass(frozen=True)
class Period:
    """A window of days, inclusive, for list filters such as "due this week"."""

    first: date
    last: date
    label: str


_PERIODS = re.compile(
    r"\b(?P<phrase>today|tonight|tomorrow|this\s+week|next\s+week|this\s+month|next\s+month|this\s+weekend"
    r"|(?:the\s+)?(?:next|coming)\s+(?P<n>\d+|two|three|four|five|six|seven|ten|fourteen)\s+days)\b",
    re.IGNORECASE,
)


def find_period(text: str, now: datetime) -> tuple[Period, tuple[int, int]] | None:
    """A window of days named in a question ("what's due this week?"), with its span."""
    match = _PERIODS.search(text)
    if not match:
        return None
    phrase = re.sub(r"\s+", " ", match.group("phrase").lower())
    today = now.date()
    if phrase in {"today", "tonight"}:
        period = Period(today, today, "today")
    elif phrase == "tomorrow":
        period = Period(today + timedelta(days=1), today + timedelta(days=1), "tomorrow")
    elif phrase == "this week":
        period = Period(today, next_weekday(today, 6, strictly_after=False), "this week")
    elif phrase == "next week":
        monday = next_weekday(today, 0, strictly_after=True)
        period = Period(monday, monday + timedelta(days=6), "next week")
    elif phrase == "this month":
        period = Period(today, end_of_month(today), "this month")
    elif phrase == "next month":
        first = add_months(today.replace(day=1), 1)
        period = Period(first, end_of_month(first), "next month")
    elif phrase == "this weekend":
        on_sunday = today.weekday() == 6
        saturday = today - timedelta(days=1) if on_sunday else next_weekday(today, 5, strictly_after=False)
        period = Period(max(today, saturday), saturday + timedelta(days=1), "this weekend")
    else:
        days = _number(match.group("n")) if not match.group("n").isdigit() else int(match.group("n"))
        period = Period(today, today + timedelta(days=days), f"in the next {days} days")
    return period, (match.start(), match.end())


def parse_now(instructions: str | None) -> tuple[datetime, ZoneInfo]:
    """The `Now: <ISO 8601> [<IANA zone>]` line of the instructions; the current UTC time if absent."""
    match = re.search(
        r"^\s*Now:\s*(?P<iso>\S+)(?:\s*\[(?P<zone>[^\]]+)\])?", instructions or "", re.MULTILINE
    )
    zone = ZoneInfo("UTC")
    if match and match.group("zone"):
        try:
            zone = ZoneInfo(match.group("zone").strip())
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
    if match:
        try:
            stamp = datetime.fromisoformat(match.group("iso").replace("Z", "+00:00"))
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=zone)
            return stamp.astimezone(zone), zone
        except ValueError:
            pass
    return datetime.now(UTC).astimezone(zone), zone


def describe_day(moment: datetime, now: datetime) -> str:
    """A short form in the user's zone: "Fri 27 Nov", "Fri 27 Nov 17:00"; the year when not this one."""
    local = moment.astimezone(now.tzinfo)
    text = f"{local:%a} {local.day} {local:%b}"
    if local.year != now.year:
        text += f" {local.year}"
    if local.time() != END_OF_DAY:
        text += f" {local:%H:%M}"
    return text


def describe_date(day: date, today: date) -> str:
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def parse_iso(value: object) -> datetime | None:
    """A timestamp from a tool result (ISO 8601 string, `Z` allowed), as an aware datetime, or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
