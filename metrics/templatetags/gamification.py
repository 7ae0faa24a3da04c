"""`{% member_badges user_id %}`: a member's badges, for the profile page
(one query, whatever the number of badges)."""

from django import template

from metrics.gamification.selectors import badges_of

register = template.Library()


@register.inclusion_tag("metrics/gamification/badges_inline.html")
def member_badges(user_id: int) -> dict:
    return {"awards": badges_of(user_id)}
