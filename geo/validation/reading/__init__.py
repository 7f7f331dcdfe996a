"""Spreadsheet exports as they really come: delimiter, encoding, quoting, line numbers, columns."""
from geo.validation.reading.columns import Roles, detect
from geo.validation.reading.reader import Chunk, CsvFile, UnreadableFile

__all__ = ["Chunk", "CsvFile", "Roles", "UnreadableFile", "detect"]
