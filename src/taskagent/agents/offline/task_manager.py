"""The chat agent's turn: read the request, call the task tools it needs, then say what happened.

Every call to the model re-reads the whole turn, so each step is a function of (request, history, tool
results so far): first resolve which task is meant (by id, by position, by "it", or by searching), then
act, then reply. Nothing changes unless the target is certain: several matches get a question, none gets
a plain "I couldn't find", and anything not understood gets examples instead of a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from taskagent.agents.catalog import SpecialistCatalog
from taskagent.tasks.matching import clean_phrase, match_score, named_in_passing, said_title

from . import replies
from .commands import (
    MOVED,
    NOT_THAT_ONE,
    Changes,
    CreateCommand,
    DeleteCommand,
    ListCommand,
    UpdateCommand,
    day_after_shift,
    parse_create,
    parse_delete,
    parse_find,
    parse_list,
    parse_update,
    renames_keeping_the_verb,
    respelled,
    said_as_a_move,
    starts_with_a_delete_verb,
)
from .commands.create import REMINDER_HOUR
from .conversation import Conversation, Entry, ToolResult, mentioned_ids, tasks_in_output
from .dates import END_OF_DAY, end_of_day, find_dates, zone_of
from .fields import cut, find_priority, find_status, quoted_strings
from .intents import (
    DELETE_WORDS,
    ChatClassification,
    ChatIntent,
    classify_chat,
    explicit_create,
    said_never_mind,
    said_no,
    said_yes,
    strip_politeness,
)
from .plan import Call, Calls, Reply, Step, Toolbox
from .references import (
    Reference,
    best_matches,
    last_list,
    last_mentioned,
    parse_reference,
    titles_from_history,
)
from .repetition import RelativeReminder, find_reminder
from .specialists import CREATE_OFFER, SET_OFFER, previous_specialist
from .tasks import TaskInfo, tasks_in
from .triage import ExampleTriage, triage_for
from .understanding import mend_typos

MAX_CALLS_PER_TURN = 12
# The example matcher's score over which a message the chat model read as a search goes to a specialist of
# the operator's file ("Find the postmortem task" 0.44 stays a search; "Help me write the postmortem for
# task #3" 0.64 goes to the incident specialist: README, Specialists for your domain).
FIND_CLAIMED = 0.5


def decide(conversation: Conversation, toolbox: Toolbox, catalog: SpecialistCatalog | None = None) -> Step:
    if conversation.own_calls >= MAX_CALLS_PER_TURN:
        return Reply("I stopped there: that took more steps than I allow myself for one request.")
    # Typing mistakes in the words that carry meaning are mended before anything reads the request.
    request = mend_typos(conversation.request.strip())
    if not request:
        return Reply(replies.greeting())

    offered = _answer_to_our_offer(conversation, toolbox, catalog)
    if offered is not None:
        return offered

    if said_never_mind(request) and _we_asked(conversation):
        return Reply(replies.dropped())  # "add a task" / "What should the task be called?" / "never mind"
    one_more = _one_more_after_adding(conversation, request)
    if one_more is not None:
        return _create(conversation, toolbox, one_more)
    said_before = _add_what_was_said(conversation, request)
    if said_before is not None:
        return _create(conversation, toolbox, said_before)
    named = _answer_to_our_title_question(conversation, request)
    if named is not None:
        return _create(conversation, toolbox, named)
    which = _answer_to_which_task(conversation, toolbox, request)
    if which is not None:
        return which

    added = _fields_for_the_last_tasks(conversation, request) or _title_corrected(conversation, request)
    if added is not None:
        return _update(conversation, toolbox, added)

    if replies.WHICH_TASK in (conversation.last_assistant_text() or "") and parse_reference(request).pronoun:
        return Reply(replies.which_task())  # "you know which one": we don't, so the question again
    follow_up = _answer_to_our_question(conversation) or _same_for_another(conversation)
    if follow_up is not None:
        original, reference = follow_up
        return _act(conversation, toolbox, original, classify_chat(original), reference)

    classification = classify_chat(request)
    if classification.intent is None and (asked := _the_part_that_asks(request, conversation.now)):
        request, classification = asked  # "Just list them for now; I'll decide later."
    else:
        # "Bin the van one, a neighbour bought it", "Potluck got called off, so throw out the eggs one"
        now = conversation.now
        asked = _a_request_then_a_remark(request, classification, now) or _a_reason_then_a_deletion(
            request, classification, now
        )
        if asked is not None:
            request, classification = asked
    searched_again = _another_search(conversation, request)
    if searched_again is not None:
        return _act(conversation, toolbox, searched_again, ChatClassification("find", None, {}), None)
    if _after_a_list(conversation):
        again = _the_list_again(conversation, request, classification)
        if again is not None:
            return _act(conversation, toolbox, again, classify_chat(again), None)
        if _another_filter(request, classification, conversation.now):
            # "and what about this week?": the same question, another filter; "which of those is overdue?",
            # "just the high priority ones": the list just given, narrowed
            classification = ChatClassification("list", None, classification.scores)
            exchange = conversation.previous_exchange()
            if exchange is not None and _NARROWS.search(request):
                return _list(conversation, toolbox, parse_list(f"{exchange[0]} {request}", conversation.now))
    if classification.help_kind is not None and _SETS_IT.search(request) and "?" not in request:
        # "I am now working on the migration, put status in progress": a change asked for in so many words
        classification = ChatClassification("update", None, classification.scores)
    own = _own_specialist(request, classification, toolbox, catalog)
    if own is not None:
        return Calls([Call(own, {})])
    if classification.help_kind is not None:
        target = toolbox.handoffs.get(classification.help_kind)
        if target is None:
            return Reply(
                f"I can't reach the {classification.help_kind} specialist from here, but I can create, list, "
                "update and delete tasks for you."
            )
        return Calls([Call(target, {})])
    return _act(conversation, toolbox, request, classification, None)


def _own_specialist(
    request: str, classification: ChatClassification, toolbox: Toolbox, catalog: SpecialistCatalog | None
) -> str | None:
    """With a specialists file of the operator's own, the hand-off for a request the file's examples claim:
    one the chat model reads as a help request goes to the specialist it fits; one it did not understand,
    or read as a search or a question back, only when it surely fits one (triage.py). The actions that
    change or list tasks are never taken away."""
    if catalog is None or classification.intent not in (None, "find", "clarify"):
        return None
    triage = triage_for(catalog)
    if not isinstance(triage, ExampleTriage):
        return None  # the built-in file: the chat model knows the specialists' phrasings
    choice = triage.choose(request)
    if choice.specialist is None:
        return None
    score = choice.scores[choice.specialist]
    # A search names the task by its words, which are often the specialist's ("find the postmortem task"):
    # it takes a clearer claim than a request the chat model did not understand.
    claimed = (
        classification.help_kind is not None
        or (classification.intent == "find" and score >= FIND_CLAIMED)
        or (classification.intent != "find" and choice.sure)
    )
    return toolbox.handoffs.get(choice.specialist) if claimed else None


def _act(
    conversation: Conversation,
    toolbox: Toolbox,
    request: str,
    classification: ChatClassification,
    reference: Reference | None,
) -> Step:
    intent = classification.intent
    now = conversation.now
    topic = _A_TOPIC_FIRST.match(request)
    if topic is not None and intent not in ("list", "delete"):
        # "hey about the doctor call": the task to talk about, what to do with it in the next message
        return _update(conversation, toolbox, UpdateCommand(parse_reference(topic.group("what")), Changes()))
    if _A_LIST_COMING.match(request):
        return Reply(replies.ask_list())  # "ok brain dump incoming"
    if intent != "delete" and said_as_a_move(request, now):
        return _update(conversation, toolbox, parse_update(request, now))  # "X - give me till next week"
    if _FIND_IT.match(request):
        intent = "find"  # "can you find it?" after a task was named: that task
    if intent in (None, "clarify") and _WHERE_IS.match(request):
        intent = "find"  # "Where's that antifouling job?"
    if intent == "greet" or intent == "capabilities":
        return Reply(replies.greeting())
    if intent == "thanks":
        return Reply(replies.thanks())
    if (
        intent in ("create", "find", "clarify", None)
        and _WHATS_ON_MY_LIST.search(request)
        and not _ADD_VERB.search(request)
    ):
        intent = "list"  # "can you tell me whats on my plate for tomorrow because ..."
    if _A_SEARCH_FOR_NOTHING_YET.match(request):
        return Reply(replies.what_to_find())
    if intent == "clarify" and _a_filtered_deletion(request, now):
        intent = "delete"  # "clear out everything i've completed": a group named by a filter, not everything
    if intent == "clarify" and _SHOW_ME.search(request) and not DELETE_WORDS.search(request):
        intent = "list"  # "gimme everything due tmrw": a list asked for, with nothing vague about it
    if intent in ("clarify", None) and _CHANGE_VERB_FIRST.match(strip_politeness(request)):
        return _update(conversation, toolbox, parse_update(request, now))  # "can you change the cupcake task"
    if intent == "clarify" and _says_what_to_add(request, now):
        intent = "create"  # "I think I need to, like, add a thing to reread the Hoffmann paper?"
    if intent == "clarify":
        return Reply(replies.ask_what_exactly(request))
    if intent is None:
        asked = _the_part_that_asks(request, now)
        if asked is not None:
            return _act(conversation, toolbox, *asked, reference)
    if intent == "summary":
        whole = bool(re.search(r"\b(?:so\s+far|conversation|everything|all)\b", request, re.I))
        return Reply(replies.summary(conversation, whole=whole))
    if _NEVER_MEANT_TO_ADD.search(request):
        # "wait, I never meant to add 'practice talk dry run', could you delete that?"
        named = quoted_strings(request)
        ref = parse_reference(named[0][0]) if named else parse_delete(request, now).ref
        return _delete(conversation, toolbox, DeleteCommand(ref))
    thing = _THE_THING_THEN_ITS_FIELDS.match(request)
    if intent in ("create", "update") and not explicit_create(request) and thing:
        # "The bank thing - I need it for tomorrow 10:00": a task that exists, named, then what changes
        update = parse_update(request[thing.end("name") :], now)
        if not update.changes.is_empty:
            update.ref = parse_reference(thing.group("name"))
            return _update(conversation, toolbox, update)
    if (
        intent in ("create", "update", None)
        and not explicit_create(request)
        and _LAST_SENTENCE_CHANGES_IT.search(request)
    ):
        # "the streetlight matter has become pressing -- a neighbour fell. Please mark it urgent.": "it" is
        # the task the sentences before name
        update = parse_update(_sentences(request)[-1], now)
        if not update.changes.is_empty:
            return _update(conversation, toolbox, update)
    if intent in ("create", "find", "update", "clarify", None) and find_reminder(request) is not None:
        # "remind me about the rent task the day before at 9" reads like a search or a new task.
        new = parse_create(request, now)
        if _reminds_about_a_task(request, new):
            return _update(conversation, toolbox, parse_update(request, now))
        if intent != "update":
            return _create(conversation, toolbox, new)
    if (
        intent in ("create", "update", None)
        and not _ADD_VERB.search(request)
        and _A_QUESTION_FOR_ME.match(request)
    ):
        return Reply(replies.not_understood(request))  # "do you happen to know who won the cricket?"
    after_so = _a_change_after_a_reason(request, intent, now)
    if after_so is not None and intent == "update":
        return _update(conversation, toolbox, after_so[1])
    if after_so is not None:
        # "The court has granted an extension, so the Castellano brief is now due in five days": a reason,
        # then what changes on a task (the whole a new task, as it read, when no task fits)
        as_new = _create(conversation, toolbox, parse_create(request, now))
        return _statement(conversation, toolbox, after_so[0], otherwise=as_new)
    if intent in ("create", "update") and classification.tentative:
        return _statement(conversation, toolbox, request)
    if intent == "create" and not explicit_create(request) and _MOVED_STATEMENT.search(request):
        return _statement(conversation, toolbox, request)  # "chart audit pushed to next week"
    if intent == "create" and not explicit_create(request) and re.search(r"\binstead\b", request, re.I):
        # "rent needs to go out tomorrow instead": a new date for a task that exists, if one fits
        return _statement(conversation, toolbox, request)
    if intent == "create" and not explicit_create(request) and _AFTER_A_LEVEL.search(request):
        # "the merch order is now URGENT the printer closes friday": a level said of a task, if one fits
        return _statement(conversation, toolbox, request)
    if intent == "create" and not explicit_create(request) and _says_a_status(request, now):
        # "renewed my library card": said as done, of a task that may well exist
        return _statement(conversation, toolbox, request)
    if intent in (None, "list", "find") and _STARTS_WITH_ADD.match(strip_politeness(request)):
        # "Please add to my list: 'Ring Gerald' -- I've already started on this": the words that lead say it
        return _create(conversation, toolbox, parse_create(request, now))
    if intent is None and _says_a_status(request, now):
        # "i bought the printer paper", "got my flu jab booked, that's sorted": about a task, if one fits
        return _statement(conversation, toolbox, request, otherwise=Reply(replies.not_understood(request)))
    if intent == "update" and reference is None and _may_be_new(classification):
        # "make an appointment with the eye doctor, low priority" reads nearly as well as a new task: it is
        # one unless it names a task that exists.
        created = _unless_it_exists(conversation, toolbox, request)
        if created is not None:
            return created
    if intent == "create" and (_CHANGE_VERB_FIRST.match(request) or renames_keeping_the_verb(request)):
        # "update the report": a change of the task with those words (what to change is asked), a new task
        # only when no task has them ("update the website" on an empty list)
        return _unless_it_exists(conversation, toolbox, request) or _update(
            conversation, toolbox, parse_update(request, now)
        )
    if intent == "create":
        return _create(conversation, toolbox, parse_create(request, now))
    if intent == "find" and _only_a_day(parse_find(request), now):
        intent = "list"  # "is there anything on for Friday?": what is due that day, not a text search
    due_of = _WHEN_IS_IT_DUE.match(request)
    if (
        intent in ("list", "clarify", None)
        and due_of
        and parse_find(due_of.group("what") or due_of.group("about"))
    ):
        intent = "find"  # "wait whats my chem thing due": when one task is due, not a list
    if intent == "list" and _I_SAY_WHAT_I_DID.match(request) and _says_a_status(request, now):
        # "I HAVE STARTED ON THE GUTTERS": what the user did, of a task that may well exist, not "what have I
        # started?"
        return _statement(
            conversation, toolbox, request, otherwise=_list(conversation, toolbox, parse_list(request, now))
        )
    if intent == "list":
        return _list(conversation, toolbox, parse_list(request, now))
    if intent == "find" or _ASKS_WHAT_IT_IS.match(request):
        description = parse_find(request)
        mentioned = last_mentioned(conversation.history)
        pointed = (
            _ASKS_WHAT_IT_IS.match(request) or _FIND_IT.match(request) or parse_reference(request).pronoun
        )
        if pointed and len(mentioned) != 1:
            return Reply(replies.which_task())  # "the one i mentioned", with none (or several) mentioned
        if pointed and len(mentioned) == 1:
            # "what is this task exactly?" after a search: the task it found, by its whole title
            title = titles_from_history(conversation.history).get(mentioned[0])
            if title:
                return Reply(f"That's #{mentioned[0]} {title}.")
        if not description:
            return Reply(replies.which_task())
        result = conversation.last_result("find_tasks")
        if result is None:
            return (
                Calls([Call("find_tasks", {"description": description})])
                if toolbox.has("find_tasks")
                else Reply(replies.missing_tool("find_tasks"))
            )
        matches = tasks_in(result.output, "matches")
        if not matches and not result.error:
            # "is there a task about the dataset somewhere? I vaguely remember adding one"
            passing = _named_in_passing(conversation, toolbox)
            if passing is not None and not isinstance(passing, Targets):
                return passing
            if isinstance(passing, Targets):
                matches = [passing.known[passing.ids[0]]]
            listing = parse_list(request, now)
            if not matches and (listing.overdue or listing.priority or listing.status):
                # "Is there anything I'm behind on?", "do I have something what is late?": a filter, not words
                return _list(conversation, toolbox, listing)
        return Reply(replies.found(description, best_matches(description, matches, prefer_open=False), now))
    if intent == "update":
        # "change that one to normal, the deadline moved": the change, without the reason after it
        update = (
            _first_clause_only(request, now)
            or _the_sentence_that_asks(request, now)
            or parse_update(request, now)
        )
        if reference is not None:
            update.ref = reference
        return _update(conversation, toolbox, update)
    if intent == "delete":
        delete = _the_deletion_asked(request, now)
        if reference is not None:
            delete.ref = reference
        return _delete(conversation, toolbox, delete)
    return Reply(replies.not_understood(request))


def _list(conversation: Conversation, toolbox: Toolbox, command: ListCommand) -> Step:
    if not toolbox.has("list_tasks"):
        return Reply(replies.missing_tool("list_tasks"))
    result = next(
        (
            found
            for found in conversation.results("list_tasks")
            if found.call.arguments == command.arguments()
        ),
        None,
    )
    if result is None:
        return Calls([Call("list_tasks", command.arguments())])
    if result.error:
        return Reply(replies.failed([result.error]))
    return Reply(replies.listed(command, tasks_in(result.output, "tasks"), conversation.now))


# --- create ---------------------------------------------------------------------------------------------


# A title that names nothing to do: "sort something out", "do stuff", "a thing".
_VAGUE_TITLE = re.compile(
    r"^(?:(?:sort|do|handle|deal\s+with|take\s+care\s+of|get|fix|check|look\s+into|figure|work\s+on)\s+)?(?:out\s+)?"
    r"(?:something|some\s+stuff|stuff|some\s+things?|things?|a\s+thing|it|that|this)(?:\s+(?:out|up|done))?$"
    r"|^(?:do\s+)?the\s+needful$"
    # "make a task or whatever"
    r"|^(?:or|and)?\s*(?:whatever|something|anything)(?:\s+(?:else|like\s+that))?$"
    # "add a few things before the trip": several tasks announced, none named yet
    r"|^(?:add\s+)?(?:a\s+few|some|several|a\s+couple(?:\s+of)?|a\s+bunch\s+of|a\s+load\s+of|loads\s+of|a\s+few\s+more)"
    r"\s+(?:things|stuff|bits|tasks|items|jobs|errands|chores)"
    r"(?:\s+(?:before|for|after|ahead\s+of|from|to\s+do(?:\s+(?:before|for))?)(?:\s+\S+){1,4})?$"
    # "Need to add task.": the command's own words, no task named
    r"|^(?:add|create|make|new)(?:\s+(?:a|an|the|new|one))*(?:\s+(?:task|to-?do|item|reminder|entry))?$",
    re.IGNORECASE,
)


# A "title" that is only someone gathering their thoughts: "um hang on", "wait, lost it", "one sec".
_HESITATION = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|hmm+|oh|ok(?:ay)?|hang\s+on|hold\s+on|wait|(?:just\s+)?(?:one|a)\s+(?:sec(?:ond)?|mo(?:ment)?"
    r"|minute)|lost\s+it|brb|never\s*mind|forget\s+it|what\s+was\s+it|i\s+forg[eo]t)\W*)+$",
    re.IGNORECASE,
)


def _create(conversation: Conversation, toolbox: Toolbox, command: CreateCommand | None) -> Step:
    if not toolbox.has("create_tasks"):
        return Reply(replies.missing_tool("create_tasks"))
    result = conversation.last_result("create_tasks")
    if result is None:
        if command is None or not command.tasks:
            return Reply(replies.ask_title())
        if all(_HESITATION.match(task.title) for task in command.tasks):
            return Reply(replies.ask_title())  # "okay can you add um hang on": nothing said yet
        if all(_VAGUE_TITLE.match(task.title) for task in command.tasks):
            return Reply(replies.ask_what_exactly(conversation.request))  # "i need to sort something out"
        return Calls([Call("create_tasks", {"tasks": [task.arguments() for task in command.tasks]})])
    if result.error:
        return Reply(replies.failed([result.error]))
    created = tasks_in(result.output, "created")
    text = replies.created(created, conversation.now)
    asked = command.tasks if command else []
    repeating = [task for task in created if task.recurrence]
    if repeating:
        text += "\n" + replies.repeats(repeating[0], conversation.now)
    elif any(task.repeats for task in asked):
        phrase = next(task.repeats for task in asked if task.repeats)
        text += f"\n(I could not turn “{phrase}” into a repetition, so it has only the first due date.)"
    suggested = asked[0].suggested_priority if len(asked) == len(created) == 1 else None
    if suggested and created[0].priority == "normal":
        text += "\n" + replies.priority_offer(created[0].id, suggested)
    reminded = [task for task in asked if task.remind or task.before]
    if reminded and _reminding(result.output):
        before = reminded[0].before
        reminder = reminded[0].reminder()
        if before is not None:
            when = before.describe()
        elif reminder and reminder.get("before_minutes") == 0:
            when = "at the due time"
        else:
            when = "that morning at 9:00" if not repeating else "each time at 9:00 that morning"
        text += f"\nI'll remind you {when}."
    elif any(task.before for task in reminded):
        text += (
            "\n(There is no due date, so there is no reminder before it: say when it is due, such as "
            "“on Friday at 5pm”.)"
        )
    elif reminded:
        text += "\n" + NO_TIME_FOR_THE_REMINDER
    return Reply(text)


NO_TIME_FOR_THE_REMINDER = (
    "(No time was named, so there is no reminder: say when, such as “at 5pm tomorrow”.)"
)


_AND_WHAT_ABOUT = re.compile(
    r"^\W*(?:and|what\s+about|how\s+about|also)\s+(?:one\s+(?:about|for)\s+)?(?:the\s+)?"
    r"(?P<what>[\w' -]+?)\W*$",
    re.IGNORECASE,
)


# "can you find a task for me", "I am searching one task": a search that does not say for what yet.
_A_SEARCH_FOR_NOTHING_YET = re.compile(
    r"^\W*(?:(?:can|could|would)\s+(?:you|u)\s+|please\s+|pls\s+|help\s+me\s+)*"
    r"(?:(?:i\s*'?\s*a?m|i\s+was)\s+)?(?:find(?:ing)?|search(?:ing)?(?:\s+for)?|look(?:ing)?\s+(?:for|up)|locate|track(?:ing)?\s+down)"
    r"\s+(?:a|an|one|some|my)\s+(?:task|thing|item|to-?do|reminder)(?:\s+(?:for\s+me|again|here))?\W*$",
    re.IGNORECASE,
)


def _another_search(conversation: Conversation, request: str) -> str | None:
    """ "and lunch?" after a search's answer: the same search for other words ("find lunch"); after "What
    is the task you're looking for about?", the answer's words ("something related to dentist"). Else None."""
    answer = conversation.last_assistant_text() or ""
    if replies.WHAT_TO_FIND in answer and not said_never_mind(request) and parse_find(f"find {request}"):
        return f"find {request}"
    said = _AND_WHAT_ABOUT.match(request)
    if said is None or not answer.startswith(("Found", "I couldn't find a task matching")):
        return None
    if len(said.group("what").split()) > 4 or find_dates(said.group("what"), conversation.now):
        return None
    return f"find {said.group('what')}"


def _after_a_list(conversation: Conversation) -> bool:
    """Whether the last answer was a list of tasks (or said there were none of some kind)."""
    asked = conversation.last_assistant_text() or ""
    return bool(re.match(r"You have (?:no |\d+ )", asked)) and len(conversation.request.split()) <= 10


# Words that say a message is about the tasks just listed ("which ones?", "just the urgent ones").
_OF_THE_LIST = re.compile(r"\b(?:which|what|them|they|those|ones|just|only)\b", re.IGNORECASE)


def _the_list_again(
    conversation: Conversation, request: str, classification: ChatClassification
) -> str | None:
    """ "which ones?", "what are they?" after a list: the question that list answered, to be answered again
    (None when the request narrows or widens it, or is a request of its own)."""
    if classification.intent != "list" or not _OF_THE_LIST.search(request):
        return None
    command = parse_list(request, conversation.now)
    if command.filters or command.sort or re.search(r"\b(?:all|every\w*)\b", request, re.I):
        return None  # "which of those is most important?": the list again, in another order
    exchange = conversation.previous_exchange()
    return exchange[0] if exchange is not None else None


# "which of those", "just", "only": a follow-up that keeps the list's own filter and adds one.
_NARROWS = re.compile(r"\b(?:of\s+(?:those|them|these)|just|only|out\s+of\s+(?:those|them))\b", re.IGNORECASE)


def _another_filter(request: str, classification: ChatClassification, now: datetime) -> bool:
    """Whether a short message after a list only narrows it again: "and what about this week?", "just the
    high priority ones please" (not "dentist friday", a new task; not "mark them done", a change)."""
    if not parse_list(request, now).filters or _ACTION_FIRST.match(request):
        return False
    if classification.intent is None:
        return True
    if classification.intent == "list":
        return bool(_NARROWS.search(request))  # "which of those is overdue?"
    ref = parse_update(request, now).ref
    if ref.ids or ref.ordinal is not None or ref.pronoun:
        return False  # "ok i just finished that": a change of the task meant
    if classification.intent == "update":
        # "just the stuff in the next 3 days pls"
        return bool(re.search(r"\b(?:ones|which|what|those|stuff|things)\b", request, re.IGNORECASE))
    return (
        classification.intent in ("create", "find")
        and not explicit_create(request)
        and bool(_OF_THE_LIST.search(request))
    )


