"""Who sees patient-reported outcomes: chiropractors and clinic admins (the front desk sees only
the queue's "not responding" badge)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose: a later change of role permissions gets its own migration.
ROLE_PERMISSIONS = {
    "Chiropractor": ["care.view_outcomecheckin"],
    "Clinic admin": ["care.view_outcomecheckin"],
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
    dependencies = [("care", "0003_outcome_checkins")]

    operations = [migrations.RunPython(grant, revoke)]
