from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Webhook, WebhookDelivery, WebhookEvent
from .services import webhook_test_send

DELIVERY_LOG_SIZE = 50


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "active"]


class RecentDeliveriesFormSet(BaseInlineFormSet):
    """Only the newest deliveries: the log of a busy endpoint is long."""

    def get_queryset(self):
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset().order_by("-created_at", "-pk")[:DELIVERY_LOG_SIZE]
        return self._recent


class DeliveryLogInline(admin.TabularInline):
    """Read-only: deliveries are written by the sender only."""

    model = WebhookDelivery
    formset = RecentDeliveriesFormSet
    verbose_name_plural = _("latest deliveries (50 at most)")
    fields = readonly_fields = [
        "created_at",
        "event_type",
        "event_id",
        "status",
        "attempt_count",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "events", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["secret", "created_by", "created_at"]
    inlines = [DeliveryLogInline]
    actions = ["send_test_event"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def get_readonly_fields(self, request, obj=None):
        # The secret exists once saved; an unsaved default would only mislead.
        return self.readonly_fields if obj is not None else ["created_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Send a test event"))
    def send_test_event(self, request, queryset) -> None:
        sent = 0
        for webhook in queryset:
            try:
                webhook_test_send(actor=request.user, webhook=webhook)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{webhook}: {exc.messages[0]}", messages.WARNING)
                continue
            sent += 1
        if sent:
            self.message_user(
                request,
                ngettext(
                    "Test event queued for %(n)s webhook.",
                    "Test event queued for %(n)s webhooks.",
                    sent,
                )
                % {"n": sent},
                messages.SUCCESS,
            )
