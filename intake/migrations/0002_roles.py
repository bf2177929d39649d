"""Create the staff roles (Django groups) with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here on purpose: a later change of role permissions gets its own migration.
FRONT_DESK = [
    "intake.view_submission",
    "intake.change_submission",
    "intake.export_submission",
    "intake.view_contactattempt",
    "intake.add_contactattempt",
    "intake.view_screeningrecord",
]
ROLE_PERMISSIONS = {
    "Front desk": FRONT_DESK,
    "Chiropractor": [*FRONT_DESK, "intake.review_submission"],
    "Clinic admin": [
        *FRONT_DESK,
        "intake.view_auditevent",
        "intake.view_user",
        "intake.add_user",
        "intake.change_user",
    ],
}


def create_roles(apps, schema_editor):
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


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
