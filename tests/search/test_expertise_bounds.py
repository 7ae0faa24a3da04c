"""People search reads candidates in ExpertiseBound order and stops once no
unread member can reach the page (threshold algorithm). These tests hold it to
the full aggregate that scores every holder: same page, same order, same
scores and total, for viewers in and outside a secret group, on pages 1 and 2;
and they check the bound really bounds every viewer's score."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from profiles.services import profile_expertise_set
from search import selectors
from search.models import ExpertiseBound
from search.selectors import _expertise_rows, _match_count, people_search
from search.services import outbox_drain
from tests.search.organisation import build_organisation

pytestmark = pytest.mark.django_db

QUERIES = ["kubernetes", "kubernetes docker", "IFRS 17", "kubernetes terraform", "mortgage pricing"]


def _tag_ids(*names: str) -> list[int]:
    return [Tag.objects.get(name=name).pk for name in names]


@pytest.fixture
def org():
    return build_organisation()


@pytest.fixture
def viewers(org) -> list:
    return [org.viewer, org.people["lotte"], org.people["eva"], org.people["secret_asker"]]


@pytest.fixture
def shallow(monkeypatch) -> Iterator[None]:
    """Tiny pages and one candidate per tag to start with, so that the small
    organisation needs the threshold test and deeper reads, as 50,000 people do."""
    monkeypatch.setattr(selectors, "PEOPLE_PAGE", 2)
    monkeypatch.setattr(selectors, "BOUND_DEPTH", 1)
    monkeypatch.setattr(selectors, "BOUND_DEPTH_MAX", 64)
    yield


def _everyone_scored(monkeypatch) -> None:
    """The previous path: every holder scored by the full aggregate."""

    def full(viewer, quality, now, *, text_scores, needed):
        return selectors._Scored(_expertise_rows(viewer, quality, now), complete=True)

    monkeypatch.setattr(selectors, "_expertise_rows_ranked", full)


def _page(found) -> list[tuple]:
    return [(result.profile.user_id, result.score, result.reasons) for result in found.results]


def test_threshold_pages_equal_scoring_everyone_for_every_viewer(
    org, viewers, shallow, monkeypatch
):
    got = {}
    pruned = 0
    for viewer in viewers:
        for query in QUERIES:
            for page in (1, 2):
                found = people_search(viewer, query, page=page)
                pruned += found.facets_among is not None
                got[viewer.pk, query, page] = (_page(found), found.total, found.has_next)
    assert pruned > 10  # the threshold path really ran, not only the complete one
    _everyone_scored(monkeypatch)
    compared = 0
    for (viewer_pk, query, page), (results, total, has_next) in got.items():
        viewer = next(person for person in viewers if person.pk == viewer_pk)
        expected = people_search(viewer, query, page=page)
        assert results == _page(expected), (viewer.username, query, page)
        assert (total, has_next) == (expected.total, expected.has_next), (viewer.username, query)
        compared += len(results)
    assert compared > 40


def test_a_secret_group_expert_is_found_deep_only_by_its_members(org, shallow):
    lotte = org.people["lotte"]

    def found_by(viewer) -> set[int]:
        return {
            result.profile.user_id
            for page in (1, 2, 3, 4)
            for result in people_search(viewer, "kubernetes", page=page).results
        }

    assert lotte.pk in found_by(org.people["secret_asker"])
    assert lotte.pk not in found_by(org.viewer)


def test_the_bound_holds_for_every_viewer_and_the_count_matches_the_scored(org, viewers):
    bounds = {
        (user_id, tag_id): bound
        for user_id, tag_id, bound in ExpertiseBound.objects.values_list(
            "user_id", "tag_id", "bound"
        )
    }
    now = timezone.now()
    checked = 0
    for tag_id in Tag.objects.values_list("pk", flat=True):
        for viewer in viewers:
            for row in _expertise_rows(viewer, {tag_id: 1.0}, now):
                assert float(row[1]) <= bounds[row[0], tag_id], (viewer.username, tag_id)
                checked += 1
    assert checked > 40
    # Listed tags and endorsements are company-wide: there the bound equals the
    # score up to its day of decay (a loose bound would prune nothing).
    anna = org.people["anna"]
    [kubernetes] = _tag_ids("Kubernetes")
    score = {
        row[0]: float(row[1])
        for row in _expertise_rows(org.viewer, {kubernetes: 1.0}, timezone.now())
    }[anna.pk]
    bound = ExpertiseBound.objects.get(user=anna, tag_id=kubernetes).bound
    assert score <= bound <= score * 1.01
    for viewer in viewers:
        for names in [("Kubernetes",), ("Kubernetes", "Docker"), ("IFRS 17", "Terraform")]:
            tag_ids = _tag_ids(*names)
            scored = _expertise_rows(viewer, dict.fromkeys(tag_ids, 1.0), now)
            assert _match_count(viewer, tag_ids) == len(scored), (viewer.username, names)


def test_facets_say_they_count_the_top_matches_when_not_everyone_was_scored(org, shallow, client):
    found = people_search(org.viewer, "kubernetes")
    assert found.facets_among is not None
    assert sum(value.count for value in found.facets["department"]) <= found.facets_among
    assert found.facets_among <= found.total
    client.force_login(org.viewer)
    page = client.get("/search/?q=kubernetes").content.decode()
    assert f"Counted among the {found.facets_among} best matches." in page
    narrowed = people_search(org.viewer, "kubernetes", filters={"tag": "Docker"})
    assert narrowed.facets_among is None  # a filtered search scores everyone


def test_recounts_and_the_rebuild_keep_the_bounds(org):
    anna = org.people["anna"]
    [docker] = _tag_ids("Docker")
    assert ExpertiseBound.objects.filter(user=anna, tag_id=docker).exists()
    profile_expertise_set(actor=anna, profile=anna.profile, names=["Kubernetes"])
    outbox_drain()
    assert not ExpertiseBound.objects.filter(user=anna, tag_id=docker).exists()
    before = set(ExpertiseBound.objects.values_list("user_id", "tag_id"))
    ExpertiseBound.objects.all().delete()
    call_command("expertise_stats_rebuild", verbosity=0)
    assert set(ExpertiseBound.objects.values_list("user_id", "tag_id")) == before
    assert len(before) > 10
