"""The roles: groups `customer`, `agent` and `admin` with their permissions.

Permissions are made by a post_migrate signal, i.e. after every migration has run; on a
fresh database they do not exist yet here, so they are created first. A model added
later needs a migration of its own to give the admin role its permissions."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

# The apps whose every permission the admin role holds (and the groups of `auth`).
ADMIN_APPS = ("accounts", "flights", "inventory", "bookings", "payments", "notifications", "core")
ADMIN_EXTRA = (("auth", "add_group"), ("auth", "change_group"), ("auth", "delete_group"), ("auth", "view_group"))

AGENT_PERMISSIONS = (
    ("bookings", "view_booking"),
    ("bookings", "change_booking"),  # the admin actions: cancel, resend the confirmation
    ("bookings", "view_passenger"),
    ("bookings", "view_segment"),
    ("bookings", "view_bookingevent"),
    ("payments", "view_payment"),
    ("payments", "view_refund"),
    ("payments", "add_refund"),
    ("payments", "view_providerevent"),
    ("flights", "view_flight"),
    ("flights", "view_airport"),
    ("inventory", "view_fareclass"),
    ("accounts", "view_user"),
)


def _permissions(Permission, pairs):
    found = []
    for app_label, codename in pairs:
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def roles_create(apps, schema_editor):
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    Group.objects.get_or_create(name="customer")
    agent, _ = Group.objects.get_or_create(name="agent")
    agent.permissions.add(*_permissions(Permission, AGENT_PERMISSIONS))
    admin, _ = Group.objects.get_or_create(name="admin")
    admin.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=ADMIN_APPS),
        *_permissions(Permission, ADMIN_EXTRA),
    )


def roles_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["customer", "agent", "admin"]).delete()


class Migration(migrations.Migration):
    # The latest migration of every app whose permissions the roles hold: their models
    # must exist in the migration state for their permissions to be created.
    dependencies = [
        ("accounts", "0002_partners_api_keys"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("bookings", "0003_partners_and_agent_grants"),
        ("core", "0003_audit"),
        ("flights", "0003_overbooking_allowance"),
        ("inventory", "0002_seat_assignments"),
        ("notifications", "0001_initial"),
        ("payments", "0003_stripe_refunds_events"),
    ]

    operations = [migrations.RunPython(roles_create, roles_delete)]
