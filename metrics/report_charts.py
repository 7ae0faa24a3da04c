"""Charts of the MT report, drawn by matplotlib on the server (the PDF and the
e-mail have no browser to run Chart.js) and embedded as SVG data URIs, which
WeasyPrint and every browser show and which can run no script."""

from __future__ import annotations

import base64
import io

from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from .selectors import Insights

PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6"]


def _figure(width: float = 6.4, height: float = 2.6) -> tuple[Figure, object]:
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    return figure, axes


def _data_uri(figure: Figure) -> str:
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _daily(data: Insights) -> str:
    figure, axes = _figure()
    days = [day for day, _n in data.engagement.daily]
    values = [n for _day, n in data.engagement.daily]
    axes.plot(days, values, color=PALETTE[0], linewidth=1.8)
    axes.fill_between(days, values, color=PALETTE[0], alpha=0.15)
    axes.set_ylim(bottom=0)
    axes.set_title(_("Active members per day"), fontsize=10, loc="left")
    figure.autofmt_xdate()
    return _data_uri(figure)


def _pyramid(data: Insights) -> str:
    figure, axes = _figure(height=2.2)
    pyramid = data.pyramid
    labels = [_("Inactive"), _("Readers"), _("Contributors"), _("Creators")]
    values = [pyramid.inactive, pyramid.readers, pyramid.contributors, pyramid.creators]
    bars = axes.barh(labels, values, color=PALETTE[: len(values)][::-1])
    axes.bar_label(bars, fontsize=8, padding=2)
    axes.set_title(_("Participation pyramid (members)"), fontsize=10, loc="left")
    return _data_uri(figure)


def _funnel(data: Insights) -> str:
    figure, axes = _figure()
    part = data.participation
    rows = [part.everyone, *([part.leaders] if part.leaders else [])]
    steps = [_("Visited"), _("Read"), _("Reacted"), _("Posted")]
    width = 0.8 / len(rows)
    for index, row in enumerate(rows):
        shares = [
            100 * value / row.headcount if row.headcount else 0
            for value in (row.visited, row.read, row.reacted, row.posted)
        ]
        positions = [step + index * width for step in range(len(steps))]
        axes.bar(positions, shares, width, label=row.label, color=PALETTE[index])
    axes.set_xticks([step + width * (len(rows) - 1) / 2 for step in range(len(steps))], steps)
    axes.set_ylim(0, 100)
    axes.set_ylabel("%", fontsize=8)
    axes.legend(fontsize=8, frameon=False)
    axes.set_title(_("Participation funnel (percentage of members)"), fontsize=10, loc="left")
    return _data_uri(figure)


def _departments(data: Insights) -> str | None:
    rows = data.participation.departments
    if not rows:
        return None
    figure, axes = _figure(height=max(1.6, 0.32 * len(rows) + 0.8))
    labels = [row.label for row in rows][::-1]
    values = [round(100 * row.active_share) for row in rows][::-1]
    bars = axes.barh(labels, values, color=PALETTE[2])
    axes.bar_label(bars, labels=[f"{v}%" for v in values], fontsize=8, padding=2)
    axes.set_xlim(0, 110)
    axes.set_title(_("Active members per department (%)"), fontsize=10, loc="left")
    return _data_uri(figure)


def _hub(data: Insights) -> str | None:
    rows = data.hub.networks
    if not rows:
        return None
    figure, axes = _figure(height=2.2)
    positions = range(len(rows))
    axes.bar(
        [p - 0.2 for p in positions],
        [r.shares for r in rows],
        0.4,
        label=_("Shares"),
        color=PALETTE[0],
    )
    axes.bar(
        [p + 0.2 for p in positions],
        [r.clicks for r in rows],
        0.4,
        label=_("Clicks"),
        color=PALETTE[1],
    )
    axes.set_xticks(list(positions), [r.label for r in rows])
    axes.legend(fontsize=8, frameon=False)
    axes.set_title(_("Hub shares and clicks per network"), fontsize=10, loc="left")
    return _data_uri(figure)


def report_charts(data: Insights) -> dict[str, str | None]:
    return {
        "daily": _daily(data),
        "pyramid": _pyramid(data),
        "funnel": _funnel(data),
        "departments": _departments(data),
        "hub": _hub(data),
    }
