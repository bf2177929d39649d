"""The clinic admin role manages locations (Django admin, docs/locations.md)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose, like 0003_roles.
CODES = ["view_location", "add_location", "change_location", "delete_location"]
ROLE = "Clinic admin"


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the role needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROLE)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="consults", codename__in=CODES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=ROLE).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="consults", codename__in=CODES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consults", "0006_locations"),
        ("consults", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
