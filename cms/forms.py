from django import forms
from django.utils.translation import gettext_lazy as _


class SubmissionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=[("story", _("A story")), ("photo", _("A photo")), ("video", _("A video"))],
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    text = forms.CharField(
        label=_("Tell the editors about it"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    link = forms.URLField(
        label=_("Link"),
        help_text=_("The public page, or the video (YouTube, Vimeo...)."),
        assume_scheme="https",
    )
    photo = forms.ImageField(label=_("Photo"), required=False)
