"""Queueing and sending outgoing email through the background worker.

`enqueue()` writes the Message row and its task row (django-tasks' database backend) in the
caller's transaction: a rolled-back change sends nothing, a committed one always has a task.
`deliver` is the task. It claims the message with a conditional UPDATE (queued/retrying →
sending), talks to the mail server, then marks it sent. A task that runs twice finds the
message already claimed or sent and does nothing. See docs/tasks.md for the one window in
which a message can go twice (the worker dies between the server's "250 OK" and our UPDATE).

This app sits below intake and consults: it knows submissions by id only.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Sequence
from contextlib import nullcontext, suppress
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connections, router, transaction
from django.db.models import F, Min
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult, get_date_max

from .models import Message

logger = logging.getLogger(__name__)

SENT, RETRYING, FAILED, SKIPPED = "sent", "retrying", "failed", "skipped"

Attachment = tuple[str, str, str]  # filename, content, mimetype


def enqueue(
    *,
    kind: str,
    key: str,
    to: str,
    subject: str,
    body: str,
    submission_id: int | None = None,
    attachments: Sequence[Attachment] = (),
    send_after: datetime | None = None,
) -> Message:
    """Queue one email in the current transaction. A key already queued returns that message
    and queues nothing: the same logical message (a double click, a retried request) goes once.

    `send_after` delays it: the task waits until then (a check two days after a session).
    """
    now = timezone.now()
    due = max(send_after, now) if send_after is not None else now
    # In the caller's transaction as it is; a transaction of its own only when there is none.
    outer = nullcontext() if transaction.get_connection().in_atomic_block else transaction.atomic()
    message = Message(
        key=key,
        kind=kind,
        submission_id=submission_id,
        recipient=to,
        subject=subject,
        body=body,
        attachments=[list(a) for a in attachments],
        created_at=now,
        due_at=due,
        retry_until=due + timedelta(hours=settings.CLINIC_MESSAGE_RETRY_HOURS),
    )
    with outer:
        if not _insert_new(message):
            # Queued already (a double click, a retried request): that message, nothing new.
            return Message.objects.get(key=key)
        # The task row is written by the database backend on this same connection, so it
        # commits or rolls back with the message (and with the caller's change).
        if due > now:
            deliver.using(run_after=due).enqueue(message.pk)
        else:
            deliver.enqueue(message.pk)
    return message


def _insert_new(message: Message) -> bool:
    """INSERT ... ON CONFLICT (key) DO NOTHING: one statement, where get_or_create took four
    (a SELECT, a savepoint, the INSERT and its release) inside every submit. True, with
    message.pk set, when this call stored it; False when the key was queued already, even by a
    request racing this one (PostgreSQL and SQLite both take this statement)."""
    connection = connections[router.db_for_write(Message)]
    fields = [field for field in Message._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    table, pk = quote(Message._meta.db_table), quote(Message._meta.pk.column)
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) "
        f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {pk}"
    )
    params = [field.get_db_prep_save(field.pre_save(message, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    message._state.adding = False
    return True


def key_digest(*parts: object) -> str:
    """A short stable digest for keys built from values that are secret (links, tokens)."""
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:24]


# --- the task -----------------------------------------------------------------------------


@task()
def deliver(message_id: int) -> str:
    """Send one queued message once; retry temporary failures later, give up on permanent."""
    now = timezone.now()
    claimed = Message.objects.filter(
        pk=message_id, status__in=(Message.Status.QUEUED, Message.Status.RETRYING)
    ).update(status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        # Sent, being sent, or failed already: a second run of the same task sends nothing.
        return SKIPPED
    message = Message.objects.get(pk=message_id)
    try:
        _send(email(message))
    except Exception as exc:
        _close_connection()
        return _attempt_failed(message, exc)
    # Only the claimed attempt may mark it; what is no longer needed is dropped now.
    Message.objects.filter(pk=message_id, status=Message.Status.SENDING).update(
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        recipient="",
        subject="",
        body="",
        attachments=[],
    )
    logger.info("message %s (%s) sent", message.pk, message.kind)
    return SENT


# One SMTP connection per worker process, kept open between messages (a new connection for
# each email halves a worker's throughput); reopened when the settings change (tests).
_connection: tuple[tuple[object, ...], BaseEmailBackend] | None = None


def _mail_settings() -> tuple[object, ...]:
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_TIMEOUT,
    )


def _send(mail: EmailMessage) -> None:
    global _connection
    reused = _connection is not None and _connection[0] == _mail_settings()
    if not reused:
        _close_connection()
        _connection = (_mail_settings(), get_connection())
    assert _connection is not None
    try:
        _connection[1].send_messages([mail])
    except smtplib.SMTPServerDisconnected:
        if not reused:
            raise
        # The server dropped the connection we kept idle: once more on a fresh one.
        _close_connection()
        _connection = (_mail_settings(), get_connection())
        _connection[1].send_messages([mail])


def _close_connection() -> None:
    global _connection
    if _connection is not None:
        with suppress(Exception):  # the connection is being dropped anyway
            _connection[1].close()
        _connection = None


def email(message: Message) -> EmailMessage:
    mail = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        # The same Message-ID on every attempt: a receiving system that got a copy already
        # can tell a repeat (the idempotency key reaches as far as the patient's mailbox).
        headers={"Message-ID": message_id_header(message.key)},
    )
    for filename, content, mimetype in message.attachments:
        mail.attach(filename, content, mimetype)
    return mail


def message_id_header(key: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{key_digest('message-id', key)}@{domain}>"


def is_temporary(exc: BaseException) -> bool:
    """Worth trying again later: the server is down, slow or says 4xx. A 5xx (or an address
    that cannot be written) will not get better by waiting."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # Our credentials, not the patient's address: give the operator the retry window.
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return not 500 <= exc.smtp_code < 600
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):
        return False
    # Connection refused, reset, timed out, name not resolved (SMTPException is an OSError,
    # so this comes after it).
    return isinstance(exc, OSError)


