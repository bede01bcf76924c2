"""Every table, imported in one place for Alembic and the tests."""

from taskagent.auth.models import AuthSession, User
from taskagent.conversations.models import Thread, ThreadItem
from taskagent.db import Base
from taskagent.tasks.models import Task

__all__ = ["AuthSession", "Base", "Task", "Thread", "ThreadItem", "User"]
