"""Spreadsheet exports as they really come: delimiter, encoding, quoting, line numbers, columns."""
from .columns import Roles, detect
from .reader import Chunk, CsvFile, UnreadableFile

__all__ = ["Chunk", "CsvFile", "Roles", "UnreadableFile", "detect"]
