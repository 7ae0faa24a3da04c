"""A realistic demo organisation, deterministic for a given seed.

Bulk inserts keep it quick at scale (`--people 50000`); the same password hash
is reused for every demo account so hashing does not dominate.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker
from taggit.models import Tag, TaggedItem
from wagtail.rich_text import RichText

from cms.models import (
    Campaign,
    ContentPillar,
    GuidelinesPage,
    ItemKind,
    ShareableItemPage,
    ShareClick,
    ShareLink,
    SocialHubPage,
)
from cms.services import visitor_hash
from feed.models import Comment, Post
from feed.rendering import render_body
from groups.models import Group, Membership, Role, Visibility
from metrics.models import Baseline, EventKind, ParticipationEvent
from metrics.services import rollup_days
from profiles.models import Department, Endorsement, ExpertiseEvidence, Profile, User

DEMO_ADMIN = ("admin", "buzz-demo-admin")
DEMO_MEMBER = ("member", "buzz-demo-member")
DEMO_PASSWORD = "buzz-demo-password"
BATCH = 2000

DEPARTMENTS = [
    "Retail Banking",
    "Wholesale Banking",
    "Tech & Platforms",
    "Risk Management",
    "Finance",
    "Human Resources",
    "Marketing & Communications",
    "Legal & Compliance",
    "Customer Service",
    "Data & Analytics",
    "Sustainability Office",
    "Operations",
]
LOCATIONS = ["Amsterdam", "Brussels", "Bucharest", "Warsaw", "Manila", "Frankfurt", "Madrid"]
JOB_TITLES = [
    "Software Engineer",
    "Product Owner",
    "Data Scientist",
    "Risk Analyst",
    "Agile Coach",
    "Customer Journey Expert",
    "Financial Controller",
    "HR Business Partner",
    "Marketing Specialist",
    "Compliance Officer",
    "Site Reliability Engineer",
    "Mortgage Advisor",
    "Chapter Lead",
    "UX Designer",
    "Legal Counsel",
]
EXPERTISE = [
    "Kubernetes",
    "Python",
    "Java",
    "Kafka",
    "PostgreSQL",
    "Terraform",
    "Azure",
    "AWS",
    "IFRS 17",
    "Basel IV",
    "Mortgage pricing",
    "Credit risk",
    "AML",
    "KYC",
    "GDPR",
    "Machine learning",
    "Data governance",
    "Power BI",
    "Agile coaching",
    "Scrum",
    "Customer journeys",
    "UX research",
    "Accessibility",
    "Payments",
    "SEPA",
    "Open banking",
    "ESG reporting",
    "Climate risk",
    "Treasury",
    "Negotiation",
    "Employer branding",
    "Social media",
    "Copywriting",
    "Public speaking",
    "Change management",
    "Coaching",
    "Security",
    "Observability",
    "React",
    "Django",
    "Elasticsearch",
    "Redis",
]
GROUPS = [
    ("Platform Engineering", Visibility.OPEN, ["Kubernetes", "Terraform", "Observability"]),
    ("Python Guild", Visibility.OPEN, ["Python", "Django"]),
    ("Agile Way of Working", Visibility.OPEN, ["Agile coaching", "Scrum"]),
    ("IFRS 17 Programme", Visibility.CLOSED, ["IFRS 17", "Treasury"]),
    ("Mortgage Pricing", Visibility.CLOSED, ["Mortgage pricing", "Credit risk"]),
    ("Sustainability Champions", Visibility.OPEN, ["ESG reporting", "Climate risk"]),
    ("Women in Tech", Visibility.OPEN, ["Coaching", "Public speaking"]),
    ("Data & AI Community", Visibility.OPEN, ["Machine learning", "Data governance"]),
    ("Customer Obsessed", Visibility.OPEN, ["Customer journeys", "UX research"]),
    ("Security Champions", Visibility.CLOSED, ["Security", "GDPR"]),
    ("Reorganisation Steering", Visibility.SECRET, ["Change management"]),
    ("MT Sounding Board", Visibility.SECRET, ["Negotiation"]),
    ("Social Media Ambassadors", Visibility.OPEN, ["Social media", "Copywriting"]),
    ("Payments Tribe", Visibility.OPEN, ["Payments", "SEPA", "Open banking"]),
    ("Accessibility Matters", Visibility.OPEN, ["Accessibility", "React"]),
    ("Running Club Amsterdam", Visibility.OPEN, []),
]
POST_OPENERS = [
    "Does anyone have experience with {tag}? We are looking at it for next quarter.",
    "Great session today on {tag}, slides are in the team folder.",
    "Question: what is our current standard for {tag}?",
    "Looking for a colleague who knows {tag} to review a proposal this week.",
    "Lessons learned from our {tag} migration: start small, measure everything.",
    "We are hiring! Our team needs someone strong in {tag}.",
    "Who is joining the {tag} meetup on Thursday?",
    "Sharing a short write-up on how we use {tag} in production.",
]
COMMENTS = [
    "Thanks for sharing!",
    "Happy to help, send me a message.",
    "We did this last year, let's compare notes.",
    "Great question, following.",
    "Count me in.",
    "Have a look at the guild wiki, there is a good page on this.",
    "Congrats to the team!",
    "Interesting, how did you measure the impact?",
]
HUB_ITEMS = [
    (
        ItemKind.ARTICLE,
        "How we made mobile banking faster",
        "Our engineers cut app start time in half.",
    ),
    (ItemKind.VACANCY, "We are hiring Site Reliability Engineers", "Join the platform team."),
    (ItemKind.PRESS_RELEASE, "Annual sustainability report published", "Our progress on climate."),
    (ItemKind.EVENT, "Tech Meetup: Kubernetes at scale", "An evening with our platform team."),
    (ItemKind.VIDEO, "A day in the life of a data scientist", "Three minutes behind the scenes."),
    (ItemKind.ARTICLE, "Five tips for safer online payments", "Helpful advice for customers."),
]


@dataclass
class SeedSummary:
    people: int
    departments: int
    groups: int
    posts: int
    comments: int
    hub_items: int


Progress = Callable[[Iterable, str, int], Iterable]


def _no_progress(items: Iterable, label: str, total: int) -> Iterable:
    return items


def _batches(total: int) -> list[range]:
    return [range(start, min(start + BATCH, total)) for start in range(0, total, BATCH)]


def seed_demo(
    *, people: int = 200, seed: int = 42, progress: Progress = _no_progress
) -> SeedSummary:
    """Create a demo organisation of `people` members (plus the demo admin and member)."""
    rng = random.Random(seed)
    fake = Faker(["en_GB", "nl_NL"])
    fake.seed_instance(seed)
    now = timezone.now()

    with transaction.atomic():
        departments = Department.objects.bulk_create(
            [Department(name=name, slug=slugify(name)) for name in DEPARTMENTS]
        )
        tags = {
            name: Tag.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0]
            for name in EXPERTISE
        }
        users, profiles = _seed_people(rng, fake, people, departments, progress)
        groups = _seed_groups(rng, users, tags, people, progress)
        posts = _seed_posts(rng, users, groups, now, people, progress)
        comment_count = _seed_comments(rng, users, posts, now, progress)
        _tag_profiles(rng, profiles, list(tags.values()))
        hub_items = _seed_hub(rng, users)
        _seed_participation(rng, users, now, progress)
    # Bulk inserts send no signals: index everything once the data is in.
    from search.models import DocumentKind
    from search.services import expertise_stats_rebuild, index_rebuild

    for kind in progress(DocumentKind.values, "search index", len(DocumentKind.values)):
        index_rebuild(kind)
    expertise_stats_rebuild()  # the people search ranks by these counts

    return SeedSummary(
        people=len(users),
        departments=len(departments),
        groups=len(groups),
        posts=len(posts),
        comments=comment_count,
        hub_items=hub_items,
    )


def _seed_people(rng, fake, count, departments, progress):
    member_hash = make_password(DEMO_PASSWORD)
    admin = User.objects.create_superuser(
        username=DEMO_ADMIN[0],
        email="admin@buzz.example",
        password=DEMO_ADMIN[1],
        first_name="Ada",
        last_name="Admin",
    )
    member = User.objects.create_user(
        username=DEMO_MEMBER[0],
        email="member@buzz.example",
        password=DEMO_MEMBER[1],
        first_name="Mia",
        last_name="Member",
    )
    users = [admin, member]
    profiles = [
        Profile(
            user=admin,
            display_name="Ada Admin",
            job_title="Community Manager",
            department=departments[6],
            location="Amsterdam",
            is_community_manager=True,
        ),
        Profile(
            user=member,
            display_name="Mia Member",
            job_title="Software Engineer",
            department=departments[2],
            location="Amsterdam",
        ),
    ]
    seen_usernames = {DEMO_ADMIN[0], DEMO_MEMBER[0]}
    for batch in progress(_batches(count), "people", len(_batches(count))):
        new_users = []
        for index in batch:
            first, last = fake.first_name(), fake.last_name()
            username = slugify(f"{first}.{last}").replace("-", ".")[:120] or f"user{index}"
            if username in seen_usernames:
                username = f"{username}.{index}"
            seen_usernames.add(username)
            new_users.append(
                User(
                    username=username,
                    email=f"{username}@buzz.example",
                    first_name=first,
                    last_name=last,
                    password=member_hash,
                )
            )
        created = User.objects.bulk_create(new_users)
        users.extend(created)
        profiles.extend(
            Profile(
                user=user,
                display_name=f"{user.first_name} {user.last_name}",
                job_title=rng.choice(JOB_TITLES),
                department=rng.choice(departments),
                location=rng.choice(LOCATIONS),
                language=rng.choice(["en", "en", "nl"]),
                is_manager=rng.random() < 0.05,
                is_mt_member=rng.random() < 0.01,
            )
            for user in created
        )
    profiles = Profile.objects.bulk_create(profiles, batch_size=BATCH)
    # Every department gets a head (its first member outside the demo pair) and
    # everyone else in it reports to them: a small org chart for the leadership board.
    heads: dict[int, Profile] = {}
    for profile in profiles[2:]:
        heads.setdefault(profile.department_id, profile)
    for profile in profiles:
        head = heads.get(profile.department_id)
        if head is profile:
            profile.is_manager = True
        elif head is not None:
            profile.manager = head
    Profile.objects.bulk_update(profiles, ["manager", "is_manager"], batch_size=BATCH)
    return users, profiles


def _seed_groups(rng, users, tags, people, progress):
    extra = max(0, people // 10 - len(GROUPS))
    specs = list(GROUPS) + [
        (f"{rng.choice(EXPERTISE)} Circle {n + 1}", rng.choice(list(Visibility)), [])
        for n in range(extra)
    ]
    groups = Group.objects.bulk_create(
        [
            Group(
                name=name,
                slug=slugify(name)[:100] or f"group-{i}",
                description=f"Everything about {', '.join(topics) or name.lower()}. All welcome.",
                visibility=visibility,
                created_by=rng.choice(users),
            )
            for i, (name, visibility, topics) in enumerate(specs)
        ]
    )
    memberships = []
    demo_member = users[1]
    for rank, group in enumerate(progress(groups, "groups", len(groups))):
        # Skewed sizes: a few big communities, many small ones.
        size = min(len(users), max(3, int(len(users) * 0.6 / (rank + 1)) + rng.randint(0, 8)))
        chosen = rng.sample(users, size)
        # The demo member is in half the open/closed groups and in no secret one,
        # so the demo shows what a secret group hides.
        if group.visibility == Visibility.SECRET:
            chosen = [user for user in chosen if user != demo_member] or [users[0]]
        elif demo_member not in chosen and rank % 2 == 0:
            chosen.append(demo_member)
        owner = group.created_by if group.created_by in chosen else chosen[0]
        memberships.extend(
            Membership(group=group, user=user, role=Role.OWNER if user == owner else Role.MEMBER)
            for user in chosen
        )
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    return groups


def _seed_posts(rng, users, groups, now, people, progress):
    members_by_group: dict[int, list[int]] = {}
    for group_id, user_id in Membership.objects.values_list("group_id", "user_id"):
        members_by_group.setdefault(group_id, []).append(user_id)
    total = people * 3
    # Power-law activity: a small share of members writes most posts.
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(users))]
    posts = []
    for batch in progress(_batches(total), "posts", len(_batches(total))):
        new_posts = []
        for _ in batch:
            group = rng.choice(groups) if rng.random() < 0.85 else None
            if group is not None:
                author_id = rng.choice(members_by_group[group.pk])
            else:
                author_id = rng.choices(users, weights=weights)[0].pk
            tag = rng.choice(EXPERTISE)
            body = rng.choice(POST_OPENERS).format(tag=tag) + f" #{slugify(tag).replace('-', '')}"
            rendered = render_body(body, users_by_username={})
            post = Post(
                author_id=author_id,
                group=group,
                body=body,
                body_html=rendered.html,
                is_question=body.split(" #")[0].endswith("?"),
                created_at=now - dt.timedelta(minutes=rng.randint(1, 60 * 24 * 90)),
                is_announcement=group is None and rng.random() < 0.05,
            )
            post.seed_hashtags = rendered.hashtags
            new_posts.append(post)
        posts.extend(Post.objects.bulk_create(new_posts))
    _tag_posts(posts)
    return posts


def _tag_posts(posts) -> None:
    """Hashtags in bulk; a hashtag reuses an expertise tag of the same name."""
    tags = {tag.name.lower(): tag for tag in Tag.objects.all()}
    wanted = {name for post in posts for name in post.seed_hashtags} - set(tags)
    for tag in Tag.objects.bulk_create(Tag(name=name, slug=name) for name in sorted(wanted)):
        tags[tag.name] = tag
    post_type = ContentType.objects.get_for_model(Post)
    TaggedItem.objects.bulk_create(
        (
            TaggedItem(tag=tags[name], content_type=post_type, object_id=post.pk)
            for post in posts
            for name in post.seed_hashtags
        ),
        batch_size=BATCH,
    )


def _seed_comments(rng, users, posts, now, progress) -> int:
    count = 0
    for batch in progress(_batches(len(posts)), "comments", len(_batches(len(posts)))):
        comments = []
        for post in (posts[i] for i in batch):
            comments.extend(
                Comment(
                    post=post,
                    author=rng.choice(users),
                    body=(body := rng.choice(COMMENTS)),
                    body_html=render_body(body, users_by_username={}).html,
                    created_at=min(
                        now, post.created_at + dt.timedelta(minutes=rng.randint(1, 600))
                    ),
                )
                for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5]))
            )
        Comment.objects.bulk_create(comments)
        count += len(comments)
    # About half the questions with answers have an accepted one: evidence of expertise.
    first_answer = {}
    for comment in Comment.objects.filter(post__is_question=True).order_by("created_at", "pk"):
        first_answer.setdefault(comment.post_id, comment.pk)
    answered = [post for post in posts if post.pk in first_answer and rng.random() < 0.5]
    for post in answered:
        post.accepted_comment_id = first_answer[post.pk]
    Post.objects.bulk_update(answered, ["accepted_comment"], batch_size=BATCH)
    _seed_evidence(posts, answered)
    return count


def _seed_evidence(posts, answered) -> None:
    """Evidence of expertise, as the feed's services record it: tagged posts for
    their authors, accepted answers for the answerers (search ranks on both)."""
    tags = {tag.name.lower(): tag for tag in Tag.objects.all()}
    answer_authors = dict(
        Comment.objects.filter(pk__in=[post.accepted_comment_id for post in answered]).values_list(
            "pk", "author_id"
        )
    )
    evidence = [
        ExpertiseEvidence(
            user_id=post.author_id, tag=tags[name], kind="post_tagged", object_id=post.pk
        )
        for post in posts
        if not post.is_question  # asking is no evidence of knowing
        for name in post.seed_hashtags
    ]
    evidence += [
        ExpertiseEvidence(
            user_id=answer_authors[post.accepted_comment_id],
            tag=tags[name],
            kind="accepted_answer",
            object_id=post.accepted_comment_id,
        )
        for post in answered
        for name in post.seed_hashtags
    ]
    ExpertiseEvidence.objects.bulk_create(evidence, batch_size=BATCH, ignore_conflicts=True)


def _tag_profiles(rng, profiles, tags) -> None:
    profile_type = ContentType.objects.get_for_model(Profile)
    profile_by_pk = {profile.pk: profile for profile in profiles}
    items = [
        TaggedItem(tag=tag, content_type=profile_type, object_id=profile.pk)
        for profile in profiles
        for tag in rng.sample(tags, rng.randint(1, 5))
    ]
    TaggedItem.objects.bulk_create(items, batch_size=BATCH)
    # Colleagues vouch for some of it: most listed skills get a few endorsements,
    # a few get many (search ranks and explains by them).
    users = [profile.user_id for profile in profiles]
    tag_of = {tag.pk: tag for tag in tags}
    endorsements = {}
    for item in items:
        owner = profile_by_pk[item.object_id].user_id
        for endorser in rng.sample(users, min(len(users) - 1, 25, int(rng.paretovariate(1.5)) - 1)):
            if endorser != owner:
                key = (endorser, owner, item.tag.pk)
                endorsements[key] = Endorsement(
                    endorser_id=endorser, endorsed_id=owner, tag=tag_of[item.tag.pk]
                )
    Endorsement.objects.bulk_create(endorsements.values(), batch_size=BATCH)


GUIDELINES = [
    ("heading", "Be yourself"),
    (
        "paragraph",
        "<p>Share what you are proud of, in your own words. Edit the suggested "
        "text as much as you like.</p>",
    ),
    ("heading", "Think before you post"),
    (
        "paragraph",
        "<p>Nothing confidential, nothing about customers, nothing you would not "
        "say at the coffee machine with the press listening. When in doubt, leave it out.</p>",
    ),
    ("heading", "It is your account"),
    (
        "paragraph",
        "<p>You speak for yourself, not for the company. Sharing is never "
        "required and never judged.</p>",
    ),
]


def _seed_hub(rng, users) -> int:
    """Hub items with texts per network, a campaign, the guidelines, and a
    first round of shares and clicks so the figures are not empty."""
    hub = SocialHubPage.objects.first()
    if hub is None:
        return 0
    today = timezone.localdate()
    hiring = Campaign.objects.create(
        name="Spring hiring",
        slug="spring-hiring",
        goal="300 shares of our vacancies",
        pillar=ContentPillar.EMPLOYER_BRANDING,
        starts_on=today - dt.timedelta(days=14),
        ends_on=today + dt.timedelta(days=21),
    )
    items = []
    for index, (kind, title, summary) in enumerate(HUB_ITEMS):
        item = ShareableItemPage(
            title=title,
            slug=slugify(title),
            kind=kind,
            summary=summary,
            body=[("paragraph", RichText(f"<p>{summary} Read more on our website.</p>"))],
            canonical_url=f"https://www.example.com/{slugify(title)}",
            share_text=f"{title}: {summary}",
            share_text_linkedin=f"I am proud to share this: {title}. {summary}",
            share_text_x=f"{title} {summary}"[:200],
            hashtags="#careers" if kind == ItemKind.VACANCY else "#lifeatbuzz",
            campaign=hiring if kind in (ItemKind.VACANCY, ItemKind.EVENT) else None,
            featured=index < 2,
        )
        hub.add_child(instance=item)
        item.save_revision().publish()
        items.append(item)
    guidelines = GuidelinesPage(
        title="Social media guidelines",
        slug="guidelines",
        intro="Short and friendly: how we share, and what we leave out.",
        body=[(kind, RichText(text) if kind == "paragraph" else text) for kind, text in GUIDELINES],
    )
    hub.add_child(instance=guidelines)
    guidelines.save_revision().publish()
    browser = "Mozilla/5.0 (demo visitor)"
    for member in rng.sample(users, min(len(users), 30)):
        for item in rng.sample(items, rng.randint(1, 3)):
            network = rng.choice(["linkedin", "linkedin", "x", "facebook", "email"])
            suggested = item.suggested_text(network)
            text = suggested if rng.random() < 0.6 else f"{suggested} Worth a look!"
            link = ShareLink.objects.filter(member=member, item=item, network=network).first()
            if link is None:
                link = ShareLink.objects.create(
                    member=member,
                    item=item,
                    network=network,
                    suggested_text=suggested,
                    shared_text=text,
                    shares=1,
                )
            ShareClick.objects.bulk_create(
                [
                    ShareClick(
                        link=link,
                        visitor=visitor_hash(link, address=f"demo-{n}", user_agent=browser),
                    )
                    for n in range(int(rng.paretovariate(1.2)) - 1)
                ],
                ignore_conflicts=True,
            )
    return len(HUB_ITEMS)


DEMO_HISTORY_DAYS = 90


def _seed_participation(rng, users, now, progress) -> None:
    """Participation events for the insights dashboard: the facts seeded above
    (posts, comments, shares, clicks) plus visits, reads and reactions of
    members whose activity follows a power law, over the last 90 days; then
    the daily rollups and a baseline 60 days back. The demo members joined
    a year ago."""
    User.objects.filter(pk__in=[user.pk for user in users]).update(
        date_joined=now - dt.timedelta(days=365)
    )
    department_of = dict(Profile.objects.values_list("user_id", "department_id"))
    events: list[ParticipationEvent] = []

    def event(actor_id, kind, when, *, group_id=None, network="", target=("", None)):
        events.append(
            ParticipationEvent(
                actor_id=actor_id,
                kind=kind,
                occurred_at=when,
                department_id=department_of.get(actor_id),
                group_id=group_id,
                network=network,
                object_type=target[0],
                object_id=target[1],
            )
        )

    for post in Post.objects.values("pk", "author_id", "group_id", "created_at"):
        event(
            post["author_id"],
            EventKind.POST,
            post["created_at"],
            group_id=post["group_id"],
            target=("feed.post", post["pk"]),
        )
    for comment in Comment.objects.values("author_id", "post__group_id", "created_at"):
        event(
            comment["author_id"],
            EventKind.COMMENT,
            comment["created_at"],
            group_id=comment["post__group_id"],
        )
    for link in ShareLink.objects.values("pk", "member_id", "item_id", "network"):
        shared = now - dt.timedelta(minutes=rng.randint(60, 60 * 24 * 60))
        event(
            link["member_id"],
            EventKind.SHARE,
            shared,
            network=link["network"],
            target=("cms.shareableitempage", link["item_id"]),
        )
        for _click in range(ShareClick.objects.filter(link_id=link["pk"]).count()):
            event(
                link["member_id"],
                EventKind.CLICK,
                shared + dt.timedelta(hours=rng.randint(1, 48)),
                network=link["network"],
                target=("cms.shareableitempage", link["item_id"]),
            )
    group_ids = list(
        Group.objects.exclude(visibility=Visibility.SECRET).values_list("pk", flat=True)
    )
    for user in progress(users, "participation", len(users)):
        # Most colleagues drop by now and then; a few are there every day.
        daily_chance = min(0.9, 0.03 * rng.paretovariate(1.3))
        for days_ago in range(DEMO_HISTORY_DAYS):
            if rng.random() >= daily_chance:
                continue
            when = now - dt.timedelta(days=days_ago, minutes=rng.randint(1, 600))
            event(user.pk, EventKind.VISIT, when)
            for _read in range(rng.randint(0, 4)):
                event(user.pk, EventKind.READ, when, group_id=rng.choice(group_ids or [None]))
            if rng.random() < 0.3:
                event(user.pk, EventKind.REACT, when, group_id=rng.choice(group_ids or [None]))
            if rng.random() < 0.05:
                event(user.pk, EventKind.SEARCH, when)
    ParticipationEvent.objects.bulk_create(events, batch_size=2000)
    today = timezone.localdate()
    rollup_days(today - dt.timedelta(days=DEMO_HISTORY_DAYS + 1), today)
    Baseline.objects.get_or_create(
        day=today - dt.timedelta(days=60), defaults={"label": "Launch of Buzz"}
    )
