"""Bring existing cases under the pathway's rules.

- The reasons of overrides and clearances already given, and the notes of contact attempts,
  become the first CaseNote rows (the contact note column goes in the next migration).
- `first_contact_at` means the first time someone *reached* the patient: an unanswered call no
  longer counts, so such cases keep their contact clock running (and show as overdue).
- The contact clock (`contact_due_at`) is stopped for cases whose patient was reached, that have
  a consult booked, or that are closed.
"""

from django.db import migrations
from django.db.models import Min

FINAL = ("closed", "referred_out", "not_proceeding")


def forwards(apps, schema_editor):
    Submission = apps.get_model("intake", "Submission")
    CaseNote = apps.get_model("intake", "CaseNote")
    ContactAttempt = apps.get_model("intake", "ContactAttempt")
    notes = []
    for s in Submission.objects.exclude(override_reason="").iterator():
        notes.append(
            CaseNote(
                submission_id=s.pk,
                kind="override",
                text=s.override_reason,
                by_id=s.overridden_by_id,
                at=s.overridden_at or s.submitted_at,
            )
        )
    for s in Submission.objects.exclude(clearance_reason="").iterator():
        notes.append(
            CaseNote(
                submission_id=s.pk,
                kind="clearance",
                text=s.clearance_reason,
                by_id=s.cleared_by_id,
                at=s.cleared_at or s.submitted_at,
            )
        )
    for c in ContactAttempt.objects.exclude(note="").iterator():
        notes.append(
            CaseNote(
                submission_id=c.submission_id, kind="contact", text=c.note, by_id=c.by_id, at=c.at
            )
        )
    CaseNote.objects.bulk_create(notes, batch_size=1000)
    reached = (
        ContactAttempt.objects.filter(result="reached")
        .values("submission_id")
        .annotate(first=Min("at"))
    )
    first_reached = {row["submission_id"]: row["first"] for row in reached.iterator()}
    for s in Submission.objects.filter(first_contact_at__isnull=False).iterator():
        if first_reached.get(s.pk) != s.first_contact_at:
            Submission.objects.filter(pk=s.pk).update(first_contact_at=first_reached.get(s.pk))
    Submission.objects.filter(first_contact_at__isnull=False).update(contact_due_at=None)
    Submission.objects.filter(status__in=("consult_booked", *FINAL)).update(contact_due_at=None)


class Migration(migrations.Migration):
    dependencies = [("intake", "0005_pathway_contact_clock_and_case_notes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
