"""Patient pages: the landing page, education and privacy, and the questionnaire (five steps,
save and finish later, resume links, confirmation)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic import ratelimit
from clinic.honeypot import honeypot
from screening import age_on

from . import audit, drafts, units, urgent
from .models import Draft
from .questions import SECTIONS_BY_CODE, display_value, parse_date, validate_answers
from .steps import SectionForm, form_for_section, respondent_is_other
from .submissions import InvalidAnswers

# (URL slug, section code) in the order the patient sees them; the last step is the review.
logger = logging.getLogger(__name__)

STEPS = (
    ("who", "respondent"),
    ("about", "about"),
    ("pain", "pain"),
    ("red-flags", "red_flags"),
    ("needling", "needling"),
    ("review", "consent"),
)
SLUGS = [slug for slug, _section in STEPS]
SLUG_BY_SECTION = {section: slug for slug, section in STEPS}
SCREENED = [section for _slug, section in STEPS[:-1]]
# Steps whose questions are about the patient's health: someone filling in for the patient is
# reminded to answer for the patient.
ABOUT_THE_PATIENT = ("pain", "red_flags", "needling")


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    # A new patient answers the first step ("Who is filling in this form?") right here: the
    # form posts to that step, which saves a page load on every intake. One with a form in
    # progress goes, through /intake/, back to the step they reached.
    if drafts.SESSION_DRAFT in request.session:
        return render(request, "intake/home.html", {"start_url": reverse("intake:start")})
    form = form_for_section(STEPS[0][1])(None, answers={}, screening_date=timezone.localdate())
    return render(request, "intake/home.html", {"form": form, "start_url": _step_url(SLUGS[0])})


@login_not_required
def dry_needling(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/dry_needling.html")


@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/privacy.html")


def _step_url(slug: str) -> str:
    if slug == "review":
        return reverse("intake:review")
    return reverse("intake:step", kwargs={"slug": slug})


def _form(section: str, request: HttpRequest, draft: Draft | None) -> SectionForm:
    form_class = form_for_section(section)
    data = request.POST if request.method == "POST" else None
    answers = draft.answers if draft is not None else {}
    return form_class(data, answers=answers, screening_date=timezone.localdate())


def _draft_for_post(request: HttpRequest) -> Draft:
    draft = drafts.draft_for_session(request.session)
    if draft is None:
        ratelimit.check(request, "intake_start")
        draft = drafts.start_draft(
            request.session, language=get_language() or settings.LANGUAGE_CODE
        )
    return draft


def _first_unfinished_section(answers: dict[str, Any]) -> str | None:
    _cleaned, errors = validate_answers(
        answers, screening_date=timezone.localdate(), sections=SCREENED
    )
    return next((s for s in SCREENED if any(q.code in errors for q in _questions(s))), None)


def _questions(section: str) -> Any:
    return SECTIONS_BY_CODE[section].questions


def _age_gate(answers: dict[str, Any]) -> str | None:
    """Where a patient too young for the form, or a minor filling it in alone, is sent."""
    born = parse_date(answers.get("date_of_birth"))
    if born is None:
        return None
    age = age_on(born, timezone.localdate())
    if age < settings.INTAKE_MINIMUM_AGE:
        return reverse("intake:too_young")
    if age < settings.SCREENING_AGE_OF_MAJORITY and answers.get("completed_by") == "self":
        return reverse("intake:guardian_needed")
    return None


def _page(request: HttpRequest, slug: str, form: SectionForm, **context: Any) -> HttpResponse:
    number = SLUGS.index(slug) + 1
    return render(
        request,
        "intake/review.html" if slug == "review" else "intake/step.html",
        {
            "form": form,
            "section": form.section,
            "for_the_patient": form.respondent_is_other and form.section.code in ABOUT_THE_PATIENT,
            "step_number": number,
            "step_count": len(STEPS),
            "previous_url": _step_url(SLUGS[number - 2]) if number > 1 else None,
            **context,
        },
    )


@login_not_required
@never_cache
def intake_start(request: HttpRequest) -> HttpResponse:
    draft = drafts.draft_for_session(request.session)
    return redirect(_step_url(draft.step if draft and draft.step in SLUGS else SLUGS[0]))


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@honeypot(redirect_to="intake:start")
def intake_step(request: HttpRequest, slug: str) -> HttpResponse:
    section = dict(STEPS)[slug]
    index = SLUGS.index(slug)
    if request.method == "GET":
        draft = drafts.draft_for_session(request.session)
        gate = _age_gate(draft.answers) if draft is not None and index > 1 else None
        if gate is not None:
            return redirect(gate)
        form = _form(section, request, draft)
        return _page(request, slug, form, from_review="change" in request.GET)

    draft = _draft_for_post(request)
    form = _form(section, request, draft)
    action = request.POST.get("action", "next")
    if action in ("back", "later"):
        # Keep everything typed, unchecked: it is validated when the patient moves on.
        drafts.save_section(draft, section=section, answers=form.converted(), step=slug)
        if action == "later":
            return redirect("intake:save_later")
        return redirect(_step_url(SLUGS[max(index - 1, 0)]))
    if not form.is_valid():
        drafts.save_section(draft, section=section, answers=form.answers, step=slug)
        return _page(request, slug, form, from_review=bool(request.POST.get("from_review")))
    next_slug = SLUGS[index + 1]
    drafts.save_section(draft, section=section, answers=form.cleaned_answers, step=next_slug)
    gate = _age_gate(draft.answers)
    if gate is not None:
        return redirect(gate)
    from_review = bool(request.POST.get("from_review"))
    if drafts.show_urgent_advice(draft, request=request):
        # Before any further question: the advice, then the choice to go on or stop.
        return redirect(reverse("intake:urgent") + ("?then=review" if from_review else ""))
    if from_review:
        return redirect("intake:review")
    return redirect(_step_url(next_slug))


def _review_value(code: str, value: Any) -> str:
    # Height and weight in both units: the patient may have typed either.
    return units.describe(code, value) if code in units.MEASURED else display_value(code, value)


def _answered_sections(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The review list: every screened section with each answer in plain words."""
    other = respondent_is_other(answers)
    rows = []
    for section in SCREENED:
        items = [
            (
                q.label_for(other),
                _review_value(q.code, answers[q.code]) if q.code in answers else None,
            )
            for q in _questions(section)
            if q.code in answers or q.when is None
        ]
        rows.append(
            {
                "section": SECTIONS_BY_CODE[section],
                "title": SECTIONS_BY_CODE[section].title_for(other),
                "change_url": _step_url(SLUG_BY_SECTION[section]) + "?change=1",
                "count": len(items),
                "list_html": _review_list_html(items),
            }
        )
    return rows


