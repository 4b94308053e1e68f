"""The audit trail: `audit_record` writes one entry in the caller's transaction (so a
rolled-back change leaves no entry). Staff changes in the admin are recorded by
`AuditedAdminMixin`; services record what staff and agents do outside it."""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.core.logging import request_id_var
from apps.core.models import AuditEntry


def _label(actor: Any) -> str:
    if actor is None:
        return "system"
    return str(getattr(actor, "email", "") or actor)


def audit_record(
    *, actor: Any, action: str, obj: models.Model, changes: dict[str, Any] | None = None, label: str = ""
) -> AuditEntry:
    """Record that `actor` (a user, None for the system) did `action` to `obj`.
    `changes` maps a field to `[before, after]`, or holds whatever describes the action."""
    user = actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    request_id = request_id_var.get()
    return AuditEntry.objects.create(
        actor=user,
        actor_label=(label or _label(actor))[:160],
        action=action[:60],
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
        request_id="" if request_id == "-" else request_id[:64],
    )
