"""Keyset ("next page") paging for the queue: every page costs the same, however deep.

A page starts after the last row of the one before, named by its place in the queue order
(priority, submitted_at, id), so the database walks the queue index from there instead of
counting and skipping rows (OFFSET), which grew to seconds at a million submissions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import F, QuerySet

# Django's row comparison, (a, b, c) > (x, y, z): one index range scan on PostgreSQL and SQLite.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan

from intake.models import QUEUE_ORDER, Submission

# A total shown as "1,000+": counting every match of a broad filter costs a full scan.
COUNT_CAP = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    priority: int
    submitted_at: datetime
    pk: int

    def token(self) -> str:
        micros = (self.submitted_at - EPOCH) // timedelta(microseconds=1)  # exact, no float
        return f"{self.priority}.{micros}.{self.pk}"

    @classmethod
    def parse(cls, token: str) -> Cursor | None:
        """The cursor in a link, or None for anything else (the first page is shown)."""
        try:
            priority, micros, pk = (int(part) for part in token.split("."))
            moment = EPOCH + timedelta(microseconds=micros)
        except (ValueError, OverflowError, OSError):
            return None
        if not (0 <= priority < 100 and 0 < pk < 2**63):
            return None
        return cls(priority, moment, pk)

    @classmethod
    def of(cls, submission: Submission) -> Cursor:
        return cls(submission.priority, submission.submitted_at, submission.pk)


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Submission]
    next_cursor: str  # "" on the last page
    is_first: bool
    count: int  # matches, up to COUNT_CAP + 1
    count_is_capped: bool

    def __iter__(self) -> Iterator[Submission]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def keyset_page(
    submissions: QuerySet[Submission],
    after: str,
    size: int,
    *,
    prepare: Callable[[QuerySet[Submission]], QuerySet[Submission]] = lambda rows: rows,
) -> KeysetPage:
    """The `size` rows of `submissions` (in queue order) that come after the cursor `after`.

    `prepare` adds what only the shown rows need (annotations, prefetches), kept out of the
    count so that counting stays an index scan.
    """
    cursor = Cursor.parse(after) if after else None
    page = prepare(submissions.order_by(*QUEUE_ORDER))
    if cursor is not None:
        page = page.filter(
            TupleGreaterThan(
                Tuple(*(F(name) for name in QUEUE_ORDER)),
                (cursor.priority, cursor.submitted_at, cursor.pk),
            )
        )
    rows = list(page[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    count = submissions.order_by()[: COUNT_CAP + 1].count()
    return KeysetPage(
        rows=rows,
        next_cursor=Cursor.of(rows[-1]).token() if has_next else "",
        is_first=cursor is None,
        count=min(count, COUNT_CAP),
        count_is_capped=count > COUNT_CAP,
    )
