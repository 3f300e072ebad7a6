"""The end of a job's output, bounded, as FinishJob reports it.

A job printing gigabytes must not exhaust the worker's memory, so only the
last bytes are kept, and the report holds the last lines of those (200 by
default, as the TypeScript worker keeps).
"""

from __future__ import annotations

import threading

__all__ = ["DEFAULT_TAIL_BYTES", "DEFAULT_TAIL_LINES", "OutputTail", "decode_tail", "tail_lines", "last_bytes"]

#: Bytes of output kept per job: enough for a traceback, small enough for FinishJob (which takes 64 KiB).
DEFAULT_TAIL_BYTES = 64 * 1024
#: Lines of output reported per job.
DEFAULT_TAIL_LINES = 200


class OutputTail:
    """Keeps the last ``max_bytes`` bytes written to it; safe to write from several threads."""

    def __init__(self, max_bytes: int = DEFAULT_TAIL_BYTES) -> None:
        self._max_bytes = max_bytes
        self._buffer = bytearray()
        self._lock = threading.Lock()

    def push(self, chunk: bytes) -> None:
        """Appends a chunk, dropping the oldest bytes beyond the limit."""
        if self._max_bytes <= 0 or not chunk:
            return
        with self._lock:
            self._buffer += chunk
            excess = len(self._buffer) - self._max_bytes
            if excess > 0:
                del self._buffer[:excess]

    def text(self, max_lines: int = DEFAULT_TAIL_LINES) -> str:
        """The kept bytes as text, a character cut in half at the start dropped, limited to ``max_lines`` lines."""
        with self._lock:
            data = bytes(self._buffer)
        return tail_lines(decode_tail(data), max_lines)


def decode_tail(data: bytes) -> str:
    """Decodes bytes that may start in the middle of a UTF-8 sequence: the
    orphaned continuation bytes are skipped rather than shown as U+FFFD."""
    start = 0
    while start < len(data) and start < 3 and (data[start] & 0xC0) == 0x80:
        start += 1
    return data[start:].decode("utf-8", "replace")


def _last_index_of(text: str, needle: str, from_index: int) -> int:
    # JavaScript's lastIndexOf: the last match starting at or before from_index (clamped to 0).
    start = max(0, min(from_index, len(text)))
    return text.rfind(needle, 0, start + len(needle))


def tail_lines(text: str, max_lines: int = DEFAULT_TAIL_LINES) -> str:
    """The last ``max_lines`` lines of ``text``. A final newline does not count as
    an extra empty line, so ``"a\\nb\\n"`` is two lines."""
    if max_lines <= 0:
        return ""
    end = len(text)
    if text.endswith("\n"):
        end -= 1
    position = end
    for _ in range(max_lines):
        position = _last_index_of(text, "\n", position - 1)
        if position < 0:
            return text
    return text[position + 1 :]


def last_bytes(text: str, max_bytes: int) -> str:
    """The end of ``text`` within ``max_bytes`` UTF-8 bytes, cut at a character boundary."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return text
    start = len(data) - max_bytes
    while start < len(data) and (data[start] & 0xC0) == 0x80:
        start += 1
    return data[start:].decode("utf-8", "replace")