def backoff(attempts: int) -> timedelta:
    """60 s, 2 min, 4 min ... doubling up to an hour between attempts (settings)."""
    base = settings.CLINIC_MESSAGE_RETRY_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.CLINIC_MESSAGE_RETRY_MAX_SECONDS)
    )


def _attempt_failed(message: Message, exc: Exception) -> str:
    now = timezone.now()
    error = type(exc).__name__
    if is_temporary(exc) and now < message.retry_until:
        # The last try lands on the deadline itself, so retries span the whole window.
        due = min(now + backoff(message.attempts), message.retry_until)
        with transaction.atomic():
            Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
                status=Message.Status.RETRYING, last_error=error, due_at=due
            )
            deliver.using(run_after=due).enqueue(message.pk)
        logger.warning(
            "message %s (%s) attempt %s failed (%s); next try at %s",
            message.pk,
            message.kind,
            message.attempts,
            error,
            due.isoformat(),
        )
        return RETRYING
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
        status=Message.Status.FAILED, last_error=error, failed_at=now
    )
    logger.error(
        "message %s (%s) failed after %s attempt(s): %s",
        message.pk,
        message.kind,
        message.attempts,
        error,
    )
    return FAILED


# --- by hand and from the worker's periodic jobs ------------------------------------------


def retry(message: Message) -> bool:
    """Queue a failed (or stuck) message again with a fresh retry window; False when it was
    sent already or its content has been cleared."""
    if message.status == Message.Status.SENT or not message.recipient:
        return False
    now = timezone.now()
    with transaction.atomic():
        updated = (
            Message.objects.filter(pk=message.pk, status=message.status)
            .exclude(status=Message.Status.SENT)
            .update(
                status=Message.Status.QUEUED,
                due_at=now,
                failed_at=None,
                retry_until=now + timedelta(hours=settings.CLINIC_MESSAGE_RETRY_HOURS),
            )
        )
        if updated:
            deliver.enqueue(message.pk)
    return bool(updated)


def stuck(now: datetime | None = None) -> list[Message]:
    """Pending messages no worker has moved for a lease: a send cut off mid-way (status
    sending), or a queued task that never ran (workers down or the task row lost)."""
    now = now or timezone.now()
    lease = now - timedelta(seconds=settings.CLINIC_MESSAGE_LEASE_SECONDS)
    return list(
        Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=lease)
        | Message.objects.filter(
            status__in=(Message.Status.QUEUED, Message.Status.RETRYING), due_at__lt=lease
        )
    )


def recover_stuck(now: datetime | None = None) -> int:
    """Periodic job: give every stuck message a new task. A message cut off mid-send may then
    go twice (at-least-once); everything else is absorbed by the conditional claim."""
    now = now or timezone.now()
    recovered = 0
    for message in stuck(now):
        with transaction.atomic():
            updated = Message.objects.filter(pk=message.pk, status=message.status).update(
                status=(
                    Message.Status.RETRYING
                    if message.status == Message.Status.SENDING
                    else message.status
                ),
                due_at=now,
            )
            if updated:
                deliver.enqueue(message.pk)
                recovered += 1
                logger.warning("message %s (%s) was stuck; queued again", message.pk, message.kind)
    return recovered


def forget_failed_content(now: datetime | None = None) -> int:
    """Periodic job: a failed message's address and body are kept for a retry by hand, then
    dropped after CLINIC_MESSAGE_KEEP_FAILED_DAYS."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CLINIC_MESSAGE_KEEP_FAILED_DAYS)
    return (
        Message.objects.filter(status=Message.Status.FAILED, failed_at__lt=cutoff)
        .exclude(recipient="")
        .update(recipient="", subject="", body="", attachments=[])
    )


def oldest_ready_task_age(now: datetime | None = None) -> timedelta | None:
    """How long the oldest task that could run now has waited (None: none is waiting)."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    # A task without run_after waits from its enqueueing, a delayed one from its run_after.
    undelayed = ready.filter(run_after=get_date_max()).aggregate(oldest=Min("enqueued_at"))[
        "oldest"
    ]
    delayed = ready.exclude(run_after=get_date_max()).aggregate(oldest=Min("run_after"))["oldest"]
    waiting = [moment for moment in (undelayed, delayed) if moment is not None]
    return now - min(waiting) if waiting else None
