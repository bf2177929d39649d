"""Locations: every consult and every block of working hours gets the clinic's one location,
made from today's settings (CLINIC_NAME, CLINIC_ADDRESS, CLINIC_DIRECTIONS, CLINIC_PHONE,
TIME_ZONE). docs/locations.md."""

import consults.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def give_everything_the_default_location(apps, schema_editor):
    Location = apps.get_model("consults", "Location")
    Consult = apps.get_model("consults", "Consult")
    WorkingHours = apps.get_model("consults", "WorkingHours")
    location = Location.objects.order_by("pk").first()
    if location is None:
        location = Location.objects.create(
            name=settings.CLINIC_NAME,
            address=settings.CLINIC_ADDRESS,
            directions=settings.CLINIC_DIRECTIONS,
            phone=settings.CLINIC_PHONE,
            time_zone=settings.TIME_ZONE,
        )
    Consult.objects.filter(location__isnull=True).update(location=location)
    WorkingHours.objects.filter(location__isnull=True).update(location=location)


class Migration(migrations.Migration):

    dependencies = [
        ('consults', '0005_needling_sessions'),
        ('intake', '0012_submission_last_contact'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Location',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('address', models.TextField(blank=True, help_text='One line per row.', verbose_name='address')),
                ('directions', models.TextField(blank=True, verbose_name='directions')),
                ('phone', models.CharField(blank=True, max_length=40, verbose_name='phone')),
                ('opening_hours', models.TextField(blank=True, help_text='As patients should read them.', verbose_name='opening hours')),
                ('time_zone', models.CharField(default='UTC', max_length=60, validators=[consults.models.validate_time_zone], verbose_name='time zone')),
                ('is_active', models.BooleanField(default=True, verbose_name='taking bookings')),
            ],
            options={
                'verbose_name': 'location',
                'verbose_name_plural': 'locations',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='StaffLocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'verbose_name': 'staff location',
                'verbose_name_plural': 'staff locations',
            },
        ),
        migrations.AddField(
            model_name='consult',
            name='location',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='consults', to='consults.location'),
        ),
        migrations.AddField(
            model_name='workinghours',
            name='location',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='hours', to='consults.location', verbose_name='location'),
        ),
        migrations.RunPython(give_everything_the_default_location, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='consult',
            name='location',
            field=models.ForeignKey(default=consults.models.default_location_pk, on_delete=django.db.models.deletion.PROTECT, related_name='consults', to='consults.location'),
        ),
        migrations.AlterField(
            model_name='workinghours',
            name='location',
            field=models.ForeignKey(default=consults.models.default_location_pk, on_delete=django.db.models.deletion.PROTECT, related_name='hours', to='consults.location', verbose_name='location'),
        ),
        migrations.AddIndex(
            model_name='consult',
            index=models.Index(fields=['location', 'submission'], name='consult_location_case'),
        ),
        migrations.AddField(
            model_name='stafflocation',
            name='location',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='staff', to='consults.location'),
        ),
        migrations.AddField(
            model_name='stafflocation',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='staff_locations', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='stafflocation',
            constraint=models.UniqueConstraint(fields=('user', 'location'), name='stafflocation_unique'),
        ),
    ]
