from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Group, Visibility


class GroupForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Topics"),
        required=False,
        max_length=300,
        help_text=_("Comma-separated, e.g. Kubernetes, cloud, platform"),
    )

    cover_image = forms.FileField(
        label=_("Cover image"),
        required=False,
        help_text=_("A wide picture, shown as a banner (JPEG, PNG, WebP or GIF)."),
    )

    class Meta:
        model = Group
        fields = ["name", "description", "visibility"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "visibility": forms.RadioSelect,
        }
        help_texts = {"description": _("Markdown: **bold**, _italic_, lists and links.")}

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()][:10]


class GroupFilterForm(forms.Form):
    q = forms.CharField(label=_("Search groups"), required=False, max_length=100)
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        required=False,
        choices=[
            ("", _("Any")),
            (Visibility.OPEN, _("Open")),
            (Visibility.CLOSED, _("Closed")),
            (Visibility.SECRET, _("Secret")),
        ],
    )
    mine = forms.BooleanField(label=_("Only my groups"), required=False)


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Colleague's username"), max_length=150)
