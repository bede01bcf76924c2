"""OfflineModel through the real Agents SDK: the stream's shape, hand-offs, and conversations over turns."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from agents import ModelSettings, RunConfig, Runner
from agents.models.interface import ModelTracing
from agents.stream_events import AgentUpdatedStreamEvent, RawResponsesStreamEvent, RunItemStreamEvent
from openai.types.responses import ResponseOutputMessage

from taskagent.agents.offline import OfflineModel
from taskagent.agents.scheduling import suggest_schedule
from tests.agents.offline.harness import BenchContext, Chat, Store, build_team, user_item

UTC_ZONE = ZoneInfo("UTC")
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
INSTRUCTIONS = "Now: 2026-11-25T10:00:00+00:00 [UTC]"


def bench(*titles: str, **fields: Any) -> BenchContext:
    store = Store()
    for title in titles:
        store.add(WEDNESDAY, title=title, **fields)
    return BenchContext(store=store, now=WEDNESDAY, zone=UTC_ZONE)


def due_day(task: dict[str, Any]) -> date | None:
    value = task["due_date"]
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date() if value else None


async def collect(model: OfflineModel, items: Any, tools: list[Any] | None = None) -> list[Any]:
    return [
        event
        async for event in model.stream_response(
            INSTRUCTIONS,
            items,
            ModelSettings(),
            tools or [],
            None,
            [],
            ModelTracing.DISABLED,
            previous_response_id=None,
            conversation_id=None,
            prompt=None,
        )
    ]


class TestStreamShape:
    async def test_a_text_answer_streams_one_delta_per_word(self) -> None:
        events = await collect(OfflineModel("task_manager"), "hello")
        types = [event.type for event in events]
        assert types[:5] == [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
        ]
        assert types[-4:] == [
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
        deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
        done = next(event for event in events if event.type == "response.output_text.done")
        assert len(deltas) == len(done.text.split())
        assert "".join(deltas) == done.text
        completed = events[-1].response
        assert completed.output[0].content[0].text == done.text
        assert completed.usage.input_tokens > 0 and completed.usage.output_tokens > 0
        assert [event.sequence_number for event in events] == list(range(len(events)))

    async def test_function_calls_stream_their_arguments(self) -> None:
        team = build_team()
        tools = team.task_manager.tools
        events = await collect(OfflineModel("task_manager"), "Create a task to water the plants", tools)
        types = [event.type for event in events]
        assert types == [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
        call = events[-1].response.output[0]
        assert call.name == "create_tasks"
        assert json.loads(call.arguments) == {"tasks": [{"title": "Water the plants"}]}
        assert call.call_id

    async def test_get_response_decides_the_same_as_the_stream(self) -> None:
        model = OfflineModel("task_manager")
        response = await model.get_response(
            INSTRUCTIONS,
            "What can you do?",
            ModelSettings(),
            [],
            None,
            [],
            ModelTracing.DISABLED,
            previous_response_id=None,
            conversation_id=None,
            prompt=None,
        )
        streamed = (await collect(model, "What can you do?"))[-1].response
        assert isinstance(response.output[0], ResponseOutputMessage)
        assert isinstance(streamed.output[0], ResponseOutputMessage)
        assert response.output[0].content[0] == streamed.output[0].content[0]
        assert response.usage.requests == 1 and response.usage.total_tokens > 0

    def test_unknown_role(self) -> None:
        with pytest.raises(ValueError, match="Unknown role"):
            OfflineModel("oracle")


class TestThroughTheRunner:
    async def test_streamed_text_reaches_the_runner_word_by_word(self) -> None:
        chat = Chat(build_team(), bench("Water the plants", "Renew passport"))
        result = await chat.say("What tasks do I have?")
        assert len(result.deltas) > 5
        assert "".join(result.deltas) == result.text

    async def test_hand_offs_show_in_the_stream(self) -> None:
        team = build_team()
        context = bench("Redesign the website")
        context.focus_task_id = 1
        streamed = Runner.run_streamed(team.triage, [user_item("Help me break this down")], context=context)
        names: list[str] = []
        agents: list[str] = []
        deltas = 0
        async for event in streamed.stream_events():
            if isinstance(event, RunItemStreamEvent):
                names.append(event.name)
            elif isinstance(event, AgentUpdatedStreamEvent):
                agents.append(event.new_agent.name)
            elif (
                isinstance(event, RawResponsesStreamEvent) and event.data.type == "response.output_text.delta"
            ):
                deltas += 1
        assert agents == ["Triage Agent", "Breakdown Agent"]
        assert names[:2] == ["handoff_requested", "handoff_occured"]
        assert "tool_called" in names and "tool_output" in names and names[-1] == "message_output_created"
        assert deltas > 20
        assert streamed.final_output.startswith("Steps for #1 Redesign the website")
        assert streamed.context_wrapper.usage.requests >= 3

    async def test_nested_hand_off_history_still_routes_and_answers(self) -> None:
        team = build_team()
        context = bench("Integrate the payment API")
        context.focus_task_id = 1
        result = await Runner.run(
            team.triage,
            [user_item("I'm stuck, the vendor never sent the API keys")],
            context=context,
            run_config=RunConfig(nest_handoff_history=True),
        )
        assert result.last_agent.name == "Blocker Agent"
        assert "Integrate the payment API" in str(result.final_output)


class TestHelpThreads:
    async def test_breakdown_then_a_step_then_create_them(self) -> None:
        team = build_team()
        context = bench("Write the annual report")
        context.focus_task_id = 1
        chat = Chat(team, context)
        first = await chat.say("Help me break this down into steps", team.triage)
        assert first.agent == "Breakdown Agent"
        assert "2. Outline the annual report" in first.text

        second = await chat.say("and the second step?", team.triage)
        assert second.agent == "Breakdown Agent"
        assert "step 2: **Outline the annual report: sections and key points**" in second.text
        assert "Next: step 3" in second.text

        third = await chat.say("ok, create them", team.triage)
        assert third.agent == "Breakdown Agent"
        subtasks = [task for task in context.store.tasks.values() if task["parent_id"] == 1]
        assert len(subtasks) == 5
        assert subtasks[1]["title"] == "Outline the annual report: sections and key points"
        assert subtasks[1]["estimate_minutes"] == 30
        assert f"#{subtasks[0]['id']}" in third.text

    async def test_scheduler_proposes_then_sets_only_when_asked(self) -> None:
        team = build_team()
        context = bench("Prepare the board presentation")
        context.store.tasks[1]["due_date"] = "2026-12-04T23:59:00Z"
        context.store.tasks[1]["estimate_minutes"] = 240
        context.store.add(
            WEDNESDAY, title="Quarterly numbers", due_date="2026-11-26T23:59:00Z", estimate_minutes=300
        )
        context.focus_task_id = 1
        chat = Chat(team, context)
        first = await chat.say("When should I work on this? I have a busy week", team.triage)
        assert first.agent == "Scheduler Agent"
        assert "I suggest working on it on" in first.text and "Why:" in first.text
        assert "Quarterly numbers" in first.text  # the competing task
        assert context.store.tasks[1]["due_date"] == "2026-12-04T23:59:00Z"
        assert [name for name, _ in context.tool_log] == ["get_task", "list_open_tasks", "suggest_schedule"]

        others = [task for task in context.store.tasks.values() if task["id"] != 1]
        proposed = suggest_schedule(context.store.tasks[1], others, WEDNESDAY, UTC_ZONE)["day"]
        second = await chat.say("set it", team.triage)
        assert second.agent == "Scheduler Agent"
        assert [name for name, _ in context.tool_log[-4:]] == [
            "get_task",
            "list_open_tasks",
            "suggest_schedule",
            "set_due_date",
        ]
        assert due_day(context.store.tasks[1]) == date.fromisoformat(proposed)
        assert "now due" in second.text

        third = await chat.say("Actually, schedule it for Friday", team.triage)
        assert third.agent == "Scheduler Agent"
        assert due_day(context.store.tasks[1]) == date(2026, 11, 27)

    async def test_blocker_follow_up_stays_with_the_blocker(self) -> None:
        team = build_team()
        context = bench("Integrate the payment API")
        context.focus_task_id = 1
        chat = Chat(team, context)
        await chat.say("I'm stuck, the vendor never sent the API keys", team.triage)
        follow_up = await chat.say("ok, what exactly should I send them?", team.triage)
        assert follow_up.agent == "Blocker Agent"
        assert "Follow-up to send" in follow_up.text and "the API keys" in follow_up.text


class TestChatConversations:
    async def test_it_refers_to_the_task_just_created(self) -> None:
        context = bench()
        chat = Chat(build_team(), context)
        await chat.say("Create a task to book the venue")
        reply = await chat.say("that one is urgent")
        assert context.store.tasks[1]["priority"] == "urgent"
        assert reply.text == "Updated #1 Book the venue: priority urgent."
        assert [name for name, _ in context.tool_log] == ["create_tasks", "update_task"]

    async def test_positions_refer_to_the_last_list(self) -> None:
        context = bench("Water the plants", "Renew passport", "Call the bank")
        chat = Chat(build_team(), context)
        await chat.say("show my tasks")
        await chat.say("mark the second one complete")
        assert context.store.tasks[2]["status"] == "completed"
        await chat.say("and delete the last one")
        assert 3 not in context.store.tasks

    async def test_an_ambiguous_reference_asks_and_the_answer_completes_it(self) -> None:
        context = bench("Review marketing report", "Review finance report")
        chat = Chat(build_team(), context)
        question = await chat.say("Mark the report task as done")
        assert "Which one do you mean?" in question.text
        assert all(task["status"] == "pending" for task in context.store.tasks.values())
        await chat.say("#2")
        assert context.store.tasks[2]["status"] == "completed"
        assert context.store.tasks[1]["status"] == "pending"

    async def test_it_with_several_candidates_asks(self) -> None:
        context = bench()
        chat = Chat(build_team(), context)
        await chat.say("Create 2 tasks: buy milk, call mom")
        reply = await chat.say("make it urgent")
        assert "Which one do you mean?" in reply.text and "#1" in reply.text and "#2" in reply.text
        assert {task["priority"] for task in context.store.tasks.values()} == {"normal"}

    async def test_a_tool_error_is_reported_plainly(self) -> None:
        chat = Chat(build_team(), bench())
        reply = await chat.say("Mark task 99 as done")
        assert reply.text == "I couldn't do that: Task 99 not found."

    async def test_nothing_understood_changes_nothing(self) -> None:
        context = bench("Walk the dog")
        reply = await Chat(build_team(), context).say("blorp the snazzle")
        assert reply.text.startswith("I didn't understand “blorp the snazzle”")
        assert context.tool_log == []

    async def test_bulk_changes_apply_to_every_listed_task(self) -> None:
        context = bench("Old report", "Older report")
        context.store.add(WEDNESDAY, title="Keep", status="pending")
        context.store.tasks[1]["status"] = "completed"
        context.store.tasks[2]["status"] = "completed"
        reply = await Chat(build_team(), context).say("Delete all completed tasks")
        assert set(context.store.tasks) == {3}
        assert "#1 Old report" in reply.text and "#2 Older report" in reply.text

    async def test_dates_go_out_in_the_users_zone(self) -> None:
        context = bench()
        context.zone = ZoneInfo("America/New_York")
        context.now = datetime(2026, 10, 31, 10, 0, tzinfo=context.zone)
        await Chat(build_team(), context).say("Remind me to call the dentist tomorrow at 5pm")
        [(_, arguments)] = context.tool_log
        assert arguments["tasks"][0]["due_date"] == "2026-11-01T17:00:00-05:00"
        assert context.store.tasks[1]["due_date"] == "2026-11-01T22:00:00Z"

    async def test_hand_off_to_the_scheduler_plans_the_week(self) -> None:
        context = bench("Send the invoice")
        context.store.tasks[1]["due_date"] = "2026-11-24T23:59:00Z"
        context.store.add(
            WEDNESDAY, title="Prepare the talk", due_date="2026-11-27T23:59:00Z", estimate_minutes=240
        )
        reply = await Chat(build_team(), context).say("Help me plan my week")
        assert reply.agent == "Scheduler Agent"
        assert reply.text.startswith("Schedule for your week")
        assert "#1 Send the invoice" in reply.text and "#2 Prepare the talk" in reply.text

    async def test_what_did_we_just_do(self) -> None:
        chat = Chat(build_team(), bench())
        await chat.say("Create a task to write unit tests")
        reply = await chat.say("What did we just do?")
        assert "Create a task to write unit tests" in reply.text
        assert "Created task #1: Write unit tests" in reply.text

    async def test_chatkit_context_messages_are_not_the_request(self) -> None:
        team = build_team()
        context = bench()
        hidden = {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Hidden context for the agent (not shown to the user): x"}
            ],
        }
        items: list[Any] = [user_item("Add a task: buy stamps"), hidden]
        result = await Runner.run(team.task_manager, items, context=context)
        assert str(result.final_output) == "Created task #1: Buy stamps."
