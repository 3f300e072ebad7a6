"""Sends a running command's stdout and stderr to the server as they are
produced (AppendJobOutput), as the TypeScript worker does
(src/worker/output-shipper.ts): sends of up to 64 KiB or every half second
(output after a quiet spell goes at once),
made by a thread of their own so the job's output is never held up. While the
server is slow or away the output waits in a bounded buffer; past its size the
oldest lines go, and the next send begins with a notice saying how many
bytes. A send that failed is repeated with the same seq, which the server
stores once.
"""

from __future__ import annotations

import codecs
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from .errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unauthenticated, Unimplemented

__all__ = ["OutputShipper", "DEFAULT_BATCH_BYTES", "DEFAULT_FLUSH_SECONDS", "DEFAULT_BUFFER_BYTES"]

_log = logging.getLogger("whatsnext.worker")

#: A send is made once this much output waits...
DEFAULT_BATCH_BYTES = 64 * 1024
#: ...or this long after the last send (at once when that was longer ago).
DEFAULT_FLUSH_SECONDS = 0.5
#: Output held while the server does not take it; past it the oldest lines are dropped.
DEFAULT_BUFFER_BYTES = 8 * 1024 * 1024
#: Errors that trying again cannot cure: the attempt is not ours any more, or the server takes no output.
_FATAL = (FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unauthenticated, Unimplemented)

#: One send: its number and its pieces as (stream, text), stream being "stdout", "stderr" or "notice".
Send = Tuple[int, List[Tuple[str, str]]]


@dataclass
class _Piece:
    stream: str
    text: str
    size: int


class OutputShipper:
    """The shipper of one job's output: ``push`` from the output readers, ``close`` once the job ended."""

    def __init__(
        self,
        send: Callable[[int, List[Tuple[str, str]]], object],
        *,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        flush_seconds: float = DEFAULT_FLUSH_SECONDS,
        buffer_bytes: int = DEFAULT_BUFFER_BYTES,
    ) -> None:
        self._send = send
        self._batch_bytes = batch_bytes
        self._flush_seconds = flush_seconds
        self._buffer_bytes = max(buffer_bytes, 1024)
        self._decoders: Dict[str, codecs.IncrementalDecoder] = {
            "stdout": codecs.getincrementaldecoder("utf-8")(errors="replace"),
            "stderr": codecs.getincrementaldecoder("utf-8")(errors="replace"),
        }
        self._queue: List[_Piece] = []
        self._queued = 0
        self._dropped = 0
        self._last_send = 0.0
        self._current: Optional[Send] = None
        # Numbered from the time, so a later worker process on the same attempt still counts up.
        self._seq = int(time.time() * 1000) * 1000
        self._closing = False
        self._stopped = False
        self._gave_up = False
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="whatsnext-output-shipper", daemon=True)
        self._thread.start()

    def push(self, chunk: bytes, stream: str) -> None:
        """Queues a chunk of the job's output (``"stdout"`` or ``"stderr"``); never waits for the server."""
        with self._lock:
            if self._stopped or self._closing:
                return
            text = self._decoders[stream].decode(chunk)
            if text:
                self._enqueue(stream, text)

    def close(self, wait_seconds: float = 5.0) -> bool:
        """Sends what is left, waiting at most ``wait_seconds``, then stops; True when all of it reached the server."""
        with self._lock:
            if not self._closing and not self._stopped:
                for stream, decoder in self._decoders.items():
                    rest = decoder.decode(b"", final=True)
                    if rest:
                        self._enqueue(stream, rest)
            self._closing = True
            self._lock.notify_all()
        self._thread.join(wait_seconds)
        with self._lock:
            drained = not self._thread.is_alive() and self._current is None and self._queued == 0 and not self._gave_up
            self._stopped = True
            self._lock.notify_all()
        if not drained:
            _log.warning("gave up sending the job's output after %s s; the output tail has the end of it", wait_seconds)
        return drained

    def _enqueue(self, stream: str, text: str) -> None:
        size = len(text.encode("utf-8"))
        last = self._queue[-1] if self._queue else None
        if last is not None and last.stream == stream and last.size + size <= self._batch_bytes:
            last.text += text
            last.size += size
        else:
            self._queue.append(_Piece(stream, text, size))
        self._queued += size
        if self._queued > self._buffer_bytes:
            self._drop_oldest()
        self._lock.notify_all()

    def _drop_oldest(self) -> None:
        """Drops the oldest output, in whole lines, until the buffer fits again."""
        while self._queue and self._queued > self._buffer_bytes:
            first = self._queue[0]
            data = first.text.encode("utf-8")
            excess = self._queued - self._buffer_bytes
            newline = data.find(b"\n", max(0, min(excess, len(data)) - 1))
            cut = len(data) if newline < 0 else newline + 1
            if cut >= len(data):
                self._queue.pop(0)
            else:
                first.text = data[cut:].decode("utf-8", errors="replace")
                first.size = len(data) - cut
            self._queued -= cut
            self._dropped += cut

    def _take(self) -> Optional[Send]:
        pieces: List[Tuple[str, str]] = []
        size = 0
        if self._dropped:
            pieces.append(
                (
                    "notice",
                    f"[whatsnext worker: {self._dropped} bytes of output dropped here: the server was slow or away "
                    f"and the worker's buffer of {self._buffer_bytes} bytes was full]",
                )
            )
            self._dropped = 0
        while self._queue and (size == 0 or size + self._queue[0].size <= self._batch_bytes):
            piece = self._queue.pop(0)
            self._queued -= piece.size
            size += piece.size
            pieces.append((piece.stream, piece.text))
        if not pieces:
            return None
        self._seq += 1
        return (self._seq, pieces)

    def _run(self) -> None:
        failures = 0
        while True:
            with self._lock:
                while not self._stopped:
                    if self._current is not None:
                        break
                    waiting = self._queued > 0 or self._dropped > 0
                    if waiting and (self._closing or self._queued >= self._batch_bytes):
                        break
                    # Output after a quiet spell goes at once; while it keeps coming, one send per flush_seconds.
                    due = self._last_send + self._flush_seconds
                    if waiting and time.monotonic() >= due:
                        break
                    if not waiting and self._closing:
                        return
                    self._lock.wait(None if not waiting else max(0.0, due - time.monotonic()))
                if self._stopped:
                    return
                if self._current is None:
                    self._current = self._take()
                send = self._current
                self._last_send = time.monotonic()
            if send is None:
                continue
            try:
                self._send(*send)
                failures = 0
                with self._lock:
                    self._current = None
            except _FATAL as error:
                _log.warning("stopped sending the job's output: %s", error)
                with self._lock:
                    self._stopped = True
                    self._gave_up = True
                    self._current = None
                    self._queue.clear()
                    self._queued = 0
                return
            except Exception as error:  # noqa: BLE001 - the server is away or slow: keep the output and try again
                failures += 1
                if failures == 1:
                    _log.warning("could not send the job's output (%s); keeping up to %s bytes and trying again", error, self._buffer_bytes)
                with self._lock:
                    self._lock.wait(min(5.0, 0.1 * 2 ** min(failures, 6)))