def _only_a_day(description: str, now: datetime) -> bool:
    """Whether a search's words are a day and nothing else ("friday", "next monday")."""
    days = find_dates(description, now)
    return bool(days) and not cut(description, [(day.start, day.end) for day in days]).strip(" ,.?!")


def _reminds_about_a_task(request: str, command: CreateCommand | None) -> bool:
    """ "Remind me about the rent task the day before at 9": a reminder relative to a due date that the
    request does not give is one for a task that exists."""
    reminder = find_reminder(request)
    if reminder is None:
        return False
    return command is None or all(task.due is None for task in command.tasks)


def _reminding(output: object) -> bool:
    """Whether a create_tasks result holds a task with a reminder."""
    created = output.get("created") if isinstance(output, Mapping) else None
    return isinstance(created, list) and any(
        isinstance(task, Mapping) and task.get("reminders") for task in created
    )


# A description names an existing task "well" when this share of its words are in the task's title.
STRONG_MATCH = 0.75


# A change read with this share of a new task's probability or more is nearly as likely to be a new task.
NEARLY_AS_LIKELY = 0.5


# "what is this task exactly?", "whats it called exactly": the task just named, asked about again.
_ASKS_WHAT_IT_IS = re.compile(
    r"^\W*(?:ok(?:ay)?\W+|and\W+|so\W+)*(?:what|which)(?:\s+is|'?s|\s+was)\s+(?:this|that|it)(?:\s+(?:task|one))?"
    r"(?:\s+(?:called|named))?(?:\s+(?:exactly|again|in\s+full))?\W*$",
    re.IGNORECASE,
)
_A_TOPIC_FIRST = re.compile(
    r"^\W*(?:(?:hey|hi|ok(?:ay)?|so|right|oh|um+)\W+)*(?:about|re:?|regarding|as\s+for|quick\s+one\s+about)\s+"
    r"(?P<what>(?:the|my|that|this)\s+[^,.;!?]{2,40}?)\W*$",
    re.IGNORECASE,
)
# "ok brain dump incoming", "I've got a few things to add": tasks announced, not yet said.
_A_LIST_COMING = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|right|alright|hey|hi)\W+)*(?:(?:a\s+|my\s+)?(?:brain\s*dump|list)\s+(?:incoming|coming(?:\s+up)?|time)"
    r"|here(?:'s|\s+is|\s+comes)\s+(?:my|the|a)\s+(?:list|brain\s*dump)"
    r"|(?:i\s+have|i'?ve\s+got|got)\s+(?:a\s+)?(?:few|couple(?:\s+of)?|some|bunch\s+of|lots\s+of|several|\d+|two|three"
    r"|four|five)\s+(?:things|tasks|items|to-?dos)(?:\s+(?:to\s+add|for\s+(?:you|the\s+list|my\s+list)))?)\W*$",
    re.IGNORECASE,
)
_FIND_IT = re.compile(
    r"^\W*(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:find|show(?:\s+me)?|pull\s+up|get)\s+(?:it|that(?:\s+one)?)"
    r"(?:\s+(?:for\s+me|again|please|pls))*\W*$",
    re.IGNORECASE,
)
_WHERE_IS = re.compile(
    r"^\W*where(?:'s|\s+is|\s+are|'re)\s+(?:that|the|my|this|those|these)\s+\w", re.IGNORECASE
)
_WHATS_ON_MY_LIST = re.compile(
    r"\b(?:tell|show|give)\s+me\s+what(?:'?s|\s+is)\s+(?:on|in)\s+(?:my|the)\s+(?:plate|list|agenda|schedule|to-?do)"
    r"|^\W*what\s+(?:remains|is\s+left|'s\s+left)\s+(?:for\s+(?:me|us)\s+)?to\s+(?:do|be\s+done)\b"
    # "i have a feeling im forgetting something thats due tomorrow??"
    r"|\b(?:forg[eo]tt?(?:ing|en)?|missing|miss(?:ed)?)\s+(?:something|anything|stuff)\s+(?:that'?s|thats|that\s+is"
    r"|which\s+is)?\s*(?:due|overdue|late)\b",
    re.IGNORECASE,
)
_WHEN_IS_IT_DUE = re.compile(
    r"^\W*(?:(?:wait|so|ok(?:ay)?|hey|um+)\W+)*(?:what'?s|when'?s|when\s+is|what\s+is)\s+(?:my|the)\s+(?P<what>.+?)\s+"
    r"(?:due|deadline)(?:\s+(?:again|date))?\W*$"
    # "What's the status on the UAT sign-off pack task?": one task asked about
    r"|^\W*(?:what'?s|what\s+is)\s+the\s+(?:status|latest|deal|due\s+date|deadline)\s+(?:on|of|with|for)\s+(?:my\s+|the\s+)?(?P<about>.+?)\W*$",
    re.IGNORECASE,
)
_SHOW_ME = re.compile(r"\b(?:see|show|gimme|give\s+me|view|display)\b", re.IGNORECASE)
# A change verb first, before words that may name a task: "update the report", "edit my essay".
_CHANGE_VERB_FIRST = re.compile(
    r"^(?:(?:i\s+)?(?:need|want|would\s+like|'d\s+like)\s+to\s+|i\s+wanna\s+)?(?:update|edit|change|modify|amend|revise)\s+"
    # "I need to change date of electricity bill": which field, then the task
    r"(?:(?:the|my|that|this)\s+\S|(?:the\s+)?(?:due\s+)?(?:date|deadline|priority|status|title|name)\s+(?:of|for|on)\s+\S)"
    # "Kindly treat the auditor's letter as urgent": what a task is to be taken as
    r"|^(?:(?:please|kindly|pls)\s+)?treat\s+(?:the|my|that|this|our)\s+\S.*?\s+as\s+\S",
    re.I,
)


