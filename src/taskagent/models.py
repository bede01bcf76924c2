"""Every table, imported in one place for Alembic and the tests."""

from taskagent.access_tokens.models import AccessToken
from taskagent.audit.models import TaskHistory
from taskagent.auth.models import AuthSession, User
from taskagent.calendar.models import CalendarFeed
from taskagent.conversations.models import Thread, ThreadItem
from taskagent.db import Base
from taskagent.notifications.models import Notification
from taskagent.tasks.models import Task
from taskagent.usage.models import AgentUsage, AgentUsageByModel, UsagePlan
from taskagent.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "AccessToken",
    "AgentUsage",
    "AgentUsageByModel",
    "AuthSession",
    "Base",
    "CalendarFeed",
    "Notification",
    "Task",
    "TaskHistory",
    "Thread",
    "ThreadItem",
    "UsagePlan",
    "User",
    "Webhook",
    "WebhookDelivery",
]
