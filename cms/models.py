import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, PageQuerySet
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from .blocks import BaseStreamBlock


class HubItemQuerySet(PageQuerySet):
    def shareable(self, now=None) -> "HubItemQuerySet":
        """Live items inside their publish window. Wagtail's scheduler publishes
        and expires pages when `publish_scheduled` runs; this holds even if it
        has not run yet."""
        now = now or timezone.now()
        return (
            self.live()
            .public()
            .filter(Q(go_live_at__isnull=True) | Q(go_live_at__lte=now))
            .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=now))
        )


HubItemManager = PageManager.from_queryset(HubItemQuerySet)


class SocialHubPage(Page):
    """The hub: home of the company content members may share."""

    intro = RichTextField(_("intro"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.ShareableItemPage", "cms.GuidelinesPage"]
    max_count = 1

    class Meta:
        verbose_name = _("social hub")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = (
            ShareableItemPage.objects.child_of(self)
            .shareable()
            .select_related("campaign")
            .order_by("-featured", "-first_published_at", "pk")
        )
        context["featured"] = [item for item in items if item.featured]
        context["items"] = [item for item in items if not item.featured]
        context["guidelines"] = GuidelinesPage.objects.child_of(self).live().first()
        from .services import user_may_submit

        context["may_submit"] = user_may_submit(request.user)
        return context


class Network(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", _("Email")


class ContentPillar(models.TextChoices):
    EMPLOYER_BRANDING = "employer_branding", _("Employer branding")
    THOUGHT_LEADERSHIP = "thought_leadership", _("Thought leadership")
    PRODUCTS = "products", _("Products and services")
    SUSTAINABILITY = "sustainability", _("Sustainability")
    CULTURE = "culture", _("Culture and people")


@register_snippet
class Campaign(models.Model):
    """A time-boxed push with a goal that hub items belong to."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"), max_length=120, unique=True, help_text=_("Used as utm_campaign.")
    )
    goal = models.CharField(_("goal"), max_length=300, blank=True)
    pillar = models.CharField(
        _("content pillar"), max_length=24, choices=ContentPillar.choices, blank=True
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("goal"),
        FieldPanel("pillar"),
        FieldPanel("starts_on"),
        FieldPanel("ends_on"),
    ]

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ItemKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    VACANCY = "vacancy", _("Vacancy")
    PRESS_RELEASE = "press_release", _("Press release")
    EVENT = "event", _("Event")
    VIDEO = "video", _("Video")


# X counts every link as 23 characters, whatever its length.
X_LIMIT = 280
X_LINK_LENGTH = 23


class ShareableItemPage(Page):
    """One piece of company content prepared for members to share."""

    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    summary = models.TextField(_("summary"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)
    canonical_url = models.URLField(_("canonical URL"), help_text=_("The public page shared."))
    share_text = models.TextField(
        _("suggested share text"),
        blank=True,
        help_text=_("Used where a network has no text of its own."),
    )
    share_text_linkedin = models.TextField(_("suggested text for LinkedIn"), blank=True)
    share_text_x = models.CharField(
        _("suggested text for X"),
        max_length=X_LIMIT - X_LINK_LENGTH - 1,
        blank=True,
        help_text=_("At most 256 characters: X adds the link."),
    )
    share_text_facebook = models.TextField(_("suggested text for Facebook"), blank=True)
    hashtags = models.CharField(
        _("hashtags"),
        max_length=200,
        blank=True,
        help_text=_("Added to every suggested text, e.g. #careers #tech"),
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    featured = models.BooleanField(_("featured"), default=False)

    objects = HubItemManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("canonical_url"),
        MultiFieldPanel(
            [
                FieldPanel("share_text"),
                FieldPanel("share_text_linkedin"),
                FieldPanel("share_text_x"),
                FieldPanel("share_text_facebook"),
                FieldPanel("hashtags"),
            ],
            heading=_("Suggested share texts"),
        ),
        FieldPanel("campaign"),
        FieldPanel("featured"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.SocialHubPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("shareable item")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context["share_texts"] = selectors.share_texts_for(self)
        context["networks"] = Network.choices
        context["x_text_limit"] = X_LIMIT - X_LINK_LENGTH - 1
        context["guidelines"] = GuidelinesPage.objects.live().first()
        context["shareable"] = ShareableItemPage.objects.shareable().filter(pk=self.pk).exists()
        if self.permissions_for_user(request.user).can_edit():
            context["stats"] = selectors.item_summary(self, selectors.hub_settings(request))
        return context

    def suggested_text(self, network: str) -> str:
        """The editor's text for a network (or the default), with the hashtags."""
        own = {
            Network.LINKEDIN: self.share_text_linkedin,
            Network.X: self.share_text_x,
            Network.FACEBOOK: self.share_text_facebook,
        }.get(network, "")
        text = (own or self.share_text or self.title).strip()
        if self.hashtags and network != Network.EMAIL:
            text = f"{text} {self.hashtags.strip()}"
        return text


class GuidelinesPage(Page):
    """The social media guidelines: short, friendly, and linked from sharing."""

    intro = models.TextField(_("intro"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.SocialHubPage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("social media guidelines")


@register_setting(icon="group")
class HubSettings(BaseSiteSetting):
    """Average audience per network, for estimated reach (shares x audience)."""

    reach_linkedin = models.PositiveIntegerField(_("average LinkedIn network"), default=500)
    reach_x = models.PositiveIntegerField(_("average X followers"), default=300)
    reach_facebook = models.PositiveIntegerField(_("average Facebook friends"), default=250)
    reach_whatsapp = models.PositiveIntegerField(_("average WhatsApp recipients"), default=20)
    reach_email = models.PositiveIntegerField(_("average email recipients"), default=5)

    class Meta:
        verbose_name = _("hub settings")

    def reach_for(self, network: str) -> int:
        return getattr(self, f"reach_{network}", 0)


def share_code() -> str:
    return secrets.token_urlsafe(8)


class ShareLink(models.Model):
    """A member's tracked short link for one item on one network. A share is
    counted when the member opens the network's share dialog through Buzz (we
    cannot see whether they posted; clicks on the link show it was)."""

    code = models.CharField(max_length=16, unique=True, default=share_code)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    item = models.ForeignKey(
        ShareableItemPage, on_delete=models.CASCADE, related_name="share_links"
    )
    network = models.CharField(max_length=10, choices=Network.choices)
    suggested_text = models.TextField(blank=True)
    shared_text = models.TextField(blank=True)
    shares = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "item", "network"], name="one_link_per_member_item_network"
            )
        ]
        indexes = [models.Index(fields=["item", "network"])]

    def __str__(self) -> str:
        return f"{self.code} ({self.network})"

    @property
    def edited(self) -> bool:
        return " ".join(self.shared_text.split()) != " ".join(self.suggested_text.split())


class ShareClick(models.Model):
    """One outside visitor who followed a short link: only a salted hash, never
    an address or a user agent (the same visitor twice counts once)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="clicks")
    visitor = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "visitor"], name="one_click_per_visitor")
        ]

    def __str__(self) -> str:
        return f"click on {self.link_id}"


class HubDigestSubscription(models.Model):
    """A member who wants the weekly hub email: what is coming to share next week
    and how last week's sharing went."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_digest"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"hub digest for {self.member_id}"