# Words of a title that still say nothing about what to do ("add a thing for later", "set a reminder for me").
_NOTHING_SAID = frozenset(
    """thing things something stuff anything whatever task tasks reminder reminders item note it this that
    for me a an the to some later soon today tomorrow one new my please pls""".split()  # noqa: SIM905  (a list reads better so)
)


# A question to the assistant about the world or its skills, not a task: "do you happen to know who won the
# cricket yesterday?", "what's the weather going to be like on saturday??", "could you just write my essay?"
_A_QUESTION_FOR_ME = re.compile(
    r"^\W*(?:(?:hey|so|ok(?:ay)?|um+)\W+)*(?:(?:do|did)\s+you\s+(?:happen\s+to\s+)?know\b"
    r"|what(?:'s|\s+is|\s+was|\s+will)\s+(?:the\s+)?(?:weather|time|score|news|capital|meaning)\b"
    r"|who\s+(?:won|is|was|are|were)\b|can\s+you\s+tell\s+me\b"
    r"|(?:can|could|would|will)\s+you\s+(?:just\s+|please\s+)?(?:write|draft|compose)\s+(?:my|me|the|a|an)\b"
    r"|(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:explain|summari[sz]e|translate|define)\b)"
    r"[^?]*\?",
    re.IGNORECASE,
)


_MOVED_STATEMENT = re.compile(
    rf"\b(?:{MOVED})\s+(?:back\s+|out\s+)?(?:to|till|until)\b",
    re.IGNORECASE,
)


_STARTS_WITH_ADD = re.compile(
    r"^\W*(?:add|create|jot\s+down|new\s+task"
    # "I need a task for my Con Law outline, due at the end of the month"
    r"|(?:i\s+(?:need|want|'d\s+like|would\s+like)|can\s+i\s+(?:get|have))\s+(?:a|an|another)\s+(?:new\s+)?"
    r"(?:task|to-?do|reminder)\s+(?:for|to|about|on)\b"
    # "tasks for tmrw: skills checkoff, pick up scrubs": a header of tasks, then them
    r"|(?:(?:my|the|some|new)\s+)?(?:tasks|to-?dos|jobs|errands|things\s+to\s+do)"
    r"(?:\s+for\s+[\w ]{1,20}?)?\s*:\s*)\b"
    r"(?!\s+(?:a\s+|the\s+)?(?:note|due\s+date|deadline|date|tags?|description|reminder|label)\s+(?:to|for|on)\b)",
    re.IGNORECASE,
)


