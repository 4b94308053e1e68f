"""Admin changes go to the audit trail: put `AuditedAdminMixin` first in a ModelAdmin's
bases. It records additions, changes (each changed field, before and after, also in
inlines) and deletions made through the admin, beside Django's own admin log."""

from __future__ import annotations

from typing import Any

from apps.core.audit import audit_record

# Never written to the trail in clear (the trail is readable by staff).
SECRET_FIELDS = frozenset({"password", "key_hash"})


def _plain(value: Any) -> Any:
    if hasattr(value, "_meta"):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return value


def form_changes(form) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for what the form changed; secrets starred."""
    changes = {}
    for name in form.changed_data:
        if name in SECRET_FIELDS:
            changes[name] = ["***", "***"]
        else:
            changes[name] = [_plain(form.initial.get(name)), _plain(form.cleaned_data.get(name))]
    return changes


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        changes = form_changes(form) if form is not None else {}
        if changes or not change:
            audit_record(actor=request.user, action="admin_change" if change else "admin_add", obj=obj, changes=changes)

    def save_formset(self, request, form, formset, change) -> None:
        changed = {f.instance.pk: form_changes(f) for f in formset.forms if f.has_changed() and f.instance.pk}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action="admin_add", obj=obj)
        for obj, _fields in formset.changed_objects:
            audit_record(actor=request.user, action="admin_change", obj=obj, changes=changed.get(obj.pk, {}))
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, action="admin_delete", obj=obj)

    def delete_model(self, request, obj) -> None:
        audit_record(actor=request.user, action="admin_delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            audit_record(actor=request.user, action="admin_delete", obj=obj)
        super().delete_queryset(request, queryset)
