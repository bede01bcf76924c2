"""The ChatKit server: `respond()` is one agent turn of the task manager, rendered as ChatKit events.

What a turn does, in order (the SDK has already stored the user's message):
1. names the thread after its first user message (the SDK then saves it and sends `thread.updated`);
2. runs the task manager's turn (`agents.turn.AgentTurn`: run slot, history window, bounded run,
   deadline, failure message), showing a notice while it waits for a run slot;
3. renders the run as ChatKit events (`chatkit_events`): the SDK's bridge gives the text, and
   `chat.events` adds hand-offs and tool actions and gives every message a store id;
4. on a failure (provider error, a run limit hit): keeps what was already said and ends with an error
   event whose message the client shows; the thread stays usable (retry, or a new message).

The SDK stores the items this stream emits through our `Store` (`chat.store`, over the same tables as
help threads). On a client disconnect its `handle_stream_cancelled` stores the partial answer, and the
turn cancels the run so no tool acts for an answer nobody reads.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import UTC
from typing import Any

from agents import StreamEvent
from chatkit.agents import AgentContext as BridgeContext
from chatkit.agents import stream_agent_response
from chatkit.errors import CustomStreamError
from chatkit.server import ChatKitServer
from chatkit.types import ProgressUpdateEvent, ThreadMetadata, ThreadStreamEvent, UserMessageItem

from taskagent.agents.admission import WAITING_NOTICE
from taskagent.agents.context import AgentContext
from taskagent.agents.definitions import TASK_MANAGER
from taskagent.agents.turn import AgentTurn
from taskagent.audit.models import Channel
from taskagent.chat.context import ChatContext
from taskagent.chat.events import AssistantIds, RunObserver
from taskagent.chat.store import ConversationStore, message_text, title_from_message

logger = logging.getLogger(__name__)


class TaskAgentChatServer(ChatKitServer[ChatContext]):
    def __init__(self) -> None:
        super().__init__(ConversationStore())

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: ChatContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        runtime = context.runtime
        assert runtime is not None, "respond() needs the app's agent runtime in the context"
        if thread.title is None and input_user_message is not None:
            thread.title = title_from_message(message_text(input_user_message))
        if thread.created_at.tzinfo is None:  # the SDK makes threads with a local, naive `datetime.now()`
            thread.created_at = thread.created_at.astimezone(UTC)

        turn = AgentTurn(
            runtime,
            agent_key=TASK_MANAGER.id,
            context=AgentContext(
                user_id=context.user_id,
                session_factory=context.session_factory,
                timezone=context.timezone,
                now=context.now,
                channel=Channel.chat,
                reservation=context.reservation,
            ),
            thread_id=thread.id,
            workflow="chat",
        )
        if turn.must_wait():
            yield ProgressUpdateEvent(text=WAITING_NOTICE)
        render = functools.partial(self.chatkit_events, thread=thread, context=context)
        async with aclosing(turn.run(render)) as events:
            async for event in events:
                yield event
        if turn.failure is not None:
            raise CustomStreamError(turn.failure, allow_retry=turn.retry)

    async def chatkit_events(
        self, turn: AgentTurn, thread: ThreadMetadata, context: ChatContext
    ) -> AsyncGenerator[ThreadStreamEvent, None]:
        """The turn's run as ChatKit events: the SDK's bridge, with the gaps `chat.events` fills."""

        def new_id(kind: Any) -> str:
            return self.store.generate_item_id(kind, thread, context)

        observer = RunObserver(thread.id, new_id, TASK_MANAGER.name)
        ids = AssistantIds(thread.id, new_id)
        bridge: BridgeContext[ChatContext] = BridgeContext(
            thread=thread, store=self.store, request_context=context
        )
        observed: Any = _Observed(turn, observer)  # the bridge only calls stream_events()
        try:
            async for event in stream_agent_response(bridge, observed):
                for extra in observer.drain():
                    yield extra
                fixed = ids.fix(event)
                if fixed is not None:
                    yield fixed
        except asyncio.CancelledError:
            _abandon(turn, bridge)
            raise
        except Exception as exc:  # the bridge itself failed (the run's failures end its stream)
            _abandon(turn, bridge)
            turn.fail(exc)
        for extra in observer.drain():
            yield extra  # what the tools did, before a failure too, did happen: show it
        if turn.failure is not None:
            for done in ids.unfinished():
                yield done  # what was said before the failure is kept


class _Observed:
    """The turn's events on their way into the bridge pass the observer (which sees what it drops)."""

    def __init__(self, turn: AgentTurn, observer: RunObserver) -> None:
        self.turn, self.observer = turn, observer

    async def stream_events(self) -> AsyncIterator[StreamEvent]:
        async for event in self.turn.stream_events():
            self.observer.observe(event)
            yield event


def _abandon(turn: AgentTurn, bridge: BridgeContext[ChatContext]) -> None:
    """Stop the model run (no tool may act for an answer nobody reads) and wake the bridge's helper task
    that waits on its event queue, so that it ends with a value rather than staying pending."""
    if turn.result is not None and not turn.result.is_complete:
        turn.result.cancel()
    bridge._events.put_nowait(ProgressUpdateEvent(text=""))
