from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AllowedDomain(models.Model):
    """An email domain colleagues may be invited from (besides BUZZ_INVITE_DOMAINS)."""

    domain = models.CharField(_("domain"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("allowed domain")
        verbose_name_plural = _("allowed domains")

    def __str__(self) -> str:
        return self.domain


class Invitation(models.Model):
    """An invitation by email (one use) or a shareable link (several uses).

    Only a hash of the token is stored; the token itself exists in the email or
    link the inviter shares, and a new one is made at every (re)send.
    """

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="invitations"
    )
    email = models.EmailField(_("email"), blank=True)  # blank for a shareable link
    note = models.CharField(_("personal note"), max_length=500, blank=True)
    # NULL until the first email goes out (unique allows many NULLs, not many "").
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["inviter", "-created_at"]), models.Index(fields=["email"])]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email or f"link {self.pk}"

    @property
    def is_link(self) -> bool:
        return not self.email

    def status(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.uses >= self.max_uses:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "pending"


class Redemption(models.Model):
    """A colleague who joined through an invitation: who brought whom."""

    invitation = models.ForeignKey(Invitation, on_delete=models.PROTECT, related_name="redemptions")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invited_through"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} via {self.invitation_id}"


class OnboardingState(models.Model):
    """What a new member has done of the guided start that the data cannot tell."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="onboarding"
    )
    guidelines_read_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"onboarding of {self.user_id}"
