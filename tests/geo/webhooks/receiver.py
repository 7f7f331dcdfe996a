"""A real webhook receiver on loopback (http.server in a thread) for the tests: it records every
POST (headers and exact body) and answers with the statuses it is given, in turn."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """``Receiver(statuses=[500, 500])``: answers 500 twice, then 200 (the last status repeats
    when ``repeat`` is set). ``received``: (headers dict, body bytes) of every POST."""

    def __init__(self, statuses=(), *, repeat: bool = False):
        self.statuses = list(statuses)
        self.repeat = repeat
        self.received: list[tuple[dict, bytes]] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner.lock:
                    owner.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    if owner.statuses:
                        status = owner.statuses[0] if owner.repeat else owner.statuses.pop(0)
                    else:
                        status = 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
