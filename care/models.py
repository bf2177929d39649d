"""A course of care after the consult, hung off the submission (the episode): the consult's
result, the treatment plan and its versions, needling sessions with their safety check,
adverse events and the patient's check after each session.

Status changes go through intake/workflow.py; what happens here is care/episode.py's job.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consults.models import Consult
from intake.models import Submission


def new_link_key() -> str:
    return secrets.token_urlsafe(18)


SESSION_MINUTES_MIN = 15
SESSION_MINUTES_MAX = 45


class ConsultResult(models.Model):
    """What the chiropractor decided when the consult was completed."""

    class Decision(models.TextChoices):
        PLAN = "plan", _("Start a treatment plan with dry needling")
        EXERCISE_ONLY = "exercise_only", _("No needling: an exercise-only plan")
        REFER = "refer", _("Refer on")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="consult_results"
    )
    consult = models.OneToOneField(
        Consult, null=True, blank=True, on_delete=models.PROTECT, related_name="result"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.submission_id})"


class TreatmentPlan(models.Model):
    """One course of care per episode; its content lives in versions, the latest one current."""

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="treatment_plan"
    )
    with_needling = models.BooleanField(default=True)
    # Random key inside the patient's signed plan link (no id in the link).
    link_key = models.CharField(max_length=40, unique=True, default=new_link_key)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The Patient-Specific Functional Scale's activities, named by the patient at the first
    # check-in (the PSFS baseline) and asked about at every later one.
    psfs_activities = models.JSONField(default=list, blank=True)
    # Updated whenever a check-in is answered (care/outcomes.py): the latest answers show the
    # minimal important change against the baseline. The queue flags "not responding" from it
    # at the review date, in its one query.
    minimal_change_reached = models.BooleanField(default=False)

    class Meta:
        permissions = [
            (
                "record_care",
                "Can record consult results, plans, sessions and adverse events",
            )
        ]

    def __str__(self) -> str:
        return f"Plan for {self.submission_id}"

    @property
    def latest(self) -> PlanVersion | None:
        return self.versions.order_by("-number").first()


class PlanVersion(models.Model):
    """One version of a plan. Never edited: a revision adds the next version."""

    class Frequency(models.TextChoices):
        TWICE_WEEKLY = "twice_weekly", _("Twice a week")
        WEEKLY = "weekly", _("Once a week")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    sessions_planned = models.PositiveSmallIntegerField(_("needling sessions planned"))
    frequency = models.CharField(
        _("how often"), max_length=20, choices=Frequency.choices, blank=True
    )
    session_minutes = models.PositiveSmallIntegerField(_("session length (minutes)"), default=30)
    exercises = models.JSONField(_("home programme"), default=list)
    footwear = models.TextField(_("footwear and insoles"), blank=True)
    load_changes = models.TextField(_("load and lifestyle changes"), blank=True)
    review_on = models.DateField(_("review date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_unique_number"),
            models.CheckConstraint(
                condition=models.Q(sessions_planned__lte=20), name="planversion_sessions_range"
            ),
            models.CheckConstraint(
                condition=models.Q(session_minutes__gte=5, session_minutes__lte=90),
                name="planversion_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.plan_id} v{self.number}"


class NeedlingSession(models.Model):
    """One visit of the course: the safety check first, then (if it passed) what was needled."""

    class Area(models.TextChoices):
        GASTROCNEMIUS = "gastrocnemius", _("Gastrocnemius")
        SOLEUS = "soleus", _("Soleus")
        PLANTAR_INTRINSICS = "plantar_intrinsics", _("Plantar intrinsic muscles")
        ABDUCTOR_HALLUCIS = "abductor_hallucis", _("Abductor hallucis")
        QUADRATUS_PLANTAE = "quadratus_plantae", _("Quadratus plantae")
        FLEXOR_DIGITORUM_BREVIS = "flexor_digitorum_brevis", _("Flexor digitorum brevis")
        OTHER = "other", _("Other")

    class SafetyDecision(models.TextChoices):
        PASSED = "passed", _("Safety check passed")
        PROCEED = "proceed", _("Proceed, with a reason")
        NOT_TODAY = "not_today", _("Do not needle today")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="needling_sessions"
    )
    consult = models.OneToOneField(
        Consult, null=True, blank=True, on_delete=models.PROTECT, related_name="needling_session"
    )
    number = models.PositiveSmallIntegerField()
    date = models.DateField()
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    minutes_confirmed = models.BooleanField(default=False)
    areas = models.JSONField(default=list, blank=True)
    other_area = models.CharField(max_length=100, blank=True)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The pre-session safety check: what changed since the intake (True: yes).
    new_blood_thinners = models.BooleanField()
    pregnancy = models.BooleanField()
    fever_or_unwell = models.BooleanField()
    skin_broken_or_infected = models.BooleanField()
    new_implants = models.BooleanField()
    safety_decision = models.CharField(max_length=20, choices=SafetyDecision.choices)
    safety_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Random key inside the patient's signed two-day check link.
    check_key = models.CharField(max_length=40, unique=True, default=new_link_key)

    class Meta:
        ordering = ["number"]
        # The needled sessions of a set of cases, counted from this index alone (the clinic
        # dashboard's adverse-events figure, reports/figures.py; SQLite ignores `include`).
        indexes = [
            models.Index(
                fields=["submission"],
                include=["id"],
                condition=~models.Q(safety_decision="not_today"),
                name="needlingsession_needled_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "number"], name="needlingsession_unique_number"
            ),
            # 15–45 minutes, or a length the chiropractor confirmed; none when not needled.
            models.CheckConstraint(
                condition=models.Q(minutes__isnull=True)
                | models.Q(minutes__gte=SESSION_MINUTES_MIN, minutes__lte=SESSION_MINUTES_MAX)
                | models.Q(minutes_confirmed=True),
                name="needlingsession_minutes_in_range_or_confirmed",
            ),
            # Needling after a "yes" in the safety check needs the chiropractor's reason.
            models.CheckConstraint(
                condition=~models.Q(safety_decision="proceed") | ~models.Q(safety_reason=""),
                name="needlingsession_proceed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.submission_id}"

    @property
    def needled(self) -> bool:
        return self.safety_decision != self.SafetyDecision.NOT_TODAY

    def area_labels(self) -> list[str]:
        labels = dict(self.Area.choices)
        shown = [str(labels.get(code, code)) for code in self.areas if code != self.Area.OTHER]
        if self.Area.OTHER in self.areas:
            shown.append(self.other_area or str(self.Area.OTHER.label))
        return shown


class AdverseEvent(models.Model):
    """Something that went wrong, during a session or reported afterwards."""

    class Kind(models.TextChoices):
        BRUISING = "bruising", _("Bruising")
        BLEEDING = "bleeding", _("Bleeding")
        PAIN_DURING = "pain_during", _("Pain during treatment")
        SORENESS_AFTER = "soreness_after", _("Soreness afterwards")
        FAINTING = "fainting", _("Fainting or feeling faint")
        INFECTION = "infection", _("Signs of infection")
        NERVE = "nerve", _("Nerve symptoms")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        MILD = "mild", _("Mild")
        SIGNIFICANT = "significant", _("Significant")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="adverse_events"
    )
    session = models.ForeignKey(
        NeedlingSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adverse_events",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    description = models.TextField(blank=True)
    action_taken = models.TextField()
    occurred_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # A significant event holds needling until a chiropractor clears it, with a reason.
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clearance_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cleared_at__isnull=True) | ~models.Q(clearance_reason=""),
                name="adverseevent_cleared_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_severity_display()})"

    @property
    def holds_needling(self) -> bool:
        return self.severity == self.Severity.SIGNIFICANT and self.cleared_at is None


class AftercareCheck(models.Model):
    """The patient's answer to "How are you after your session?" (one per session)."""

    class Feeling(models.TextChoices):
        BETTER = "better", _("Better than before the session")
        SAME = "same", _("About the same")
        WORSE = "worse", _("Worse")

    session = models.OneToOneField(
        NeedlingSession, on_delete=models.CASCADE, related_name="aftercare_check"
    )
    feeling = models.CharField(max_length=20, choices=Feeling.choices)
    spreading_redness = models.BooleanField()
    warmth_or_swelling = models.BooleanField()
    pus = models.BooleanField()
    fever = models.BooleanField()
    answered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Check after session {self.session_id}"

    @property
    def suggests_infection(self) -> bool:
        return self.spreading_redness or self.warmth_or_swelling or self.pus or self.fever


