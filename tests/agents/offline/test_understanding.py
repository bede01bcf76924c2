"""Intents, commands and references: what the engine reads from a message, without the SDK."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from taskagent.agents.offline.blockers import diagnose
from taskagent.agents.offline.breakdown import break_down, classify, object_of
from taskagent.agents.offline.commands import parse_create, parse_delete, parse_list, parse_update
from taskagent.agents.offline.conversation import Entry, read_conversation
from taskagent.agents.offline.intents import classify_chat, classify_help
from taskagent.agents.offline.references import best_matches, last_list, last_mentioned, parse_reference
from taskagent.agents.offline.tasks import TaskInfo

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("UTC"))  # a Wednesday


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo("UTC"))


class TestHelpTriage:
    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("When should I work on this? I have a busy week", "scheduler"),
            ("Is there enough time before the deadline?", "scheduler"),
            ("Which day works best for this?", "scheduler"),
            ("What should I do first, this or the other stuff?", "scheduler"),
            ("Can I postpone it to next week?", "scheduler"),
            ("Help me plan my week", "scheduler"),
            ("Help me break this down into steps", "breakdown"),
            ("Can you split this into smaller pieces?", "breakdown"),
            ("Where do I even start?", "breakdown"),
            ("What are the subtasks?", "breakdown"),
            ("Give me a checklist", "breakdown"),
            ("How should I approach this?", "breakdown"),
            ("I'm stuck, the vendor never sent the API keys", "blocker"),
            ("Waiting on legal to approve the contract", "blocker"),
            ("I don't have access to the repo", "blocker"),
            ("The build is broken and I can't deploy", "blocker"),
            ("The requirements are really unclear", "blocker"),
            ("Nobody has replied to my emails", "blocker"),
            ("I keep putting this off", "blocker"),
            ("help", "breakdown"),  # no cue at all: steps are useful for any task
        ],
    )
    def test_routes_to_the_specialist(self, text: str, kind: str) -> None:
        assert classify_help(text)[0] == kind

    @pytest.mark.parametrize(
        ("kind", "text"),
        [
            (kind, text)
            for kind, texts in {
                "scheduler": [
                    "When's a good time to tackle this?",
                    "Should I do this before the weekend?",
                    "How much time do I have left for this?",
                    "Can this wait until next month?",
                    "What day should I block for this?",
                    "I'm overloaded this week, when can I fit this in?",
                    "Is it realistic to get this done by Monday?",
                    "How should I schedule this around my meetings?",
                    "Which of my tasks should come first?",
                    "Help me find time for this",
                    "Do I need to start this today?",
                    "Is this urgent?",
                    "Can I push this to later?",
                    "When is the latest I can start?",
                    "Put this in my calendar",
                    "How does this fit with my deadlines?",
                    "What's the priority here?",
                    "Should I do it now or later?",
                    "Is there a better day for this?",
                    "Is there enough time to get this done before the deadline?",
                ],
                "breakdown": [
                    "How do I go about this?",
                    "What does this involve?",
                    "Can you give me a step-by-step plan?",
                    "List the steps needed",
                    "What's the first step?",
                    "This is a big project, help me organize it",
                    "Make this smaller",
                    "What needs to happen to finish this?",
                    "Can you outline the work?",
                    "How would you approach it?",
                    "Give me a to-do list for this",
                    "What are the milestones?",
                    "Help me structure this",
                    "How can I make progress on this today?",
                    "Decompose this",
                    "What should I do first for this task?",
                    "How do I do this?",
                    "Create subtasks for this",
                ],
                "blocker": [
                    "I'm blocked",
                    "Can't continue because IT hasn't given me a laptop",
                    "The API returns 500 errors",
                    "My manager hasn't approved the budget",
                    "I don't understand what's expected",
                    "The client keeps changing the requirements",
                    "I lost my password",
                    "Everything crashes when I run it",
                    "Waiting for feedback from the team",
                    "I have no motivation for this",
                    "This depends on another team's work",
                    "I'm missing information to continue",
                    "I need someone to sign off before I continue",
                    "The tool we use is down",
                    "I've been procrastinating on this for weeks",
                    "I need data I don't have",
                    "Legal hasn't gotten back to me",
                    "I got stuck on the design",
                ],
            }.items()
            for text in texts
        ],
    )
    def test_more_phrasings(self, kind: str, text: str) -> None:
        assert classify_help(text)[0] == kind


class TestChatIntents:
    @pytest.mark.parametrize(
        ("text", "intent"),
        [
            ("Create a task to review the Q4 report", "create"),
            ("remind me to call mom", "create"),
            ("I need to renew my passport", "create"),
            ("Set a reminder to water the plants", "create"),
            ("todo: buy stamps", "create"),
            ("Show my tasks", "list"),
            ("What's due today?", "list"),
            ("Which tasks are in progress?", "list"),
            ("Anything overdue?", "list"),
            ("How many tasks do I have?", "list"),
            ("Mark task 3 as done", "update"),
            ("I finished the report", "update"),
            ("Make the slides task high priority", "update"),
            ("Add a note to task 3: ask Sam", "update"),
            ("Remove the due date from task 9", "update"),
            ("Actually, make it due on Thursday instead", "update"),
            ("Delete task 4", "delete"),
            ("Get rid of the car wash task", "delete"),
            ("Find the task about passports", "find"),
            ("Is there a task about the dentist?", "find"),
            ("When is the report due?", "find"),
            ("hi", "greet"),
            ("Good morning!", "greet"),
            ("what can you do?", "capabilities"),
            ("thanks!", "thanks"),
            ("What did we just do?", "summary"),
            ("What was my last request?", "summary"),
            ("What task did you just create?", "summary"),
            ("hello again", "greet"),
            ("ok thanks", "thanks"),
        ],
    )
    def test_actions(self, text: str, intent: str) -> None:
        assert classify_chat(text).intent == intent

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("Can you help me plan my week?", "scheduler"),
            ("Break down the website redesign", "breakdown"),
            ("Create subtasks for task 3", "breakdown"),
            ("I'm stuck on the payment integration", "blocker"),
        ],
    )
    def test_hand_offs(self, text: str, kind: str) -> None:
        result = classify_chat(text)
        assert (result.intent, result.help_kind) == (None, kind)

    @pytest.mark.parametrize("text", ["blorp the snazzle", "purple", "42"])
    def test_nonsense_is_not_understood(self, text: str) -> None:
        result = classify_chat(text)
        assert (result.intent, result.help_kind) == (None, None)


class TestCreate:
    def test_fields_leave_the_title(self) -> None:
        command = parse_create("Create a low priority task to clean the garage in 3 days #home", NOW)
        assert command is not None
        [task] = command.tasks
        assert task.title == "Clean the garage"
        assert task.priority == "low"
        assert task.due == end_of(date(2026, 11, 28))
        assert task.tags == ["home"]

    def test_due_date_argument_is_iso_with_offset(self) -> None:
        paris = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
        command = parse_create("Create a task to prepare the demo tomorrow at 5pm", paris)
        assert command is not None
        assert command.tasks[0].arguments() == {
            "title": "Prepare the demo",
            "due_date": "2026-11-26T17:00:00+01:00",
        }

    def test_several_tasks_with_their_own_dates(self) -> None:
        command = parse_create("create 2 tasks: call Alice tomorrow and email Bob on Friday", NOW)
        assert command is not None
        assert [(task.title, task.due) for task in command.tasks] == [
            ("Call Alice", end_of(date(2026, 11, 26))),
            ("Email Bob", end_of(date(2026, 11, 27))),
        ]

    def test_shared_modifiers_in_the_header_apply_to_every_task(self) -> None:
        command = parse_create("Add 3 urgent tasks for tomorrow: backup, patch, reboot", NOW)
        assert command is not None
        assert [task.title for task in command.tasks] == ["Backup", "Patch", "Reboot"]
        assert {task.priority for task in command.tasks} == {"urgent"}
        assert {task.due for task in command.tasks} == {end_of(date(2026, 11, 26))}

    def test_quoted_titles(self) -> None:
        command = parse_create('Create tasks "Buy milk" and "Call mom", both tomorrow', NOW)
        assert command is not None
        assert [task.title for task in command.tasks] == ["Buy milk", "Call mom"]

    def test_description_estimate_and_tags(self) -> None:
        text = (
            'Add "Prepare Q1 OKRs", it takes 2 hours, with description: align with leadership, tag planning'
        )
        command = parse_create(text, NOW)
        assert command is not None
        [task] = command.tasks
        assert (task.title, task.estimate_minutes, task.description) == (
            "Prepare Q1 OKRs",
            120,
            "align with leadership",
        )
        assert task.tags == ["planning"]

    def test_a_repeating_task_keeps_its_first_date_and_loses_the_words(self) -> None:
        command = parse_create("Create a task for the weekly report due every Friday", NOW)
        assert command is not None
        [task] = command.tasks
        assert (task.title, task.due, task.repeats) == (
            "The weekly report",
            end_of(date(2026, 11, 27)),
            "every Friday",
        )

    @pytest.mark.parametrize(
        ("text", "title", "priority"),
        [
            ("Could you please add a new task for me: book the flights", "Book the flights", None),
            ("Add to my tasks: renew the lease", "Renew the lease", None),
            ("Create me a task to send the invoice", "Send the invoice", None),
            ("Add a to-do item: fix the sink", "Fix the sink", None),
            ("Write down: buy a new charger", "Buy a new charger", None),
            ("Can you create a task named 'Quarterly review' with low priority?", "Quarterly review", "low"),
            ("Add buy milk to my list", "Buy milk", None),
            ("I want a task to fix the fence", "Fix the fence", None),
            ("I should really clean my desk this weekend", "Clean my desk", None),
            ("Need to book a flight to Berlin next month", "Book a flight to Berlin", None),
            ("Create a high-priority task: patch the VPN server ASAP", "Patch the VPN server", "urgent"),
            ("Create a task to review the report with priority set to high", "Review the report", "high"),
            (
                "Create task: Prepare Q3 report. Priority: high. Due: next Monday.",
                "Prepare Q3 report",
                "high",
            ),
            ("Log a task: investigate the memory leak, urgent", "Investigate the memory leak", "urgent"),
            (
                "Create a task: Email Jane re: contract (urgent) due 12/15",
                "Email Jane re: contract",
                "urgent",
            ),
            ("Create a task to prepare for the Monday meeting", "Prepare for the Monday meeting", None),
            ("Add a task to watch the 2pm webinar", "Watch the 2pm webinar", None),
            ("I have a dentist appointment on Thursday at 3pm", "Dentist appointment", None),
        ],
    )
    def test_titles(self, text: str, title: str, priority: str | None) -> None:
        command = parse_create(text, NOW)
        assert command is not None
        assert [(task.title, task.priority) for task in command.tasks] == [(title, priority)]

    def test_no_title_means_no_command(self) -> None:
        assert parse_create("Create a task", NOW) is None

    @pytest.mark.parametrize(
        ("text", "title", "priority"),
        [
            ("Pay rent tomorrow !high", "Pay rent", "high"),
            ("Add a task to fix the roof !urgent", "Fix the roof", "urgent"),
            ("!low tidy the shed", "Tidy the shed", "low"),
            ("Call the bank !1", "Call the bank", "urgent"),
            ("Call the bank !2 tomorrow", "Call the bank", "high"),
            ("Water the ferns !4", "Water the ferns", "low"),
            ("Reply to Sam!", "Reply to Sam", None),  # an exclamation, not a priority
            ("Create a task: wow!high jump practice", "Wow!high jump practice", None),
        ],
    )
    def test_quick_add_priority_shortcuts(self, text: str, title: str, priority: str | None) -> None:
        command = parse_create(text, NOW)
        assert command is not None
        assert [(task.title, task.priority) for task in command.tasks] == [(title, priority)]

    @pytest.mark.parametrize(
        ("text", "title", "rule", "due"),
        [
            # No day named: the series starts today (its end) and counts from its due dates.
            (
                "Water the plants every 3 days",
                "Water the plants",
                "FREQ=DAILY;INTERVAL=3",
                end_of(NOW.date()),
            ),
            (
                "Add a task to back up the laptop every two weeks",
                "Back up the laptop",
                "FREQ=WEEKLY;INTERVAL=2",
                end_of(NOW.date()),
            ),
            (
                "Every Friday review the budget",
                "Review the budget",
                "FREQ=WEEKLY;BYDAY=FR",
                end_of(date(2026, 11, 27)),
            ),
            # A time alone goes to the first of the rule's days still to come (Wednesday 10:00 is past).
            (
                "Standup every weekday at 9:30",
                "Standup",
                "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
                datetime(2026, 11, 26, 9, 30, tzinfo=ZoneInfo("UTC")),
            ),
            (
                "Review the budget every Friday at 5pm",
                "Review the budget",
                "FREQ=WEEKLY;BYDAY=FR",
                datetime(2026, 11, 27, 17, 0, tzinfo=ZoneInfo("UTC")),
            ),
        ],
    )
    def test_repetition_with_counts_and_times(
        self, text: str, title: str, rule: str, due: datetime | None
    ) -> None:
        command = parse_create(text, NOW)
        assert command is not None
        [task] = command.tasks
        assert (task.title, task.recurrence, task.due) == (title, rule, due)
        assert task.repeat_from == "due"

    @pytest.mark.parametrize(
        ("text", "title", "rule", "due"),
        [
            (
                "Team sync every 2 weeks on Tuesday",
                "Team sync",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
                date(2026, 12, 1),
            ),
            ("Book club every 3rd Friday", "Book club", "FREQ=MONTHLY;BYDAY=+3FR", date(2026, 12, 18)),
            (
                "Invoice on the last day of every month",
                "Invoice",
                "FREQ=MONTHLY;BYMONTHDAY=-1",
                date(2026, 11, 30),
            ),
            ("Pay rent every month on the 1st", "Pay rent", "FREQ=MONTHLY;BYMONTHDAY=1", date(2026, 12, 1)),
            (
                "Call grandma every year on March 3",
                "Call grandma",
                "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3",
                date(2027, 3, 3),
            ),
            ("Gym every Monday and Thursday", "Gym", "FREQ=WEEKLY;BYDAY=MO,TH", date(2026, 11, 26)),
            (
                "Review the accounts every last Friday of the month",
                "Review the accounts",
                "FREQ=MONTHLY;BYDAY=-1FR",
                date(2026, 11, 27),
            ),
            (
                "Send the report weekly on Friday",
                "Send the report",
                "FREQ=WEEKLY;BYDAY=FR",
                date(2026, 11, 27),
            ),
        ],
    )
    def test_repetition_on_days_starts_on_the_first_of_them(
        self, text: str, title: str, rule: str, due: date
    ) -> None:
        [task] = parse_create(text, NOW).tasks  # type: ignore[union-attr]
        assert (task.title, task.recurrence, task.due) == (title, rule, end_of(due))

    def test_a_time_of_day_with_daily_is_the_due_dates(self) -> None:
        [task] = parse_create("Take vitamins daily at 7am", NOW).tasks  # type: ignore[union-attr]
        assert (task.title, task.recurrence) == ("Take vitamins", "FREQ=DAILY")
        assert task.due == datetime(2026, 11, 26, 7, 0, tzinfo=ZoneInfo("UTC"))  # 07:00 today is past

    def test_after_i_do_it_repeats_from_completion(self) -> None:
        [task] = parse_create("Water the plants every 3 days after I do it", NOW).tasks  # type: ignore[union-attr]
        assert (task.title, task.recurrence, task.repeat_from) == (
            "Water the plants",
            "FREQ=DAILY;INTERVAL=3",
            "completion",
        )

    def test_relative_reminders(self) -> None:
        [task] = parse_create("Dentist on Friday at 3pm, remind me 30 minutes before", NOW).tasks  # type: ignore[union-attr]
        assert (task.title, task.arguments()["reminders"]) == ("Dentist", [{"before_minutes": 30}])
        [rent] = parse_create(  # type: ignore[union-attr]
            "Pay rent every month on the 1st with a reminder the day before at 9", NOW
        ).tasks
        assert rent.arguments()["reminders"] == [{"before_minutes": 24 * 60 + (23 * 60 + 59) - 9 * 60}]
        [call] = parse_create("remind me to call mom at 5pm", NOW).tasks  # type: ignore[union-attr]
        assert (call.title, call.arguments()["reminders"]) == ("Call mom", [{"before_minutes": 0}])


class TestUpdate:
    def test_pronoun_with_several_changes(self) -> None:
        command = parse_update("Set it for Friday and mark it high priority", NOW)
        assert command.ref.pronoun
        assert (command.changes.due, command.changes.priority) == (end_of(date(2026, 11, 27)), "high")

    def test_description_reference(self) -> None:
        command = parse_update("Change the priority of the slides task to urgent", NOW)
        assert command.ref.description == "slides"
        assert command.changes.priority == "urgent"

    def test_status_verbs(self) -> None:
        assert parse_update("Start working on the budget review", NOW).changes.status == "in_progress"
        assert parse_update("I'm working on the budget now", NOW).changes.status == "in_progress"
        assert parse_update("Reopen task 5", NOW).changes.status == "pending"
        undo = parse_update("Undo that, mark it as not done", NOW)
        assert (undo.changes.status, undo.ref.pronoun) == ("pending", True)

    def test_rename_keeps_the_new_title_whole(self) -> None:
        command = parse_update("Rename task 7 to Plan the offsite on Friday", NOW)
        assert command.ref.ids == [7]
        assert command.changes.title == "Plan the offsite on Friday"

    def test_shift_clear_tags_estimate(self) -> None:
        assert parse_update("Postpone the report by 2 days", NOW).changes.shift_days == 2
        assert parse_update("Remove the due date from task 9", NOW).changes.clear_due
        assert parse_update("Tag task 6 with work and finance", NOW).changes.add_tags == ["work", "finance"]
        assert parse_update("Set the estimate for task 2 to 3 hours", NOW).changes.estimate_minutes == 180

    @pytest.mark.parametrize(
        ("text", "ids", "description", "changes"),
        [
            ("Change priority of task 3 to low", [3], "", {"priority": "low"}),
            ("Switch task 2 to in progress", [2], "", {"status": "in_progress"}),
            ("Set task 4 as high priority", [4], "", {"priority": "high"}),
            ("Bump the priority of the tax return to urgent", [], "tax return", {"priority": "urgent"}),
            ("Lower the priority of task 2", [2], "", {"priority": "low"}),
            ("Mark the laundry one as finished", [], "laundry", {"status": "completed"}),
            ("Push the meeting prep back a week", [], "meeting prep", {"shift_days": 7}),
            ("Bring the report forward by 2 days", [], "report", {"shift_days": -2}),
            ("Clear the description of task 4", [4], "", {"clear_description": True}),
        ],
    )
    def test_more_changes(
        self, text: str, ids: list[int], description: str, changes: dict[str, object]
    ) -> None:
        command = parse_update(text, NOW)
        assert (command.ref.ids, command.ref.description) == (ids, description)
        assert {name: value for name, value in vars(command.changes).items() if value} == changes

    def test_a_group(self) -> None:
        command = parse_update("Mark all overdue tasks as done", NOW)
        assert command.every is not None and command.every.overdue
        delete = parse_delete("Delete all completed tasks", NOW)
        assert delete.every is not None and delete.every.status == "completed"


class TestList:
    def test_filters(self) -> None:
        command = parse_list("Show my high priority tasks due this week", NOW)
        assert command.priority == "high"
        assert command.arguments()["due_before"] == "2026-11-29"
        assert command.arguments()["due_after"] == "2026-11-25"
        assert parse_list("What's overdue?", NOW).arguments() == {"overdue": True}
        assert parse_list("Show completed tasks", NOW).arguments() == {"status": "completed"}

    def test_order_instead_of_filter(self) -> None:
        command = parse_list("Show me my 5 most urgent tasks", NOW)
        assert (command.sort, command.limit, command.priority) == ("priority", 5, None)


class TestReferences:
    @pytest.mark.parametrize(
        ("phrase", "ids", "ordinal", "pronoun", "description"),
        [
            ("task 12", [12], None, False, ""),
            ("#12", [12], None, False, ""),
            ("tasks 3 and 4", [3, 4], None, False, ""),
            ("the first one", [], 1, False, ""),
            ("the last one", [], -1, False, ""),
            ("it", [], None, True, ""),
            ("that one", [], None, True, ""),
            ("the security audit task", [], None, False, "security audit"),
        ],
    )
    def test_parse(
        self, phrase: str, ids: list[int], ordinal: int | None, pronoun: bool, description: str
    ) -> None:
        ref = parse_reference(phrase)
        assert (ref.ids, ref.ordinal, ref.pronoun, ref.description) == (ids, ordinal, pronoun, description)

    def test_best_matches_keeps_ties_and_prefers_open_tasks(self) -> None:
        marketing = TaskInfo(1, "Review marketing report")
        finance = TaskInfo(2, "Review finance report")
        assert best_matches("report", [marketing, finance], prefer_open=True) == [marketing, finance]
        done = TaskInfo(3, "Review finance report", status="completed")
        assert best_matches("finance report", [finance, done], prefer_open=True) == [finance]
        assert best_matches(
            "groceries", [TaskInfo(4, "Buy groceries"), TaskInfo(5, "Wash the car")], prefer_open=True
        ) == [TaskInfo(4, "Buy groceries")]

    def test_history_gives_positions_and_it(self) -> None:
        history = [
            Entry("user", "show my tasks"),
            Entry("assistant", "You have 2 open tasks:\n1. #7 Water the plants\n2. #9 Renew passport"),
            Entry("user", "create a task to call mom"),
            Entry("assistant", "Created task #12: Call mom."),
        ]
        assert last_list(history) == [7, 9]
        assert last_mentioned(history) == [12]


class TestConversation:
    def test_reads_now_focus_request_and_this_turns_tool_results(self) -> None:
        items = [
            {"role": "user", "content": "earlier question"},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Created task #4: X."}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "mark it done"}]},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Hidden context for the agent (not shown to the user): x"}
                ],
            },
            {"type": "function_call", "call_id": "c1", "name": "update_task", "arguments": '{"task_id": 4}'},
            {"type": "function_call_output", "call_id": "c1", "output": '{"task": {"id": 4, "title": "X"}}'},
        ]
        conversation = read_conversation(
            "Now: 2026-11-25T10:00:00+01:00 [Europe/Paris]\nFocus task: #4", items
        )
        assert conversation.request == "mark it done"
        assert conversation.focus_task_id == 4
        assert str(conversation.zone) == "Europe/Paris"
        assert [result.call.name for result in conversation.turn] == ["update_task"]
        assert conversation.turn[0].output == {"task": {"id": 4, "title": "X"}}
        assert [entry.role for entry in conversation.history] == ["user", "assistant", "context"]

    def test_nested_hand_off_history_is_unfolded(self) -> None:
        summary = (
            "For context, here is the conversation so far between the user and the previous agent:\n"
            "<CONVERSATION HISTORY>\n1. user: break down task 3 please\n"
            '2. function_call: {"call_id": "c", "name": "transfer_to_breakdown_agent", "arguments": "{}"}\n'
            "</CONVERSATION HISTORY>"
        )
        conversation = read_conversation(None, [{"role": "assistant", "content": summary}])
        assert conversation.request == "break down task 3 please"


class TestSpecialistKnowledge:
    @pytest.mark.parametrize(
        ("title", "kind"),
        [
            ("Write the annual report", "writing"),
            ("Prepare the board presentation", "presentation"),
            ("Integrate the payment API", "software"),
            ("Research CRM vendors", "research"),
            ("Buy a new laptop", "purchase"),
            ("Plan the team offsite", "event"),
            ("Redesign the website", "design"),
            ("File the taxes", "admin"),
            ("Think about life", "generic"),
        ],
    )
    def test_kind_of_work(self, title: str, kind: str) -> None:
        assert classify(TaskInfo(1, title)).kind == kind

    def test_steps_are_verb_first_and_share_the_estimate(self) -> None:
        plan = break_down(TaskInfo(1, "Write the annual report", estimate_minutes=300))
        assert plan.steps[1].title == "Outline the annual report: sections and key points"
        assert abs(plan.total_minutes - 300) <= 15
        assert object_of("Offsite") == "“Offsite”"

    @pytest.mark.parametrize(
        ("text", "kind", "who", "what"),
        [
            ("I'm stuck, the vendor never sent the API keys", "waiting", "the vendor", "the API keys"),
            ("Waiting on Sarah for the final numbers", "waiting", "Sarah", "the final numbers"),
            ("I don't have access to the staging server", "access", None, None),
            ("The build keeps failing with an error", "broken", None, None),
            ("The requirements are unclear", "unclear", None, None),
            ("This is overwhelming, I keep putting it off", "too_big", None, None),
        ],
    )
    def test_blocker_kinds(self, text: str, kind: str, who: str | None, what: str | None) -> None:
        diagnosis = diagnose(text)
        assert (diagnosis.kind, diagnosis.who, diagnosis.what) == (kind, who, what)
