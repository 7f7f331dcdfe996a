"""Reading ahead: the items of an iterator produced one ahead in a thread."""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterator


def prefetch(chunks: Iterator, depth: int = 1) -> Iterator:
    """The items of ``chunks``, read one ahead in a thread: reading and parsing the next chunk
    overlaps judging and writing this one."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce():
        try:
            for item in chunks:
                while not stop.is_set():
                    try:
                        items.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put((done, None))
        except BaseException as exc:  # handed to the consumer, raised there
            items.put((done, exc))

    thread = threading.Thread(target=produce, name="zonasi-csv-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                items.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()
