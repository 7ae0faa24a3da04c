"""Reports, the moderation queue and the audit log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from feed import services
from feed.models import ModerationAction, Report, ReportState
from feed.selectors import moderation_queue_for
from groups.models import Role, Visibility
from profiles.models import Profile
from tests.factories import (
    CommentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def community_manager():
    user = UserFactory()
    Profile.objects.filter(user=user).update(is_community_manager=True)
    user.refresh_from_db()
    return user


def test_report_needs_a_reason_and_is_idempotent(member):
    post = PostFactory(group=None)
    with pytest.raises(ValidationError, match="what is wrong"):
        services.report_create(actor=member, post=post, reason="  ")
    first = services.report_create(actor=member, post=post, reason="spam")
    assert services.report_create(actor=member, post=post, reason="spam again") == first
    assert Report.objects.count() == 1


def test_queue_shows_group_admins_their_groups_and_managers_what_they_may_read():
    open_group = GroupFactory(visibility=Visibility.OPEN)
    secret_group = GroupFactory(visibility=Visibility.SECRET)
    admin = MembershipFactory(group=secret_group, role=Role.ADMIN).user
    reporter = MembershipFactory(group=secret_group).user
    on_open = services.report_create(
        actor=UserFactory(), post=PostFactory(group=open_group), reason="rude"
    )
    on_secret = services.report_create(
        actor=reporter, post=PostFactory(group=secret_group), reason="leak"
    )
    on_company = services.report_create(
        actor=UserFactory(), post=PostFactory(group=None), reason="spam"
    )
    assert list(moderation_queue_for(admin)) == [on_secret]
    assert set(moderation_queue_for(community_manager())) == {on_open, on_company}
    assert not moderation_queue_for(UserFactory()).exists()


def test_hiding_reported_content_soft_deletes_it_settles_all_reports_and_is_logged():
    group = GroupFactory()
    admin = MembershipFactory(group=group, role=Role.ADMIN).user
    comment = CommentFactory(post=PostFactory(group=group))
    first = services.report_create(
        actor=UserFactory(), post=comment.post, comment=comment, reason="insult"
    )
    services.report_create(actor=UserFactory(), post=comment.post, comment=comment, reason="mean")
    services.report_resolve(actor=admin, report=first, hide=True, reason="guideline 2")
    comment.refresh_from_db()
    assert comment.deleted_at is not None and comment.deleted_by == admin
    assert set(Report.objects.values_list("state", flat=True)) == {ReportState.HIDDEN}
    entry = ModerationAction.objects.get()
    assert (entry.moderator, entry.action, entry.comment, entry.reason) == (
        admin,
        "hide",
        comment,
        "guideline 2",
    )
    with pytest.raises(ValidationError, match="already handled"):
        services.report_resolve(actor=admin, report=first, hide=False)


def test_dismissing_keeps_the_content_and_is_logged():
    post = PostFactory(group=None)
    report = services.report_create(actor=UserFactory(), post=post, reason="meh")
    services.report_resolve(actor=community_manager(), report=report, hide=False)
    post.refresh_from_db()
    assert post.deleted_at is None
    assert ModerationAction.objects.get().action == "dismiss"


def test_members_cannot_resolve_reports():
    group = GroupFactory()
    report = services.report_create(actor=UserFactory(), post=PostFactory(group=group), reason="x")
    with pytest.raises(PermissionDenied):
        services.report_resolve(actor=MembershipFactory(group=group).user, report=report, hide=True)


def test_moderator_deletes_and_restores_are_audited_but_authors_own_deletes_are_not():
    group = GroupFactory()
    admin = MembershipFactory(group=group, role=Role.ADMIN).user
    mine = PostFactory(group=group)
    services.post_delete(actor=mine.author, post=mine)
    assert not ModerationAction.objects.exists()
    theirs = PostFactory(group=group)
    services.post_delete(actor=admin, post=theirs)
    services.post_restore(actor=admin, post=theirs)
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "delete",
        "restore",
    ]


def test_moderation_page_lists_reports_and_query_count_is_constant(member, member_client):
    Profile.objects.filter(user=member).update(is_community_manager=True)
    member.refresh_from_db()

    def report(count):
        for _ in range(count):
            post = PostFactory(group=None)
            services.report_create(actor=UserFactory(), post=post, reason="spam link")
            services.report_resolve(
                actor=member,
                report=services.report_create(
                    actor=UserFactory(), post=PostFactory(group=None), reason="x"
                ),
                hide=False,
            )

    report(2)
    html = member_client.get("/moderation/").content.decode()
    assert "spam link" in html and "Audit log" in html
    assert_constant_query_count(lambda: member_client.get("/moderation/"), lambda: report(8))


def test_resolving_a_report_outside_my_scope_is_not_found(member_client):
    secret = GroupFactory(visibility=Visibility.SECRET)
    report = services.report_create(
        actor=MembershipFactory(group=secret).user, post=PostFactory(group=secret), reason="x"
    )
    response = member_client.post(f"/moderation/reports/{report.pk}/", {"decision": "hide"})
    assert response.status_code == 404


def test_moderators_read_the_edit_history_and_others_do_not(member, member_client):
    group = GroupFactory()
    author = MembershipFactory(group=group).user
    post = services.post_create(actor=author, body="first words", group=group)
    services.post_update(actor=author, post=post, body="second words")
    assert member_client.get(f"/posts/{post.pk}/history/").status_code == 404
    MembershipFactory(group=group, user=member, role=Role.ADMIN)
    html = member_client.get(f"/posts/{post.pk}/history/").content.decode()
    assert "first words" in html


def test_hidden_comment_is_restored_from_the_audit_log(member, member_client):
    group = GroupFactory()
    MembershipFactory(group=group, user=member, role=Role.ADMIN)
    comment = CommentFactory(post=PostFactory(group=group), body="borderline")
    report = services.report_create(
        actor=UserFactory(), post=comment.post, comment=comment, reason="rude"
    )
    services.report_resolve(actor=member, report=report, hide=True)
    log = member_client.get("/moderation/").content.decode()
    assert f"/comments/{comment.pk}/restore/" in log
    member_client.post(f"/comments/{comment.pk}/restore/")
    comment.refresh_from_db()
    assert comment.deleted_at is None
    assert list(ModerationAction.objects.values_list("action", flat=True)) == ["restore", "hide"]


def test_outsiders_cannot_restore_a_hidden_comment(member_client):
    comment = CommentFactory(post=PostFactory(group=GroupFactory()))
    services.comment_delete(actor=comment.author, comment=comment)
    assert member_client.post(f"/comments/{comment.pk}/restore/").status_code == 404
