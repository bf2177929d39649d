"""The front-desk queue at /staff/: order, counts, overdue, filters, search, paging, queries."""

from __future__ import annotations

import importlib
import io
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from intake import workflow
from intake.models import QUEUE_ORDER, ScreeningRecord, Status, Submission
from intake.submissions import contact_deadline
from staff.display import short_datetime
from tests.helpers import (
    make_chiropractor,
    make_front_desk,
    make_staff,
    make_submission,
    sign_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk() -> Client:
    client = Client()
    sign_in(client, make_front_desk())
    return client


def references(response) -> list[str]:
    return [s.reference for s in response.context["page"]]


def test_queue_lists_most_severe_first_then_oldest_first(desk: Client) -> None:
    now = timezone.now()
    eligible_old = make_submission(submitted_at=now - timedelta(hours=30))
    urgent_new = make_submission(calf_swelling=True, submitted_at=now - timedelta(minutes=5))
    urgent_old = make_submission(calf_swelling=True, submitted_at=now - timedelta(hours=1))
    refer = make_submission(night_pain=True, submitted_at=now - timedelta(hours=2))
    response = desk.get("/staff/")
    assert references(response) == [
        urgent_old.reference,
        urgent_new.reference,
        refer.reference,
        eligible_old.reference,
    ]


def test_queue_row_shows_reference_name_age_outcome_status_and_top_findings(desk: Client) -> None:
    submission = make_submission(
        calf_swelling=True,
        first_name="Rowan",
        last_name="Fictive",
        submitted_at=timezone.now() - timedelta(hours=3, minutes=10),
    )
    page = desk.get("/staff/").content.decode()
    assert submission.reference in page
    assert "Rowan Fictive" in page
    assert "3 h ago" in page
    assert "Urgent" in page and "New" in page
    assert "possible deep-vein thrombosis" in page


def test_overdue_submissions_are_counted_and_marked_in_words(desk: Client) -> None:
    make_submission(calf_swelling=True, submitted_at=timezone.now() - timedelta(hours=3))
    make_submission(calf_swelling=True)
    response = desk.get("/staff/")
    assert response.context["overdue_count"] == 1
    page = response.content.decode()
    assert page.count('class="badge badge-overdue">Overdue<') == 1
    assert "not contacted in time" in page


def test_counts_per_outcome_cover_open_submissions(desk: Client) -> None:
    make_submission(calf_swelling=True)
    make_submission(night_pain=True)
    make_submission(night_pain=True)
    closed = make_submission()
    Submission.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    counts = {o.value: n for o, _label, n in desk.get("/staff/").context["outcome_counts"]}
    assert counts == {"urgent": 1, "refer": 2, "no_needling": 0, "review": 0, "eligible": 0}


def test_an_overridden_outcome_shows_the_screened_outcome_beside_it(desk: Client) -> None:
    submission = make_submission(night_pain=True)
    workflow.override_outcome(
        submission=submission, outcome="eligible", reason="Known benign.", by=make_staff("c", None)
    )
    page = desk.get("/staff/").content.decode()
    assert "overridden; screened:" in page and "Refer" in page


def test_filters_by_outcome_status_overdue_and_dates(desk: Client) -> None:
    now = timezone.now()
    urgent = make_submission(calf_swelling=True, submitted_at=now - timedelta(days=3))
    refer = make_submission(night_pain=True, submitted_at=now)
    contacted = make_submission()
    Submission.objects.filter(pk=contacted.pk).update(status=Status.CONTACTED)
    closed = make_submission()
    Submission.objects.filter(pk=closed.pk).update(status=Status.CLOSED)

    assert references(desk.get("/staff/?outcome=urgent")) == [urgent.reference]
    assert references(desk.get("/staff/?status=contacted")) == [contacted.reference]
    assert closed.reference not in references(desk.get("/staff/"))
    assert closed.reference in references(desk.get("/staff/?status=all"))
    assert references(desk.get("/staff/?overdue=on")) == [urgent.reference]
    today = timezone.localdate(now).isoformat()
    assert refer.reference in references(desk.get(f"/staff/?submitted_from={today}"))
    assert urgent.reference not in references(desk.get(f"/staff/?submitted_from={today}"))
    two_days_ago = (timezone.localdate(now) - timedelta(days=2)).isoformat()
    assert references(desk.get(f"/staff/?submitted_to={two_days_ago}")) == [urgent.reference]


def test_bad_filter_values_show_a_message_and_never_fail(desk: Client) -> None:
    response = desk.get("/staff/?outcome=nonsense&submitted_from=yesterday&page=abc")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = desk.get("/staff/?submitted_from=2026-05-02&submitted_to=2026-05-01")
    assert "The end date is before the start date." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "Lovelace",
        "lovelace",
        "ada lovelace",
        "ada@lovelace.example",
        "555 777",
        "5557771234",
        "(555) 777-1234",
    ],
)
def test_search_finds_by_name_email_and_phone(desk: Client, query: str) -> None:
    found = make_submission(
        first_name="Ada", last_name="Lovelace", email="ada@lovelace.example", phone="555 777 1234"
    )
    make_submission(first_name="Grace", last_name="Hopper", email="g@h.example")
    assert references(desk.get("/staff/", {"q": query})) == [found.reference]


