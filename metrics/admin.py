from django.contrib import admin
from django.db import transaction

from .gamification.tasks import gamification_badges_award, gamification_points_recompute
from .models import Badge, BadgeAward, Challenge, ChallengeEntry, PointsWeight

# --- gamification -------------------------------------------------------------------------


@admin.register(PointsWeight)
class PointsWeightAdmin(admin.ModelAdmin):
    """Weights apply to every ranking: a change recomputes all members' points
    (from the daily counts, in the background) once saved."""

    list_display = ["kind", "points"]
    list_editable = ["points"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(gamification_points_recompute.enqueue)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(gamification_points_recompute.enqueue)


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    """A new or changed rule is checked against every member once saved;
    badges already awarded stay."""

    list_display = ["__str__", "slug", "kind", "threshold", "is_active", "position"]
    list_filter = ["is_active", "kind"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(gamification_badges_award.enqueue)


@admin.register(BadgeAward)
class BadgeAwardAdmin(admin.ModelAdmin):
    list_display = ["badge", "user", "awarded_at"]
    list_filter = ["badge"]
    search_fields = ["user__username", "user__profile__display_name"]
    raw_id_fields = ["user"]


class ChallengeEntryInline(admin.TabularInline):
    model = ChallengeEntry
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["title", "metric", "starts_on", "ends_on", "reward_every", "reward_text"]
    list_filter = ["metric"]
    search_fields = ["title"]
    raw_id_fields = ["created_by"]
    inlines = [ChallengeEntryInline]
