from django.contrib import admin

from .models import AllowedDomain, Invitation, Redemption


@admin.register(AllowedDomain)
class AllowedDomainAdmin(admin.ModelAdmin):
    search_fields = ["domain"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "inviter",
        "uses",
        "max_uses",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    search_fields = ["email", "inviter__username"]
    readonly_fields = ["token_hash", "uses", "send_count", "last_sent_at"]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ["user", "invitation", "created_at"]
