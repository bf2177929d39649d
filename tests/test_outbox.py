"""The outbox against a real SMTP server (aiosmtpd in this process): nothing lost, nothing twice.

The mail server is real; our code is not mocked. Time passing is shown by running the worker
"at" a later moment (tasks whose run_after has come), or by giving rows the state a dead
worker leaves behind.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message as Email
from io import StringIO
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consults.booking import book_consult, send_booking_invite
from consults.models import Consult
from intake.drafts import send_receipt
from intake.models import Submission
from outbox.models import Message
from outbox.periodic import Schedule
from outbox.sending import deliver, enqueue, recover_stuck
from outbox.worker import new_worker, run_ready
from tests.answers import CONSENT, make_answers
from tests.helpers import (
    make_chiropractor,
    make_front_desk,
    make_submission,
    run_tasks,
    sign_in,
)
from tests.intake_steps import fill_screened_steps, post_step
from tests.scheduling import at, make_case, make_profile, next_monday

pytestmark = pytest.mark.django_db

LATER = timedelta(hours=2)  # past the first retries' delay


class Sink:
    """An SMTP handler that keeps what it accepts, and can refuse or stall like real servers."""

    def __init__(self) -> None:
        self.received: list[Email] = []
        self.refuse_with: str | None = None  # e.g. "550 5.1.1 No such user"
        self.stall_seconds = 0.0  # keep the message, answer late (the client gives up first)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(message_from_bytes(envelope.content))
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
        return "250 Message accepted for delivery"


class MailServer:
    """aiosmtpd on a fixed local port that can be stopped (connection refused) and started."""

    def __init__(self) -> None:
        self.sink = Sink()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(settings: Any) -> Iterator[MailServer]:
    server = MailServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 2
    server.start()
    yield server
    server.stop()


def queue_three_messages() -> list[Submission]:
    """A receipt, a booking confirmation and a booking link: three kinds, three submissions."""
    first, second, third = make_submission(), make_case(), make_case()
    with transaction.atomic():
        send_receipt(first)
    book_consult(
        submission=second, chiropractor=make_profile(), starts_at=at(next_monday(), 10), by=None
    )
    assert send_booking_invite(submission=third, by=None)
    return [first, second, third]


def test_mail_server_down_then_up_every_message_arrives_exactly_once(
    mail_server: MailServer,
) -> None:
    mail_server.stop()
    queue_three_messages()
    assert run_tasks() == 3
    assert set(Message.objects.values_list("status", "last_error")) == {
        ("retrying", "ConnectionRefusedError")
    }
    assert run_tasks(at=timezone.now() + LATER) == 3  # still down: a second try each
    mail_server.start()
    assert run_tasks(at=timezone.now() + LATER * 2) == 3
    assert run_tasks(at=timezone.now() + timedelta(days=2)) == 0
    assert len(mail_server.sink.received) == 3
    assert len({email["Message-ID"] for email in mail_server.sink.received}) == 3
    for message in Message.objects.all():
        assert (message.status, message.attempts) == ("sent", 3)
        assert message.sent_at is not None
        # Only what happened is kept once it is sent.
        assert (message.recipient, message.subject, message.body) == ("", "", "")


def test_a_task_that_runs_twice_sends_one_email(mail_server: MailServer) -> None:
    submission = make_submission()
    with transaction.atomic():
        send_receipt(submission)
    message = Message.objects.get()
    deliver.enqueue(message.pk)  # the same message's task a second time
    assert run_tasks() == 2
    assert deliver.call(message.pk) == "skipped"
    assert len(mail_server.sink.received) == 1


def test_the_same_key_queued_twice_is_one_message(mail_server: MailServer) -> None:
    submission = make_submission()
    for _ in range(2):
        with transaction.atomic():
            send_receipt(submission)
    assert Message.objects.count() == DBTaskResult.objects.count() == 1
    run_tasks()
    assert len(mail_server.sink.received) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent connections; SQLite serialises writers (run with DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_ten_requests_racing_to_queue_one_key_make_one_message_and_one_task() -> None:
    barrier = threading.Barrier(10)
    queued: list[int] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                message = enqueue(
                    kind="receipt", key="race", to="a@example.com", subject="s", body="b"
                )
                queued.append(message.pk)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(queued)) == 1 and len(queued) == 10
    assert Message.objects.count() == DBTaskResult.objects.count() == 1


def test_a_send_cut_off_after_the_server_took_it_goes_again_with_the_same_message_id(
    mail_server: MailServer, settings: Any
) -> None:
    """The at-least-once window: the server has the email but the worker never hears "250"
    (here: it gives up waiting; a killed worker is the same). The retry is a second copy, and
    it carries the same Message-ID, which is how the receiving side can tell."""
    settings.EMAIL_TIMEOUT = 0.5
    mail_server.sink.stall_seconds = 1.5
    with transaction.atomic():
        send_receipt(make_submission())
    run_tasks()
    assert Message.objects.get().status == "retrying"
    mail_server.sink.stall_seconds = 0
    run_tasks(at=timezone.now() + LATER)
    first, second = mail_server.sink.received
    assert first["Message-ID"] == second["Message-ID"]
    assert Message.objects.get().status == "sent"


def test_a_message_left_sending_by_a_dead_worker_is_sent_once_after_the_lease(
    mail_server: MailServer,
) -> None:
    with transaction.atomic():
        send_receipt(make_submission())
    message = Message.objects.get()
    # What a worker killed mid-send leaves: the message claimed, its task row "running".
    claimed_at = timezone.now() - timedelta(seconds=django_settings.CLINIC_MESSAGE_LEASE_SECONDS)
    Message.objects.filter(pk=message.pk).update(
        status="sending", claimed_at=claimed_at - timedelta(seconds=1), attempts=1
    )
    DBTaskResult.objects.update(status="RUNNING")
    assert recover_stuck() == 1
    assert recover_stuck() == 0  # a second worker's sweep finds nothing more
    run_tasks()
    run_tasks(at=timezone.now() + timedelta(days=2))
    assert len(mail_server.sink.received) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)


def test_a_rolled_back_change_sends_nothing(mail_server: MailServer) -> None:
    submission = make_submission()
    with pytest.raises(RuntimeError), transaction.atomic():
        send_receipt(submission)
        raise RuntimeError("the change failed after queueing its email")
    assert not Message.objects.exists() and not DBTaskResult.objects.exists()
    assert run_tasks() == 0
    assert mail_server.sink.received == []


def test_a_submit_queues_the_receipt_and_sends_it_only_through_the_worker(
    mail_server: MailServer, client: Client
) -> None:
    fill_screened_steps(client, make_answers())
    response = post_step(client, "consent", CONSENT, action="submit")
    assert response.status_code == 302
    assert mail_server.sink.received == []  # the request did not talk to the mail server
    message = Message.objects.get()
    assert (message.kind, message.status) == ("receipt", "queued")
    run_tasks()
    (email,) = mail_server.sink.received
    assert message.submission is not None and message.submission.reference in email["Subject"]


def test_a_permanent_refusal_stops_at_once_and_staff_see_it(
    mail_server: MailServer, client: Client
) -> None:
    mail_server.sink.refuse_with = "550 5.1.1 No such user here"
    submission = make_submission()
    with transaction.atomic():
        send_receipt(submission)
    run_tasks()
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "SMTPRecipientsRefused"
    assert run_tasks(at=timezone.now() + timedelta(days=2)) == 0

    sign_in(client, make_front_desk())
    response = client.get("/staff/messages/?status=failed")
    page = response.content.decode()
    assert response.status_code == 200
    assert "SMTPRecipientsRefused" in page and submission.reference in page
    assert submission.email not in page  # ids and error classes, never addresses or content
    panel = client.get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert "Emails to the patient" in panel and "Failed" in panel


def test_a_4xx_answer_is_retried_until_the_window_closes(
    mail_server: MailServer,
) -> None:
    mail_server.sink.refuse_with = "451 4.3.0 Try again later"
    with transaction.atomic():
        send_receipt(make_submission())
    run_tasks()
    message = Message.objects.get()
    assert (message.status, message.last_error) == ("retrying", "SMTPRecipientsRefused")
    assert message.claimed_at is not None
    first_delay = message.due_at - message.claimed_at
    run_tasks(at=timezone.now() + LATER)
    message.refresh_from_db()
    assert message.attempts == 2 and message.claimed_at is not None
    assert message.due_at - message.claimed_at > first_delay  # the delay doubles
    # The window (CLINIC_MESSAGE_RETRY_HOURS) is over: the next temporary failure is final.
    Message.objects.update(retry_until=timezone.now())
    run_tasks(at=timezone.now() + LATER * 2)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    assert mail_server.sink.received == []


def test_the_window_of_retries_is_a_day_by_default() -> None:
    assert django_settings.CLINIC_MESSAGE_RETRY_HOURS >= 24
    with transaction.atomic():
        send_receipt(make_submission())
    message = Message.objects.get()
    assert message.retry_until - message.created_at >= timedelta(hours=24)


def test_the_messages_command_lists_failures_and_retries_them(mail_server: MailServer) -> None:
    mail_server.sink.refuse_with = "554 5.7.1 Rejected"
    with transaction.atomic():
        send_receipt(make_submission())
    run_tasks()
    message = Message.objects.get()
    out = StringIO()
    call_command("messages", "--failed", stdout=out)
    assert f"{message.pk}\treceipt\tfailed" in out.getvalue()
    assert "SMTPRecipientsRefused" in out.getvalue() and "@" not in out.getvalue()
    mail_server.sink.refuse_with = None
    call_command("messages", "--retry", str(message.pk), stdout=StringIO())
    run_tasks()
    message.refresh_from_db()
    assert message.status == "sent" and len(mail_server.sink.received) == 1
    out = StringIO()
    call_command("messages", "--retry", str(message.pk), stdout=out)
    assert "not queued: sent already" in out.getvalue()


def test_reminders_come_from_the_worker_once_and_not_again_after_a_restart(
    mail_server: MailServer,
) -> None:
    start = timezone.now() + timedelta(hours=20)
    consult = Consult.objects.create(
        chiropractor=make_profile(),
        submission=make_case(),
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        kind=Consult.Kind.DRY_NEEDLING,
    )
    later = Consult.objects.create(
        chiropractor=consult.chiropractor,
        submission=make_case(),
        starts_at=start + timedelta(days=3),
        ends_at=start + timedelta(days=3, minutes=30),
        kind=Consult.Kind.DRY_NEEDLING,
    )
    for _restart in range(2):
        # A fresh worker runs its periodic jobs at once, then the queue.
        call_command("run_worker", "--once", stdout=StringIO())
    (email,) = mail_server.sink.received
    assert email["To"] == consult.submission.email
    assert email["Subject"] == "Reminder: your appointment"
    later.refresh_from_db()
    assert later.reminder_sent_at is None  # not due yet
    # By hand, as before: nothing more is due, nothing is sent.
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "0 reminder(s) sent." in out.getvalue()
    assert len(mail_server.sink.received) == 1


def test_a_failing_periodic_job_does_not_stop_the_others(settings: Any) -> None:
    settings.CLINIC_PERIODIC_JOBS = [
        ("intake.retention.anonymise", 60),  # wrong signature: raises TypeError
        ("outbox.sending.recover_stuck", 60),
    ]
    ran = Schedule(settings.CLINIC_PERIODIC_JOBS).run_due(timezone.now())
    assert ran == ["intake.retention.anonymise", "outbox.sending.recover_stuck"]


def test_healthz_fails_when_a_ready_task_has_waited_too_long(client: Client) -> None:
    with transaction.atomic():
        send_receipt(make_submission())
    assert client.get("/healthz").status_code == 200
    waited = timedelta(seconds=django_settings.CLINIC_TASKS_MAX_WAIT_SECONDS + 1)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - waited)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.content == b"tasks waiting"


def test_a_retry_due_later_does_not_make_healthz_fail(client: Client, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    with transaction.atomic():
        send_receipt(make_submission())
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(hours=1))
    run_tasks()
    assert client.get("/healthz").status_code == 200


def test_only_front_desk_and_clinic_admins_see_the_messages_page(client: Client) -> None:
    assert client.get("/staff/messages/").status_code == 302  # sign-in first
    sign_in(client, make_chiropractor())
    assert client.get("/staff/messages/").status_code == 403
    sign_in(client, make_front_desk("desk2"))
    response = client.get("/staff/messages/?status=nonsense")
    assert response.status_code == 200 and "No messages." in response.content.decode()


def test_the_worker_stops_on_sigterm_between_tasks() -> None:
    worker = new_worker()
    worker.running = False  # what the signal handler sets while a task runs
    with transaction.atomic():
        send_receipt(make_submission())
    assert run_ready(worker) == 0
