from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class SocialHubPage(Page):
    """The hub: home of the company content members may share."""

    intro = RichTextField(_("intro"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.ShareableItemPage"]
    max_count = 1

    class Meta:
        verbose_name = _("social hub")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["items"] = (
            ShareableItemPage.objects.child_of(self).live().public().order_by("-first_published_at")
        )
        return context


class ItemKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    VACANCY = "vacancy", _("Vacancy")
    PRESS_RELEASE = "press_release", _("Press release")
    EVENT = "event", _("Event")
    VIDEO = "video", _("Video")


class ShareableItemPage(Page):
    """One piece of company content prepared for members to share."""

    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    summary = models.TextField(_("summary"), blank=True)
    body = RichTextField(_("body"), blank=True)
    canonical_url = models.URLField(_("canonical URL"), help_text=_("The public page shared."))
    share_text = models.TextField(_("suggested share text"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("canonical_url"),
        FieldPanel("share_text"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.SocialHubPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("shareable item")
