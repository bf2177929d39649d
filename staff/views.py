"""Staff pages: the front-desk queue, the submission page and its actions, the CSV export.

Login is required by LoginRequiredMiddleware; each view checks its permission through
`get_submission_for_staff` or `_require`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from care.episode import episode_panel, with_care_flags
from consults.booking import send_booking_invite
from consults.locations import locations_for, visible_submissions
from intake import audit, drafts, urgent, workflow
from intake.models import (
    OPEN_STATUSES,
    ContactAttempt,
    Draft,
    Outcome,
    Status,
    Submission,
    User,
)
from intake.submissions import CannotRescreen, rescreen
from intake.workflow import StepNotAllowed
from outbox.models import Message

from .display import (
    FindingView,
    age_text,
    answers_by_section,
    bmi,
    case_notes,
    findings_of,
    latest_screenings,
    outcome_label,
    pain_scores,
    screening_history,
    timeline,
)
from .export import csv_response
from .forms import (
    ALL,
    ClearanceForm,
    ContactForm,
    NoteForm,
    OverrideForm,
    QueueFilterForm,
    StatusForm,
)
from .history import patient_history
from .paging import COUNT_CAP, keyset_page

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
TOP_FINDINGS = 3

VIEW = "intake.view_submission"
CHANGE = "intake.change_submission"
ADD_CONTACT = "intake.add_contactattempt"
REVIEW = "intake.review_submission"
EXPORT = "intake.export_submission"
# Everything about one patient in one file: clinic admins, and others only when granted.
SUBJECT_ACCESS = "intake.subject_access_submission"
VIEW_MESSAGES = "outbox.view_message"
MESSAGES_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue, with everything the template shows already worked out."""

    submission: Submission
    age: str
    overdue: bool
    outcome: str
    screened_outcome: str
    status: str
    top_findings: list[FindingView]
    last_contact_result: str


@dataclass(frozen=True)
class UrgentDraftRow:
    """A form stopped after urgent advice: who, how to reach them, when, and what they read."""

    name: str
    phone: str
    shown_at: Any
    advice: list[str]


# Unfinished forms that showed urgent advice, newest first; submitted ones are in the queue.
URGENT_DRAFTS_SHOWN = 50


def urgent_drafts() -> list[UrgentDraftRow]:
    drafts = Draft.objects.filter(urgent_advice_shown_at__isnull=False).order_by(
        "-urgent_advice_shown_at"
    )[:URGENT_DRAFTS_SHOWN]
    return [
        UrgentDraftRow(
            name=" ".join(
                str(draft.answers.get(code, "")) for code in ("first_name", "last_name")
            ).strip(),
            phone=str(draft.answers.get("phone", "")),
            shown_at=draft.urgent_advice_shown_at,
            advice=urgent.advice_for_rules(draft.urgent_rules),
        )
        for draft in drafts
    ]