# The words that ask ("please", "could you") and the verbs that change a task, for the readers of sentences.
_ASKING = r"please|pls|so|just|now|could\s+you|can\s+you|would\s+you"
_CHANGE_VERBS = r"mark|set|move|change|make|push|put|bump|reschedule|rename|close|reopen|update"
_NEVER_MEANT_TO_ADD = re.compile(
    r"\b(?:never|didn'?t|did\s+not)\s+mean[t]?\s+to\s+(?:add|create|put)|\bshouldn'?t\s+have\s+(?:added|created)"
    r"|\badded\s+(?:that|it|this)\s+by\s+(?:mistake|accident)",
    re.IGNORECASE,
)
# "The bank thing - I need it for tomorrow 10:00": a task named as a thing, then its fields.
_THE_THING_THEN_ITS_FIELDS = re.compile(
    r"^\W*(?P<name>the\s+(?:\w+\s+){1,3}?(?:thing|task|one|job|matter|business))\s*(?:[-\u2013\u2014:,]|\s)\s*"
    r"(?:i\s+need\s+it|it'?s|it\s+is|needs?\s+to\s+be|should\s+be|make\s+it)\b",
    re.IGNORECASE,
)
# "... a neighbour took a tumble. Please mark it urgent.": the last sentence changes "it".
_LAST_SENTENCE_CHANGES_IT = re.compile(
    rf"[.!?]\s+(?:(?:{_ASKING})\s+)*(?:{_CHANGE_VERBS}|open)\s+(?:it|that|this|them)\b[^.!?]*[.!?]?\s*$",
    re.IGNORECASE,
)


# A field set in so many words: "put status in progress", "mark it done", "set the priority to high".
_SETS_IT = re.compile(
    r"\b(?:put|set|mark|change|make)\s+(?:the\s+)?(?:status|priority|due\s+date|it|that|this)\s+(?:to\s+|as\s+|on\s+)?"
    r"(?:in[\s-]+progress|done|complete|completed|finished|pending|urgent|high|low|normal)\b",
    re.IGNORECASE,
)


# A statement in the first person of having started or finished something, with no question mark.
_I_SAY_WHAT_I_DID = re.compile(
    r"^\W*(?:i|we)(?:\s+have|'ve|\s+am|'m|\s+are|'re)?(?:\s+(?:just|now|finally|already|also))*\s+"
    r"(?:started|begun|finished|done|completed|working)\b[^?]*$",
    re.IGNORECASE,
)


def _a_question_for_me(request: str) -> bool:
    return not _ADD_VERB.search(request) and bool(_A_QUESTION_FOR_ME.match(request))


_ADD_VERB = re.compile(r"\b(?:add|create|put\s+down|jot\s+down|set\s+up|remind\s+me|note\s+down)\b", re.I)


_SOMETHING = re.compile(r"\b(?:some\s+stuff|something|some\s+things|stuff)\b")


def _says_what_to_add(request: str, now: datetime) -> bool:
    """Whether a request the chat model found too vague says in so many words to add a task, and what it is
    (three words or more of its title say something)."""
    if not _ADD_VERB.search(request) or DELETE_WORDS.search(request):
        return False
    new = parse_create(request, now)
    if new is None or len(new.tasks) != 1:
        return False
    title = new.tasks[0].title.lower()
    if re.match(r"(?:i|we)\b", title) or _SOMETHING.search(title):
        return False  # "I'll add some stuff later when I've had a think"
    said = [word for word in re.findall(r"[a-z][a-z'-]*", title) if word not in _NOTHING_SAID]
    return len(said) >= 3


def _a_filtered_deletion(request: str, now: datetime) -> bool:
    """Whether a request the chat model found too vague deletes a group that a filter names ("remove
    everything that's done"): "clear my list" and "delete everything" stay questions."""
    if not DELETE_WORDS.search(request):
        return False
    every = parse_delete(request, now).every
    return every is not None and every.filters


def _may_be_new(classification: ChatClassification) -> bool:
    scores = classification.scores
    return scores.get("create", 0.0) >= NEARLY_AS_LIKELY * scores.get("update", 0.0)


def _says_a_status(request: str, now: datetime) -> bool:
    return parse_update(request, now).changes.status is not None


def _unless_it_exists(conversation: Conversation, toolbox: Toolbox, request: str) -> Step | None:
    """The step that creates what a request read as a change names, when no task has those words (None when
    one has: then it is a change)."""
    ref = parse_update(request, conversation.now).ref
    if not ref.description or not toolbox.has("find_tasks"):
        return None
    search = _search_for(conversation, ref.description)
    if search is None:
        return Calls([Call("find_tasks", {"description": ref.description})])
    if search.error or tasks_in(search.output, "matches"):
        return None
    return _create(conversation, toolbox, parse_create(request, conversation.now))


_CLAUSE_BREAK = re.compile(r"\s*[,;]\s*|\s+(?:because|cos|since|as)\s+")
# A follow-up's reason may also come after "so" ("make it 7 pm so i see it after work"), or start a clause of
# its own without a comma ("set it due tomorrow im going to the post office first thing").
_REMARK_BREAK = re.compile(
    rf"{_CLAUSE_BREAK.pattern}|\s+so\s+(?:that\s+)?(?=(?:i|we|you|he|she|they|it|the|my|our)\b)"
    r"|\s+(?=(?:i'?m|i\s+am|we'?re|we\s+are|i'?ll|i\s+will|they'?re|she'?s|he'?s)\s)",
    re.IGNORECASE,
)


# "the merch order is now URGENT the printer closes friday": a level said of a task, a reason run on after it
# without a comma (the cut: where the reason begins)
_AFTER_A_LEVEL = re.compile(
    r"(?:\bis|\bare|'s)(?:\s+(?:now|really|very|super|so|still|definitely))*\s+(?:urgent|high\s+priority"
    r"|top\s+priority|low\s+priority)\b(?P<cut>[\W_]*\s+)(?=\w)",
    re.IGNORECASE,
)


_A_NEW_SUBJECT = re.compile(
    r"\W*(?:the|my|our|their|his|her|we|i|it|they|he|she|someone|everyone)\b", re.IGNORECASE
)


def _first_clause_only(request: str, now: datetime) -> UpdateCommand | None:
    """ "the leaking tap in flat 2 is urgent now, tenant says water everywhere": the first clause names the
    task and the change, the rest only says why (None when the rest changes something too)."""
    split = _CLAUSE_BREAK.search(request)
    if split is None:
        return _a_level_then_a_reason(request, now)
    first, rest = request[: split.start()], request[split.end() :]
    if not rest.strip():
        return None
    said, after = parse_update(first, now), parse_update(rest, now)
    if said.changes.is_empty or said.ref.is_empty or not after.changes.is_empty:
        return None
    if not said.ref.description and after.ref.description and not _says_why(rest):
        return None  # "make it urgent, the wall one": the task is named after the comma
    return said


def _a_level_then_a_reason(request: str, now: datetime) -> UpdateCommand | None:
    """ "the merch order is now URGENT the printer closes friday": the level said of the task, without the
    reason run on after it (whose own day is not the task's)."""
    level = _AFTER_A_LEVEL.search(request)
    if level is None:
        return None
    first, rest = request[: level.start("cut")], request[level.end("cut") :]
    if not (_says_why(rest) or _A_NEW_SUBJECT.match(rest)):
        return None
    said = parse_update(first, now)
    return None if said.changes.is_empty or said.ref.is_empty else said


_SENTENCE_BREAK = re.compile(r"(?<=\w)[.!?]+\s+(?=\w)")
# "Dr. Okafor", "St. Mary's": a full stop that ends a short title, not a sentence
_TITLE_ABBREVIATION = re.compile(r"\b(?:dr|mr|mrs|ms|st|mt|prof|no|vs|v|approx|dept|ave|rd)$", re.IGNORECASE)


def _sentences(text: str) -> list[str]:
    """The sentences of a message; a quoted title ('email Dr. Okafor re: poll') is never cut."""
    quoted = [span for _, span in quoted_strings(text)]
    text = text.strip()
    pieces, start = [], 0
    for match in _SENTENCE_BREAK.finditer(text):
        inside = any(begin < match.start() < end for begin, end in quoted)
        if inside or _TITLE_ABBREVIATION.search(text[start : match.start()]):
            continue
        pieces.append(text[start : match.start() + len(match.group().rstrip())])
        start = match.end()
    pieces.append(text[start:])
    return [piece.rstrip(".!? ") if index < len(pieces) - 1 else piece for index, piece in enumerate(pieces)]


_ASKS_A_CHANGE = re.compile(rf"^(?:(?:{_ASKING})\s+)*(?:{_CHANGE_VERBS})\b", re.IGNORECASE)


def _the_sentence_that_asks(request: str, now: datetime) -> UpdateCommand | None:
    """ "florist is sorted, caterer still waiting on them. mark the florist one completed": of several
    sentences, the one that asks for a change and names its task (None unless exactly one does)."""
    sentences = _sentences(request)
    if len(sentences) < 2:
        return None
    asked = []
    for sentence in sentences:
        if _ASKS_A_CHANGE.match(sentence.strip()):
            update = parse_update(sentence, now)
            if not update.changes.is_empty and update.ref.description:
                asked.append(update)
    return asked[0] if len(asked) == 1 else None


# What a message's first sentence or clause may ask on its own when the whole is not understood.
_ASKED_ALONE = frozenset({"delete", "update", "list", "find"})


def _first_part_and_rest(request: str) -> list[tuple[str, list[str]]]:
    """Where a request may end and its remarks begin: after the first sentence (when there are more), then
    after the first sentence's first clause (when more follows); each with what is left."""
    sentences = _sentences(request)
    parts = [(sentences[0], sentences[1:])] if len(sentences) > 1 else []
    split = _CLAUSE_BREAK.search(sentences[0])
    if split is not None and sentences[0][split.end() :].strip():
        parts.append((sentences[0][: split.start()], [sentences[0][split.end() :], *sentences[1:]]))
    return parts


def _only_remarks(parts: list[str]) -> bool:
    """Whether every part only says why or remarks ("she rang me this morning", "it got descoped")."""
    return all(_A_REMARK_SENTENCE.match(part) or _says_why(part) for part in parts if part.strip())


def _the_part_that_asks(request: str, now: datetime) -> tuple[str, ChatClassification] | None:
    """ "Scratch the Marg one, she rang me this morning", "Could you take X off the list? Got both at
    Bunnings": a message not understood whole whose first sentence, or else its first clause, is a request
    understood alone; the rest only says why."""
    for part, rest in _first_part_and_rest(request):
        classification = classify_chat(part)
        if classification.intent == "create" and explicit_create(part) and _only_remarks(rest):
            # "Don't let me forget to send the timeline tomorrow!! They've asked three times": a new task
            # with a remark after it, read whole (a remark may give its date: "it runs out in five days")
            return request, classification
        if classification.intent not in _ASKED_ALONE:
            continue
        if classification.intent == "update" and parse_update(part, now).changes.is_empty:
            continue  # "The gate latch has gone again.": no change said; the next sentence may ask it
        if classification.intent == "delete" and parse_delete(part, now).ref.is_empty:
            continue
        return part, classification
    return None


