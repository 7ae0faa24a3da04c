"""The relevance set: queries a colleague would type and the results a good
answer starts with. Shared by the database backend (SQLite and PostgreSQL legs)
and the Elasticsearch integration run."""

from __future__ import annotations

from search.selectors import content_search, people_search, search_suggestions

# (query, expected people in this order at the top)
PEOPLE_TOP = [
    ("kubernetes", ["anna", "carla"]),
    ("Kubernetes", ["anna"]),
    ("k8s", ["anna"]),
    ("kubernets", ["anna"]),
    ("kubernetes terraform", ["joost"]),
    ("terraform", ["nina", "joost"]),
    ("IFRS 17", ["eva", "femke"]),
    ("ifrs", ["eva", "femke"]),
    ("IFRS17", ["eva"]),
    ("mortgage pricing", ["gijs", "hanna"]),
    ("Anna de Vries", ["anna"]),
    ("iris jansen", ["iris"]),
    ("Janssen", ["iris"]),
    ("data scientist", ["iris"]),
    ("python", ["iris"]),
    ("machine learning", ["iris"]),
    ("hypotheken", ["maarten"]),
    ("security engineer", ["lotte"]),
    ("sre", ["carla"]),
    ("infrastructure architect", ["nina"]),
]
# (query, people who must never appear for the outside viewer)
PEOPLE_NEVER = [
    ("kubernetes", ["karel", "lotte"]),  # deactivated; evidence only in a secret group
    ("Karel Kok", ["karel"]),
]
# (tab, query, expected first result key, or None for "nothing")
CONTENT_FIRST = [
    ("post", "helm chart", ("posts", "helm")),
    ("post", "roll back deployment", ("posts", "rollback")),
    ("post", "mortgage lecture", ("posts", "lecture")),
    ("group", "platform", ("groups", "platform")),
    ("group", "red team", None),  # secret, and the viewer is not in it
    ("post", "leaked", None),  # a secret group's post
    ("hub", "kubernetes vacancy", ("hub", "vacancy")),
    ("hub", "mortgage", ("hub", "press")),
]


def run_relevance_set(org, backend=None) -> list[str]:
    """Every query of the set against `backend`; returns the failures, empty when
    all pass (reported together, so one run shows the whole picture)."""
    names = {member.pk: key for key, member in org.people.items()}
    failures: list[str] = []
    for query, expected in PEOPLE_TOP:
        found = people_search(org.viewer, query, backend=backend)
        got = [names.get(result.profile.user_id, "?") for result in found.results]
        if got[: len(expected)] != expected:
            failures.append(f"people {query!r}: expected {expected} first, got {got[:5]}")
    for query, excluded in PEOPLE_NEVER:
        found = people_search(org.viewer, query, backend=backend)
        got = {names.get(result.profile.user_id, "?") for result in found.results}
        if got & set(excluded):
            failures.append(f"people {query!r}: {sorted(got & set(excluded))} must not appear")
    for kind, query, expected in CONTENT_FIRST:
        found = content_search(org.viewer, query, kind, backend=backend)
        if expected is None:
            if found.results or found.total:
                failures.append(f"{kind} {query!r}: expected nothing, got {found.total}")
            continue
        collection, key = expected
        want = getattr(org, collection)[key].pk
        got_ids = [result.object.pk for result in found.results]
        if not got_ids or got_ids[0] != want:
            failures.append(f"{kind} {query!r}: expected {key} first, got ids {got_ids[:5]}")
    suggestions = search_suggestions(org.viewer, "kube", backend=backend)
    suggested = {names.get(profile.user_id) for profile in suggestions.people}
    if not {"anna", "bram", "joost"} <= suggested or "Kubernetes" not in suggestions.tags:
        failures.append(f"suggest 'kube': got {suggested}, tags {suggestions.tags}")
    suggestions = search_suggestions(org.viewer, "ann", backend=backend)
    # Factory-made colleagues have random Faker names: an "Anna Fisher" among them
    # is as good a match, so only the set's own people are ranked here.
    ours = [profile for profile in suggestions.people if profile.user_id in names]
    if not ours or names.get(ours[0].user_id) != "anna":
        failures.append(f"suggest 'ann': got {[p.display_name for p in suggestions.people]}")
    return failures


def relevance_query_count() -> int:
    return len(PEOPLE_TOP) + len(PEOPLE_NEVER) + len(CONTENT_FIRST) + 2
