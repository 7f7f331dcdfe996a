"""Reading ahead in another process: the chunks of a CSV file (:meth:`CsvFile.chunks`), read
and parsed by a child Python while this one starts up, and then beside it.

The child writes each chunk as an Arrow IPC file into a private directory (in shared memory
where there is one) and names it on its stdout; this process maps the file (no copy) and
removes it. At most ``window`` chunks wait at a time: the child waits for a byte on its stdin
for each chunk taken. Started before the engine loads (as ``zonasi validate`` does), the child
reads the first rows on the other core while this process imports pandas and GEOS and loads the
layers, which take most of a second and cannot share a core with reading (one GIL).

    with ReadAhead("laporan.csv", rows=100_000) as ahead:
        engine = Engine.from_directory(None)
        for chunk in ahead.chunks():
            ...

The child is ``python -P -m geo.csvin.ahead PATH ROWS DIRECTORY WINDOW``.
"""
from __future__ import annotations

import errno
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

SHARED_MEMORY = Path("/dev/shm")
_LENGTH = 8


class ReadAhead:
    """The chunks of the CSV file at ``path``, read by a child process (see the module)."""

    def __init__(self, path: str | Path, rows: int = 100_000, window: int = 4):
        self.path = Path(path)
        self.position = 0  # bytes read by the time of the last chunk taken (for progress bars)
        where = SHARED_MEMORY if SHARED_MEMORY.is_dir() and os.access(SHARED_MEMORY, os.W_OK) else None
        self._directory = Path(tempfile.mkdtemp(prefix="zonasi-read-", dir=where))
        # this very geo package, whatever the working directory holds (-P: not that)
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-P", "-m", __name__, str(self.path), str(rows), str(self._directory), str(window)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, env=env)
        except BaseException:
            shutil.rmtree(self._directory, ignore_errors=True)
            raise

    @staticmethod
    def available() -> bool:
        """Whether this platform can read ahead (a mapped file can be removed while in use)."""
        return os.name == "posix"

    def chunks(self) -> Iterator:
        """The chunks, in order; the child's error, if it had one, is raised here."""
        import pyarrow as pa

        from .reader import Chunk

        while True:
            message = _receive(self._child.stdout)
            if message is None:
                code = self._child.wait()
                raise OSError(errno.EIO, f"the process reading ahead ended unexpectedly (exit status {code})",
                              str(self.path))
            kind, *body = message
            if kind == "end":
                return
            if kind == "error":
                raise body[0]
            name, problems, self.position = body
            path = self._directory / name
            with pa.memory_map(str(path)) as source:
                table = pa.ipc.open_file(source).read_all()
            path.unlink()
            try:
                self._child.stdin.write(b".")  # one more may come
            except BrokenPipeError:  # the child has read to the end
                pass
            lines = table.column(table.num_columns - 1).to_numpy()
            yield Chunk(table.remove_column(table.num_columns - 1), lines, problems)

    def close(self) -> None:
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()
        for stream in (self._child.stdin, self._child.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self._directory, ignore_errors=True)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _send(stream: BinaryIO, message: tuple) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_LENGTH, "little") + data)


def _receive(stream: BinaryIO):
    head = _read_exactly(stream, _LENGTH)
    if head is None:
        return None
    data = _read_exactly(stream, int.from_bytes(head, "little"))
    return None if data is None else pickle.loads(data)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        part = stream.read(left)
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _child(path: str, rows: int, directory: str, window: int) -> None:
    """Read ``path`` and hand its chunks over, one file each (runs in the child)."""
    import pyarrow as pa

    from .reader import CsvFile

    out, acks = sys.stdout.buffer, sys.stdin.buffer
    try:
        waiting = 0
        with CsvFile(path) as csv:
            for i, chunk in enumerate(csv.chunks(rows)):
                if waiting >= window:  # the parent takes one before another is written
                    if not acks.read(1):
                        return  # the parent is gone
                    waiting -= 1
                name = f"{i}.arrow"
                table = chunk.table.append_column("__lines__", pa.array(chunk.lines))
                with pa.OSFile(os.path.join(directory, name), "wb") as sink, \
                        pa.ipc.new_file(sink, table.schema) as writer:
                    writer.write_table(table)
                _send(out, ("chunk", name, chunk.problems, csv.position()))
                out.flush()
                waiting += 1
        _send(out, ("end",))
    except BrokenPipeError:
        return
    except BaseException as exc:  # noqa: BLE001 - handed over to the parent, which raises it
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        _send(out, ("error", exc))
    out.flush()


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
