"""Listings that follow next_page_token, so callers iterate items, not pages."""

from __future__ import annotations

from typing import Callable, Iterator, Sequence, Tuple, TypeVar

__all__ = ["iterate_pages"]

T = TypeVar("T")


def iterate_pages(fetch: Callable[[str], Tuple[Sequence[T], str]]) -> Iterator[T]:
    """Yields every item of every page; ``fetch(token)`` returns a page's items and the next token ('' at the end).

    Pages are fetched as the caller iterates, so breaking out early costs no
    more calls; a bad page size fails (InvalidArgument) at the first item.
    """
    token = ""
    while True:
        items, token = fetch(token)
        yield from items
        if not token:
            return
