"""Chart.js configurations for the insights dashboard, built from the same
figures the tables beside them show (metrics.selectors.insights_for). The
browser draws them (metrics/js/insights.js); nothing here computes a figure."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .selectors import Insights

ChartConfig = dict[str, Any]


def _bar(labels, datasets, *, horizontal=False, stacked=False, percent=False) -> ChartConfig:
    scale: dict[str, Any] = {"beginAtZero": True, "stacked": stacked}
    if percent:
        scale["max"] = 100
    return {
        "type": "bar",
        "data": {"labels": [str(label) for label in labels], "datasets": datasets},
        "options": {
            "indexAxis": "y" if horizontal else "x",
            "scales": {
                ("x" if horizontal else "y"): scale,
                ("y" if horizontal else "x"): {"stacked": stacked},
            },
        },
    }


def _dataset(label: str, data) -> dict[str, Any]:
    return {"label": str(label), "data": list(data)}


def insight_charts(data: Insights) -> dict[str, ChartConfig]:
    engagement = data.engagement
    pyramid = data.pyramid
    part = data.participation
    funnel_rows = [part.everyone, *([part.leaders] if part.leaders else [])]
    steps = [_("Visited"), _("Read"), _("Reacted"), _("Posted")]
    return {
        "daily-active": {
            "type": "line",
            "data": {
                "labels": [day.isoformat() for day, _n in engagement.daily],
                "datasets": [
                    {
                        **_dataset(_("Active members"), (n for _day, n in engagement.daily)),
                        "fill": True,
                        "tension": 0.25,
                    }
                ],
            },
            "options": {"scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}},
        },
        "pyramid": _bar(
            [_("Creators"), _("Contributors"), _("Readers"), _("Inactive")],
            [
                {
                    **_dataset(
                        _("Members"),
                        [pyramid.creators, pyramid.contributors, pyramid.readers, pyramid.inactive],
                    ),
                    "colourEach": True,
                }
            ],
            horizontal=True,
        ),
        "departments": _bar(
            [row.label for row in part.departments],
            [
                _dataset(
                    _("Active share (%)"),
                    (round(100 * row.active_share, 1) for row in part.departments),
                )
            ],
            horizontal=True,
            percent=True,
        ),
        "funnel": _bar(
            steps,
            [
                _dataset(row.label, [row.visited, row.read, row.reacted, row.posted])
                for row in funnel_rows
            ],
        ),
        "groups": _bar(
            [row.name for row in data.top_groups],
            [
                _dataset(_("Posts"), (row.posts for row in data.top_groups)),
                _dataset(_("Comments"), (row.comments for row in data.top_groups)),
                _dataset(_("Reactions"), (row.reactions for row in data.top_groups)),
            ],
            horizontal=True,
            stacked=True,
        ),
        "hashtags": _bar(
            [f"#{row.name}" for row in data.hashtags],
            [
                _dataset(_("This period"), (row.posts for row in data.hashtags)),
                _dataset(_("Period before"), (row.previous for row in data.hashtags)),
            ],
            horizontal=True,
        ),
        "invites": _bar(
            [_("Sent"), _("Accepted"), _("Active after 30 days")],
            [
                _dataset(
                    _("Invitations"),
                    [data.invites.sent, data.invites.accepted, data.invites.retained],
                )
            ],
        ),
        "hub-networks": _bar(
            [row.label for row in data.hub.networks],
            [
                _dataset(_("Shares"), (row.shares for row in data.hub.networks)),
                _dataset(_("Clicks"), (row.clicks for row in data.hub.networks)),
            ],
        ),
        "hub-campaigns": _bar(
            [row.label for row in data.hub.campaigns],
            [
                _dataset(_("Shares"), (row.shares for row in data.hub.campaigns)),
                _dataset(_("Clicks"), (row.clicks for row in data.hub.campaigns)),
            ],
            horizontal=True,
        ),
    }
