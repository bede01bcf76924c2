"""The offline engine: a real `agents.Model` that needs no AI provider (`TASKAGENT_MODEL=local`)."""

from .model import ROLES, OfflineModel

__all__ = ["ROLES", "OfflineModel"]
