"""A small organisation with known experts, built through the services (so the
outbox and the evidence hooks run as in production), for the relevance set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from taggit.models import Tag
from wagtail.models import Page

from cms.models import ShareableItemPage, SocialHubPage
from feed.services import answer_accept, comment_create, post_create, reaction_toggle
from groups.models import Role, Visibility
from profiles.services import endorsement_create, profile_expertise_set, tag_synonym_add
from search.services import outbox_drain
from tests.factories import DepartmentFactory, GroupFactory, MembershipFactory, UserFactory


@dataclass
class Organisation:
    people: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)
    posts: dict[str, Any] = field(default_factory=dict)
    hub: dict[str, Any] = field(default_factory=dict)
    viewer: Any = None


PEOPLE = {
    # key: (display name, job title, department, location, languages, about, expertise)
    "anna": (
        "Anna de Vries",
        "Platform engineer",
        "Platform",
        "Amsterdam",
        "English, Dutch",
        "",
        ["Kubernetes", "Docker"],
    ),
    "bram": ("Bram Bakker", "Developer", "Retail IT", "Rotterdam", "Dutch", "", ["Kubernetes"]),
    "carla": ("Carla Smit", "SRE", "Platform", "Utrecht", "English", "", []),
    "dirk": (
        "Dirk Visser",
        "Engineer",
        "Retail IT",
        "Rotterdam",
        "Dutch",
        "I run our kubernetes clusters at home on weekends.",
        [],
    ),
    "eva": ("Eva Mulder", "Accountant", "Finance", "Amsterdam", "English", "", ["IFRS 17"]),
    "femke": ("Femke de Boer", "Controller", "Finance", "Utrecht", "Dutch", "", ["IFRS 17"]),
    "gijs": (
        "Gijs Hendriks",
        "Risk modeller",
        "Mortgages",
        "Amsterdam",
        "Dutch",
        "",
        ["mortgage pricing"],
    ),
    "hanna": (
        "Hanna Peters",
        "Mortgage pricing analyst",
        "Mortgages",
        "Amsterdam",
        "English",
        "",
        [],
    ),
    "iris": (
        "Iris Janssen",
        "Data scientist",
        "Analytics",
        "Brussels",
        "English, French",
        "",
        ["Python", "machine learning"],
    ),
    "joost": (
        "Joost de Jong",
        "Cloud engineer",
        "Platform",
        "Amsterdam",
        "Dutch",
        "",
        ["Kubernetes", "Terraform"],
    ),
    "karel": ("Karel Kok", "Platform lead", "Platform", "Amsterdam", "Dutch", "", ["Kubernetes"]),
    "lotte": ("Lotte Dekker", "Security engineer", "Security", "Amsterdam", "Dutch", "", []),
    "maarten": (
        "Maarten Vos",
        "Adviseur",
        "Mortgages",
        "Rotterdam",
        "Dutch",
        "Ik adviseer klanten over hypotheken en rentes.",
        [],
    ),
    "nina": (
        "Nina Willems",
        "Infrastructure architect",
        "Platform",
        "Utrecht",
        "English",
        "",
        ["Terraform"],
    ),
}
ENDORSEMENTS = {
    "anna": ("Kubernetes", 8),
    "bram": ("Kubernetes", 1),
    "eva": ("IFRS 17", 5),
    "gijs": ("mortgage pricing", 3),
    "iris": ("Python", 2),
    "joost": ("Kubernetes", 1),
    "nina": ("Terraform", 4),
    "karel": ("Kubernetes", 10),
}


def _question_answered(org: Organisation, *, group, asker, answerer, text: str) -> Any:
    question = post_create(actor=asker, body=text, group=group, is_question=True)
    answer = comment_create(actor=answerer, post=question, body="Here is how I did it.")
    answer_accept(actor=asker, post=question, comment=answer)
    return question


def build_organisation(backend=None) -> Organisation:
    org = Organisation()
    departments: dict[str, Any] = {}
    for key, (name, job, department, location, languages, about, tags) in PEOPLE.items():
        if department not in departments:
            departments[department] = DepartmentFactory(name=department)
        first, _, last = name.partition(" ")
        member = UserFactory(username=key, first_name=first, last_name=last)
        profile = member.profile
        profile.display_name = name
        profile.job_title = job
        profile.department = departments[department]
        profile.location = location
        profile.languages_spoken = languages
        profile.about = about
        profile.save()
        if tags:
            profile_expertise_set(actor=member, profile=profile, names=tags)
        org.people[key] = member
    colleagues = [UserFactory(first_name="Colleague", last_name=str(n)) for n in range(10)]
    for key, (tag, count) in ENDORSEMENTS.items():
        for colleague in colleagues[:count]:
            endorsement_create(actor=colleague, endorsed=org.people[key], tag_name=tag)
    # Everyone made here has a fixed name: a random Faker name ("Dana Day") can
    # match a query of the relevance set as well as the expert it expects.
    admin = UserFactory(is_staff=True, first_name="Site", last_name="Admin")
    tag_synonym_add(actor=admin, name="k8s", canonical=Tag.objects.get(name="Kubernetes"))
    tag_synonym_add(actor=admin, name="IFRS", canonical=Tag.objects.get(name="IFRS 17"))

    people = org.people
    platform = GroupFactory(
        created_by=admin,
        name="Platform guild",
        slug="platform-guild",
        description="Running the container platform together.",
    )
    platform.tags.add("Kubernetes")
    red_team = GroupFactory(
        created_by=admin,
        name="Red team",
        slug="red-team",
        visibility=Visibility.SECRET,
        description="Offensive security exercises.",
    )
    finance = GroupFactory(
        created_by=admin,
        name="Finance forum",
        slug="finance-forum",
        visibility=Visibility.CLOSED,
        description="Reporting standards.",
    )
    finance.tags.add("IFRS 17")
    mortgages = GroupFactory(
        created_by=admin,
        name="Mortgage desk",
        slug="mortgage-desk",
        description="Pricing and risk of mortgages.",
    )
    for key in ("anna", "bram", "carla", "dirk", "joost"):
        MembershipFactory(group=platform, user=people[key])
    secret_asker = UserFactory(first_name="Secret", last_name="Asker")
    for member in (people["lotte"], secret_asker):
        MembershipFactory(group=red_team, user=member, role=Role.MEMBER)
    MembershipFactory(group=finance, user=people["eva"])
    for key in ("gijs", "hanna", "maarten"):
        MembershipFactory(group=mortgages, user=people[key])
    org.groups = {
        "platform": platform,
        "red_team": red_team,
        "finance": finance,
        "mortgages": mortgages,
    }

    org.posts["rollback"] = _question_answered(
        org,
        group=platform,
        asker=people["bram"],
        answerer=people["anna"],
        text="How do I roll back a failed deployment? #kubernetes",
    )
    for text in (
        "Which ingress controller do we use? #kubernetes",
        "Where are the cluster dashboards? #kubernetes",
    ):
        _question_answered(
            org, group=platform, asker=people["dirk"], answerer=people["anna"], text=text
        )
    for text in ("Node pools keep scaling down #kubernetes", "Pods stuck pending #kubernetes"):
        _question_answered(
            org, group=platform, asker=people["dirk"], answerer=people["carla"], text=text
        )
    for index in range(4):
        _question_answered(
            org,
            group=red_team,
            asker=secret_asker,
            answerer=people["lotte"],
            text=f"Hardening question {index} #kubernetes",
        )
    org.posts["helm"] = post_create(
        actor=people["carla"],
        group=platform,
        body="Helm chart upgrade tips: pin the chart version, diff before you apply. #kubernetes",
    )
    org.posts["checklist"] = post_create(
        actor=people["carla"], group=platform, body="Our cluster upgrade checklist #kubernetes"
    )
    for post in (org.posts["helm"], org.posts["checklist"]):
        for key in ("anna", "joost"):
            reaction_toggle(actor=people[key], kind="like", post=post)
    org.posts["ifrs"] = post_create(
        actor=people["eva"],
        group=finance,
        body="IFRS 17 transition timeline for the insurance unit.",
    )
    org.posts["lecture"] = post_create(
        actor=people["gijs"], body="Lunch lecture on mortgage pricing next Tuesday."
    )
    org.posts["secret"] = post_create(
        actor=people["lotte"], group=red_team, body="Helm chart secrets leaked in the exercise."
    )

    hub = SocialHubPage.objects.first() or Page.objects.get(depth=1).add_child(
        instance=SocialHubPage(title="Hub", slug="hub")
    )
    for key, (title, kind, summary) in {
        "vacancy": (
            "Vacancy: Kubernetes platform engineer",
            "vacancy",
            "Join the team that runs our container platform.",
        ),
        "press": (
            "Record mortgage year",
            "press_release",
            "Mortgage lending grew in every region.",
        ),
    }.items():
        page = hub.add_child(
            instance=ShareableItemPage(
                title=title,
                kind=kind,
                summary=summary,
                canonical_url="https://example.com/" + key,
                live=False,
            )
        )
        page.save_revision().publish()
        org.hub[key] = page

    people["karel"].is_active = False
    people["karel"].save()
    org.viewer = UserFactory(first_name="Outside", last_name="Viewer")
    org.viewer.profile.job_title = "Intern"
    org.viewer.profile.save()
    org.people["secret_asker"] = secret_asker
    outbox_drain(backend=backend)
    return org
