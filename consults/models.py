"""Chiropractors, their weekly hours and time off, and the consults booked with them."""

from __future__ import annotations

import secrets
import uuid
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import Submission


def new_manage_key() -> str:
    return secrets.token_urlsafe(24)


def new_ics_uid() -> str:
    return f"{uuid.uuid4()}@consults.clinic"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Use a time zone name such as America/Chicago."), code="time_zone")


class Location(models.Model):
    """A place where consults happen (docs/locations.md). A clinic starts with one, made from
    its settings; blank contact fields fall back to those settings."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.TextField(_("address"), blank=True, help_text=_("One line per row."))
    directions = models.TextField(_("directions"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    opening_hours = models.TextField(
        _("opening hours"), blank=True, help_text=_("As patients should read them.")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=60, default="UTC", validators=[validate_time_zone]
    )
    is_active = models.BooleanField(_("taking bookings"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_settings(cls) -> Location:
        """The clinic's one location as today's settings describe it."""
        return cls(
            name=settings.CLINIC_NAME,
            address=settings.CLINIC_ADDRESS,
            directions=settings.CLINIC_DIRECTIONS,
            phone=settings.CLINIC_PHONE,
            time_zone=settings.TIME_ZONE,
        )

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def contact(self) -> dict[str, str]:
        """What patients read about this place: its own details, else the clinic's settings."""
        return {
            "location_name": self.name,
            "clinic_address": self.address or settings.CLINIC_ADDRESS,
            "clinic_directions": self.directions or settings.CLINIC_DIRECTIONS,
            "clinic_phone": self.phone or settings.CLINIC_PHONE,
            "opening_hours": self.opening_hours,
        }


def default_location_pk() -> int:
    """The first location (the one every clinic has), made from the settings if missing.

    The default for consults and hours created without a location: a single-location clinic
    never has to name it. Only the primary key is read, so migrations can call this.
    """
    first = Location.objects.order_by("pk").values_list("pk", flat=True).first()
    if first is not None:
        return first
    return Location.objects.create(
        name=settings.CLINIC_NAME,
        address=settings.CLINIC_ADDRESS,
        directions=settings.CLINIC_DIRECTIONS,
        phone=settings.CLINIC_PHONE,
        time_zone=settings.TIME_ZONE,
    ).pk


class StaffLocation(models.Model):
    """A staff member limited to a location; someone with no rows works at every location."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_locations"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = _("staff location")
        verbose_name_plural = _("staff locations")
        constraints = [
            models.UniqueConstraint(fields=["user", "location"], name="stafflocation_unique")
        ]

    def __str__(self) -> str:
        return str(self.location)


class Chiropractor(models.Model):
    """A staff member who sees patients, with the length of a consult and the gap after it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chiropractor_profile"
    )
    display_name = models.CharField(
        _("name shown to patients"), max_length=100, help_text=_("For example: Dr. Casey Chiro.")
    )
    consult_minutes = models.PositiveSmallIntegerField(_("consult length (minutes)"), default=30)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer after each consult (minutes)"), default=0
    )
    is_active = models.BooleanField(_("taking bookings"), default=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consult_minutes__gte=5, consult_minutes__lte=240),
                name="chiropractor_consult_minutes_range",
            ),
            models.CheckConstraint(
                condition=models.Q(buffer_minutes__lte=120), name="chiropractor_buffer_range"
            ),
        ]
        permissions = [("manage_availability", "Can manage chiropractors' hours and time off")]

    def __str__(self) -> str:
        return self.display_name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """One block of weekly hours at one location, in that location's local time; a day may
    have several (at one or more locations, never overlapping: forms.WorkingHoursForm)."""

    chiropractor = models.ForeignKey(Chiropractor, on_delete=models.CASCADE, related_name="hours")
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="hours",
        default=default_location_pk,
        verbose_name=_("location"),
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        ordering = ["chiropractor", "weekday", "starts"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="workinghours_ends_after_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="workinghours_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class TimeOff(models.Model):
    """A dated absence (holiday, training): no slots are offered while it lasts."""

    chiropractor = models.ForeignKey(
        Chiropractor, on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="timeoff_ends_after_starts",
            ),
        ]

    def __str__(self) -> str:
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{starts:%Y-%m-%d %H:%M} – {ends:%Y-%m-%d %H:%M}"