def test_search_finds_by_reference(desk: Client) -> None:
    found = make_submission()
    make_submission()
    assert references(desk.get("/staff/", {"q": found.reference.lower()})) == [found.reference]


def test_queue_pages_by_25_with_a_next_page_link_that_keeps_the_filters(desk: Client) -> None:
    for _ in range(27):
        make_submission(night_pain=True)
    first = desk.get("/staff/?outcome=refer")
    assert len(first.context["page"].rows) == 25
    cursor = first.context["page"].next_cursor
    page = first.content.decode()
    assert f"outcome=refer&amp;after={cursor}" in page and "Next page" in page
    second = desk.get(f"/staff/?outcome=refer&after={cursor}")
    assert len(second.context["page"].rows) == 2
    assert second.context["page"].next_cursor == ""
    assert 'href="?outcome=refer">First page</a>' in second.content.decode()


def test_keyset_pages_cover_every_row_once_in_queue_order_even_with_equal_times(
    desk: Client,
) -> None:
    moment = timezone.now() - timedelta(hours=1)
    for n in range(30):
        # Several rows share a submission time: the id breaks the tie.
        make_submission(night_pain=n % 2 == 0, submitted_at=moment - timedelta(minutes=n // 4))
    seen: list[str] = []
    after = ""
    for _ in range(5):
        response = desk.get("/staff/", {"after": after} if after else {})
        seen += references(response)
        after = response.context["page"].next_cursor
        if not after:
            break
    expected = list(Submission.objects.order_by(*QUEUE_ORDER).values_list("reference", flat=True))
    assert seen == expected and len(set(seen)) == 30


@pytest.mark.parametrize("cursor", ["junk", "1.2", "9.99999999999999999999.1", "-1.5.5", "1.5.0"])
def test_a_broken_next_page_cursor_shows_the_first_page(desk: Client, cursor: str) -> None:
    make_submission()
    response = desk.get("/staff/", {"after": cursor})
    assert response.status_code == 200
    assert len(references(response)) == 1


def _bulk_submissions(count: int, prefix: str) -> None:
    template = make_submission(calf_swelling=True)
    screening = template.screenings.get()
    now = timezone.now()
    rows = []
    for n in range(count - 1):
        at = now - timedelta(minutes=n)
        rows.append(
            Submission(
                reference=f"{prefix}{n:07d}",
                draft_key=uuid.uuid4(),
                answers=template.answers,
                first_name="Bulk",
                last_name=f"Row{n}",
                email=f"row{n}@example.com",
                phone="555 010 0000",
                date_of_birth=template.date_of_birth,
                consent_version="x",
                signature="x",
                signed_at=at,
                submitted_at=at,
                screened_outcome="urgent",
                outcome="urgent",
                priority=0,
                contact_due_at=contact_deadline("urgent", at),
            )
        )
    created = Submission.objects.bulk_create(rows)
    ScreeningRecord.objects.bulk_create(
        ScreeningRecord(
            submission=s,
            outcome="urgent",
            findings=screening.findings,
            ruleset=screening.ruleset,
            screening_date=screening.screening_date,
        )
        for s in created
    )


def test_queue_runs_the_same_number_of_queries_with_10_and_500_submissions(desk: Client) -> None:
    _bulk_submissions(10, "A")
    desk.get("/staff/")  # warm the session and permission caches' first queries alike
    with CaptureQueriesContext(connection) as ten:
        assert desk.get("/staff/").status_code == 200
    _bulk_submissions(490, "B")
    with CaptureQueriesContext(connection) as five_hundred:
        assert desk.get("/staff/").status_code == 200
    assert len(ten) == len(five_hundred)
    assert len(five_hundred) <= 10


def test_a_submission_page_with_a_full_history_runs_at_most_thirteen_queries(
    desk: Client,
) -> None:
    submission = make_submission(night_pain=True)
    for _ in range(5):
        desk.get(f"/staff/submissions/{submission.reference}/")  # five views in the timeline
    with CaptureQueriesContext(connection) as queries:
        assert desk.get(f"/staff/submissions/{submission.reference}/").status_code == 200
    # Ten, one for the "Emails to the patient" panel, one for the care panel and one for the
    # patient's history (nothing earlier: the consults, plans and check-ins are not read).
    assert len(queries) <= 13


def test_seed_demo_loads_submissions_in_every_outcome_and_status_once() -> None:
    from django.core.management import call_command

    from intake.models import Outcome

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    submissions = Submission.objects.all()
    assert 25 <= submissions.count() <= 40
    assert set(submissions.values_list("outcome", flat=True)) == set(Outcome.values)
    assert set(submissions.values_list("status", flat=True)) == set(Status.values)
    assert submissions.filter(workflow.overdue_q()).exists()
    assert submissions.filter(overridden_at__isnull=False).exists()
    assert submissions.filter(cleared_for_consult=True).exists()
    assert submissions.filter(first_contact_at__isnull=False).exists()


def test_a_queue_row_shows_tap_to_call_last_and_next_attempt_cleared_marker_and_exact_time(
    desk: Client,
) -> None:
    submission = make_submission(
        phone="(555) 010-0007", submitted_at=timezone.now() - timedelta(hours=26)
    )
    chiro = make_chiropractor("chiro-q")
    workflow.clear_for_consult(submission=submission, by=chiro)
    workflow.record_contact(submission=submission, result="no_answer", by=make_front_desk("desk-q"))
    submission.refresh_from_db()
    page = desk.get("/staff/").content.decode()
    assert '<a class="queue-phone" href="tel:+15550100007">(555) 010-0007</a>' in page
    assert "Last: No answer," in page
    assert "Next try:" in page and submission.next_attempt_at is not None
    assert "Cleared for consult" in page
    exact = timezone.localtime(submission.submitted_at)
    shown = f"{exact:%b} {exact.day}, {exact.year}"
    assert "26 h ago" in page
    assert f'title="{exact:%a}, {shown},' in page  # on hover
    assert 'class="exact-time" tabindex="0"' in page  # and on keyboard focus
    assert f'<span class="exact-text"> ({exact:%a}, {shown},' in page  # and for screen readers


def test_a_row_without_calls_says_so(desk: Client) -> None:
    make_submission()
    assert "No call yet" in desk.get("/staff/").content.decode()


def test_an_empty_result_says_how_many_other_statuses_hold_with_one_link_to_widen(
    desk: Client,
) -> None:
    closed = make_submission(first_name="Quill", last_name="Closedcase")
    Submission.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    response = desk.get("/staff/", {"q": "Closedcase", "outcome": "eligible"})
    page = response.content.decode()
    assert references(response) == []
    assert "No submissions match these filters." in page
    assert "1 match in other statuses." in page
    assert 'href="?q=Closedcase&amp;outcome=eligible&amp;status=all">Show all statuses</a>' in page
    widened = desk.get("/staff/?q=Closedcase&outcome=eligible&status=all")
    assert references(widened) == [closed.reference]


def test_an_empty_result_everywhere_offers_no_link(desk: Client) -> None:
    page = desk.get("/staff/", {"q": "Nobody"}).content.decode()
    assert "No submissions match these filters." in page and "Show all statuses" not in page


def test_the_queue_with_contacts_and_clearances_stays_within_ten_queries(desk: Client) -> None:
    front = make_front_desk("desk-c")
    for _ in range(30):
        submission = make_submission(night_pain=True)
        workflow.record_contact(submission=submission, result="voicemail", by=front)
    desk.get("/staff/")
    with CaptureQueriesContext(connection) as queries:
        assert desk.get("/staff/?q=555").status_code == 200
    assert len(queries) <= 10


def test_logging_a_call_keeps_the_last_contact_on_the_row_and_the_backfill_agrees(
    desk: Client,
) -> None:
    submission = make_submission()
    caller = make_front_desk("caller")
    workflow.record_contact(submission=submission, result="voicemail", by=caller)
    latest = workflow.record_contact(submission=submission, result="no_answer", by=caller)
    submission.refresh_from_db()
    assert (submission.last_contact_at, submission.last_contact_result) == (latest.at, "no_answer")
    Submission.objects.filter(pk=submission.pk).update(last_contact_at=None, last_contact_result="")
    migration = importlib.import_module("intake.migrations.0012_submission_last_contact")
    with connection.cursor() as cursor:
        migration.backfill(None, SimpleNamespace(execute=cursor.execute))
    submission.refresh_from_db()
    assert (submission.last_contact_at, submission.last_contact_result) == (latest.at, "no_answer")


def test_dates_follow_the_one_style_of_each_language() -> None:
    moment = timezone.make_aware(datetime(2026, 11, 30, 16, 5))
    with translation.override("en"):
        assert short_datetime(moment) == "Mon, Nov 30, 2026, 4:05 PM"
        assert date_format(moment.date(), "DATE_FORMAT") == "November 30, 2026"
    with translation.override("es"):
        assert short_datetime(moment) == "lun 30 nov 2026, 16:05"
        assert date_format(moment.date(), "DATE_FORMAT") == "30 de noviembre de 2026"


def test_the_queue_in_spanish_shows_the_exact_time_in_the_spanish_style(desk: Client) -> None:
    submission = make_submission()
    exact = short_datetime(submission.submitted_at)
    with translation.override("es"):
        exact_es = short_datetime(submission.submitted_at)
    page = desk.get("/staff/", headers={"accept-language": "es"}).content.decode()
    assert exact_es != exact
    assert f'title="{exact_es}"' in page
