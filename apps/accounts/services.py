from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from apps.accounts.models import User

ROLE_AGENT = "agent"
ROLE_ADMIN = "admin"
ROLE_CUSTOMER = "customer"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str


DEMO_ACCOUNTS = (
    DemoAccount(ROLE_CUSTOMER, "customer@flightbook.example"),
    DemoAccount(ROLE_AGENT, "agent@flightbook.example"),
    DemoAccount(ROLE_ADMIN, "admin@flightbook.example"),
)


def demo_accounts_ensure(*, password: str) -> list[DemoAccount]:
    """Create the demo customer, agent and admin when missing; returns those created now."""
    created: list[DemoAccount] = []
    with transaction.atomic(durable=True):
        for account in DEMO_ACCOUNTS:
            if User.objects.filter(email__iexact=account.email).exists():
                continue
            user = User.objects.create_user(
                account.email,
                password,
                first_name=account.role.capitalize(),
                last_name="Demo",
                is_staff=account.role in (ROLE_AGENT, ROLE_ADMIN),
                is_superuser=account.role == ROLE_ADMIN,
            )
            group, _ = Group.objects.get_or_create(name=account.role)
            user.groups.add(group)
            created.append(account)
    return created