def _require(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def actor(request: HttpRequest) -> User:
    """The signed-in staff member (LoginRequiredMiddleware has made sure there is one)."""
    assert isinstance(request.user, User)
    return request.user


def get_submission_for_staff(
    request: HttpRequest, pk_or_reference: int | str, *, also: tuple[str, ...] = ()
) -> Submission:
    """The one way staff views fetch a submission: 403 without permission, 404 when missing.

    The permission is checked first, so someone without it cannot learn which references exist.
    `also` names further permissions the action needs (e.g. intake.review_submission).
    """
    _require(request, VIEW, *also)
    # Staff limited to some locations see their cases and the unbooked ones: 404 for others.
    submissions = visible_submissions(Submission.objects.all(), request.user)
    if isinstance(pk_or_reference, int):
        return get_object_or_404(submissions, pk=pk_or_reference)
    return get_object_or_404(submissions, reference=str(pk_or_reference).upper())


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    form = QueueFilterForm(request.GET or None, locations=locations_for(request.user))
    form.is_valid()
    if request.GET.get("q", "").strip():
        # A search finds patients by name: one entry with the filters, never the words.
        filters = {k: v for k, v in form.audit_detail().items() if k != "searched"}
        audit.record(audit.SEARCHED_SUBMISSIONS, request=request, search=True, **filters)
    submissions = form.filter(
        visible_submissions(Submission.objects.defer("answers", "user_agent"), request.user)
    )
    page = keyset_page(
        submissions,
        request.GET.get("after", ""),
        PAGE_SIZE,
        # The care badges (needling on hold, not responding) for the shown rows only.
        prepare=lambda rows: with_care_flags(rows).prefetch_related(latest_screenings()),
    )
    now = timezone.now()
    # Labels looked up once per page: Django's get_FOO_display() rebuilds its choices every call.
    outcomes = {value: str(label) for value, label in Outcome.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    results = {value: str(label) for value, label in ContactAttempt.Result.choices}
    rows = []
    for submission in page.rows:
        history = submission.screening_history  # type: ignore[attr-defined]
        rows.append(
            QueueRow(
                submission=submission,
                age=age_text(submission.submitted_at, now),
                overdue=workflow.is_overdue(submission, now),
                outcome=outcomes.get(submission.outcome, submission.outcome),
                screened_outcome=outcomes.get(
                    submission.screened_outcome, submission.screened_outcome
                ),
                status=statuses.get(submission.status, submission.status),
                top_findings=findings_of(history[0] if history else None, TOP_FINDINGS),
                last_contact_result=results.get(
                    submission.last_contact_result, submission.last_contact_result
                ),
            )
        )
    counts = visible_submissions(
        Submission.objects.filter(status__in=OPEN_STATUSES), request.user
    ).aggregate(
        overdue=Count("pk", filter=workflow.overdue_q(now)),
        **{outcome: Count("pk", filter=Q(outcome=outcome)) for outcome in Outcome.values},
    )
    query = request.GET.copy()
    query.pop("after", None)
    other_statuses = 0
    widened = form.widened()
    if not rows and request.GET.get("status") != ALL:
        # Nothing here under this status: say how many the others hold, with one link to them.
        everywhere = QueueFilterForm(widened, locations=locations_for(request.user))
        everywhere.is_valid()
        wider = everywhere.filter(
            visible_submissions(Submission.objects.all(), request.user)
        ).order_by()
        other_statuses = wider[:COUNT_CAP].count()
    return render(
        request,
        "staff/home.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "outcome_counts": [(o, o.label, counts[o.value]) for o in Outcome],
            "overdue_count": counts["overdue"],
            "query": query.urlencode(),
            "other_statuses": other_statuses,
            "widen_query": widened.urlencode(),
            "can_export": request.user.has_perm(EXPORT),
            # Unfinished forms that showed urgent advice head the plain queue's first page.
            "urgent_drafts": urgent_drafts() if not request.GET else [],
        },
    )


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    _require(request, VIEW, EXPORT)
    form = QueueFilterForm(request.GET or None, locations=locations_for(request.user))
    form.is_valid()
    response, count = csv_response(
        form.filter(visible_submissions(Submission.objects.all(), request.user))
    )
    audit.record(audit.EXPORTED_SUBMISSIONS, request=request, count=count, **form.audit_detail())
    return response


@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    """Every outgoing email: what was sent and when, what waits or failed; ids, no content."""
    _require(request, VIEW_MESSAGES)
    status = request.GET.get("status", "")
    messages_ = Message.objects.select_related("submission").order_by("-created_at", "-pk")
    if status in Message.Status.values:
        messages_ = messages_.filter(status=status)
    else:
        status = ""
    page = Paginator(messages_, MESSAGES_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(
        Message.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return render(
        request,
        "staff/messages.html",
        {
            "page": page,
            "status": status,
            "statuses": [(s, s.label, counts.get(s.value, 0)) for s in Message.Status],
            "can_view_submissions": request.user.has_perm(VIEW),
        },
    )


def _page(request: HttpRequest, submission: Submission, **forms: Any) -> HttpResponse:
    """The submission page, with any bound (invalid) action form passed in to show its errors."""
    screenings = screening_history(submission)
    latest = screenings[0] if screenings else None
    hide_views = request.GET.get("views") == "hide"
    notes = case_notes(submission)
    can_review = request.user.has_perm(REVIEW)
    context = {
        "submission": submission,
        "screened_outcome_label": outcome_label(submission.screened_outcome),
        "latest_screening": latest,
        "findings": findings_of(latest),
        "sections": answers_by_section(submission.answers),
        "pain_scores": pain_scores(submission.answers),
        "bmi": bmi(submission.answers),
        "timeline": timeline(submission, notes, hide_views=hide_views),
        "hide_views": hide_views,
        "overdue": workflow.is_overdue(submission),
        "urgent_advice": drafts.safety_advice_as_shown(submission),
        "notes": notes,
        "can_contact": request.user.has_perm(ADD_CONTACT),
        "can_change": request.user.has_perm(CHANGE),
        "can_review": can_review,
        "can_download_subject_data": request.user.has_perm(SUBJECT_ACCESS),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "status_form": forms.get("status_form") or StatusForm(submission=submission),
        "note_form": forms.get("note_form") or NoteForm(),
        "override_form": forms.get("override_form")
        or OverrideForm(initial={"outcome": submission.outcome}),
        "clearance_form": forms.get("clearance_form") or ClearanceForm(submission=submission),
        # The episode: plan, sessions, adverse events (templates/care/_episode_panel.html).
        "care": episode_panel(request.user, submission),
        # The patient's earlier episodes and any match to decide (templates/staff/_history.html).
        "history": patient_history(submission, can_decide=request.user.has_perm(CHANGE)),
    }
    status = 400 if forms else 200
    return render(request, "staff/submission.html", context, status=status)


@require_GET
def submission_detail(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_staff(request, reference)
    audit.record(audit.VIEWED_SUBMISSION, request=request, submission=submission)
    return _page(request, submission)


@require_POST
def log_contact(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_staff(request, reference, also=(ADD_CONTACT,))
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _page(request, submission, contact_form=form)
    try:
        workflow.record_contact(
            submission=submission,
            result=form.cleaned_data["result"],
            note=form.cleaned_data["note"],
            by=actor(request),
            request=request,
        )
    except StepNotAllowed as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The contact attempt was logged."))
    return redirect(submission_url(submission))


@require_POST
def change_status(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_staff(request, reference, also=(CHANGE,))
    form = StatusForm(request.POST, submission=submission)
    if not form.is_valid():
        if "to" in form.errors:
            messages.error(
                request,
                _("A case that is “%(status)s” cannot be moved that way.")
                % {"status": submission.get_status_display()},
            )
        return _page(request, submission, status_form=form)
    try:
        workflow.close_case(
            submission=submission,
            to=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"],
            by=actor(request),
            request=request,
        )
    except StepNotAllowed as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Status changed to “%(status)s”.") % {"status": submission.get_status_display()},
        )
    return redirect(submission_url(submission))


@require_POST
def add_note(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_staff(request, reference, also=(ADD_CONTACT,))
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, submission, note_form=form)
    workflow.add_note(
        submission=submission, text=form.cleaned_data["text"], by=actor(request), request=request
    )
    messages.success(request, _("The note was added."))
    return redirect(submission_url(submission))


@require_POST
def override_outcome(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_staff(request, reference, also=(REVIEW,))
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _page(request, submission, override_form=form)
    workflow.override_outcome(
        submission=submission,
        outcome=form.cleaned_data["outcome"],
        reason=form.cleaned_data["reason"],
        by=actor(request),
        request=request,
    )
    messages.success(
        request,
        _("Outcome overridden to “%(outcome)s”.") % {"outcome": submission.get_outcome_display()},
    )
    return redirect(submission_url(submission))


@require_POST
def clear_for_consult(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_staff(request, reference, also=(REVIEW,))
    form = ClearanceForm(request.POST, submission=submission)
    if not form.is_valid():
        return _page(request, submission, clearance_form=form)
    workflow.clear_for_consult(
        submission=submission,
        reason=form.cleaned_data["reason"],
        by=actor(request),
        request=request,
    )
    messages.success(request, _("Cleared for a consult."))
    try:
        sent = send_booking_invite(
            submission=submission, by=submission.cleared_by, audit_entry=False
        )
    except Exception as exc:  # whatever the mail server raised: ids and the class only
        logger.warning(
            "booking link for submission %s not sent: %s", submission.pk, type(exc).__name__
        )
        messages.error(
            request, _("We could not send the email just now. Please try again in a minute.")
        )
    else:
        if sent:
            messages.info(request, _("The patient has been emailed a link to book a consult."))
    return redirect(submission_url(submission))


@require_POST
def rescreen_submission(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_staff(request, reference, also=(REVIEW,))
    try:
        result = rescreen(submission=submission, by=actor(request), request=request)
    except CannotRescreen:
        messages.error(
            request,
            _(
                "These answers no longer fit the current questions, so they cannot be screened "
                "again. The earlier screening stands."
            ),
        )
    else:
        messages.success(
            request,
            _("Screened again with rules %(ruleset)s: %(outcome)s.")
            % {"ruleset": result.ruleset, "outcome": outcome_label(result.outcome)},
        )
    return redirect(submission_url(submission))


def submission_url(submission: Submission) -> str:
    return reverse("staff:submission", args=[submission.reference])
