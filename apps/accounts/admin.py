"""Users (with their partner and roles), partners with their agents and API keys, and the
keys themselves. A key is created by its own form, which shows the raw key once; it is
never editable afterwards except for its name, and is revoked rather than deleted."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from apps.accounts.api_keys import api_key_create, api_key_revoke
from apps.accounts.models import ApiKey, ApiKeyScope, Partner, User
from apps.accounts.selectors import users_visible_to
from apps.core.admin_audit import AuditedAdminMixin
from apps.core.api.throttles import PARTNER_SCOPES, partner_scope_names, rate_check
from apps.core.errors import DomainError


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "partner", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "partner"]
    search_fields = ["email", "first_name", "last_name"]
    list_select_related = ["partner"]

    def get_queryset(self, request):
        return users_visible_to(user=request.user, users=super().get_queryset(request))

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Partner", {"fields": ("partner",), "description": "Agents of a travel agency serve its bookings."}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class AgentInline(admin.TabularInline):
    model = User
    fk_name = "partner"
    verbose_name = "agent"
    verbose_name_plural = "agents"
    fields = ["email", "first_name", "last_name", "is_active", "last_login"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # an agent is a user: give them this partner on their user page


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "name", "scopes", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # through "Add API key", which shows the key once


def _rate_field_name(scope: str) -> str:
    return f"rate_{scope}"


def _rate_field(scope: str) -> forms.CharField:
    name, window = scope.rsplit("_", 1)
    return forms.CharField(
        label=f"{PARTNER_SCOPES[name].capitalize()}, {window}", required=False, max_length=20, validators=[rate_check]
    )


class PartnerForm(forms.ModelForm):
    """The partner, and its plan: one box per throttle scope a plan may set, empty for the
    global rate (shown as the placeholder)."""

    class Meta:
        model = Partner
        fields = ["name", "contact_email", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for scope in partner_scope_names():
            field = self.fields[_rate_field_name(scope)]
            field.initial = self.instance.rate_limits.get(scope, "")
            field.widget.attrs["placeholder"] = settings.API_THROTTLE_RATES.get(scope, "")

    def clean(self) -> dict:
        cleaned_data = super().clean()
        # Before the model's own clean(), which checks the plan as a whole.
        self.instance.rate_limits = {
            scope: cleaned_data[_rate_field_name(scope)]
            for scope in partner_scope_names()
            if cleaned_data.get(_rate_field_name(scope))
        }
        return cleaned_data


# Declared on the class (not added in __init__), so that the admin's fieldsets may name them.
for _scope in partner_scope_names():
    PartnerForm.base_fields[_rate_field_name(_scope)] = PartnerForm.declared_fields[_rate_field_name(_scope)] = (
        _rate_field(_scope)
    )


@admin.register(Partner)
class PartnerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = PartnerForm
    list_display = ["name", "contact_email", "is_active", "agent_count", "live_key_count", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_email"]
    readonly_fields = ["created_at", "add_api_key"]
    fieldsets = [
        (None, {"fields": ["name", "contact_email", "is_active", "created_at", "add_api_key"]}),
        (
            "Plan: API rate limits",
            {
                "fields": [_rate_field_name(scope) for scope in partner_scope_names()],
                "description": (
                    "Requests per second, minute, hour or day (e.g. 600/minute) for each of this partner's "
                    "API keys and agents; leave a box empty for the global rate shown in it."
                ),
            },
        ),
    ]
    inlines = [AgentInline, ApiKeyInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                agent_count=Count("agents", distinct=True),
                live_key_count=Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True), distinct=True),
            )
        )

    @admin.display(description="Agents", ordering="agent_count")
    def agent_count(self, partner: Partner) -> int:
        return partner.agent_count

    @admin.display(description="Live API keys", ordering="live_key_count")
    def live_key_count(self, partner: Partner) -> int:
        return partner.live_key_count

    @admin.display(description="API keys")
    def add_api_key(self, partner: Partner) -> str:
        if partner.pk is None:
            return "Save the partner first."
        return format_html(
            '<a class="button" href="{}?partner={}">Add API key…</a>', reverse("admin:accounts_apikey_add"), partner.pk
        )


class ApiKeyAddForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.filter(is_active=True).order_by("name"))
    name = forms.CharField(max_length=80, help_text="What uses it, e.g. “booking engine (production)”")
    scopes = forms.MultipleChoiceField(choices=ApiKeyScope.choices, widget=forms.CheckboxSelectMultiple)


class RevokedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["prefix", "name", "partner", "scope_list", "created_at", "last_used_at", "revoked_at"]
    list_filter = [RevokedFilter, "partner"]
    search_fields = ["prefix", "name", "partner__name"]
    list_select_related = ["partner"]
    ordering = [F("last_used_at").desc(nulls_last=True), "-created_at"]
    fields = [
        "partner",
        "name",
        "prefix",
        "key_hash",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = [f for f in fields if f != "name"]
    actions = ["revoke"]

    @admin.display(description="Scopes")
    def scope_list(self, api_key: ApiKey) -> str:
        return ", ".join(api_key.scopes)

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset) -> None:
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key, actor=request.user)
            self.log_change(request, api_key, "Revoked")
            revoked += 1
        self.message_user(request, f"Revoked {revoked} key(s).", messages.SUCCESS)

    def add_view(self, request, form_url="", extra_context=None):
        """Not the model form: the service makes the key, and the page shows it once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiKeyAddForm(request.POST or None, initial={"partner": request.GET.get("partner")})
        raw_key = api_key = None
        if request.method == "POST" and form.is_valid():
            try:
                api_key, raw_key = api_key_create(
                    partner=form.cleaned_data["partner"],
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    created_by=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                self.log_addition(request, api_key, [{"added": {}}])
        context = {
            **self.admin_site.each_context(request),
            "title": "API key created" if raw_key else "Add API key",
            "form": form,
            "api_key": api_key,
            "raw_key": raw_key,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/accounts/api_key_add.html", context)
        # The raw key is in this page only: never cached, never stored anywhere else.
        response["Cache-Control"] = "no-store"
        return response

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # bookings keep pointing at the key that made them: revoke instead
