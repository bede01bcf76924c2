"""Concrete steps for a task, chosen by what kind of work it is.

A task's title and description are matched against the vocabulary of each kind of work (writing, a
presentation, software, research, a purchase, an event...); the best kind's playbook gives verb-first
steps with estimates, phrased around the task's own object ("Outline the annual report"). When the task
has an estimate, the steps share it out in proportion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tasks import TaskInfo


def _wordlist(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Step:
    title: str
    minutes: int
    how: str


@dataclass(frozen=True)
class Playbook:
    kind: str
    label: str
    keywords: tuple[str, ...]
    steps: tuple[tuple[str, int, str], ...]


# Templates: {obj} is the task's object ("the annual report"), {title} the whole title.
PLAYBOOKS: tuple[Playbook, ...] = (
    Playbook(
        "presentation",
        "a presentation",
        _wordlist("presentation present slides slide deck talk pitch keynote demo webinar speech board"),
        (
            (
                "Define the goal and the audience of {obj}",
                20,
                "Write one sentence: after this, the audience will…",
            ),
            (
                "Outline the storyline: 3 to 5 key messages",
                30,
                "One message per section; put the ask or conclusion first.",
            ),
            (
                "Draft the slides, one idea per slide",
                120,
                "Headlines that state the point; details go in the notes.",
            ),
            (
                "Add the numbers, charts and visuals",
                60,
                "Check every figure against its source as you add it.",
            ),
            ("Rehearse twice and time it", 45, "Rehearse out loud; cut what runs over."),
            ("Send the deck for feedback and polish it", 30, "Ask one person for the three weakest slides."),
        ),
    ),
    Playbook(
        "event",
        "an event",
        _wordlist(
            "offsite party wedding trip conference event celebration vacation holiday dinner retreat "
            "birthday travel reunion ceremony festival outing"
        ),
        (
            (
                "Fix the goal, date range, budget and guest list for {obj}",
                30,
                "Agree on these first; every later choice depends on them.",
            ),
            ("Shortlist and book the venue", 60, "Compare three options on price, capacity and access."),
            ("Send the invitations or save-the-dates", 30, "Include the date, place and an RSVP deadline."),
            (
                "Arrange logistics: travel, food and equipment",
                90,
                "Make a checklist with an owner for each item.",
            ),
            ("Write the agenda or programme", 45, "Plan breaks and a buffer between sessions."),
            ("Confirm bookings and send reminders", 20, "A week before and the day before."),
        ),
    ),
    Playbook(
        "design",
        "a design project",
        _wordlist(
            "redesign design mockup mockups wireframe wireframes logo ui ux branding brand layout prototype"
        ),
        (
            (
                "Audit the current {obj_noun} and note what works and what doesn't",
                60,
                "Screenshots plus three notes per page.",
            ),
            (
                "Define goals, audience and success measures",
                45,
                "E.g. “sign-ups up 20 %”, “find pricing in 2 clicks”.",
            ),
            ("Sketch the structure and wireframes", 90, "Low fidelity: boxes and labels, no colours yet."),
            ("Create the high-fidelity mockups", 180, "Start with the most visited page; reuse components."),
            (
                "Review with stakeholders and collect feedback",
                45,
                "Show two options, ask which solves the goal better.",
            ),
            ("Plan the build and launch", 60, "List pages, owners and a date; launch in stages if you can."),
        ),
    ),
    Playbook(
        "software",
        "software work",
        _wordlist(
            "integrate integration api implement deploy migrate migration refactor bug fix code feature "
            "endpoint database sdk release server backend frontend app script pipeline ci upgrade "
            "install configure setup automate webhook payment"
        ),
        (
            (
                "Read the docs and requirements for {obj} and list the unknowns",
                45,
                "Note the auth method, limits and error cases.",
            ),
            (
                "Set up access, credentials and a test environment",
                30,
                "Use a sandbox or test keys, never production first.",
            ),
            (
                "Build the smallest working version (happy path)",
                120,
                "One request end to end before anything else.",
            ),
            ("Handle errors, retries and edge cases", 90, "Timeouts, bad input, duplicate events."),
            ("Write tests for the main paths", 60, "Cover the happy path and the two likeliest failures."),
            (
                "Review, deploy and watch the logs",
                45,
                "Deploy behind a flag if possible; check metrics after.",
            ),
        ),
    ),
    Playbook(
        "writing",
        "writing",
        _wordlist(
            "write draft report article blog post essay document documentation docs proposal newsletter "
            "chapter paper memo copy thesis summary letter notes guide manual story book announcement "
            "email"
        ),
        (
            (
                "Collect the material for {obj}: data, sources and earlier versions",
                30,
                "Put everything in one folder or doc.",
            ),
            ("Outline {obj}: sections and key points", 30, "One line per section saying what it proves."),
            (
                "Write a first draft, section by section",
                120,
                "Write fast without editing; complete beats perfect.",
            ),
            (
                "Revise for structure, clarity and length",
                60,
                "Read it as the reader: cut what they don't need.",
            ),
            ("Proofread and send {obj} for review", 30, "Check names, numbers and links last."),
        ),
    ),
    Playbook(
        "review",
        "a review",
        _wordlist("review proofread audit assess evaluate check inspect feedback grade approve"),
        (
            ("Skim {obj} to get its structure and purpose", 20, "Note what it is supposed to achieve."),
            (
                "Read it carefully and note issues as you go",
                60,
                "Mark each note as must-fix or nice-to-have.",
            ),
            ("Check the facts, figures and references", 30, "Spot-check the numbers that matter most."),
            ("Write up your findings and recommendations", 30, "Lead with the three most important points."),
            (
                "Share the feedback and agree on next steps",
                15,
                "Send it with a clear owner and date for fixes.",
            ),
        ),
    ),
    Playbook(
        "meeting",
        "a meeting",
        _wordlist("meeting workshop interview standup 1:1 one-on-one sync call session training"),
        (
            (
                "Write the agenda and the outcome you want from {obj}",
                20,
                "One outcome, three agenda items at most.",
            ),
            ("Invite the right people and book the time and room", 15, "Send the agenda with the invite."),
            ("Prepare the material people need beforehand", 45, "Share it a day ahead."),
            (
                "Run the meeting and capture decisions and actions",
                60,
                "Each action gets an owner and a date.",
            ),
            ("Send the notes and follow up on actions", 20, "Within a day, while it's fresh."),
        ),
    ),
    Playbook(
        "research",
        "research",
        _wordlist(
            "research investigate explore compare analyze analyse analysis study survey benchmark "
            "options evaluate understand learn figure"
        ),
        (
            ("Write down the question {obj} must answer", 15, "And what decision the answer feeds."),
            (
                "List the sources and people to consult",
                30,
                "Aim for five good sources over twenty weak ones.",
            ),
            ("Gather and read, taking notes as you go", 120, "Capture quotes and numbers with their source."),
            ("Compare the findings side by side", 60, "A table with criteria as rows works well."),
            ("Write a one-page summary with a recommendation", 45, "Answer first, evidence after."),
        ),
    ),
    Playbook(
        "purchase",
        "a purchase",
        _wordlist("buy order purchase shop shopping procure groceries gift rent replace subscribe book"),
        (
            ("Decide what you need for {obj} and your budget", 15, "Must-haves versus nice-to-haves."),
            ("Compare three options on price, reviews and delivery", 30, "Check the return policy too."),
            ("Place the order or buy it", 15, "Keep the receipt and confirmation."),
            ("Check it arrived and works as expected", 15, "Return it within the window if not."),
        ),
    ),
    Playbook(
        "admin",
        "paperwork",
        _wordlist(
            "tax taxes expense expenses invoice invoices passport insurance bill bills pay renew form "
            "application paperwork visa budget accounting receipts claim license registration contract "
            "payroll"
        ),
        (
            (
                "Gather the documents and numbers for {obj}",
                30,
                "Receipts, IDs, account numbers, last year's version.",
            ),
            ("Fill in the forms or the sheet", 45, "Do it in one sitting with everything at hand."),
            ("Double-check the amounts and details", 20, "Totals, dates, spelling of names."),
            ("Submit, pay or send it", 15, "Note the confirmation number."),
            (
                "File the confirmation and set a reminder for next time",
                10,
                "A copy where you'll find it next year.",
            ),
        ),
    ),
    Playbook(
        "home",
        "a job around the house",
        _wordlist(
            "clean tidy declutter garage garden move moving repair paint organize organise laundry "
            "kitchen closet yard plants car wash"
        ),
        (
            ("Clear the space and sort things into keep, donate and bin", 60, "Three boxes; decide fast."),
            ("Clean the surfaces and floor", 60, "Top to bottom, dry before wet."),
            ("Put the kept things back, grouped by use", 45, "Most-used items within easy reach."),
            ("Take away the donations and rubbish", 30, "Same day, so they don't creep back."),
        ),
    ),
    Playbook(
        "hiring",
        "hiring",
        _wordlist("hire hiring recruit recruiting candidate candidates onboard onboarding job"),
        (
            ("Write the role description and the must-have skills", 45, "Three must-haves, not ten."),
            ("Post the role and reach out to candidates", 30, "Ask your network for referrals too."),
            ("Screen the applications", 60, "Score each against the must-haves."),
            ("Interview the shortlist", 120, "Same questions for everyone; write notes right after."),
            ("Decide and make the offer", 30, "Agree the start date and onboarding plan."),
        ),
    ),
)

GENERIC = Playbook(
    "generic",
    "a task",
    (),
    (
        ("Define what “done” means for {title}", 15, "One or two sentences you could check off."),
        ("List what you need: information, people and tools", 20, "Ask for anything missing now, not later."),
        ("Do the first concrete piece of work", 45, "Pick the part you can finish in one sitting."),
        ("Work through the remaining parts", 90, "In order of what unblocks the most."),
        ("Check the result against “done” and wrap up", 20, "Tell whoever is waiting on it."),
    ),
)

# Verbs that open a task title; what follows them is the object the steps talk about.
_LEADING_VERBS = frozenset(
    _wordlist(
        """
    add analyse analyze apply approve arrange ask attend audit back book bring build buy call cancel
    check choose clean clear close collect compare complete configure confirm contact cook
    coordinate create decide declutter delete deliver deploy design develop do document draft draw
    edit email estimate evaluate file fill finalise finalize find finish fix follow get hire hold
    host implement improve install integrate interview investigate invite launch learn make map meet
    migrate move negotiate onboard open order organise organize outline paint pay pick plan polish
    prepare present price print proofread publish put quote reach read record recruit redesign redo
    refactor register release remove renew rent repair replace reply research reserve respond return
    review rewrite run scan schedule sell send set setup share ship sign sort start study submit
    summarise summarize tackle take test throw tidy train translate update upgrade upload visit walk
    wash water write
    """
    )
)


@dataclass(frozen=True)
class Breakdown:
    playbook: Playbook
    steps: list[Step]

    @property
    def total_minutes(self) -> int:
        return sum(step.minutes for step in self.steps)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9:+-]+", text.lower())


def classify(task: TaskInfo, extra_text: str = "") -> Playbook:
    """The kind of work a task is; title words count double, the request and description once."""
    title_words = _words(task.title)
    other_words = _words(" ".join([task.description or "", " ".join(task.tags), extra_text]))
    best, best_score = GENERIC, 0.0
    for playbook in PLAYBOOKS:
        keywords = set(playbook.keywords)
        score = 2.0 * sum(1 for word in title_words if word in keywords or word.rstrip("s") in keywords)
        score += 0.5 * sum(1 for word in other_words if word in keywords)
        if score > best_score:
            best, best_score = playbook, score
    return best


def object_of(title: str) -> str:
    """ "Write the annual report" -> "the annual report". A title that doesn't open with a verb we know is
    quoted whole, so that steps still read well: 'Gather the documents for “Q3 taxes”'."""
    words = title.strip().split()
    if len(words) > 1 and words[0].lower() in _LEADING_VERBS:
        rest = " ".join(words[1:])
        return rest[0].lower() + rest[1:] if rest[:1].isupper() and not rest[:2].isupper() else rest
    return f"“{title.strip()}”"


def _round5(minutes: float) -> int:
    return max(5, round(minutes / 5.0) * 5)


def break_down(task: TaskInfo, request: str = "") -> Breakdown:
    playbook = classify(task, request)
    obj = object_of(task.title)
    noun = re.sub(r"^(?:the|a|an|our|my)\s+", "", obj, flags=re.I)
    steps = [
        Step(template.format(obj=obj, title=task.title, obj_noun=noun), minutes, how)
        for template, minutes, how in playbook.steps
    ]
    if task.estimate_minutes:
        total = sum(step.minutes for step in steps)
        steps = [
            Step(step.title, _round5(step.minutes * task.estimate_minutes / total), step.how)
            for step in steps
        ]
    return Breakdown(playbook, steps)


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest:02d}"
    return f"{hours} h" if hours else f"{rest} min"


_STEP_LINE = re.compile(
    r"^\s*(?P<n>\d+)[.)]\s+(?P<title>.+?)(?:\s+[\u2014\u2013-]\s+|\s+\(|\s*$)(?:(?:about\s+|~)?(?P<est>[^)\n]*))?",
    re.M,
)


def steps_from_text(text: str) -> list[Step]:
    """Steps read back from an earlier answer's numbered list ("1. Outline the report (~30 min)")."""
    steps = []
    for match in _STEP_LINE.finditer(text):
        title = match.group("title").strip(" *")
        if title.startswith("#"):
            continue  # a task list, not steps
        minutes = _minutes(match.group("est") or "")
        steps.append(Step(title, minutes, ""))
    return steps


def _minutes(text: str) -> int:
    hours = re.search(r"(\d+)\s*h", text)
    mins = re.search(r"(\d+)\s*min", text) or re.search(r"h\s*(\d{2})\b", text)
    total = (int(hours.group(1)) * 60 if hours else 0) + (int(mins.group(1)) if mins else 0)
    return total or 30