def _review_list_html(items: list[tuple[str, str | None]]) -> SafeString:
    """The <dt>/<dd> pairs of one review part, built here rather than in a template loop:
    the review lists every answer, and the loop was most of the page's cost."""
    not_answered = format_html('<span class="text-body-secondary">{}</span>', _("Not answered"))
    return format_html_join(
        "\n",
        "<dt>{}</dt><dd>{}</dd>",
        ((label, not_answered if value is None else value) for label, value in items),
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@honeypot(redirect_to="intake:done")
def intake_review(request: HttpRequest) -> HttpResponse:
    draft = drafts.draft_for_session(request.session)
    if draft is None:
        # A second submit (double click, refresh, back and submit again) lands on the same page.
        if drafts.submission_for_session(request.session) is not None:
            return redirect("intake:done")
        return redirect("intake:start")
    gate = _age_gate(draft.answers)
    if gate is not None:
        return redirect(gate)
    unfinished = _first_unfinished_section(draft.answers)
    if unfinished is not None:
        messages.info(request, _("Please answer the questions on this page before you sign."))
        return redirect(_step_url(SLUG_BY_SECTION[unfinished]))
    form = _form("consent", request, draft)
    if request.method == "POST":
        action = request.POST.get("action", "submit")
        if action in ("back", "later"):
            drafts.save_section(draft, section="consent", answers=form.converted(), step="review")
            return redirect("intake:save_later" if action == "later" else _step_url("needling"))
        if form.is_valid():
            ratelimit.check(request, "intake_submit")
            try:
                submission, _created = drafts.submit_draft(
                    draft_key=draft.pk,
                    consent=form.cleaned_answers,
                    ip_address=audit.client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except (InvalidAnswers, Draft.DoesNotExist):
                return redirect("intake:start")
            drafts.remember_submission(request.session, submission)
            return redirect("intake:done")
    return _page(request, "review", form, sections=_answered_sections(draft.answers))


def _continue_url(request: HttpRequest, draft: Draft) -> str:
    then = request.GET.get("then", "")
    if then in SLUGS:
        return _step_url(then)
    return _step_url(draft.step if draft.step in SLUGS else SLUGS[0])


@login_not_required
@never_cache
def urgent_advice(request: HttpRequest) -> HttpResponse:
    """Urgent advice mid-way: the moment the answers make an urgent rule certain."""
    draft = drafts.draft_for_session(request.session)
    if draft is None:
        return redirect("intake:start")
    advice = urgent.advice_for_rules(urgent.certain_rules(draft.answers))
    if not advice:
        return redirect(_continue_url(request, draft))
    return render(
        request,
        "intake/urgent.html",
        {"advice": urgent.linked(advice), "continue_url": _continue_url(request, draft)},
    )


@login_not_required
@never_cache
def urgent_stopped(request: HttpRequest) -> HttpResponse:
    """The patient stopped after urgent advice: the advice again, and nothing to wait for."""
    draft = drafts.draft_for_session(request.session)
    if draft is None:
        return redirect("intake:start")
    advice = urgent.advice_for_rules(urgent.certain_rules(draft.answers))
    return render(
        request,
        "intake/urgent_stopped.html",
        {"advice": urgent.linked(advice), "continue_url": _continue_url(request, draft)},
    )


@login_not_required
@never_cache
def too_young(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "intake/too_young.html",
        {"minimum_age": settings.INTAKE_MINIMUM_AGE, "about_url": _step_url("about")},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def guardian_needed(request: HttpRequest) -> HttpResponse:
    """A minor filling in the form alone: a parent or guardian takes over, keeping the draft."""
    draft = drafts.draft_for_session(request.session)
    if draft is None:
        return redirect("intake:start")
    if request.method == "POST":
        respondent = {
            q.code: draft.answers[q.code]
            for q in _questions("respondent")
            if q.code in draft.answers
        }
        respondent["completed_by"] = "parent_guardian"
        # The guardian gives their own name and relationship on the first step, then goes on.
        drafts.save_section(draft, section="respondent", answers=respondent, step=SLUGS[0])
        return redirect(_step_url(SLUGS[0]))
    return render(
        request,
        "intake/guardian_needed.html",
        {"age_of_majority": settings.SCREENING_AGE_OF_MAJORITY, "about_url": _step_url("about")},
    )


@login_not_required
@never_cache
def intake_done(request: HttpRequest) -> HttpResponse:
    submission = drafts.submission_for_session(request.session)
    if submission is None:
        return redirect("intake:start")
    return render(
        request,
        "intake/confirmation.html",
        {"submission": submission, "advice": urgent.linked(drafts.safety_advice(submission))},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@honeypot(redirect_to="intake:link_sent")
def save_later(request: HttpRequest) -> HttpResponse:
    draft = drafts.draft_for_session(request.session)
    if draft is None:
        return redirect("intake:start")
    stored = draft.answers.get("email")
    email = request.POST.get("email", "") if request.method == "POST" else draft.email or stored
    errors: list[str] = []
    if request.method == "POST":
        cleaned, all_errors = validate_answers(
            {"email": email}, screening_date=timezone.localdate(), sections=("about",)
        )
        errors = all_errors.get("email", [])
        if not errors:
            ratelimit.check(request, "link_request_ip")
            ratelimit.check(request, "link_request_email", key=str(cleaned["email"]))
            try:
                drafts.send_resume_link(
                    draft=draft,
                    email=str(cleaned["email"]),
                )
            except Exception as exc:  # any mail failure: the patient is asked to try again
                logger.warning(
                    "resume link for draft %s not sent: %s", draft.pk, type(exc).__name__
                )
                errors = [_("We could not send the email just now. Please try again in a minute.")]
            else:
                return redirect("intake:link_sent")
    return render(
        request,
        "intake/save_later.html",
        {
            "email": email if isinstance(email, str) else "",
            "errors": errors,
            "return_url": _step_url(draft.step if draft.step in SLUGS else SLUGS[0]),
        },
    )


@login_not_required
@never_cache
def link_sent(request: HttpRequest) -> HttpResponse:
    draft = drafts.draft_for_session(request.session)
    if draft is None or not draft.email:
        return redirect("intake:start")
    return render(
        request,
        "intake/link_sent.html",
        {
            "email": draft.email,
            "days": drafts.RESUME_MAX_AGE.days,
            "return_url": _step_url(draft.step if draft.step in SLUGS else SLUGS[0]),
        },
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def resume(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners that open links must not use the link up.
    if request.method == "GET":
        if drafts.draft_for_resume_token(token) is None:
            return render(request, "intake/resume_invalid.html", status=400)
        return render(request, "intake/resume.html")
    draft = drafts.resume_draft(token=token, session=request.session)
    if draft is None:
        return render(request, "intake/resume_invalid.html", status=400)
    response = redirect(_step_url(draft.step if draft.step in SLUGS else SLUGS[0]))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        draft.language,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
