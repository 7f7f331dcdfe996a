"""The test server closes each response as soon as its last chunk is taken (werkzeug's own close
comes after draining the connection, which raises when the browser went away first)."""
from __future__ import annotations

from zonasi.testing.browser import closing_app


class _Body:
    def __init__(self):
        self.closed = False

    def __iter__(self):
        yield b"one"
        yield b"two"

    def close(self):
        self.closed = True


def test_a_response_is_closed_when_its_last_chunk_is_taken():
    body = _Body()
    wrapped = closing_app(lambda environ, start_response: body)
    chunks = wrapped({}, lambda *a: None)
    assert next(iter(chunks)) == b"one" and not body.closed
    assert list(chunks) == [b"two"] and body.closed    # no close() called by the server
