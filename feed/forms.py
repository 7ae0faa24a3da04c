from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import (
    DeliveryChoice,
    DigestFrequency,
    DigestSubscription,
    NotificationKind,
    NotificationPreference,
    ReactionKind,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Write a post"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=settings.BUZZ_POST_MAX_CHARS,
        help_text=_("Markdown works. Mention colleagues with @username, add #hashtags."),
    )
    group = forms.SlugField(required=False, widget=forms.HiddenInput)
    is_question = forms.BooleanField(label=_("This is a question"), required=False)
    is_announcement = forms.BooleanField(label=_("Company-wide announcement"), required=False)
    attachments = MultipleFileField(
        label=_("Attach images or files"),
        required=False,
        help_text=_("Images, PDF, Office documents or text; up to 20 MB each."),
    )
    poll_options = forms.CharField(
        label=_("Poll options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1500,
    )
    poll_multiple = forms.BooleanField(label=_("Allow more than one answer"), required=False)
    poll_closes_at = forms.DateTimeField(
        label=_("Poll closes at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )

    def clean_poll_options(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["poll_options"].splitlines() if line.strip()
        ]


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=settings.BUZZ_POST_MAX_CHARS,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Write a comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=settings.BUZZ_POST_MAX_CHARS,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=ReactionKind.choices)


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong?"), max_length=500)
    comment = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(choices=[("hide", _("Hide")), ("dismiss", _("Dismiss"))])
    reason = forms.CharField(label=_("Note for the audit log"), max_length=500, required=False)


class NotificationSettingsForm(forms.Form):
    """One choice per kind: in Buzz, also by email, or off."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        current = dict(
            NotificationPreference.objects.filter(user=user).values_list("kind", "delivery")
        )
        for kind, label in NotificationKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=DeliveryChoice.choices,
                initial=current.get(kind, DeliveryChoice.IN_APP),
                widget=forms.RadioSelect,
            )
        digest = DigestSubscription.objects.filter(user=user).first()
        self.fields["digest"] = forms.ChoiceField(
            label=_("Email digest of what you missed"),
            choices=DigestFrequency.choices,
            initial=digest.frequency if digest else DigestFrequency.WEEKLY,
            widget=forms.RadioSelect,
        )