_A_REMARK_SENTENCE = re.compile(
    r"^\W*(?:i|i'm|im|i've|we|we're|he|she|they|it|it's|its|that's|there's)\b", re.I
)
# A remark that says when ("like stuff that's gone past its date") is part of the question.
_WHEN_WORDS = re.compile(r"\b(?:due|date|overdue|late|past|deadline|today|tomorrow|week|month)\b", re.I)
# "... I know I wrote something down. somewhere": a remark's last word, alone
_ONLY_WHERE = re.compile(r"^\W*(?:somewhere|anywhere|lol|haha|sorry|i\s+think|maybe)\W*$", re.I)
# What a first sentence or clause may ask while the rest only remarks on it.
_ASKED_BEFORE_A_REMARK = frozenset({"find", "delete", "list"})


def _a_request_then_a_remark(
    request: str, classification: ChatClassification, now: datetime
) -> tuple[str, ChatClassification] | None:
    """ "Can you find my task on the railroad case? I can never remember the plaintiff's name.", "Bin the
    van one, a neighbour bought it yesterday": a first sentence (or clause) that asks a search, a deletion
    or a list, then only remarks, whose dates or words misled the reading of the whole."""
    best = max(classification.scores.values(), default=0.0)
    for part, rest in _first_part_and_rest(request):
        if not all(
            _A_REMARK_SENTENCE.match(remark) or _says_why(remark) or _ONLY_WHERE.match(remark)
            for remark in rest
        ):
            continue
        first = classify_chat(part)
        if first.intent == classification.intent == "find" and not _WHEN_WORDS.search(" ".join(rest)):
            return part, first  # the search without the remark's words ("...?? cant remember what i wrote")
        if first.intent not in _ASKED_BEFORE_A_REMARK or first.intent == classification.intent:
            continue
        if (
            first.intent == "delete"
            and not parse_delete(part, now).ref.is_empty
            and parse_update(part, now).changes.is_empty  # "take the deadline off X, ...": a change
        ):
            return part, first  # a deletion said first is asked, whatever the remark's date suggests
        if first.intent != "delete" and first.scores[first.intent] > best:
            return part, first
    return None


# "Potluck got called off, so throw out that deviled eggs one": where the request after a reason begins
_SO_THEN = re.compile(r"(?:,\s*|\s+)(?:so|and\s+so)\s+(?=\w)", re.IGNORECASE)


def _last_so(text: str) -> re.Match[str] | None:
    found = list(_SO_THEN.finditer(text))
    return found[-1] if found else None


def _the_deletion_asked(request: str, now: datetime) -> DeleteCommand:
    """A deletion said with its reason, before or after it: "remove the Postgres migration ticket, it got
    descoped", "You may erase the task concerning the suit; my husband collected it", "the sleepovers are
    cancelled so delete the sleepover stuff". The part that asks, when the rest only says why and the part
    names its task by words of its own; the whole otherwise."""
    whole = parse_delete(request, now)
    if whole.every is not None:
        return whole
    sentences = _sentences(request)
    # A whole sentence may point ("Sorry, I made an error. Kindly delete that task.": the task just talked
    # about); a clause may not ("the parcel was collected so remove that task": the sentence names it).
    whole_sentences = (
        [(sentences[0], sentences[1:]), (sentences[-1], sentences[:-1])] if len(sentences) > 1 else []
    )
    semicolon = []
    if ";" in sentences[-1]:
        # "that was entered in error; please delete it": a semicolon parts two sentences too
        said_why, _, last = sentences[-1].rpartition(";")
        semicolon = [(last.strip(), [*sentences[:-1], said_why])]
        whole_sentences += semicolon
    # (the part that may ask, the rest): the first part, the last sentence, what follows the last "so"
    splits = [*_first_part_and_rest(request), *whole_sentences[1:], *semicolon]
    so = _last_so(sentences[-1])
    if so is not None:
        splits.append((sentences[-1][so.end() :], [*sentences[:-1], sentences[-1][: so.start()]]))
    for part, rest in splits:
        if not DELETE_WORDS.search(part) or any(DELETE_WORDS.search(remark) for remark in rest):
            continue
        if not _only_remarks(rest):
            continue
        said = parse_delete(part, now)
        if said.every is None and (
            said.ref.description or (said.ref.pronoun and (part, rest) in whole_sentences)
        ):
            return said
    return whole


def _a_change_after_a_reason(
    request: str, intent: ChatIntent | None, now: datetime
) -> tuple[str, UpdateCommand] | None:
    """The part after the last "so", and the change it reads as, when it changes a task and what comes
    before only says why ("the court has granted an extension, so the Castellano brief is now due in five
    days"); None otherwise."""
    if intent not in ("create", "update") or explicit_create(request):
        return None
    so = _last_so(request)
    if so is None or not parse_update(request[: so.start()], now).changes.is_empty:
        return None
    part = request[so.end() :]
    update = parse_update(part, now)
    return (part, update) if not update.changes.is_empty and update.ref.description else None


def _a_reason_then_a_deletion(
    request: str, classification: ChatClassification, now: datetime
) -> tuple[str, ChatClassification] | None:
    """ "Potluck got called off on account of the weather, so throw out that deviled eggs one": a reason,
    then after "so" a deletion that names its task, whose reason's words misled the reading of the whole."""
    if classification.intent == "delete":
        return None
    so = _last_so(request)
    if so is None or starts_with_a_delete_verb(request[: so.start()]):
        return None  # what comes before "so" is the reason, not a request of its own
    part = request[so.end() :]
    asked = classify_chat(part)
    said = parse_delete(part, now)
    if asked.intent != "delete" and not starts_with_a_delete_verb(part):
        return None
    if said.every is not None or not said.ref.description or said.ref.pronoun:
        return None
    return part, ChatClassification("delete", None, asked.scores)


def _says_why(clause: str) -> bool:
    """Whether a clause is a remark (it has a verb: "the deadline moved", "tenant says water everywhere")
    rather than a name ("the wall one")."""
    words = re.findall(r"[a-z']+", clause.lower())
    return any(
        word in _REMARK_VERB or (len(word) > 4 and word.endswith("ed")) or word.endswith("'s")
        for word in words
    ) or bool(re.match(r"\W*(?:i|we|he|she|they|it'?s|there'?s|that'?s)\b", clause, re.IGNORECASE))


def _statement(
    conversation: Conversation, toolbox: Toolbox, request: str, otherwise: Step | None = None
) -> Step:
    """A statement with a date, a priority or a status and no action verb ("task 1 tomorrow", "the report is
    on Friday", "that one is for Monday", "renewed my library card"): a change when it points at a task that
    exists (an id, a position, "it", or words that match a task's title well), otherwise a new task (or
    `otherwise`, when a new task is not what it can mean)."""
    update = _first_clause_only(request, conversation.now) or parse_update(request, conversation.now)
    ref = update.ref
    if update.changes.is_empty or update.every is not None:
        return otherwise or _create(conversation, toolbox, parse_create(request, conversation.now))
    if ref.ids or ref.ordinal is not None:
        return _update(conversation, toolbox, update)
    if ref.pronoun and ref.phrase and last_mentioned(conversation.history):
        return _update(conversation, toolbox, update)
    if ref.description and toolbox.has("find_tasks"):
        search = _search_for(conversation, ref.description)
        if search is None:
            return Calls([Call("find_tasks", {"description": ref.description})])
        if not search.error:
            matches = [
                task
                for task in tasks_in(search.output, "matches")
                if match_score(ref.description, task) >= STRONG_MATCH
            ]
            chosen = best_matches(ref.description, matches, prefer_open=True)
            if len(chosen) > 1:
                return Reply(replies.ambiguous(ref.description, chosen, conversation.now))
            if chosen:
                update.ref = Reference(phrase=ref.phrase, ids=[chosen[0].id])
                return _update(conversation, toolbox, update)
    return otherwise or _create(conversation, toolbox, parse_create(request, conversation.now))


# --- resolving which task is meant ----------------------------------------------------------------------


@dataclass
class Targets:
    ids: list[int]
    known: dict[int, TaskInfo] = field(default_factory=dict)
    # Found by a word of the sentence rather than by the reference as said (`named_in_passing`): a change
    # goes ahead (its answer names the task), a deletion asks first.
    in_passing: bool = False


def resolve(
    conversation: Conversation, toolbox: Toolbox, ref: Reference, *, prefer_open: bool
) -> Targets | Step:
    """The task ids a reference means, or the step that gets closer (a search, or a question)."""
    history = conversation.history
    if ref.ids:
        return Targets(ref.ids)
    if ref.ordinal is not None:
        shown = last_list(history)
        if not shown and ref.ordinal_or_id:
            return Targets([ref.ordinal])
        if not shown:
            return Reply(replies.no_list_to_count())
        index = ref.ordinal - 1 if ref.ordinal > 0 else len(shown) + ref.ordinal
        if not 0 <= index < len(shown):
            return Reply(f"The last list had {len(shown)} tasks; which one do you mean?")
        return Targets([shown[index]])
    if ref.pronoun or ref.is_empty:
        mentioned = last_mentioned(history)
        if not mentioned:
            return _named_in_passing(conversation, toolbox) or Reply(replies.which_task())
        if len(mentioned) > 1 and not ref.plural:
            return Reply(replies.ambiguous_ids(mentioned, titles_from_history(history)))
        return Targets(mentioned)
    if not toolbox.has("find_tasks"):
        return Reply(replies.missing_tool("find_tasks"))
    search = _search_for(conversation, ref.description)
    if search is None:
        return Calls([Call("find_tasks", {"description": ref.description})])
    if search.error:
        return Reply(replies.failed([search.error]))
    chosen = best_matches(ref.description, tasks_in(search.output, "matches"), prefer_open=prefer_open)
    named_apart = re.search(r"(?:,|&|\band\b)\s*(?:the|my|that)\s", ref.phrase, re.IGNORECASE)
    loosely = len(chosen) == 1 and match_score(ref.description, chosen[0]) < STRONG_MATCH
    if (len(chosen) != 1 or named_apart or loosely) and len(parts := _parts(ref)) > 1:
        # "the jira task and the team lunch one": each part on its own, although the whole fits one task
        each = _each_part(conversation, parts, prefer_open=prefer_open)
        if each is not None:
            return each
    if not chosen and (name := _name_before_a_remark(ref.description, ref.phrase)):
        # "the electrician thing slipped past its date, move it": the task is named before the remark
        shorter = _search_for(conversation, name)
        if shorter is None:
            return Calls([Call("find_tasks", {"description": name})])
        if not shorter.error:
            matches = tasks_in(shorter.output, "matches")
            chosen = [task for task in matches if match_score(name, task) >= STRONG_MATCH]
            if len(chosen) == 1:
                return Targets([chosen[0].id], {chosen[0].id: chosen[0]})
            chosen = []
    if not chosen:
        return _named_in_passing(conversation, toolbox) or Reply(
            replies.not_found(ref.description or ref.phrase)
        )
    if 1 < len(chosen) <= MAX_NAMED_TOGETHER and ref.plural:
        return Targets([task.id for task in chosen], {task.id: task for task in chosen})  # "both Bali tasks"
    if len(chosen) > 1 and _OF_WHOM_WE_SPOKE.search(ref.phrase):
        # "the Garcias went with another lab" / "so scratch their prints task": of the tasks the words fit,
        # the one just talked about
        spoken = [task for task in chosen if task.id in last_mentioned(history)]
        chosen = spoken if len(spoken) == 1 else chosen
    if len(chosen) > 1:
        return Reply(replies.ambiguous(ref.description, chosen, conversation.now))
    return Targets([chosen[0].id], {chosen[0].id: chosen[0]})


