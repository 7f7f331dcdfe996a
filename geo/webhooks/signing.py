"""The signature of a webhook delivery: ``X-Zonasi-Signature: sha256=<hex>``, the HMAC-SHA256 of
the exact body bytes with the webhook's secret. A receiver checks it like this::

    import hashlib, hmac
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, request.headers["X-Zonasi-Signature"])
"""
from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Zonasi-Signature"
EVENT_HEADER = "X-Zonasi-Event"
DELIVERY_HEADER = "X-Zonasi-Delivery"


def sign(body: bytes, secret: str) -> str:
    """The header value ``sha256=<hex HMAC-SHA256 of body with secret>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` with ``secret`` (compared in constant time)."""
    return header is not None and hmac.compare_digest(sign(body, secret), header)
