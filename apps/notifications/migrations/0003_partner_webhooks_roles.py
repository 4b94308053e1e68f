"""The roles' permissions on partner webhooks (accounts 0003 explains why a new model needs
this): admins all of them; agents manage their partner's endpoints and resend deliveries
(the admin shows an agent only their partner's)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMIN = (
    "add_webhookendpoint",
    "change_webhookendpoint",
    "delete_webhookendpoint",
    "view_webhookendpoint",
    "add_webhookdelivery",
    "change_webhookdelivery",
    "delete_webhookdelivery",
    "view_webhookdelivery",
)
AGENT = (
    "add_webhookendpoint",
    "change_webhookendpoint",
    "delete_webhookendpoint",
    "view_webhookendpoint",
    "change_webhookdelivery",  # the resend action
    "view_webhookdelivery",
)


def permissions_grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("notifications"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in (("admin", ADMIN), ("agent", AGENT)):
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="notifications", codename__in=codenames)
        )


def permissions_revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="notifications", codename__in=ADMIN).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_partner_webhooks"),
        ("accounts", "0005_api_key_webhooks_scope"),
        ("accounts", "0003_roles"),
    ]

    operations = [migrations.RunPython(permissions_grant, permissions_revoke)]
