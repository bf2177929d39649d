"""Give the staff roles their care permissions: chiropractors record and see everything; the
front desk sees the plan (and books sessions with its consult permissions), not session notes;
clinic admins see the records, read-only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose: a later change of role permissions gets its own migration.
PLAN = ["care.view_treatmentplan", "care.view_planversion", "care.view_consultresult"]
CLINICAL = ["care.view_needlingsession", "care.view_adverseevent", "care.view_aftercarecheck"]
ROLE_PERMISSIONS = {
    "Front desk": PLAN,
    "Chiropractor": [*PLAN, *CLINICAL, "care.record_care"],
    "Clinic admin": [*PLAN, *CLINICAL],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
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
        ("care", "0001_initial"),
        ("consults", "0003_roles"),
        ("intake", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
