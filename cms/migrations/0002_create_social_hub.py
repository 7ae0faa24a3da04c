"""Every installation has its social hub at /hub/, under the default site's root."""

from django.db import migrations

STEPLEN = 4  # treebeard's materialised path step for Wagtail pages


ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _child_path(parent_path: str, index: int) -> str:
    step = ""
    while index:
        index, digit = divmod(index, len(ALPHABET))
        step = ALPHABET[digit] + step
    return parent_path + step.rjust(STEPLEN, "0")


def create_social_hub(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    SocialHubPage = apps.get_model("cms.SocialHubPage")
    Locale = apps.get_model("wagtailcore.Locale")

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None or SocialHubPage.objects.exists():
        return
    parent = site.root_page
    children = Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
    last = children.order_by("-path").values_list("path", flat=True).first()
    index = int(last[-STEPLEN:], 36) + 1 if last else 1
    hub_type, _ = ContentType.objects.get_or_create(model="socialhubpage", app_label="cms")
    SocialHubPage.objects.create(
        title="Social hub",
        draft_title="Social hub",
        slug="hub",
        content_type=hub_type,
        path=_child_path(parent.path, index),
        depth=parent.depth + 1,
        numchild=0,
        url_path=f"{parent.url_path}hub/",
        locale=Locale.objects.get(pk=parent.locale_id),
        live=True,
        intro="<p>Company news, vacancies and stories, ready for you to share.</p>",
    )
    Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + 1)


def remove_social_hub(apps, schema_editor):
    apps.get_model("cms.SocialHubPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0001_initial"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(create_social_hub, remove_social_hub)]
