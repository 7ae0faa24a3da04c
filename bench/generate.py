"""The organisation the benchmarks run against: a realistic company on PostgreSQL.

    manage.py bench_org --people 50000 --groups 2000 --posts 1000000 [--seed 1] [--flush]

Deterministic for a seed (one `random.Random`; Faker only builds the name lists).
Rows are streamed with psycopg 3 COPY inside one transaction, ids assigned here
(so rows can point at each other without reading anything back) and the
sequences moved past them afterwards, so ORM inserts keep working. Foreign keys
are not checked row by row during the load (`session_replication_role =
replica`, when the role is a superuser): the generator builds them consistent
and tests/bench/test_generate.py checks every one of them.

What is in it:
- ~40 departments (12 divisions and their units), people with display names,
  job titles, locations, a manager chain, one password hash for everyone.
- ~300 expertise tags (django-taggit on Profile), 2-8 per person with Zipf
  popularity; about a third of listed skills endorsed by colleagues.
- Follows with power-law popularity (~40 per person on average).
- Groups with Zipf sizes (a few of 5k-20k members, most 10-100), ~80% open /
  15% closed / 5% secret, one owner each, one or two topic tags.
- Posts with power-law authors, each in a group of its author (~10%
  company-wide), newer ones denser over the last 365 days, with #hashtags
  (taggit, as Post.hashtags stores them) and @mentions (Mention rows), body_html
  as feed.rendering renders it; expertise evidence as feed.services records it;
  comments (~1.5 per post) and reactions (~3 per post), both power law.
- Search documents (database backend) for people and groups, through
  search.services.index_rebuild. Posts and comments are NOT indexed unless
  `index_posts=True` (`--index-posts`), which takes minutes at 1M posts.
- The people search's expertise statistics (search.ExpertiseStat), counted
  for everyone once the evidence is in.

Fixtures the benchmarks find by name (also returned in `BenchOrg`):
- every member logs in as `user00001`, `user00002`, ... (user id = the number;
  at least five digits) with password `bench`;
- `bench.subject` (the last user id): a member of exactly 30 groups of mixed
  sizes (none secret) who follows exactly 150 people chosen Zipf-weighted;
- open groups `bench-live-1000`, `bench-live-200`, `bench-live-20` with exactly
  that many members (never `bench.subject`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from community.seeding import COMMENTS, DEPARTMENTS, EXPERTISE, JOB_TITLES, LOCATIONS, POST_OPENERS
from feed.models import Post, ReactionKind
from feed.rendering import render_body
from groups.models import Group, Role, Visibility
from profiles.models import Profile

PASSWORD = "bench"
SUBJECT_USERNAME = "bench.subject"
SUBJECT_GROUPS = 30
SUBJECT_FOLLOWS = 150
LIVE_SIZES = (1000, 200, 20)
COMPANY_WIDE_SHARE = 0.10
FOLLOWS_MEAN = 40
COMMENTS_MEAN = 1.5
REACTIONS_MEAN = 3.0
HISTORY_DAYS = 365
ROWS_PER_TICK = 10_000

# Tables this generator fills, in load order.
TABLES = [
    "profiles_department",
    "profiles_user",
    "profiles_profile",
    "taggit_tag",
    "taggit_taggeditem",
    "profiles_endorsement",
    "profiles_follow",
    "groups_group",
    "groups_membership",
    "feed_post",
    "feed_mention",
    "feed_comment",
    "feed_reaction",
    "profiles_expertiseevidence",
    "search_searchdocument",
    "search_expertisestat",
    "search_expertisebound",
]
# Wagtail's page tree references users: TRUNCATE profiles_user CASCADE would wipe
# the root page and the Site (STACK-NOTES trap 2), so those tables are left alone.
PROTECTED_PREFIXES = ("wagtail", "cms_")
# With drop_indexes, the secondary indexes of these are dropped for the load and
# rebuilt after it. Measured at full size (50k/2k/1M, 2 shared cores): 139 s of
# load with the rebuild vs 147 s keeping the indexes, within the noise, and 6%
# smaller files; so the simple way (keep them) is the default.
BIG_TABLES = [
    "profiles_follow",
    "profiles_endorsement",
    "groups_membership",
    "taggit_taggeditem",
    "feed_post",
    "feed_mention",
    "feed_comment",
    "feed_reaction",
    "profiles_expertiseevidence",
]

DIVISION_UNITS = ["Strategy", "Delivery", "Analytics"]
SENIORITY = ["", "", "Senior ", "Lead ", "Junior ", "Principal "]
MORE_SKILLS = """
Go, Rust, Scala, Kotlin, Swift, TypeScript, JavaScript, Node.js, Vue.js, Angular, Svelte,
Spring Boot, Quarkus, GraphQL, REST API design, gRPC, OpenAPI, Microservices,
Event sourcing, Domain-driven design, CQRS, Docker, Helm, Istio, Linkerd, Prometheus,
Grafana, OpenTelemetry, Splunk, Datadog, Jenkins, GitLab CI, GitHub Actions, ArgoCD,
Ansible, Puppet, Chef, Vault, Consul, Nomad, Google Cloud, OpenShift, VMware,
Linux, Windows Server, Bash, PowerShell, Networking, TCP/IP, DNS, Load balancing,
Zero trust, Identity management, OAuth, OpenID Connect, SAML, PKI, Cryptography,
Penetration testing, Threat modelling, SIEM, Incident response, Forensics, ISO 27001,
SOC 2, DORA, NIS2, PSD2, MiFID II, EMIR, SFDR, CSRD, Solvency II, IFRS 9, Basel III,
Liquidity risk, Market risk, Operational risk, Model validation, Stress testing,
Capital planning, ALM, Hedging, Derivatives, Fixed income, Equities, FX trading,
Commodities, Trade finance, Cash management, Corporate lending, Project finance,
Leveraged finance, Syndicated loans, Structured finance, Securitisation, Custody,
Wealth management, Private banking, Asset management, Insurance, Pensions,
Consumer credit, Credit cards, Mortgages, SME lending, Collections, Fraud detection,
Sanctions screening, Transaction monitoring, Financial crime, Tax, Audit,
Internal control, SOX, Budgeting, Forecasting, Management reporting, Cost control,
Procurement, Vendor management, Contract management, Real estate, Facility management,
Business continuity, Crisis management, Data engineering, Data modelling, Data quality,
Master data, Data lineage, Data mesh, Data warehousing, Snowflake, Databricks, Spark,
Hadoop, Airflow, dbt, Flink, Pandas, NumPy, scikit-learn, PyTorch, TensorFlow,
Deep learning, NLP, Computer vision, Generative AI, Prompt engineering, LLM evaluation,
MLOps, Feature stores, Recommender systems, Time series, Forecast models, Statistics,
Econometrics, Bayesian methods, Optimisation, Operations research, Simulation,
Tableau, Qlik, Looker, Excel, VBA, SQL, Oracle, SQL Server, MongoDB, Cassandra,
Neo4j, DynamoDB, RabbitMQ, ActiveMQ, MQTT, Mainframe, COBOL, CICS, DB2, SAP,
Salesforce, ServiceNow, Workday, Pega, Camunda, BPMN, Process mining, RPA, Low code,
Lean, Six Sigma, Kanban, SAFe, OKRs, Product management, Product discovery,
Roadmapping, Stakeholder management, Portfolio management, Programme management,
Risk appetite, Business analysis, Requirements engineering, User stories,
Service design, Design thinking, Interaction design, Visual design, Figma,
Design systems, Usability testing, Content design, Information architecture, SEO,
Web analytics, Conversion optimisation, CRM, Marketing automation, Brand strategy,
Event management, Internal communications, Crisis communications, Media relations,
Investor relations, Public affairs, Storytelling, Video production, Photography,
Presentation skills, Facilitation, Mentoring, Leadership, Team building,
Conflict resolution, Feedback culture, Diversity and inclusion, Wellbeing, Recruiting,
Talent management, Learning and development, Performance management, Compensation,
Labour law, Employment law, Contract law, Competition law, Privacy law,
Intellectual property, Regulatory affairs, Policy writing, Sustainability,
Carbon accounting, Green bonds, Impact investing, Circular economy, Biodiversity,
Human rights, Mobile development, iOS, Android, Flutter, React Native, Accessibility testing,
Performance testing, Test automation, Selenium, Playwright, Cypress, Contract testing,
Chaos engineering, Site reliability, Capacity planning, FinOps, Cost optimisation,
Green IT, Architecture, Enterprise architecture, Solution architecture, API management,
Integration, ETL, Streaming, Caching, Search engines, Technical writing, Dutch, German,
French, Spanish, Polish, Romanian, Tagalog, Mandarin, Public sector, Healthcare, Retail,
Telecom, Energy, Shipping, Aviation, Agriculture, Real estate finance
"""
GENERIC_HASHTAGS = [
    "townhall",
    "lessonslearned",
    "hiring",
    "wellbeing",
    "innovation",
    "teamwork",
    "learning",
    "customerfirst",
    "proud",
    "hackathon",
    "meetup",
    "newjoiner",
    "weeknotes",
    "demo",
    "release",
    "incident",
    "kudos",
    "tip",
    "question",
    "celebration",
]
GROUP_KINDS = ["Guild", "Community", "Circle", "Network", "Chapter", "Forum", "Team", "Club"]
EXTRA_SENTENCES = [
    "Happy to share more over coffee.",
    "Details in the team folder.",
    "Feedback welcome!",
    "Thanks to everyone who helped.",
    "More next week.",
    "Slides and recording are on the intranet.",
    "Let me know if you want to join.",
    "This saved us two weeks of work.",
]
REACTION_WEIGHTS = {
    ReactionKind.LIKE: 60,
    ReactionKind.CELEBRATE: 12,
    ReactionKind.INSIGHTFUL: 12,
    ReactionKind.SUPPORT: 10,
    ReactionKind.FUNNY: 6,
}


class GenerationError(Exception):
    """The generator cannot run against this database or with these sizes."""


@dataclass
class BenchOrg:
    """What the benchmarks need to find in the generated organisation."""

    people: int
    groups: int
    posts: int
    subject_id: int
    subject_username: str
    live_groups: dict[str, int]  # slug -> group id
    subject_group_ids: list[int]
    username_width: int
    password: str = PASSWORD
    posts_indexed: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def username(self, user_id: int) -> str:
        """The login of a generated member (the subject has its own name)."""
        if user_id == self.subject_id:
            return self.subject_username
        return member_username(user_id, self.username_width)

    def summary(self) -> str:
        lines = ["rows per table:"]
        lines += [f"  {table:<28} {count:>10,}" for table, count in self.rows.items()]
        lines.append("seconds per phase:")
        lines += [f"  {phase:<28} {secs:>10.1f}" for phase, secs in self.seconds.items()]
        lines.append(f"  {'total':<28} {sum(self.seconds.values()):>10.1f}")
        lines.append(
            "search index: people and groups"
            + (", posts" if self.posts_indexed else " (posts and comments not indexed)")
        )
        return "\n".join(lines)


Bar = Callable[[str, int], object]  # (label, total) -> a tqdm-like object


def member_username(user_id: int, width: int) -> str:
    return f"user{user_id:0{width}d}"


def _quiet_bar(label: str, total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, disable=True)


def generate(
    *,
    people: int,
    groups: int,
    posts: int,
    seed: int = 1,
    flush: bool = False,
    live_sizes: tuple[int, ...] = LIVE_SIZES,
    drop_indexes: bool = False,
    index_posts: bool = False,
    bar: Bar = _quiet_bar,
) -> BenchOrg:
    """Fill an empty, migrated PostgreSQL database with an organisation of
    `people` members, `groups` groups (the live groups included) and `posts`
    posts. Refuses a database with members unless `flush`."""
    if connection.vendor != "postgresql":
        raise GenerationError(
            f"The benchmark organisation needs PostgreSQL (COPY); this database is "
            f"{connection.vendor}. Set DATABASE_URL=postgres://..."
        )
    _check_sizes(people, groups, posts, live_sizes)
    plan = _Plan(people, groups, posts, seed, live_sizes)
    timer = _Timer()
    with transaction.atomic():
        cursor = connection.cursor().cursor  # the psycopg cursor, for COPY
        with timer("prepare"):
            _prepare(cursor, flush=flush)
            dropped = _drop_indexes(cursor) if drop_indexes else []
        writer = _Writer(cursor, bar)
        with timer("people"):
            plan.people_rows(writer)
        with timer("follows"):
            plan.follow_rows(writer)
        with timer("groups"):
            plan.group_rows(writer)
        with timer("posts"):
            plan.post_rows(writer)
        with timer("comments"):
            plan.comment_rows(writer)
        with timer("reactions"):
            plan.reaction_rows(writer)
        with timer("indexes"):
            for _name, definition in dropped:
                cursor.execute(definition)
            _reset_sequences(cursor)
    with timer("search index"):
        _index_search(bar, index_posts=index_posts)
    with timer("expertise statistics"):
        from search.services import expertise_stats_rebuild

        progress = bar("expertise statistics", people)
        expertise_stats_rebuild(on_batch=progress.update)
        progress.close()
    with timer("analyze"), connection.cursor() as cur:
        # VACUUM sets the visibility map, so index-only scans work from the start.
        for table in TABLES:
            cur.execute(f"VACUUM (ANALYZE) {table}")
    rows = _row_counts()
    return BenchOrg(
        people=people,
        groups=groups,
        posts=posts,
        subject_id=plan.subject_id,
        subject_username=SUBJECT_USERNAME,
        live_groups=plan.live_groups,
        subject_group_ids=plan.subject_group_ids,
        username_width=plan.width,
        posts_indexed=index_posts,
        rows=rows,
        seconds=timer.seconds,
    )


def organisation_flush() -> None:
    """Empty every table the generator fills and the tables that reference them
    (Wagtail's page tree excepted): what `--flush` does before a load."""
    with transaction.atomic():
        _prepare(connection.cursor().cursor, flush=True)


def _check_sizes(people: int, groups: int, posts: int, live_sizes: tuple[int, ...]) -> None:
    if posts < 0:
        raise GenerationError("posts must be 0 or more.")
    if live_sizes and max(live_sizes) > people - 1:
        raise GenerationError(
            f"A live group of {max(live_sizes)} members needs at least {max(live_sizes) + 1} "
            f"people (the subject is never in one); got {people}. Pass smaller live sizes."
        )
    if people < SUBJECT_FOLLOWS + 11:
        raise GenerationError(f"At least {SUBJECT_FOLLOWS + 11} people are needed.")
    if groups < len(live_sizes) + 2 * SUBJECT_GROUPS:
        raise GenerationError(
            f"At least {len(live_sizes) + 2 * SUBJECT_GROUPS} groups are needed "
            f"(the subject joins {SUBJECT_GROUPS} of the non-secret ones)."
        )


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start


class _Writer:
    """COPY rows into a table, with a progress bar of rows done / total."""

    def __init__(self, cursor, bar: Bar) -> None:
        self.cursor = cursor
        self.bar = bar
        self.freeze = True

    def copy(self, table: str, columns: str, rows: Iterable[tuple], total: int) -> int:
        # FREEZE: the tables were truncated in this transaction, so the rows can be
        # written frozen and all-visible (no hint-bit rewrite on first read).
        options = " (FREEZE)" if self.freeze and table != "profiles_user" else ""
        count = 0
        progress = self.bar(table, total)
        with self.cursor.copy(f"COPY {table} ({columns}) FROM STDIN{options}") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                count += 1
                if count % ROWS_PER_TICK == 0:
                    progress.update(ROWS_PER_TICK)
        progress.update(count % ROWS_PER_TICK)
        progress.total = count
        progress.refresh()
        progress.close()
        return count


# --- database preparation ---------------------------------------------------------------


def _closure(cursor) -> list[str]:
    """The filled tables and every table that references them (what TRUNCATE ...
    CASCADE would reach), minus Wagtail's and the hub's tables."""
    cursor.execute(
        "SELECT DISTINCT conrelid::regclass::text, confrelid::regclass::text"
        " FROM pg_constraint WHERE contype = 'f'"
    )
    referencing: dict[str, set[str]] = {}
    for source, target in cursor.fetchall():
        referencing.setdefault(target, set()).add(source)
    found: set[str] = set()
    todo = list(TABLES)
    while todo:
        table = todo.pop()
        if table in found or table.startswith(PROTECTED_PREFIXES):
            continue
        found.add(table)
        todo.extend(referencing.get(table, ()))
    return sorted(found)


def _prepare(cursor, *, flush: bool) -> None:
    tables = _closure(cursor)
    cursor.execute("SELECT EXISTS (SELECT 1 FROM profiles_user)")
    has_users = cursor.fetchone()[0]
    if not flush:
        busy = []
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cursor.fetchone()[0]:
                busy.append(table)
        if busy:
            raise GenerationError(
                "The database is not empty (rows in "
                + ", ".join(busy[:6])
                + (" ..." if len(busy) > 6 else "")
                + "): use --flush to empty the tables the generator fills, or a fresh database."
            )
    # Users stay out of TRUNCATE: Wagtail's tables reference them.
    cursor.execute("TRUNCATE " + ", ".join(t for t in tables if t != "profiles_user"))
    if has_users:
        cursor.execute("DELETE FROM profiles_user")
        try:
            # Check the deferred foreign keys now (and time them here, not in COMMIT).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        except psycopg.errors.IntegrityError as exc:
            raise GenerationError(
                f"Members still own rows that --flush leaves alone (Wagtail pages?): {exc}"
            ) from exc
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        # No per-row foreign-key triggers while loading: the rows are built consistent.
        cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")


def _drop_indexes(cursor) -> list[tuple[str, str]]:
    """Drop the secondary indexes of the big tables (not the primary keys nor the
    indexes behind constraints); returns (name, definition) to recreate them."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY 1",
        [BIG_TABLES],
    )
    dropped = cursor.fetchall()
    for name, _definition in dropped:
        cursor.execute(f"DROP INDEX {name}")
    return dropped


def _reset_sequences(cursor) -> None:
    for table in TABLES:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
        )


def _index_search(bar: Bar, *, index_posts: bool) -> None:
    from search.indexing import count_of_objects
    from search.models import DocumentKind
    from search.services import index_rebuild

    kinds = [DocumentKind.PERSON, DocumentKind.GROUP]
    if index_posts:
        kinds += [DocumentKind.POST, DocumentKind.COMMENT]
    for kind in kinds:
        progress = bar(f"search {kind}", count_of_objects(kind))
        index_rebuild(kind, batch_size=2000, on_batch=progress.update)
        progress.close()


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


# --- the organisation -------------------------------------------------------------------


def _zipf_cumulative(count: int, exponent: float, offset: float = 1.0) -> list[float]:
    """Cumulative weights of ranks 0..count-1 for rng.choices (Zipf-Mandelbrot)."""
    return list(itertools.accumulate(1.0 / (rank + offset) ** exponent for rank in range(count)))


def _power_count(rng: random.Random, mean: float, cap: int) -> int:
    """A count with a power-law tail (Pareto, alpha 2.5) and the given mean."""
    # E[pareto(2.5) - 1] = 2/3; rounding keeps the mean.
    return min(cap, int(mean * 1.5 * (rng.paretovariate(2.5) - 1) + rng.random()))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unique_slugs(names: list[str]) -> list[str]:
    seen: set[str] = set()
    slugs = []
    for name in names:
        base = slugify(name)[:90] or "tag"
        slug, n = base, 1
        while slug in seen:
            n += 1
            slug = f"{base}-{n}"
        seen.add(slug)
        slugs.append(slug)
    return slugs


class _Plan:
    """Builds the rows phase by phase and keeps what later phases need."""

    def __init__(
        self, people: int, groups: int, posts: int, seed: int, live_sizes: tuple[int, ...]
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.people, self.groups, self.posts = people, groups, posts
        self.live_sizes = live_sizes
        self.width = max(5, len(str(people)))
        self.subject_id = people
        self.now = timezone.now().replace(microsecond=0)
        self.user_ids = list(range(1, people + 1))
        self.live_groups: dict[str, int] = {}
        self.subject_group_ids: list[int] = []
        self.ct = {
            model: ContentType.objects.get_for_model(model).pk for model in (Profile, Group, Post)
        }
        self.tagged_item_id = 0
        self.evidence_id = 0

    def _ago(self, seconds: float) -> dt.datetime:
        return self.now - dt.timedelta(seconds=int(seconds))

    # --- people, skills, endorsements ---------------------------------------------------

    def _name_lists(self) -> tuple[list[str], list[str]]:
        fake = Faker(["en_GB", "nl_NL"])
        fake.seed_instance(self.seed)
        first = sorted({fake.first_name() for _ in range(3000)})
        last = sorted({fake.last_name() for _ in range(3000)})
        return first, last

    def _departments(self) -> list[tuple]:
        rows = [(i + 1, name, slugify(name), None) for i, name in enumerate(DEPARTMENTS)]
        for n in range(40 - len(DEPARTMENTS)):
            parent = n % len(DEPARTMENTS)
            name = f"{DEPARTMENTS[parent]} {DIVISION_UNITS[n // len(DEPARTMENTS)]}"
            rows.append((len(rows) + 1, name, slugify(name), parent + 1))
        return rows

    def people_rows(self, writer: _Writer) -> None:
        rng = self.rng
        departments = self._departments()
        writer.copy("profiles_department", "id, name, slug, parent_id", departments, 40)
        first_names, last_names = self._name_lists()
        password = make_password(PASSWORD)
        # Department sizes are skewed too: a few large divisions, many small units.
        department_of = rng.choices(
            [row[0] for row in departments],
            cum_weights=_zipf_cumulative(len(departments), 0.8, 2),
            k=self.people,
        )
        self.department_of = dict(zip(self.user_ids, department_of, strict=True))
        names = {
            user_id: (rng.choice(first_names), rng.choice(last_names)) for user_id in self.user_ids
        }

        def users() -> Iterator[tuple]:
            for user_id in self.user_ids:
                username = (
                    SUBJECT_USERNAME
                    if user_id == self.subject_id
                    else member_username(user_id, self.width)
                )
                first, last = names[user_id]
                joined = self._ago(rng.uniform(HISTORY_DAYS, 4 * HISTORY_DAYS) * 86400)
                yield (user_id, password, username, first, last, False, False, True, joined,
                       f"{username}@bench.example")  # fmt: skip

        writer.copy(
            "profiles_user",
            "id, password, username, first_name, last_name, is_superuser, is_staff, "
            "is_active, date_joined, email",
            users(),
            self.people,
        )
        self._skills(writer)
        manager_of, managers = self._org_chart()
        skills_of = self.skills_of

        def profiles() -> Iterator[tuple]:
            for user_id in self.user_ids:
                first, last = names[user_id]
                title = rng.choice(SENIORITY) + rng.choice(JOB_TITLES)
                if user_id in managers:
                    title = managers[user_id]
                asks = ", ".join(self.skill_names[tag] for tag in skills_of[user_id][:2])
                language = "nl" if rng.random() < 0.3 else "en"
                spoken = "English, Dutch" if language == "nl" else "English"
                created = self._ago(rng.uniform(0, 3 * HISTORY_DAYS) * 86400)
                yield (user_id, f"{first} {last}", title, rng.choice(LOCATIONS), "", asks,
                       language, user_id in managers, rng.random() < 0.005,
                       rng.random() < 0.0005, created, self.department_of[user_id],
                       manager_of.get(user_id), user_id, "", "", None, "", "", spoken, "", True,
                       "", False, "", "", created, "", "")  # fmt: skip

        writer.copy(
            "profiles_profile",
            "id, display_name, job_title, location, about, ask_me_about, language, is_manager, "
            "is_mt_member, is_community_manager, created_at, department_id, manager_id, "
            "user_id, ambassador_role, chat_handle, completed_at, facebook_url, github_url, "
            "languages_spoken, linkedin_url, location_visible, phone, phone_visible, "
            "photo_avatar, photo_page, updated_at, website_url, x_url",
            profiles(),
            self.people,
        )
        self._endorsements(writer)

    def _org_chart(self) -> tuple[dict[int, int], dict[int, str]]:
        """Each department has a head; one team lead per ~10 people reports to the
        head, everyone else to a team lead. Returns (manager of, manager titles)."""
        rng = self.rng
        by_department: dict[int, list[int]] = {}
        for user_id in self.user_ids:
            if user_id != self.subject_id:
                by_department.setdefault(self.department_of[user_id], []).append(user_id)
        manager_of: dict[int, int] = {}
        titles: dict[int, str] = {}
        heads: dict[int, int] = {}
        for department_id, members in sorted(by_department.items()):
            head, *rest = members
            heads[department_id] = head
            titles[head] = "Head of department"
            leads = rest[: max(1, len(rest) // 10)] if rest else []
            for lead in leads:
                titles[lead] = "Team Lead"
                manager_of[lead] = head
            for member in rest[len(leads) :]:
                manager_of[member] = rng.choice(leads)
        for department_id, parent_id, head in (
            (row[0], row[3], heads.get(row[0])) for row in self._departments()
        ):
            if parent_id and head and parent_id in heads and department_id in heads:
                manager_of[head] = heads[parent_id]
        subject_department = by_department.get(self.department_of[self.subject_id])
        if subject_department:
            manager_of[self.subject_id] = subject_department[0]
        return manager_of, titles

    def _skills(self, writer: _Writer) -> None:
        rng = self.rng
        names: list[str] = list(dict.fromkeys(EXPERTISE))
        for part in MORE_SKILLS.replace("\n", " ").split(","):
            name = part.strip()
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
        rng.shuffle(names)  # popularity rank is independent of the list order
        skill_count = len(names)
        lowered = {name.casefold(): index + 1 for index, name in enumerate(names)}
        hashtags: dict[str, int] = {}
        # A single-word skill is also a hashtag, stored on the same tag (taggit is
        # case-insensitive here, as tags_resolve does it); the rest are new tags.
        for name in names:
            word = name.lower()
            if word.isalnum():
                hashtags[word] = lowered[name.casefold()]
        for word in GENERIC_HASHTAGS:
            if word not in lowered:
                names.append(word)
                lowered[word] = len(names)
            hashtags[word] = lowered[word]
        slugs = _unique_slugs(names)
        writer.copy(
            "taggit_tag",
            "id, name, slug",
            ((i + 1, name, slugs[i]) for i, name in enumerate(names)),
            len(names),
        )
        self.skill_names = {i + 1: name for i, name in enumerate(names)}
        self.skill_ids = list(range(1, skill_count + 1))
        self.skill_cum = _zipf_cumulative(skill_count, 1.0, 3)
        self.hashtag_words = sorted(hashtags, key=lambda word: (rng.random(), word))
        self.hashtag_tag = hashtags
        self.hashtag_cum = _zipf_cumulative(len(self.hashtag_words), 1.0, 2)
        self.hashtag_href = {word: reverse("feed:hashtag", args=[word]) for word in hashtags}
        skills_of: dict[int, list[int]] = {}
        for user_id in self.user_ids:
            wanted = rng.randint(2, 8)
            chosen: dict[int, None] = {}
            while len(chosen) < wanted:
                for tag in rng.choices(self.skill_ids, cum_weights=self.skill_cum, k=wanted):
                    chosen[tag] = None
            skills_of[user_id] = list(chosen)[:wanted]
        self.skills_of = skills_of
        self.tagged_items: list[tuple] = []  # written once, after the posts
        profile_type = self.ct[Profile]
        for user_id in self.user_ids:
            for tag in skills_of[user_id]:
                self.tagged_item_id += 1
                # Profile ids equal user ids here.
                self.tagged_items.append((self.tagged_item_id, user_id, profile_type, tag))

    def _endorsements(self, writer: _Writer) -> None:
        """About a third of listed skills are endorsed, mostly by colleagues of the
        same department, a few of them by many."""
        rng = self.rng
        colleagues: dict[int, list[int]] = {}
        for user_id, department_id in self.department_of.items():
            colleagues.setdefault(department_id, []).append(user_id)
        people = self.people

        def rows() -> Iterator[tuple]:
            row_id = 0
            for user_id in self.user_ids:
                pool = colleagues[self.department_of[user_id]]
                for tag in self.skills_of[user_id]:
                    if rng.random() >= 0.35:
                        continue
                    endorsers = set()
                    for _ in range(1 + _power_count(rng, 1.5, 60)):
                        source = pool if rng.random() < 0.7 else None
                        endorser = rng.choice(source) if source else rng.randint(1, people)
                        if endorser != user_id:
                            endorsers.add(endorser)
                    for endorser in sorted(endorsers):
                        row_id += 1
                        when = self._ago(rng.uniform(0, HISTORY_DAYS) * 86400)
                        yield (row_id, when, user_id, endorser, tag)

        writer.copy(
            "profiles_endorsement",
            "id, created_at, endorsed_id, endorser_id, tag_id",
            rows(),
            int(self.people * 5 * 0.35 * 2.5),
        )

    # --- follows ---------------------------------------------------------------------------

    def follow_rows(self, writer: _Writer) -> None:
        rng = self.rng
        # Popularity ranks: a random order of people, Zipf weights over it.
        popular = self.user_ids[:]
        rng.shuffle(popular)
        popular_cum = _zipf_cumulative(len(popular), 0.9, 5)
        self.popular, self.popular_cum = popular, popular_cum
        cap = min(2000, self.people - 1)

        def followed_by(user_id: int, count: int) -> list[int]:
            chosen: dict[int, None] = {}
            while len(chosen) < count:
                for other in rng.choices(popular, cum_weights=popular_cum, k=count - len(chosen)):
                    if other != user_id:
                        chosen[other] = None
            return list(chosen)

        def rows() -> Iterator[tuple]:
            row_id = 0
            for user_id in self.user_ids:
                if user_id == self.subject_id:
                    count = SUBJECT_FOLLOWS
                else:
                    count = max(1, _power_count(rng, FOLLOWS_MEAN, cap))
                for other in followed_by(user_id, count):
                    row_id += 1
                    yield (row_id, self._ago(rng.uniform(0, HISTORY_DAYS) * 86400), other, user_id)

        writer.copy(
            "profiles_follow",
            "id, created_at, followed_id, follower_id",
            rows(),
            self.people * FOLLOWS_MEAN,
        )

    # --- groups ----------------------------------------------------------------------------

    def group_rows(self, writer: _Writer) -> None:
        rng = self.rng
        zipf_count = self.groups - len(self.live_sizes)
        others = self.user_ids[:-1]  # everyone but the subject
        biggest = min(20_000, int(0.4 * self.people))
        specs = []  # (id, name, slug, visibility, members)
        for rank in range(zipf_count):
            size = max(10, int(biggest / (rank + 1) ** 0.95)) + rng.randint(0, 15)
            size = min(size, len(others))
            roll = rng.random()
            visibility = (
                Visibility.OPEN
                if roll < 0.80 or rank < max(3, zipf_count // 100)
                else Visibility.CLOSED
                if roll < 0.95
                else Visibility.SECRET
            )
            topic = self.skill_names[rng.choice(self.skill_ids)]
            name = f"{topic} {rng.choice(GROUP_KINDS)}"
            group_id = rank + 1
            specs.append(
                [
                    group_id,
                    name,
                    f"{slugify(name)[:100]}-{group_id}",
                    visibility,
                    rng.sample(others, size),
                ]
            )
        for size in self.live_sizes:
            group_id = len(specs) + 1
            slug = f"bench-live-{size}"
            self.live_groups[slug] = group_id
            specs.append(
                [group_id, f"Bench live {size}", slug, Visibility.OPEN, rng.sample(others, size)]
            )
        self._subject_groups(specs, zipf_count)
        members_of = {spec[0]: spec[4] for spec in specs}
        self.members_of = members_of
        groups_of: dict[int, list[int]] = {}
        for group_id, members in members_of.items():
            for user_id in members:
                groups_of.setdefault(user_id, []).append(group_id)
        self.groups_of = groups_of
        self.group_visibility = {spec[0]: spec[3] for spec in specs}
        group_type = self.ct[Group]
        for spec in specs:
            for tag in set(rng.choices(self.skill_ids, cum_weights=self.skill_cum, k=2)):
                self.tagged_item_id += 1
                self.tagged_items.append((self.tagged_item_id, spec[0], group_type, tag))

        def groups() -> Iterator[tuple]:
            for group_id, name, slug, visibility, members in specs:
                created = self._ago(rng.uniform(HISTORY_DAYS, 3 * HISTORY_DAYS) * 86400)
                description = f"Everything about {name.rsplit(' ', 1)[0]}. All welcome."
                yield (group_id, name, slug, description, visibility, created, None,
                       members[0], "")  # fmt: skip

        writer.copy(
            "groups_group",
            "id, name, slug, description, visibility, created_at, archived_at, "
            "created_by_id, cover",
            groups(),
            len(specs),
        )

        def memberships() -> Iterator[tuple]:
            row_id = 0
            for group_id, _name, _slug, _visibility, members in specs:
                admins = max(0, len(members) // 500)
                for index, user_id in enumerate(members):
                    row_id += 1
                    role = (
                        Role.OWNER if index == 0 else Role.ADMIN if index <= admins else Role.MEMBER
                    )
                    joined = self._ago(rng.uniform(0, HISTORY_DAYS) * 86400)
                    yield (row_id, role, joined, group_id, user_id)

        writer.copy(
            "groups_membership",
            "id, role, created_at, group_id, user_id",
            memberships(),
            sum(len(spec[4]) for spec in specs),
        )

    def _subject_groups(self, specs: list[list], zipf_count: int) -> None:
        """The subject joins 30 open or closed groups: a few of the biggest, some
        middle-sized, most small (as a typical member would)."""
        rng = self.rng
        candidates = [spec for spec in specs[:zipf_count] if spec[3] != Visibility.SECRET]
        if len(candidates) < SUBJECT_GROUPS:
            raise GenerationError("Too few non-secret groups for the subject's 30.")
        top = max(5, len(candidates) // 50)
        middle = max(top + 10, len(candidates) // 5)
        chosen = rng.sample(candidates[:top], 5)
        chosen += rng.sample(candidates[top:middle], 10)
        rest = [spec for spec in candidates[middle:] if spec not in chosen]
        chosen += rng.sample(rest, SUBJECT_GROUPS - len(chosen))
        for spec in chosen:
            spec[4].append(self.subject_id)
        self.subject_group_ids = sorted(spec[0] for spec in chosen)

    # --- posts -----------------------------------------------------------------------------

    def post_rows(self, writer: _Writer) -> None:
        rng = self.rng
        count = self.posts
        # Power-law activity: a random order of people, Zipf weights over it.
        active = self.user_ids[:]
        rng.shuffle(active)
        self.active, self.active_cum = active, _zipf_cumulative(len(active), 1.05, 10)
        authors = rng.choices(active, cum_weights=self.active_cum, k=count)
        # Newer posts are denser: age = span * u^2. Ids follow time, as in real life.
        span = HISTORY_DAYS * 86400
        ages = sorted((span * rng.random() ** 2 for _ in range(count)), reverse=True)
        self.post_author = authors
        self.post_group: list[int | None] = []
        self.post_time = [self._ago(age) for age in ages]
        self.comment_counts = [_power_count(rng, COMMENTS_MEAN, 300) for _ in range(count)]
        self.accepted: dict[int, list[int]] = {}  # post id -> its hashtag tag ids
        mentions: list[tuple] = []
        evidence: list[tuple] = []
        post_type = self.ct[Post]
        comment_id = 0
        openers = POST_OPENERS
        popular, popular_cum = self.popular, self.popular_cum

        def rows() -> Iterator[tuple]:
            nonlocal comment_id
            for index in range(count):
                post_id = index + 1
                author = authors[index]
                groups = self.groups_of.get(author)
                group = (
                    rng.choice(groups) if groups and rng.random() >= COMPANY_WIDE_SHARE else None
                )
                self.post_group.append(group)
                skill = self.skill_names[rng.choices(self.skill_ids, cum_weights=self.skill_cum)[0]]
                opener = rng.choice(openers).format(tag=skill)
                is_question = opener.endswith("?")
                text = opener
                if rng.random() < 0.5:
                    text += " " + rng.choice(EXTRA_SENTENCES)
                body, html = text, _escape(text)
                created = self.post_time[index]
                if rng.random() < 0.08:
                    mentioned = rng.choices(popular, cum_weights=popular_cum)[0]
                    if mentioned != author:
                        name = self._username(mentioned)
                        body += f" cc @{name}"
                        html += (
                            f' cc <a class="mention" href="/people/{name}/" '
                            f'rel="noopener nofollow">@{name}</a>'
                        )
                        mentions.append((len(mentions) + 1, created, None, post_id, mentioned))
                tags: list[int] = []
                if rng.random() < 0.45:
                    words = dict.fromkeys(
                        rng.choices(
                            self.hashtag_words, cum_weights=self.hashtag_cum, k=rng.randint(1, 3)
                        )
                    )
                    for word in words:
                        body += f" #{word}"
                        html += (
                            f' <a class="hashtag" href="{self.hashtag_href[word]}" '
                            f'rel="noopener nofollow">#{word}</a>'
                        )
                        tag = self.hashtag_tag[word]
                        if tag not in tags:
                            tags.append(tag)
                            self.tagged_item_id += 1
                            self.tagged_items.append((self.tagged_item_id, post_id, post_type, tag))
                            if not is_question:
                                self.evidence_id += 1
                                evidence.append(
                                    (self.evidence_id, "post_tagged", post_id, created, tag, author)
                                )
                first_comment = comment_id + 1 if self.comment_counts[index] else None
                comment_id += self.comment_counts[index]
                accepted = None
                if is_question and first_comment and rng.random() < 0.5:
                    accepted = first_comment
                    self.accepted[post_id] = tags
                yield (post_id, body, False, created, None, author, group, accepted,
                       f"<p>{html}</p>", None, None, is_question, None)  # fmt: skip

        writer.copy(
            "feed_post",
            "id, body, is_announcement, created_at, deleted_at, author_id, group_id, "
            "accepted_comment_id, body_html, deleted_by_id, edited_at, is_question, pinned_at",
            rows(),
            count,
        )
        writer.copy(
            "feed_mention",
            "id, created_at, comment_id, post_id, user_id",
            mentions,
            len(mentions),
        )
        writer.copy(
            "taggit_taggeditem",
            "id, object_id, content_type_id, tag_id",
            self.tagged_items,
            len(self.tagged_items),
        )
        self.evidence = evidence
        self.tagged_items = []

    def _username(self, user_id: int) -> str:
        if user_id == self.subject_id:
            return SUBJECT_USERNAME
        return member_username(user_id, self.width)

    def _audience(self, post_index: int, count: int) -> list[int]:
        """`count` people who may read a post (with repeats): group members, or
        anyone (the active ones more likely) on the company-wide stream."""
        group = self.post_group[post_index]
        if group is None:
            return self.rng.choices(self.active, cum_weights=self.active_cum, k=count)
        members = self.members_of[group]
        return [self.rng.choice(members) for _ in range(count)]

    def comment_rows(self, writer: _Writer) -> None:
        rng = self.rng
        rendered = [(text, render_body(text, users_by_username={}).html) for text in COMMENTS]
        evidence = self.evidence
        end = self.now

        def rows() -> Iterator[tuple]:
            comment_id = 0
            for index, count in enumerate(self.comment_counts):
                if not count:
                    continue
                post_id = index + 1
                first = comment_id + 1
                posted = self.post_time[index]
                authors = self._audience(index, count)
                when = posted
                for position, author in enumerate(authors):
                    comment_id += 1
                    when = min(end, when + dt.timedelta(minutes=rng.randint(1, 240)))
                    parent = first if position and rng.random() < 0.2 else None
                    body, html = rng.choice(rendered)
                    yield (comment_id, body, when, None, author, parent, post_id, html, None, None)
                    if position == 0 and post_id in self.accepted:
                        for tag in self.accepted[post_id]:
                            self.evidence_id += 1
                            evidence.append(
                                (self.evidence_id, "accepted_answer", comment_id, when, tag, author)
                            )

        writer.copy(
            "feed_comment",
            "id, body, created_at, deleted_at, author_id, parent_id, post_id, body_html, "
            "deleted_by_id, edited_at",
            rows(),
            sum(self.comment_counts),
        )
        writer.copy(
            "profiles_expertiseevidence",
            "id, kind, object_id, created_at, tag_id, user_id",
            evidence,
            len(evidence),
        )
        self.evidence = []

    def reaction_rows(self, writer: _Writer) -> None:
        rng = self.rng
        kinds = list(REACTION_WEIGHTS)
        kind_cum = list(itertools.accumulate(REACTION_WEIGHTS.values()))
        end = self.now
        cap = min(2000, self.people)
        counts = [_power_count(rng, REACTIONS_MEAN, cap) for _ in range(self.posts)]

        def rows() -> Iterator[tuple]:
            row_id = 0
            for index, count in enumerate(counts):
                if not count:
                    continue
                posted = self.post_time[index]
                # One reaction per person and post (the one_post_reaction constraint).
                for user_id in dict.fromkeys(self._audience(index, count)):
                    row_id += 1
                    kind = rng.choices(kinds, cum_weights=kind_cum)[0]
                    when = min(end, posted + dt.timedelta(minutes=rng.randint(1, 2880)))
                    yield (row_id, kind, when, None, index + 1, user_id)

        writer.copy(
            "feed_reaction",
            "id, kind, created_at, comment_id, post_id, user_id",
            rows(),
            sum(counts),
        )
