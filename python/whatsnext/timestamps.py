"""google.protobuf.Timestamp → timezone-aware datetime (UTC), None when unset."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

__all__ = ["to_datetime"]


def to_datetime(message: Any, field: str) -> Optional[datetime]:
    """The field of ``message`` as an aware UTC datetime, or None when the server left it unset."""
    if not message.HasField(field):
        return None
    stamp = getattr(message, field)
    return datetime.fromtimestamp(stamp.seconds + stamp.nanos / 1e9, tz=timezone.utc)
