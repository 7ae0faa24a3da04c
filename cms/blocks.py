"""The one StreamField vocabulary of the hub's pages (bakerydemo's BaseStreamBlock)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(required=False, label=_("caption"))
    alt_text = blocks.CharBlock(
        required=False, label=_("alternative text"), help_text=_("What the image shows.")
    )

    class Meta:
        icon = "image"
        template = "cms/blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quote"))
    attribution = blocks.CharBlock(required=False, label=_("who said it"))

    class Meta:
        icon = "openquote"
        template = "cms/blocks/quote.html"


class BaseStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        form_classname="title", icon="title", template="cms/blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(
        icon="pilcrow", features=["bold", "italic", "link", "ol", "ul"]
    )
    image = ImageBlock()
    quote = QuoteBlock()
    embed = EmbedBlock(
        help_text=_("A YouTube or Vimeo link, for example."), icon="media", max_width=800
    )