_OF_WHOM_WE_SPOKE = re.compile(r"\b(?:their|his|her|its|that|this|same)\b", re.IGNORECASE)


# Every task, for `_named_in_passing` (the list tool's largest page).
_ALL_TASKS = {"limit": 200}


def _named_in_passing(conversation: Conversation, toolbox: Toolbox) -> Targets | Step | None:
    """When the reference as read names no task: the task the whole message names by a telling word of its
    title ("I was wrong, the plumber task is not finished, please open it again"). None when none does."""
    if not toolbox.has("list_tasks") or not clean_phrase(conversation.request):
        return None
    listed = next(
        (result for result in conversation.results("list_tasks") if result.call.arguments == _ALL_TASKS),
        None,
    )
    if listed is None:
        return Calls([Call("list_tasks", dict(_ALL_TASKS))])
    if listed.error:
        return None
    task = named_in_passing(conversation.request, tasks_in(listed.output, "tasks"))
    if task is None:
        return None
    # "The council have mended the streetlight, remove that task": most of the title said is no guess
    return Targets([task.id], {task.id: task}, in_passing=not said_title(conversation.request, task))


_REMARK_VERB = frozenset(
    """is was are were has had got gets went goes keeps kept slipped came come ran runs fell can could
    should will would must did done bought sold paid made found took gave left rang told said sent met won
    lost broke wrote remember forgot know cant can't""".split()  # noqa: SIM905  (a list reads better so)
)


# "the bio lab task i'm dropping that class": a name ended by the word for a task, and more words after it.
_NAME_THEN_MORE = re.compile(
    r"\b(?:the|my|that|this|your)\s+(?P<name>(?:[\w'&-]+\s+){0,4}?[\w'&-]+)\s+(?:task|one|thing|job|item|to-?do)\b"
    r"(?=\s*\S)",
    re.IGNORECASE,
)


def _name_before_a_remark(description: str, phrase: str = "") -> str | None:
    """ "parcel was collected by husband" -> "parcel": the words before the first verb of a remark made
    about the task, or before the word for a task ("the bio lab task i'm dropping that class" -> "bio lab");
    None when there is no such verb, or nothing before it."""
    ended = _NAME_THEN_MORE.search(phrase)
    if ended and clean_phrase(ended.group("name")):
        return clean_phrase(ended.group("name"))
    words = description.split()
    for index, word in enumerate(words[1:], start=1):
        if word in _REMARK_VERB or (len(word) > 4 and word.endswith("ed")):
            return " ".join(words[:index])
    return None


# "delete the Bali tasks" names every task it fits, up to this many; more get a question.
MAX_NAMED_TOGETHER = 5


def _parts(ref: Reference) -> list[str]:
    """ "calling grandma and washing the car": the tasks a reference names one by one."""
    # "the Trusts & Estates reading and the Evidence problem set": where each name starts with its own
    # "the", only there
    pieces = re.split(r"\s*(?:,|&|\band\b)\s*(?=(?:the|my|that|our)\s)", ref.phrase, flags=re.IGNORECASE)
    if len(pieces) < 2:
        pieces = re.split(r"\s*(?:,|&|\band\b)\s*", ref.phrase, flags=re.IGNORECASE)
    return [part for part in (clean_phrase(piece) for piece in pieces) if part]


def _each_part(conversation: Conversation, parts: list[str], *, prefer_open: bool) -> Targets | Step | None:
    """Each part of a reference searched on its own: the tasks when every part names one task of its own,
    None when they do not (the whole reference's answer stands)."""
    searches = [(part, _search_for(conversation, part)) for part in parts]
    missing = [part for part, search in searches if search is None]
    if missing:
        return Calls([Call("find_tasks", {"description": part}) for part in missing])
    found: dict[int, TaskInfo] = {}
    for part, search in searches:
        if search is None or search.error:
            return None
        chosen = best_matches(part, tasks_in(search.output, "matches"), prefer_open=prefer_open)
        if len(chosen) != 1 or chosen[0].id in found:
            return None
        found[chosen[0].id] = chosen[0]
    return Targets(list(found), found)


MAX_BULK = 50


def _every_task(conversation: Conversation, toolbox: Toolbox, command: ListCommand) -> Targets | Step:
    """All the tasks a filter lists ("all completed tasks"): the user named them as a group."""
    if not toolbox.has("list_tasks"):
        return Reply(replies.missing_tool("list_tasks"))
    listing = conversation.last_result("list_tasks")
    if listing is None:
        return Calls([Call("list_tasks", {**command.arguments(), "limit": MAX_BULK})])
    tasks = replies.filtered(command, tasks_in(listing.output, "tasks"))
    if not tasks:
        return Reply(f"You have no {command.describe()}, so nothing changed.")
    return Targets([task.id for task in tasks], {task.id: task for task in tasks})


def _search_for(conversation: Conversation, description: str) -> ToolResult | None:
    for result in conversation.results("find_tasks"):
        if result.call.arguments.get("description") == description:
            return result
    return None


_ADD_IT = re.compile(
    r"^\W*(?:(?:yes|yeah|yep|ya|yah|yea|yup|aye|ok(?:ay)?|sure|go\s+on|please|pls)\W+)*(?:(?:can|could)\s+you\s+)?(?:just\s+)?"
    # "make it" only as "make it a task": "make it urgent" is a change
    r"(?:(?:add|put|stick|pop|create|log|save|jot)\s+(?:it|that|this|one)|make\s+(?:it|that|this)(?=\s+(?:into\s+)?(?:a\s+)?(?:task|to-?do|reminder)))(?:\s+down)?"
    r"(?:\s+(?:to|on|in|onto)\s+(?:my|the)\s+(?:\w+\s+)?list)?(?:\s+(?:as\s+a\s+)?(?:task|to-?do|reminder))?\b",
    re.IGNORECASE,
)


def _add_what_was_said(conversation: Conversation, request: str) -> CreateCommand | None:
    """ "yeah add it, friday if poss" after a message that did not become a task ("I really need to get my
    eyes tested"): that message is the task, with the fields the request adds."""
    added = _ADD_IT.match(request)
    exchange = conversation.previous_exchange()
    if added is None or exchange is None or conversation.last_result("create_tasks") is not None:
        return None
    said, answers = exchange
    if any(mentioned_ids(Entry("assistant", answer)) for answer in answers):
        return None  # the answer was about a task ("it" is that one)
    if classify_chat(said).intent in ("greet", "thanks", "capabilities", "summary"):
        return None  # "hi" / "make it urgent": no task was described
    command = parse_create(said if explicit_create(said) else f"add {said}", conversation.now)
    if command is None or len(command.tasks) != 1:
        return None
    extra = parse_create(f"add x {request[added.end() :]}", conversation.now)
    if extra is not None and len(extra.tasks) == 1:
        task, fields = command.tasks[0], extra.tasks[0]
        if fields.due:
            task.due, task.due_has_time = fields.due, fields.due_has_time
        task.priority = fields.priority or task.priority
    return command


# "oh and also clean my room i guess", "one more: call the vet": another task, right after some were added
_ONE_MORE = re.compile(
    r"^\W*(?:(?:oh|ah|wait|ok(?:ay)?)\W+)*(?:(?:and\s+)?(?:also|plus)|and|one\s+more(?:\s+thing)?\s*[:,-]"
    r"|another\s+one\s*[:,-])\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_POINTS_AT_A_TASK = re.compile(
    r"\b(?:it|that|this|them|those|these|both|all|one|ones|task|tasks|#\d+)\b", re.IGNORECASE
)


def _one_more_after_adding(conversation: Conversation, request: str) -> CreateCommand | None:
    """ "oh and also clean my room i guess" right after tasks were created: one more, unless the words
    change or point at a task ("and make it high", "and the second one too")."""
    if not (conversation.last_assistant_text() or "").startswith("Created"):
        return None
    said = _ONE_MORE.match(request)
    if said is None:
        return None
    rest = said.group("rest")
    if _POINTS_AT_A_TASK.search(rest) or len(re.findall(r"[a-z]+", rest, re.IGNORECASE)) < 2:
        return None
    if not parse_update(rest, conversation.now).changes.is_empty and not explicit_create(rest):
        return None  # "and also due friday": a field of the tasks just added
    if classify_chat(rest).intent in ("list", "find", "greet", "thanks") or starts_with_a_delete_verb(rest):
        return None
    return parse_create(f"add {rest}", conversation.now)


def _we_asked(conversation: Conversation) -> bool:
    """Whether the last answer was a question back that waits for the user's answer."""
    asked = conversation.last_assistant_text() or ""
    asked_first = (
        replies.ASK_TITLE,
        replies.ASK_ABOUT,
        replies.ASK_LIST,
        replies.WHAT_TO_CHANGE,
        replies.which_task(),
    )
    return asked.startswith(asked_first) or any(
        question in asked for question in (replies.WHICH_ONE, replies.WHICH_GOES, replies.WHICH_CHANGES)
    )


def _answer_to_our_title_question(conversation: Conversation, request: str) -> CreateCommand | None:
    """After "What should the task be called?" or "what should it be about?", the answer is the task, or
    the tasks ("clean the fridge, sort the recycling"), unless it is a request of its own."""
    asked = conversation.last_assistant_text()
    if not asked or not asked.startswith((replies.ASK_TITLE, replies.ASK_ABOUT, replies.ASK_LIST)):
        return None
    if classify_chat(request).intent in (
        "list",
        "delete",
        "greet",
        "thanks",
        "summary",
        "capabilities",
        "find",
    ):
        return None
    if _FILLER_ONLY.match(request):
        return CreateCommand(tasks=[])  # "um", "not sure": nothing to add yet, so the question again
    if re.search(r"[,;\n]", request):
        several = parse_create(f"add these: {request}", conversation.now)
        if several is not None and len(several.tasks) > 1:
            return several  # "clean the fridge, sort the recycling"
    return parse_create(f"add {request}", conversation.now)  # "prepare the documents, for next week Monday"


_FILLER_ONLY = re.compile(
    r"^\W*(?:u+m+|u+h+|h+m+|e+r+m*|ah+|idk|dunno|i\s+don'?t\s+know|not\s+sure|no\s+idea|hang\s+on|wait|let\s+me\s+think)"
    r"(?:\W+(?:u+m+|u+h+|h+m+|e+r+m*|idk|dunno|wait|let\s+me\s+think|something|anything|whatever|stuff|a\s+thing))*\W*$",
    re.IGNORECASE,
)


