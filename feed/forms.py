from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import ReactionKind


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
