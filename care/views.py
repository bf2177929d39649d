"""Care pages. Staff (under /staff/): the consult's result, the plan, sessions, adverse events,
the hold, booking the next session. Patients (under /care/, signed links): the plan, and the
check two days after a session.

Staff views fetch the episode through `get_episode_for_staff`; login is required by
LoginRequiredMiddleware, patient views opt out with @login_not_required.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinic.ratelimit import rate_limit
from consults.booking import BookingNotAllowed, SlotTaken
from consults.locations import visible_submissions
from intake import urgent
from intake.models import Submission, User

from . import chart, episode, exercises, outcomes
from .checkin_forms import CheckInForm, RedFlagForm
from .episode import CareRefused
from .forms import (
    AdverseEventForm,
    BookSessionForm,
    CheckForm,
    PlanForm,
    ReasonForm,
    ResultForm,
    SessionForm,
)
from .links import checkin_from_token, plan_from_token, session_from_check_token
from .models import AdverseEvent, ConsultResult, NeedlingSession, OutcomeCheckIn, TreatmentPlan

VIEW_PLAN = "care.view_treatmentplan"
VIEW_OUTCOMES = "care.view_outcomecheckin"
RECORD = "care.record_care"
BOOK = "consults.book_consult"


def get_episode_for_staff(request: HttpRequest, reference: str, *perms: str) -> Submission:
    """The one way care's staff views fetch an episode: 403 without every permission (checked
    first, so references cannot be probed), 404 when missing."""
    if not request.user.has_perms(("intake.view_submission", *perms)):
        raise PermissionDenied
    submissions = visible_submissions(Submission.objects.all(), request.user)
    return get_object_or_404(submissions, reference=reference.upper())


def _by(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _episode_url(submission: Submission) -> str:
    return reverse("staff:submission", args=[submission.reference]) + "#care-heading"


def _form_page(
    request: HttpRequest,
    submission: Submission,
    *,
    title: str,
    form: Any = None,
    submit: str = "",
    intro: str = "",
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "care/staff_form.html",
        {
            "submission": submission,
            "title": title,
            "form": form,
            "submit": submit,
            "intro": intro,
            "refused": refused,
            "back": _episode_url(submission),
        },
        status=status,
    )


# Staff ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def record_result(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_episode_for_staff(request, reference, RECORD)
    title = _("The consult's result")
    consult = episode.consult_to_decide(submission)
    if consult is None:
        refused = _("There is no consult today or earlier whose result is still to be recorded.")
        return _form_page(request, submission, title=title, refused=refused)
    form = ResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            episode.record_result(
                submission=submission,
                consult=consult,
                decision=decision,
                reason=form.cleaned_data["reason"],
                by=_by(request),
                request=request,
            )
        except CareRefused as refused:
            return _form_page(request, submission, title=title, refused=str(refused), status=400)
        if decision == ConsultResult.Decision.REFER:
            messages.success(request, _("Recorded: the patient is referred on."))
            return redirect(_episode_url(submission))
        messages.success(request, _("Recorded. Now write the plan."))
        return redirect("care_staff:plan_edit", reference=submission.reference)
    return _form_page(
        request,
        submission,
        title=title,
        form=form,
        submit=_("Complete the consult and record the result"),
        intro=_("Recording the result marks the consult completed."),
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def edit_plan(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_episode_for_staff(request, reference, RECORD)
    result = episode.result_of(submission)
    plan = episode.plan_of(submission)
    with_needling = (
        plan.with_needling
        if plan
        else bool(result and result.decision == ConsultResult.Decision.PLAN)
    )
    latest = plan.latest if plan else None
    initial = (
        {
            "sessions_planned": latest.sessions_planned,
            "frequency": latest.frequency,
            "session_minutes": latest.session_minutes,
            "exercises": latest.exercises,
            "footwear": latest.footwear,
            "load_changes": latest.load_changes,
            "review_on": latest.review_on,
        }
        if latest
        else {"exercises": [e.code for e in exercises.CATALOGUE]}
    )
    form = PlanForm(request.POST or None, initial=initial, with_needling=with_needling)
    title = _("Revise the treatment plan") if latest else _("Write the treatment plan")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = episode.save_plan(
                submission=submission,
                sessions_planned=data.get("sessions_planned", 0),
                frequency=data.get("frequency", ""),
                session_minutes=data.get("session_minutes", 30),
                exercise_codes=data["exercises"],
                footwear=data["footwear"],
                load_changes=data["load_changes"],
                review_on=data["review_on"],
                by=_by(request),
                request=request,
            )
        except CareRefused as refused:
            return _form_page(request, submission, title=title, refused=str(refused), status=400)
        messages.success(
            request,
            _("Plan version %(number)s saved and emailed to the patient.")
            % {"number": version.number},
        )
        return redirect(_episode_url(submission))
    return _form_page(
        request,
        submission,
        title=title,
        form=form,
        submit=_("Save and email the plan"),
        intro=_("Every version is kept; the patient's link shows the latest."),
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def record_session(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_episode_for_staff(request, reference, RECORD)
    title = _("Record needling session %(number)s") % {
        "number": episode.next_session_number(submission)
    }
    blocked = episode.session_block_reason(submission)
    if blocked is not None:
        return _form_page(
            request,
            submission,
            title=title,
            refused=blocked,
            status=409 if request.method == "POST" else 200,
        )
    form = SessionForm(
        request.POST or None, initial={"date": timezone.localdate(), "practitioner": request.user}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = episode.record_session(
                submission=submission,
                day=data["date"],
                minutes=data.get("minutes"),
                minutes_confirmed=data.get("minutes_confirmed", False),
                areas=data.get("areas") or [],
                other_area=data.get("other_area", ""),
                safety={name: data[name] for name in SessionForm.SAFETY},
                safety_decision=data["safety_decision"],
                safety_reason=data.get("safety_reason", ""),
                notes=data.get("notes", ""),
                practitioner=data["practitioner"],
                by=_by(request),
                request=request,
            )
        except CareRefused as refused:
            return _form_page(request, submission, title=title, refused=str(refused), status=409)
        if session.needled:
            messages.success(
                request, _("Session recorded. Aftercare advice is on its way to the patient.")
            )
        else:
            messages.warning(request, _("Recorded: no needling today."))
        return redirect(_episode_url(submission))
    return _form_page(
        request,
        submission,
        title=title,
        form=form,
        submit=_("Record the session"),
        intro=_(
            "Ask the safety questions first. Any “yes” holds needling until you decide, "
            "with a reason."
        ),
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def record_adverse_event(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_episode_for_staff(request, reference, RECORD)
    sessions = NeedlingSession.objects.filter(submission=submission)
    form = AdverseEventForm(
        request.POST or None, sessions=sessions, initial={"occurred_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        event = episode.record_adverse_event(
            submission=submission,
            session=data["session"],
            kind=data["kind"],
            severity=data["severity"],
            description=data["description"],
            action_taken=data["action_taken"],
            occurred_on=data["occurred_on"],
            by=_by(request),
            request=request,
        )
        if event.holds_needling:
            messages.warning(
                request, _("Adverse event recorded. Needling is on hold until you clear it.")
            )
        else:
            messages.success(request, _("Adverse event recorded."))
        return redirect(_episode_url(submission))
    return _form_page(
        request,
        submission,
        title=_("Record an adverse event"),
        form=form,
        submit=_("Record the adverse event"),
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def clear_hold(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    submission = get_episode_for_staff(request, reference, RECORD)
    event = get_object_or_404(AdverseEvent, pk=pk, submission=submission)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise CareRefused(_("Please give a reason for clearing the hold."))
        episode.clear_hold(
            event=event, reason=form.cleaned_data["reason"], by=_by(request), request=request
        )
    except CareRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The hold is cleared."))
    return redirect(_episode_url(submission))


@require_POST
def finish(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_episode_for_staff(request, reference, RECORD)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise CareRefused(_("Please say why the course of care ends."))
        episode.finish_care(
            submission=submission,
            reason=form.cleaned_data["reason"],
            by=_by(request),
            request=request,
        )
    except CareRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The course of care is finished and the case is closed."))
    return redirect(_episode_url(submission))


@require_http_methods(["GET", "POST"])
def book_session(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_episode_for_staff(request, reference, VIEW_PLAN, BOOK)
    number = episode.next_session_number(submission)
    title = _("Book needling session %(number)s") % {"number": number}
    blocked = episode.session_block_reason(submission)
    if blocked is not None:
        return _form_page(
            request,
            submission,
            title=title,
            refused=blocked,
            status=409 if request.method == "POST" else 200,
        )
    form = BookSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts_at = form.cleaned_data["starts_at"]
        try:
            booked = episode.book_session(
                submission=submission,
                chiropractor=form.cleaned_data["chiropractor"],
                starts_at=starts_at,
                by=_by(request),
            )
        except (CareRefused, BookingNotAllowed) as refused:
            return _form_page(request, submission, title=title, refused=str(refused), status=409)
        if isinstance(booked, SlotTaken):
            form.add_error("starts_at", _("That time is not free. Please choose another."))
        elif not booked.created:
            messages.info(request, _("This patient already has an appointment booked."))
            return redirect(_episode_url(submission))
        else:
            messages.success(request, _("Session booked and confirmed to the patient by email."))
            return redirect(_episode_url(submission))
    return _form_page(
        request,
        submission,
        title=title,
        form=form,
        submit=_("Book the session"),
        status=400 if request.method == "POST" else 200,
    )


# The chart's own CSP: pygal's SVG carries its <style>; it has no script and fetches nothing.
CHART_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "frame-ancestors": ["'self'"],
}


@csp(CHART_CSP)  # type: ignore[arg-type]  # django-csp types views as (request) only
@require_http_methods(["GET"])
def progress_chart(request: HttpRequest, reference: str) -> HttpResponse:
    """The progress chart as SVG, for the <img> on the episode page."""
    submission = get_episode_for_staff(request, reference, VIEW_OUTCOMES)
    plan = get_object_or_404(TreatmentPlan, submission=submission)
    response = HttpResponse(
        chart.render(outcomes.progress(plan)), content_type="image/svg+xml; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# Patients -------------------------------------------------------------------------------------


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "care/link_invalid.html", status=404)


@login_not_required
@never_cache
@require_http_methods(["GET"])
def plan_page(request: HttpRequest, token: str) -> HttpResponse:
    plan = plan_from_token(token)
    latest = plan.latest if plan else None
    if plan is None or latest is None:
        return _link_invalid(request)
    return render(
        request,
        "care/plan.html",
        {
            "plan": plan,
            "version": latest,
            "exercises": exercises.chosen(latest.exercises),
            "clinic_phone": settings.CLINIC_PHONE,
            "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
        },
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("care_check")
def check(request: HttpRequest, token: str) -> HttpResponse:
    session = session_from_check_token(token)
    if session is None:
        return _link_invalid(request)
    answered = getattr(session, "aftercare_check", None)
    form = CheckForm(request.POST or None)
    if answered is None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answered = episode.answer_check(
            session=session,
            feeling=data["feeling"],
            signs={
                name: data[name]
                for name in ("spreading_redness", "warmth_or_swelling", "pus", "fever")
            },
            request=request,
        )
    context = {
        "form": form,
        "answered": answered,
        "clinic_phone": settings.CLINIC_PHONE,
        "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
    }
    status = 400 if request.method == "POST" and answered is None else 200
    return render(request, "care/check.html", context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("care_check")
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The outcome check-in: the answers, then (after "something new") the red-flag questions,
    then thanks, or the urgent advice at once. Each step answers once; a POST meant for a step
    already done only shows where the patient is now."""
    found = checkin_from_token(token)
    if found is None:
        return _link_invalid(request)
    step = "answers" if found.answered_at is None else "red_flags" if found.needs_red_flags else ""
    posted = request.method == "POST" and request.POST.get("step") == step
    form: CheckInForm | RedFlagForm | None = None
    if step == "answers":
        answers = CheckInForm(
            request.POST if posted else None, activities=found.plan.psfs_activities
        )
        if posted and answers.is_valid():
            _answer(request, found, answers)
            return redirect("care:checkin", token=token)
        form = answers
    elif step == "red_flags":
        form = RedFlagForm(request.POST if posted else None)
        if posted and form.is_valid():
            outcomes.answer_red_flags(checkin=found, answers=form.cleaned_data, request=request)
            return redirect("care:checkin", token=token)
    return render(
        request,
        "care/checkin.html",
        {
            "step": step,
            "form": form,
            "checkin": found,
            "baseline": step == "answers" and not found.plan.psfs_activities,
            "advice": outcomes.urgent_advice(found) if not step else [],
            "emergency_number": urgent.emergency_number(),
            "emergency_tel": urgent.tel_href(urgent.emergency_number()),
            "clinic_phone": settings.CLINIC_PHONE,
        },
        status=400 if posted else 200,
    )


def _answer(request: HttpRequest, found: OutcomeCheckIn, form: CheckInForm) -> None:
    data = form.cleaned_data
    activities = form.activities() if form.baseline else found.plan.psfs_activities
    outcomes.answer(
        checkin=found,
        nprs_first_step=data["nprs_first_step"],
        nprs_average=data["nprs_average"],
        activities=activities,
        psfs_scores=form.scores(len(activities)),
        global_change=data.get("global_change"),
        adherence_days=data["adherence_days"],
        anything_new=data["anything_new"],
        anything_new_text=data.get("anything_new_text", ""),
        request=request,
    )
