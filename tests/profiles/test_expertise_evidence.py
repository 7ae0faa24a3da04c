"""Activity evidence that search (issue 7) ranks experts by."""

import pytest
from django.core.exceptions import PermissionDenied

from profiles.models import EvidenceKind, ExpertiseEvidence
from profiles.selectors import experts_for_tag
from profiles.services import (
    expertise_evidence_record,
    expertise_evidence_withdraw,
    profile_expertise_set,
)
from tests.profiles.factories import EndorsementFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_evidence_is_recorded_once_per_object_and_normalised_to_the_tag():
    member = UserFactory()
    first, created = expertise_evidence_record(
        actor=member, user=member, tag_name="Kubernetes", kind=EvidenceKind.POST_TAGGED, object_id=1
    )
    again, created_again = expertise_evidence_record(
        actor=member, user=member, tag_name="kubernetes ", kind="post_tagged", object_id=1
    )
    assert created and not created_again and first == again
    assert expertise_evidence_withdraw(actor=member, kind="post_tagged", object_id=1) == 1
    assert not ExpertiseEvidence.objects.exists()


def test_deactivated_actor_records_no_evidence():
    gone = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        expertise_evidence_record(
            actor=gone, user=gone, tag_name="Go", kind="accepted_answer", object_id=3
        )


def test_experts_are_ranked_by_endorsements_then_evidence():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    for member in (a, b, c):
        profile_expertise_set(actor=member, profile=member.profile, names=["Go"])
    EndorsementFactory(endorsed=b, tag_name="Go")
    for n in range(3):
        expertise_evidence_record(
            actor=c, user=c, tag_name="Go", kind="accepted_answer", object_id=n
        )
    UserFactory(is_active=False).profile.expertise.add(*b.profile.expertise.all())
    ranked = list(experts_for_tag("go"))
    assert [p.user for p in ranked] == [b, c, a]
    assert (ranked[0].endorsement_count, ranked[1].evidence_count) == (1, 3)
    assert list(experts_for_tag("Unknown")) == []
