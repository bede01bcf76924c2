"""The offline engine: a real `agents.Model` that needs no AI provider (`TASKAGENT_MODEL=local`)."""

from .model import FIXED_ROLES, OfflineModel

__all__ = ["FIXED_ROLES", "OfflineModel"]
