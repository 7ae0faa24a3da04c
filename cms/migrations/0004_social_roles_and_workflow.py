"""The hub's roles and review: social creators write items and submit them,
social editors approve and publish (Wagtail's moderation workflow on the hub)."""

from django.db import migrations

CREATORS = "Social creators"
EDITORS = "Social editors"
WORKFLOW = "Social hub review"
TASK = "Social editors approve"


def _permission(apps, app_label: str, model: str, codename: str, name: str):
    # Permissions are normally created after all migrations; make the few we need.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def create_roles_and_workflow(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    SocialHubPage = apps.get_model("cms", "SocialHubPage")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    ContentType = apps.get_model("contenttypes", "ContentType")

    access_admin = _permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
    add = _permission(apps, "wagtailcore", "page", "add_page", "Can add page")
    change = _permission(apps, "wagtailcore", "page", "change_page", "Can change page")
    publish = _permission(apps, "wagtailcore", "page", "publish_page", "Can publish page")
    creators, _ = Group.objects.get_or_create(name=CREATORS)
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    for group in (creators, editors):
        group.permissions.add(access_admin)
    hub = SocialHubPage.objects.first()
    if hub is None:
        return
    # Creators add items and edit their own; editors edit and publish any.
    for group, permissions in ((creators, [add]), (editors, [add, change, publish])):
        for permission in permissions:
            GroupPagePermission.objects.get_or_create(group=group, page_id=hub.pk, permission=permission)
    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task, _ = GroupApprovalTask.objects.get_or_create(
        name=TASK, defaults={"content_type": task_type, "active": True}
    )
    task.groups.add(editors)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task_id=task.pk, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page_id=hub.pk, defaults={"workflow": workflow})


def remove_roles_and_workflow(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW).delete()
    apps.get_model("wagtailcore", "Task").objects.filter(name=TASK).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=[CREATORS, EDITORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_hub_items_campaigns_share_links"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles_and_workflow, remove_roles_and_workflow)]
