"""The offline engine: a real `agents.Model` that needs no AI provider (`TASKAGENT_MODEL=local`)."""

from .model import ROLES, LocalModel

__all__ = ["ROLES", "LocalModel"]
