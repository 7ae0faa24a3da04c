"""The Django admin for profiles: the flags only admins set, tag merging,
and confirming deletion requests. Every change with rules goes through services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from taggit.models import Tag

from . import services
from .models import (
    AccessToken,
    DeletionRequest,
    DeletionState,
    Department,
    Endorsement,
    ExpertiseEvidence,
    Follow,
    Kudos,
    Profile,
    TagSynonym,
    User,
)


@admin.register(User)
class BuzzUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "job_title",
        "department",
        "is_manager",
        "is_mt_member",
        "is_community_manager",
        "ambassador_role",
    ]
    list_filter = [
        "is_manager",
        "is_mt_member",
        "is_community_manager",
        "ambassador_role",
        "department",
    ]
    search_fields = ["display_name", "user__username", "user__email", "job_title"]
    list_select_related = ["department"]
    autocomplete_fields = ["manager", "department"]
    raw_id_fields = ["user"]
    # Photos come only through the checked upload (services.profile_photo_set).
    readonly_fields = ["photo_avatar", "photo_page", "completed_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["user", "display_name", "job_title", "department", "manager"]}),
        (
            _("Roles (set by admins)"),
            {"fields": ["is_manager", "is_mt_member", "is_community_manager", "ambassador_role"]},
        ),
        (
            _("Contact and privacy"),
            {
                "fields": [
                    "location",
                    "location_visible",
                    "phone",
                    "phone_visible",
                    "chat_handle",
                    "languages_spoken",
                ]
            },
        ),
        (
            _("About"),
            {
                "fields": [
                    "about",
                    "ask_me_about",
                    "expertise",
                    "language",
                    "linkedin_url",
                    "x_url",
                    "facebook_url",
                    "github_url",
                    "website_url",
                ]
            },
        ),
        (
            _("Record"),
            {"fields": ["photo_avatar", "photo_page", "completed_at", "created_at", "updated_at"]},
        ),
    ]


# --- tags -------------------------------------------------------------------------

admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """taggit's Tag, with a merge that also moves endorsements and evidence and
    remembers each merged spelling as a synonym (services.tags_merge)."""

    list_display = ["name", "slug", "uses"]
    search_fields = ["name"]
    ordering = ["name"]
    actions = ["merge_tags"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_count=Count("taggit_taggeditem_items"))

    @admin.display(description=_("uses"), ordering="use_count")
    def uses(self, tag: Tag) -> int:
        return tag.use_count

    @admin.action(description=_("Merge selected tags into one"))
    def merge_tags(self, request, queryset):
        tags = list(queryset.order_by("-use_count", "pk"))
        if len(tags) < 2:
            self.message_user(request, _("Select at least two tags to merge."), messages.WARNING)
            return None
        canonical_id = request.POST.get("canonical")
        if "apply" in request.POST and canonical_id:
            canonical = next((t for t in tags if str(t.pk) == canonical_id), None)
            if canonical is None:
                self.message_user(request, _("Choose one of the selected tags."), messages.ERROR)
                return None
            try:
                merged = services.tags_merge(actor=request.user, canonical=canonical, merged=tags)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext(
                    "Merged %(count)d tag into “%(name)s”.",
                    "Merged %(count)d tags into “%(name)s”.",
                    merged,
                )
                % {"count": merged, "name": canonical.name},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/profiles/tag_merge.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Merge tags"),
                "tags": tags,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(TagSynonym)
class TagSynonymAdmin(admin.ModelAdmin):
    list_display = ["key", "tag"]
    search_fields = ["key", "tag__name"]
    autocomplete_fields = ["tag"]

    def save_model(self, request, obj, form, change):
        # A new synonym also merges an existing tag of that spelling.
        services.tag_synonym_add(actor=request.user, name=obj.key, canonical=obj.tag)


# --- relations ------------------------------------------------------------------------


@admin.register(Endorsement)
class EndorsementAdmin(admin.ModelAdmin):
    list_display = ["endorser", "endorsed", "tag", "created_at"]
    list_select_related = ["endorser", "endorsed", "tag"]
    raw_id_fields = ["endorser", "endorsed", "tag"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followed", "created_at"]
    list_select_related = ["follower", "followed"]
    raw_id_fields = ["follower", "followed"]


@admin.register(Kudos)
class KudosAdmin(admin.ModelAdmin):
    list_display = ["giver", "receiver", "category", "message", "created_at"]
    list_filter = ["category"]
    list_select_related = ["giver", "receiver"]
    raw_id_fields = ["giver", "receiver"]


@admin.register(ExpertiseEvidence)
class ExpertiseEvidenceAdmin(admin.ModelAdmin):
    list_display = ["user", "tag", "kind", "object_id", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "tag"]


# --- deletion ---------------------------------------------------------------------------


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "requested_at", "state", "confirmed_by", "confirmed_at"]
    list_filter = ["state"]
    list_select_related = ["user", "confirmed_by"]
    readonly_fields = ["user", "requested_at", "state", "confirmed_by", "confirmed_at"]
    actions = ["confirm_deletion"]

    def has_add_permission(self, request) -> bool:
        return False  # members ask themselves, from their profile

    @admin.action(description=_("Confirm deletion: deactivate and anonymise these members"))
    def confirm_deletion(self, request, queryset):
        done = 0
        for deletion in queryset.filter(state=DeletionState.PENDING).select_related("user"):
            try:
                services.deletion_request_confirm(actor=request.user, request=deletion)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(
                    request, f"{deletion.user}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                    messages.ERROR,
                )  # fmt: skip
            else:
                done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d member deleted.", "%(count)d members deleted.", done
            ) % {"count": done},
            messages.SUCCESS,
        )  # fmt: skip


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    """Who holds API tokens, for audits: view only. Members make and revoke
    their own on /people/me/tokens/; deactivating an account stops its tokens."""

    list_display = [
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    exclude = ["secret_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
