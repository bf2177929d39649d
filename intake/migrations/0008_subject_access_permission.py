"""A permission for the subject access download; clinic admins get it, front desk does not."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose: a later change of role permissions gets its own migration.
ROLE_PERMISSIONS = {"Clinic admin": ["intake.subject_access_submission"]}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the role needs this one now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_contact_notes_are_case_notes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="submission",
            options={
                "ordering": ["priority", "submitted_at"],
                "permissions": [
                    ("review_submission", "Can clear, override and re-screen submissions"),
                    ("export_submission", "Can export submissions"),
                    (
                        "subject_access_submission",
                        "Can download one patient's data (subject access)",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