class ConsultQuerySet(models.QuerySet["Consult"]):
    def active(self) -> ConsultQuerySet:
        return self.filter(status=Consult.Status.ACTIVE)

    def still_to_come(self) -> ConsultQuerySet:
        """Booked and not yet completed: at most one per case (a constraint says so)."""
        return self.active().exclude(attendance=Consult.Attendance.COMPLETED)

    def on_agenda(self) -> ConsultQuerySet:
        """Booked consults and the ones the patient missed (kept on the day sheet, marked)."""
        return self.filter(status__in=[Consult.Status.ACTIVE, Consult.Status.MISSED])

    def upcoming(self, now: datetime | None = None) -> ConsultQuerySet:
        return self.active().filter(starts_at__gt=now or timezone.now())

    def between(self, start: datetime, end: datetime) -> ConsultQuerySet:
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def due_for_reminder(self, now: datetime | None = None) -> ConsultQuerySet:
        """Active consults starting within a day that have had no reminder yet."""
        now = now or timezone.now()
        return self.upcoming(now).filter(
            reminder_sent_at__isnull=True,
            starts_at__lte=now + timedelta(hours=settings.CLINIC_REMINDER_HOURS),
        )


class Consult(models.Model):
    """One appointment. The database refuses a second active consult in the same slot."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        # The patient did not come: the slot is history and the case may be booked again.
        MISSED = "missed", _("Missed (no-show)")

    class Attendance(models.TextChoices):
        NOT_MARKED = "", _("Not marked")
        ARRIVED = "arrived", _("Arrived")
        NO_SHOW = "no_show", _("No-show")
        COMPLETED = "completed", _("Completed")

    class Kind(models.TextChoices):
        DRY_NEEDLING = "dry_needling", _("Dry-needling consult")
        NO_NEEDLING = "no_needling", _("Consult without needling")
        # One visit of a course of care (care/); its length comes from the treatment plan.
        NEEDLING_SESSION = "needling_session", _("Needling session")

    chiropractor = models.ForeignKey(
        Chiropractor, on_delete=models.PROTECT, related_name="consults"
    )
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="consults")
    # Where it happens: the location of the working hours the slot came from.
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="consults", default=default_location_pk
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # The calendar event keeps its UID for life; SEQUENCE goes up with every change.
    ics_uid = models.CharField(max_length=100, unique=True, default=new_ics_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    # Random key inside the patient's signed cancel/reschedule link; replaced on every change.
    manage_key = models.CharField(max_length=40, unique=True, default=new_manage_key)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Marked by staff on the day (consults/attendance.py), each step with its time.
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.NOT_MARKED, blank=True
    )
    arrived_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    # For needling sessions: which one of the course this is ("session 3 of 6" on the agenda),
    # written by care/ when it books the session and when the plan's count changes.
    session_number = models.PositiveSmallIntegerField(null=True, blank=True)
    sessions_planned = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = ConsultQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        # The queue filtered to one location asks "has this case a consult there?".
        indexes = [models.Index(fields=["location", "submission"], name="consult_location_case")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="consult_ends_after_starts",
            ),
            # Slots sit on a fixed grid, so two bookings of one slot share chiropractor and
            # start: this refuses the race on SQLite too. PostgreSQL also gets an exclusion
            # constraint on overlapping time ranges (migration 0002).
            models.UniqueConstraint(
                fields=["chiropractor", "starts_at"],
                condition=models.Q(status="active"),
                name="consult_one_active_per_slot",
            ),
            # One consult still to come per case; a completed one no longer counts, so the
            # next session of a course can be booked.
            models.UniqueConstraint(
                fields=["submission"],
                condition=models.Q(status="active") & ~models.Q(attendance="completed"),
                name="consult_one_open_per_submission",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | models.Q(cancelled_at__isnull=False),
                name="consult_cancelled_has_time",
            ),
            # "Missed" and a marked no-show are the same fact, with its time.
            models.CheckConstraint(
                condition=(
                    models.Q(status="missed", attendance="no_show", no_show_at__isnull=False)
                    | (~models.Q(status="missed") & ~models.Q(attendance="no_show"))
                ),
                name="consult_missed_is_no_show",
            ),
        ]
        permissions = [("book_consult", "Can book, reschedule and cancel consults")]

    def __str__(self) -> str:
        return f"{self.chiropractor} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def patient_can_change(self, now: datetime | None = None) -> bool:
        """Patients may cancel or move a consult until the cutoff before it starts."""
        cutoff = self.starts_at - timedelta(hours=settings.CLINIC_CANCEL_CUTOFF_HOURS)
        return self.is_active and (now or timezone.now()) < cutoff