def _answer_to_which_task(conversation: Conversation, toolbox: Toolbox, request: str) -> Step | None:
    """After "Which task should go?" or "Which task should I change, and how?", the answer names it (and, for
    a change, says what), unless it is a request of its own."""
    asked = conversation.last_assistant_text() or ""
    intent = classify_chat(request).intent
    if intent in ("create", "list", "greet", "thanks", "summary", "capabilities"):
        return None
    now = conversation.now
    if replies.WHICH_GOES in asked and parse_update(request, now).changes.is_empty:
        delete = parse_delete(request if intent == "delete" else f"delete {request}", now)
        if delete.ref.is_empty or delete.every is not None:
            return None
        return _delete(conversation, toolbox, delete)
    if replies.WHICH_CHANGES in asked:
        update = parse_update(request, now)
        if update.ref.is_empty or update.changes.is_empty:
            return None
        return _update(conversation, toolbox, update)
    return None


def _answer_to_our_offer(
    conversation: Conversation, toolbox: Toolbox, catalog: SpecialistCatalog | None
) -> Step | None:
    """After "It sounds urgent: make it high?", a yes sets that priority and a no leaves it; after a
    specialist's offer ("Say “create them”", "Say “set it”"), a yes goes back to that specialist."""
    asked = conversation.last_assistant_text()
    if asked and (CREATE_OFFER in asked or SET_OFFER in asked) and said_yes(conversation.request):
        specialist = previous_specialist(conversation, catalog) if catalog is not None else None
        target = toolbox.handoffs.get(specialist or ("breakdown" if CREATE_OFFER in asked else "scheduler"))
        if target is not None:
            return Calls([Call(target, {})])
    delete_offer = replies.DELETE_OFFER.search(asked) if asked else None
    if delete_offer and said_yes(conversation.request):
        return _delete(
            conversation,
            toolbox,
            DeleteCommand(Reference(phrase=conversation.request, ids=[int(delete_offer.group("id"))])),
        )
    offer = replies.PRIORITY_OFFER.search(asked) if asked else None
    if offer is None:
        return None
    task_id, level = int(offer.group("id")), offer.group("level")
    request = conversation.request
    accepted = said_yes(request) or re.fullmatch(
        rf"\W*(?:(?:yes|ok(?:ay)?|sure)\W+)?(?:make|set|mark)\s+it\s+{level}(?:\s+prio(?:rity)?)?\W*(?:please\W*)?",
        request,
        re.IGNORECASE,
    )
    if accepted:
        update = UpdateCommand(Reference(phrase=request, ids=[task_id]), Changes(priority=level))
        return _update(conversation, toolbox, update)
    if said_no(request) and len(request.split()) <= 4:
        return Reply(replies.offer_declined(task_id))
    return None  # a new request of its own


_LEADING_APOLOGY = re.compile(
    r"^(?:(?:sorry|soz|oops|whoops|oh|ah|er+m?|um+|my\s+bad|i\s+mean[t]?)\b[\s,.!-]*)+(?=\S)", re.IGNORECASE
)


def _answer_to_our_question(conversation: Conversation) -> tuple[str, Reference] | None:
    """After "Which one do you mean?" (or "Which task do you mean?", asked of "make it high priority"), a
    bare answer ("#2", "the finance one") completes the request."""
    asked = conversation.last_assistant_text()
    if not asked or (replies.WHICH_ONE not in asked and replies.WHICH_TASK not in asked):
        return None
    exchange = conversation.previous_exchange()
    if exchange is None:
        return None
    original = exchange[0]
    answer = (
        _LEADING_APOLOGY.sub("", conversation.request.strip()) or conversation.request
    )  # "Sorry, the council one"
    if (
        re.search(r"\b(?:both|all)(?:\s+of\s+them)?\b|\beach\s+of\s+them\b", answer, re.I)
        and len(answer.split()) <= 7
    ):
        listed = [task for task in _listed_in(asked) if task]
        # "both the fix ones" among three: the ones its words fit; "both of them", "all of them": every one
        words = clean_phrase(
            re.sub(r"\b(?:both|all|each|of|them|ones?|actually|oh|yes|yeah|please)\b", " ", answer)
        )
        if words:
            listed = [task for task in listed if match_score(words, task) >= STRONG_MATCH]
        if len(listed) > 1 and (len(listed) == 2 or not re.search(r"\bboth\b", answer, re.I)):
            return original, Reference(phrase=answer, ids=[task.id for task in listed], plural=True)
    # "the lanyards, not the badges"; "the fundraiser one. the AGM is still on": the first sentence names it
    meant = NOT_THAT_ONE.sub("", re.split(r"(?<=\w)[.!]\s+(?=\w)", answer, maxsplit=1)[0])
    reference = parse_reference(
        re.sub(r"\b(?:i\s+mean|the\s+one\s+(?:called|named|about))\b", " ", meant, flags=re.I)
    )
    # A bare id or ordinal ("#2", "the second") answers the question whatever the model reads into it
    # (it may take "#2" for a lookup); anything longer may be a new request of its own.
    bare = len(answer.split()) <= 3 and (bool(reference.ids) or reference.ordinal is not None)
    if not bare:
        classification = classify_chat(answer)
        # "the one for mum" may read as a search; "find the one for mum" is one
        named = classification.intent == "find" and not re.search(
            r"\b(?:find|search|look|where)", answer, re.I
        )
        if classification.intent is not None and classification.intent != "update" and not named:
            return None
        if classification.intent == "update" and not parse_update(answer, conversation.now).changes.is_empty:
            return None  # a fresh, complete request
    if reference.description:
        # "the finance one": choose among the tasks the question listed, not the whole list.
        options = [task for task in _listed_in(asked) if task]
        chosen = best_matches(reference.description, options, prefer_open=False) if options else []
        if len(chosen) == 1:
            reference = Reference(phrase=answer, ids=[chosen[0].id])
    if reference.ordinal is not None:
        options = [task for task in _listed_in(asked) if task]
        index = reference.ordinal - 1 if reference.ordinal > 0 else len(options) + reference.ordinal
        if 0 <= index < len(options):
            reference = Reference(phrase=answer, ids=[options[index].id])
    if reference.is_empty or reference.pronoun:
        return None
    return original, reference


# "and the receipts one too", "same for the gym task", "the yoga one as well": the last change, another task.
# "And the gate one as well, while you're at it.": said around the name, not part of it.
_WHILE_AT_IT = re.compile(
    r"[\s,]*\b(?:while\s+you'?re\s+at\s+it|if\s+you\s+(?:would|could|don'?t\s+mind|please)|would\s+you|please|pls"
    r"|thanks|thank\s+you)\b[\s,.!?]*",
    re.IGNORECASE,
)
_ALSO = re.compile(
    r"^\W*(?:and|also|plus|same\s+(?:for|with|goes\s+for)|ditto(?:\s+for)?)\b|\b(?:too|as\s+well)\W*$",
    re.IGNORECASE,
)


_ACTION_FIRST = re.compile(
    r"^(?:please\s+)?(?:delete|remove|drop|mark|set|move|push|change|rename|add|create|make|show|list|complete"
    r"|finish|start|cancel|update|edit|put|schedule|tick|check|close|reopen|bump|clear)\b",
    re.IGNORECASE,
)


def _same_for_another(conversation: Conversation) -> tuple[str, Reference] | None:
    """A follow-up that names another task for the change or deletion just made (and nothing else)."""
    request = conversation.request
    exchange = conversation.previous_exchange()
    said = _WHILE_AT_IT.sub(" ", request)
    if exchange is None or not _ALSO.search(said) or len(said.split()) > 8:
        return None
    original = exchange[0]
    if classify_chat(original).intent not in ("update", "delete"):
        return None
    named = _ALSO.sub(" ", _ALSO.sub(" ", said)).strip(" ,.!?")
    if _ACTION_FIRST.match(named) or not parse_update(named, conversation.now).changes.is_empty:
        return None  # a request of its own ("and delete the last one", "and make it urgent")
    reference = parse_reference(named)
    if reference.is_empty or reference.pronoun:
        return None
    return original, reference


# What a follow-up that only adds fields may say besides them ("sunday would be good", "sorry, friday at 9am",
# "and it's due tomorrow, pretty urgent actually", "both urgent"): none of these words names a task.
_FOLLOW_UP_WORDS = frozenset(
    """a actually ah all also and as at be best better both btw by can could date deadline do doing done
    due not sorry wait oops add to each fine for good great i i'd if in is it it'd it's its just let's
    lets make mean meant ment need needs now oh ok okay on one ones please pls plus poss possible prefer
    pretty probably put quite rather really say set should so sorry that that's the them then these they
    this those to too um umm well will work works would yeah yes yep you morning evening afternoon night
    arvo tonight guess suppose reckon think maybe perhaps ought have said mention mentioned forgot
    forget n y time thanks thank many cheers kindly ta ya yea mate righto u like lah la leh lor hor eh ja
    aye boet bro instead same sure no nope confused mixed up hmm after around about starts start an""".split()  # noqa: SIM905  (a list of 158 words reads better so)
)


_I_MEANT = re.compile(
    r"^\W*(?:(?:sorry|oops|no|wait|actually)\W+)*"
    r"(?:(?:i\s+)?(?:meant|mean|ment)|it'?s|it\s+is|(?:it\s+)?should\s+(?:be|say|read))\s+(?P<new>.+?)"
    r"(?:,?\s+not\s+(?P<old>[^,.!?]+?))?"
    # "..., can you fix the title": the request said again
    r"(?:\W+(?:(?:can|could)\s+(?:you|u)\s+|pls\s+|please\s+)?(?:fix|change|correct|update|edit)\s+(?:the\s+)?"
    r"(?:title|name|typo|spelling)(?:\s+(?:pls|please|thanks))?)?\W*$",
    re.IGNORECASE,
)


def _words_replaced(title: str, new: str) -> str:
    """The words of `title` that "I meant <new>" replaces, when it does not say which: those ending with the
    new words' last ("Buy milk", "oat milk": "milk"), or from their first to the end ("Book a table for
    two", "table for four": "table for two"); "" when the title has neither."""
    words, wanted = title.split(), [word.lower() for word in new.split()]
    lowered = [word.lower().strip(".,!?") for word in words]
    if not wanted:
        return ""
    if wanted[-1] in lowered:
        end = lowered.index(wanted[-1])
        start = end
        while start > 0 and lowered[start - 1] in wanted:
            start -= 1
        return " ".join(words[start : end + 1])
    if wanted[0] in lowered:
        return " ".join(words[lowered.index(wanted[0]) :])
    return ""


