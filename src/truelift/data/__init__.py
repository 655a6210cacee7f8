"""Reading, roles, validation and encoding: the door every table comes through."""

from truelift.data.io import read_columns
from truelift.data.prepare import Prepared, Roles, prepare

__all__ = ["Prepared", "Roles", "prepare", "read_columns"]
