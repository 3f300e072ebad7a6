"""TLS settings of a client: which CA signed the server's certificate, and
the client's own certificate for mutual TLS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = ["TLS"]


@dataclass(frozen=True)
class TLS:
    """Files for ``Client(tls=TLS(...))``. Without ``ca_file`` the system's roots are trusted.

    ``cert_file`` and ``key_file`` (PEM) go together, for servers that ask
    for a client certificate.
    """

    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