class OutcomeCheckIn(models.Model):
    """One patient-reported outcome check-in: sent after each session and at 6 and 12 weeks
    after the plan starts, answered once through its signed link (care/outcomes.py)."""

    class Occasion(models.TextChoices):
        SESSION = "session", _("After a session")
        WEEK_6 = "week_6", _("Six weeks after the plan started")
        WEEK_12 = "week_12", _("Twelve weeks after the plan started")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="outcome_checkins"
    )
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="checkins")
    session = models.OneToOneField(
        NeedlingSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outcome_checkin",
    )
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    due_at = models.DateTimeField()
    # Random key inside the patient's signed check-in link.
    link_key = models.CharField(max_length=40, unique=True, default=new_link_key)
    answered_at = models.DateTimeField(null=True, blank=True)
    nprs_first_step = models.PositiveSmallIntegerField(null=True, blank=True)
    nprs_average = models.PositiveSmallIntegerField(null=True, blank=True)
    # Scores (0–10, or None when skipped) in the order of the plan's psfs_activities.
    psfs_scores = models.JSONField(default=list, blank=True)
    # True when this check-in named the activities: the PSFS baseline (no rating of change).
    psfs_baseline = models.BooleanField(default=False)
    global_change = models.SmallIntegerField(null=True, blank=True)
    adherence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    anything_new = models.BooleanField(null=True, blank=True)
    anything_new_text = models.TextField(blank=True)
    # The red-flag questions asked after "something new": {code: bool}, and the urgent rules
    # they made certain (intake/urgent.py).
    red_flags = models.JSONField(default=dict, blank=True)
    red_flags_answered_at = models.DateTimeField(null=True, blank=True)
    urgent_rules = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        # For the clinic dashboard's minimal-change figure (reports/figures.py): the 6- and
        # 12-week check-ins of a set of cases, and each plan's answered PSFS baseline, read from
        # these small indexes alone on PostgreSQL (SQLite ignores `include`).
        indexes = [
            models.Index(
                fields=["submission"],
                include=[
                    "id",
                    "plan",
                    "occasion",
                    "due_at",
                    "answered_at",
                    "nprs_first_step",
                    "psfs_scores",
                    "psfs_baseline",
                ],
                condition=models.Q(occasion__in=["week_6", "week_12"]),
                name="outcomecheckin_weeks_idx",
            ),
            models.Index(
                fields=["plan"],
                include=["psfs_scores"],
                condition=models.Q(psfs_baseline=True, answered_at__isnull=False),
                name="outcomecheckin_baseline_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "occasion"],
                condition=~models.Q(occasion="session"),
                name="outcomecheckin_one_per_week_occasion",
            ),
            models.CheckConstraint(
                condition=models.Q(global_change__isnull=True)
                | models.Q(global_change__gte=-7, global_change__lte=7),
                name="outcomecheckin_global_change_range",
            ),
            models.CheckConstraint(
                condition=models.Q(adherence_days__isnull=True) | models.Q(adherence_days__lte=7),
                name="outcomecheckin_adherence_range",
            ),
            models.CheckConstraint(
                condition=models.Q(nprs_first_step__isnull=True)
                | models.Q(nprs_first_step__lte=10),
                name="outcomecheckin_nprs_first_step_range",
            ),
            models.CheckConstraint(
                condition=models.Q(nprs_average__isnull=True) | models.Q(nprs_average__lte=10),
                name="outcomecheckin_nprs_average_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk} ({self.occasion}) of {self.submission_id}"

    @property
    def needs_red_flags(self) -> bool:
        return bool(self.anything_new) and self.red_flags_answered_at is None
