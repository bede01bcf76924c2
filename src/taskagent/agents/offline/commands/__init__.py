"""Chat requests read into commands: what to create, list, find, change or delete."""

from .change import (
    MOVED,
    NOT_THAT_ONE,
    Changes,
    DeleteCommand,
    UpdateCommand,
    day_after_shift,
    parse_delete,
    parse_update,
    renames_keeping_the_verb,
    respelled,
    said_as_a_move,
    starts_with_a_delete_verb,
)
from .create import CreateCommand, NewTask, parse_create
from .query import ListCommand, Status, parse_find, parse_list

__all__ = [
    "MOVED",
    "NOT_THAT_ONE",
    "Changes",
    "CreateCommand",
    "DeleteCommand",
    "ListCommand",
    "NewTask",
    "Status",
    "UpdateCommand",
    "day_after_shift",
    "parse_create",
    "parse_delete",
    "parse_find",
    "parse_list",
    "parse_update",
    "renames_keeping_the_verb",
    "respelled",
    "said_as_a_move",
    "starts_with_a_delete_verb",
]
