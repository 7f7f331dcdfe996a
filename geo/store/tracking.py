"""Tracking codes of public reports: random, unguessable, easy to read out and type.

10 characters from 32 that are hardly mistaken for each other (no 0/O, 1/I): 50 random bits
(``secrets``), so guessing one among a million stored codes takes ~10^9 tries on average.
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # 32 symbols: no 0, 1, I, O
LENGTH = 10


def new_tracking_code() -> str:
    """A fresh random tracking code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(raw: str) -> str | None:
    """A code as typed (any case, spaces or dashes between groups) in its stored form; None when
    it cannot be one (so nothing is looked up)."""
    text = re.sub(r"[\s\-]+", "", str(raw)).upper()
    if len(text) != LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text
