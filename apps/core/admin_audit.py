"""Admin changes go to the audit trail: add `AuditedAdminMixin` first in a ModelAdmin's
bases. It records additions, changes (each changed field before and after) and
deletions made through the admin, next to Django's own admin log."""

from __future__ import annotations

from typing import Any

from apps.core.audit import audit_record, field_changes

# Never written to the trail in clear (the audit is readable by staff).
SECRET_FIELDS = frozenset({"password", "key_hash"})


class AuditedAdminMixin:
    audit_exclude: tuple[str, ...] = ()

    def _audited_fields(self, obj) -> list[str]:
        return [
            f.name
            for f in obj._meta.concrete_fields
            if f.name not in SECRET_FIELDS and f.name not in self.audit_exclude and not f.auto_created
        ]

    def save_model(self, request, obj, form, change) -> None:
        before = type(obj).objects.filter(pk=obj.pk).first() if change and obj.pk else None
        super().save_model(request, obj, form, change)
        changes: dict[str, Any] = field_changes(before, obj, self._audited_fields(obj))
        for name in SECRET_FIELDS & set(form.changed_data if form else []):
            changes[name] = ["***", "***"]
        if changes or not change:
            audit_record(actor=request.user, action="admin_change" if change else "admin_add", obj=obj, changes=changes)

    def delete_model(self, request, obj) -> None:
        audit_record(actor=request.user, action="admin_delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            audit_record(actor=request.user, action="admin_delete", obj=obj)
        super().delete_queryset(request, queryset)
