"""The export's workbook written by a second process, beside the one that reads.

An export spends its time in two halves of about the same size: reading answer rows and
turning them into cells (this process, with the database), and rendering the cells as
SpreadsheetML and compressing it (`exchange.xlsx`). Python runs one of them at a time in a
process, so the second half runs in a forked child: rows go to it in batches through a
pipe, and a machine with two cores does both halves at once. The reader works in bursts
(a chunk of responses read, then their rows at once), so batches wait in a bounded queue
that a thread of this process writes to the pipe (without the GIL while the pipe is full):
the reader runs ahead by up to QUEUED batches, and a slow writer holds it back there, so
memory stays flat. A message goes straight to the pipe instead when nothing is queued and
the writer has applied everything it was sent (it is waiting): the thread would only get
the GIL from the busy reader at its next switch interval, while the writer sat idle. The
writer counts what it has applied in memory shared with this process. When the writer is
behind by RENDER_HERE_FROM batches of cells, this process renders the next batches itself
(the same `RowRenderer`) and sends their text, which the writer only compresses: the work
moves to whichever half has time for it.

The child only renders and writes files: it never touches the database (its copy of the
parent's connection stays unused), so it sees exactly the rows the parent read, in the
parent's transaction. An error in the child (a text too long for a cell) comes back to
the parent as the same exception, at the next batch or at `save`.

Where a child cannot be forked (no `fork` start method, or this is itself a daemonic
worker process such as a Celery pool process) or `EXCHANGE_WRITER_PROCESS` is off, the
workbook is written in this process: same files, one core.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import queue
import shutil
import tempfile
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings

from exchange.xlsx import RowRenderer, SheetRows, StreamingWorkbook, workbook_styles

# Rows per message to the writer: large enough that pickling is done in bulk, small enough
# that the writer starts early and the pipe holds little.
BATCH = 200
# Batches waiting for the pipe, at most (a batch of Annex A rows pickles to about 0.3 MB).
QUEUED = 32
# From this many batches of cells sent and not yet written (about 4 ms of the writer's work
# each; a chunk of 1,000 Annex A responses makes about 26), the writer is behind by about a
# chunk: this process renders the next batch itself and sends its text, which the writer
# only compresses. Rendering here costs
# this process more than pickling, but spares the writer the unpickling and the rendering,
# so the two halves even out, whichever is slowed (by the data, or by other work on the
# machine), and less is left queued for the writer when the reading is done.
RENDER_HERE_FROM = 24


class RowSink(Protocol):
    rows: int

    def write(self, cells: dict[int, Any]) -> None: ...


class Workbook(Protocol):
    """What the export needs of a workbook, in this process or in the writer process."""

    zone: ZoneInfo

    def add_sheet(
        self,
        name: str,
        headers: list[str],
        *,
        widths: Sequence[float],
        header_texts: list[str] | None = None,
        freeze_columns: int = 1,
    ) -> RowSink: ...

    def save(self, target: str | Path | BinaryIO) -> None: ...

    def discard(self) -> None: ...


def writer_process_possible() -> bool:
    return (
        getattr(settings, "EXCHANGE_WRITER_PROCESS", True)
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def new_workbook(*, properties: dict[str, str]) -> Workbook:
    """A workbook written by a child process when one can be forked, else in this process."""
    if writer_process_possible():
        return ForkedWorkbook(properties=properties)
    return StreamingWorkbook(properties=properties)


class _Sheet:
    def __init__(self, book: ForkedWorkbook, index: int) -> None:
        self._book = book
        self._index = index
        self.rows = 0

    def write(self, cells: dict[int, Any]) -> None:
        self.rows += 1
        self._book._queue(self._index, self.rows, cells)


class ForkedWorkbook:
    """A `StreamingWorkbook` in a forked child, fed through a pipe."""

    def __init__(self, *, properties: dict[str, str]) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child_end = context.Pipe()
        self._batch: list[tuple[int, dict[int, Any]]] = []
        self._numbers: list[int] = []  # the row number of each row of the batch in its sheet
        self._renderers: list[RowRenderer] = []
        self._done = False
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self._styles = workbook_styles()
        self._outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED)
        # Counters, each written by one thread or process only: messages put in the outbox
        # (this thread) and sent from it (the pump thread); messages sent at once (this
        # thread); messages the writer has applied and, of those, batches of cells (the
        # writer, in memory shared with it).
        self._put = self._pumped = self._direct = 0
        self._cells_sent = 0
        self._applied = context.RawValue("q", 0)
        self._cells_applied = context.RawValue("q", 0)
        self._broken = False
        self._process = context.Process(
            target=_serve, args=(child_end, properties, self._applied, self._cells_applied), daemon=True
        )
        self._process.start()
        child_end.close()
        self._pump = threading.Thread(target=self._pump_batches, name="export-writer-pipe", daemon=True)
        self._pump.start()

    def _pump_batches(self) -> None:
        """Thread: the queued messages to the pipe, in order, until None."""
        while (data := self._outbox.get()) is not None:
            self._write_pipe(data)
            self._pumped += 1

    def _write_pipe(self, data: bytes) -> None:
        if not self._broken:
            try:
                self._conn.send_bytes(data)
            except OSError:  # the writer died: its error, or its exit code, is read by save
                self._broken = True

    def add_sheet(
        self,
        name: str,
        headers: list[str],
        *,
        widths: Sequence[float],
        header_texts: list[str] | None = None,
        freeze_columns: int = 1,
    ) -> _Sheet:
        self._send(("sheet", (name, headers, list(widths), header_texts, freeze_columns)))
        header_rows = 2 if header_texts is not None else 1
        self._renderers.append(
            RowRenderer(name, len(headers), header_rows=header_rows, styles=self._styles, zone=self.zone)
        )
        return _Sheet(self, len(self._renderers) - 1)

    def _queue(self, index: int, number: int, cells: dict[int, Any]) -> None:
        self._batch.append((index, cells))
        self._numbers.append(number)
        if len(self._batch) >= BATCH:
            self._send_batch()

    def _send_batch(self) -> None:
        if not self._batch:
            return
        if self._cells_sent - self._cells_applied.value >= RENDER_HERE_FROM:
            self._send(("text", self._rendered()))
        else:
            self._send(("rows", self._batch))
            self._cells_sent += 1
        self._batch = []
        self._numbers = []

    def _rendered(self) -> list[tuple[int, bytes, int]]:
        """The batch as text: per sheet (in order of first row), its rows' SpreadsheetML and count."""
        texts: dict[int, list[str]] = {}
        renderers = self._renderers
        for (index, cells), number in zip(self._batch, self._numbers, strict=True):
            rows = texts.get(index)
            if rows is None:
                rows = texts[index] = []
            rows.append(renderers[index].render(number, cells))
        return [(index, "".join(rows).encode(), len(rows)) for index, rows in texts.items()]

    def _send(self, message: tuple[Any, ...]) -> None:
        # An error the writer met since the last batch stops the export now.
        if self._conn.poll():
            self._reply()
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        if self._put == self._pumped and self._applied.value == self._pumped + self._direct:
            # Nothing waits for the pipe and the writer has applied all it was sent: it is
            # waiting for this, so it goes at once. Through the pump thread, it would wait
            # for this thread to hand over the GIL (every 5 ms while it works), time in
            # which the writer would sit idle.
            self._write_pipe(data)
            self._direct += 1
        else:
            self._outbox.put(data)
            self._put += 1

    def _reply(self) -> None:
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            self._finish()
            raise RuntimeError(f"The export's writer process stopped (exit code {self._process.exitcode}).") from None
        if kind == "error":
            self._finish()
            raise payload

    def save(self, target: str | Path | BinaryIO) -> None:
        self._send_batch()
        if isinstance(target, str | Path):
            self._send(("save", str(target)))
            self._reply()
        else:
            # The child writes a file; a file object of this process gets its bytes after.
            with tempfile.NamedTemporaryFile(prefix="escp-export-", suffix=".xlsx") as spool:
                self._send(("save", spool.name))
                self._reply()
                with open(spool.name, "rb") as written:
                    shutil.copyfileobj(written, target, 1 << 20)
        self._finish()

    def discard(self) -> None:
        if not self._done:
            self._outbox.put(pickle.dumps(("discard", None)))
            self._finish()

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        self._outbox.put(None)
        self._pump.join()
        self._conn.close()
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _serve(conn: Connection, properties: dict[str, str], applied: Any, cells_applied: Any) -> None:
    """The child: apply the parent's messages to a StreamingWorkbook until save or discard,
    counting them in `applied` (batches of cells also in `cells_applied`) for the parent."""
    # The rows unpickled here hold no reference cycles, and the child lives for one export:
    # the cyclic collector would only traverse them again and again (see exchange.export).
    gc.disable()
    book = StreamingWorkbook(properties=properties)
    sheets: list[SheetRows] = []
    failed = False
    try:
        while True:
            try:
                kind, payload = conn.recv()
            except EOFError:  # the parent went away
                return
            if kind == "rows":
                if not failed:
                    try:
                        for index, cells in payload:
                            sheets[index].write(cells)
                    except Exception as error:  # sent back to the parent, raised there
                        failed = True
                        conn.send(("error", error))
                cells_applied.value += 1
            elif kind == "text":
                if not failed:
                    for index, data, count in payload:
                        sheets[index].write_rendered(data, count)
            elif kind == "sheet":
                name, headers, widths, header_texts, freeze = payload
                sheets.append(
                    book.add_sheet(name, headers, widths=widths, header_texts=header_texts, freeze_columns=freeze)
                )
            elif kind == "save" and not failed:
                try:
                    book.save(payload)
                except Exception as error:  # as above
                    conn.send(("error", error))
                else:
                    conn.send(("saved", None))
                return
            else:  # discard, or save after an error already sent
                return
            applied.value += 1
    finally:
        book.discard()
        conn.close()