def _title_corrected(conversation: Conversation, request: str) -> UpdateCommand | None:
    """ "sorry I meant printer paper not ink" after "Created task #4: Buy printer ink": the title, mended."""
    said = _I_MEANT.match(request)
    answer = conversation.last_assistant_text()
    ids = mentioned_ids(Entry("assistant", answer)) if answer and said else []
    if said is None or len(ids) != 1:
        return None
    title = titles_from_history(conversation.history).get(ids[0], "")
    new = said.group("new").strip()
    if find_priority(new) or find_dates(new, conversation.now) or find_status(new):
        return None  # "sorry i meant urgent not high": a field, read by the field follow-up
    old = (said.group("old") or "").strip() or _words_replaced(title, new)
    if not old or not re.search(rf"\b{re.escape(old)}\b", title, re.IGNORECASE):
        return None
    mended = re.sub(rf"\b{re.escape(old)}\b", new, title, count=1, flags=re.IGNORECASE).split()
    for size in (3, 2, 1):  # "Buy printer printer paper": the words the new ones repeat go
        index = 0
        while index + 2 * size <= len(mended):
            if [w.lower() for w in mended[index : index + size]] == [
                w.lower() for w in mended[index + size : index + 2 * size]
            ]:
                del mended[index : index + size]
            else:
                index += 1
    return UpdateCommand(Reference(phrase=request, ids=ids), Changes(title=" ".join(mended)))


def _without_remarks(request: str, now: datetime) -> str:
    """A follow-up without the clauses that only say why ("actually make it 8:30, the lines only open at
    half 8", "wait no, Thursday! their planner needs it earlier"): when one clause only sets fields, those
    with two words or more of their own are remarks."""
    clauses: list[tuple[str, bool]] = []  # each clause, and whether a reason's word led to it ("so", "as")
    for sentence in _sentences(request):
        start, reason = 0, False
        for joint in _REMARK_BREAK.finditer(sentence):
            clauses.append((sentence[start : joint.start()], reason))
            start, reason = joint.end(), not re.match(r"\s*[,;]", joint.group())
        clauses.append((sentence[start:], reason))
    if len(clauses) < 2:
        return request
    left = [_words_left(parse_update(clause, now)) for clause, _ in clauses]
    if not any(words == [] for words in left):
        return request  # no clause only sets fields
    return ", ".join(
        clause
        for (clause, reason), words in zip(clauses, left, strict=True)
        if len(words or ()) < (1 if reason else 2)
    )


def _words_left(update: UpdateCommand) -> list[str] | None:
    """The words of a clause that are neither its fields nor filler (None when it sets no field)."""
    words = [
        word
        for word in re.findall(r"[a-z](?:[a-z']*[a-z])?", update.ref.phrase.lower())
        if word not in _FOLLOW_UP_WORDS
    ]
    return None if update.changes.is_empty and not words else words


_BARE_LEVEL = re.compile(
    r"^\W*(?:(?:sorry|oops|no|wait|actually)\W+)*(?:i\s+(?:meant|mean)\s+)?"
    r"(?:(?:make\s+)?(?:them\s+|it\s+)?(?:both|all|each)(?:\s+of\s+them)?\s+)?(?P<level>urgent|high|low|normal|medium)"
    r"\W*(?:prio(?:rity)?)?(?:\W*not\s+(?:urgent|high|low|normal|medium))?\W*(?:please|pls|thanks)?\W*$",
    re.IGNORECASE,
)
_PLURAL_WORDS = frozenset({"both", "all", "them", "they", "these", "those", "each"})


def _fields_for_the_last_tasks(conversation: Conversation, request: str) -> UpdateCommand | None:
    """A follow-up that only adds fields ("friday at 9am", "it's urgent actually", "both urgent") is for the
    task the last answer created, changed or asked about (or all of them, when it says "both")."""
    answer = conversation.last_assistant_text()
    if not answer or answer.startswith("You have") or replies.WHICH_ONE in answer:
        return None  # a list's follow-up filters it; a question's answer is read by its own reader
    ids = mentioned_ids(Entry("assistant", answer))
    if not ids:
        return None
    bare = _BARE_LEVEL.match(request)  # "high", the answer to "What should I change on #3?"
    said = f"{bare.group('level')} priority" if bare else _without_remarks(request, conversation.now)
    update = parse_update(said, conversation.now)
    ref = update.ref
    if update.changes.is_empty or update.every is not None or ref.ids or ref.ordinal is not None:
        return None
    if _words_left(update):
        return None  # words that name something else ("dentist friday")
    plural = bool(_PLURAL_WORDS.intersection(re.findall(r"[a-z']+", request.lower())))
    if len(ids) > 1 and not plural:
        return None
    update.ref = Reference(phrase=request, ids=ids)
    due = update.changes.due
    if NO_TIME_FOR_THE_REMINDER in answer and due is not None and update.changes.reminder is None:
        # "remind me to call grandad" / "sunday at 5": the time asked for, so the reminder it was for
        timed = due != end_of_day(due.date(), zone_of(due))
        update.changes.reminder = RelativeReminder(
            "", (0, 0), minutes=0 if timed else None, at=None if timed else time(REMINDER_HOUR, 0)
        )
    return update


def _listed_in(text: str) -> list[TaskInfo]:
    found = []
    for match in re.finditer(r"^\s*\d+[.)]\s+#(?P<id>\d+)\s+(?P<title>[^\n(]+)", text, re.MULTILINE):
        found.append(TaskInfo(id=int(match.group("id")), title=match.group("title").strip()))
    return found


# --- update and delete ------------------------------------------------------------------------------------


def _update(conversation: Conversation, toolbox: Toolbox, command: UpdateCommand) -> Step:
    if not toolbox.has("update_task"):
        return Reply(replies.missing_tool("update_task"))
    done = conversation.results("update_task")
    if done:
        return _report_updates(conversation, done, command.changes)
    if command.every is not None:
        targets = _every_task(conversation, toolbox, command.every)
    else:
        targets = resolve(conversation, toolbox, command.ref, prefer_open=command.changes.status != "pending")
    if not isinstance(targets, Targets):
        return targets
    changes = command.changes
    if changes.is_empty:
        known = targets.known.get(targets.ids[0])
        return Reply(replies.nothing_to_change(known.label if known else f"#{targets.ids[0]}"))
    if changes.needs_current_task:
        missing = [task_id for task_id in targets.ids if task_id not in targets.known]
        if missing:
            listing = conversation.last_result("list_tasks")
            if listing is None:
                return Calls([Call("list_tasks", {"limit": 200})])
            for task in tasks_in(listing.output, "tasks"):
                targets.known.setdefault(task.id, task)
    if changes.reminder is not None:
        undated = [targets.known[task_id] for task_id in targets.ids if task_id in targets.known]
        undated = [task for task in undated if task.due_date is None and changes.due is None]
        if undated:
            return Reply(replies.no_due_date_to_remind(undated[0]))
    calls = [
        Call("update_task", _update_arguments(task_id, changes, targets.known.get(task_id), conversation))
        for task_id in targets.ids
    ]
    return Calls(calls)


def _update_arguments(
    task_id: int, changes: Changes, current: TaskInfo | None, conversation: Conversation
) -> dict[str, Any]:
    args: dict[str, Any] = {"task_id": task_id}
    if changes.title:
        args["title"] = changes.title
    elif changes.respell and current is not None:
        title = respelled(current.title, changes.respell)
        if title:
            args["title"] = title
    if changes.description:
        args["description"] = changes.description
    if changes.status:
        args["status"] = changes.status
    if changes.priority:
        args["priority"] = changes.priority
    if changes.clear_description:
        args["description"] = None
    if changes.clear_due:
        args["due_date"] = None
    elif (
        changes.due is not None and changes.time_only and current is not None and current.due_date is not None
    ):
        day = current.due_date.astimezone(conversation.now.tzinfo).date()
        moved = datetime.combine(day, changes.due.time(), tzinfo=zone_of(changes.due))  # that day's offset
        args["due_date"] = moved.isoformat(timespec="seconds")
    elif (
        changes.due is not None
        and changes.day_only
        and current is not None
        and current.due_date is not None
        and current.due_date.astimezone(conversation.now.tzinfo).time() != END_OF_DAY
    ):
        # "Thursday, same time": the new day at the time of day the task had
        held = current.due_date.astimezone(conversation.now.tzinfo).time()
        moved = datetime.combine(changes.due.date(), held, tzinfo=zone_of(changes.due))
        args["due_date"] = moved.isoformat(timespec="seconds")
    elif changes.due is not None:
        args["due_date"] = changes.due.isoformat(timespec="seconds")
    elif changes.shift_days:
        moved = day_after_shift(current.due_date if current else None, changes.shift_days, conversation.now)
        args["due_date"] = moved.isoformat(timespec="seconds")
    if changes.add_tags or changes.remove_tags:
        tags = list(current.tags) if current else []
        tags = [tag for tag in tags if tag.lower() not in changes.remove_tags]
        tags.extend(tag for tag in changes.add_tags if tag not in tags)
        args["tags"] = tags
    if changes.estimate_minutes:
        args["estimate_minutes"] = changes.estimate_minutes
    due = changes.due or (current.due_date if current is not None else None)
    if changes.reminder is not None and current is not None and due is not None:
        due = due.astimezone(conversation.now.tzinfo)
        added = {"before_minutes": changes.reminder.before_minutes(due)}
        kept = [reminder for reminder in current.reminders if reminder != added]
        args["reminders"] = [*kept, added]
    return args


def _report_updates(conversation: Conversation, results: list[ToolResult], changes: Changes) -> Step:
    errors = [result.error for result in results if result.error]
    updated = [task for result in results if not result.error for task in tasks_in_output(result.output)]
    text = replies.updated(updated, changes, conversation.now) if updated else ""
    if errors:
        text = (text + "\n" if text else "") + replies.failed([error for error in errors if error])
    return Reply(text or "Done.")


def _delete(conversation: Conversation, toolbox: Toolbox, command: DeleteCommand) -> Step:
    if not toolbox.has("delete_task"):
        return Reply(replies.missing_tool("delete_task"))
    done = conversation.results("delete_task")
    if done:
        removed: list[TaskInfo] = []
        errors = []
        for result in done:
            if result.error:
                errors.append(result.error)
            elif isinstance(result.output, dict) and isinstance(result.output.get("deleted"), dict):
                info = result.output["deleted"]
                task = TaskInfo.from_json(
                    {"id": result.call.arguments.get("task_id", 0), "title": "", **info}
                )
                if task is not None:
                    removed.append(task)
        text = replies.deleted(removed, conversation.now) if removed else ""
        if errors:
            text = (text + "\n" if text else "") + replies.failed(errors)
        return Reply(text or "Done.")
    if command.every is not None and command.every.describe() == "tasks":
        # No filter at all: deleting every task is too big to do on one sentence.
        return Reply(
            "I won't delete all your tasks at once. Name a group, like “delete all completed tasks”, "
            "or the tasks themselves."
        )
    if command.every is not None:
        targets = _every_task(conversation, toolbox, command.every)
    elif command.ref.is_empty:
        return Reply(replies.which_task())
    else:
        targets = resolve(conversation, toolbox, command.ref, prefer_open=False)
    if not isinstance(targets, Targets):
        return targets
    if targets.in_passing:
        task = targets.known[targets.ids[0]]
        return Reply(replies.delete_offer(task, conversation.now))
    return Calls([Call("delete_task", {"task_id": task_id}) for task_id in targets.ids])
