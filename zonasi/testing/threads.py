"""Running a function in several threads at once, for the tests and benches of concurrency."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


def run_in_threads(target: Callable[..., object], arguments: Iterable[tuple]) -> list[BaseException]:
    """Call ``target(*args)`` for each ``args`` of ``arguments``, each in its own thread, all
    started before any is joined; the exceptions they raised (empty when none did). A target
    that must start at the same moment as the others waits on its own barrier."""
    errors: list[BaseException] = []

    def run(args: tuple) -> None:
        try:
            target(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, in its thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(args,)) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
