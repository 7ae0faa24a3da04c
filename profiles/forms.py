"""Forms parse and show errors; the rules live in services (views call them)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import KUDOS_MESSAGE_MAX, AccessToken, Department, KudosCategory, Profile, TokenScope
from .services import MEMBER_EDITABLE_FIELDS, expertise_parse


class ProfileForm(forms.ModelForm):
    """The member's own edit page: profile fields, photo and expertise."""

    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    expertise_text = forms.CharField(
        label=_("Expertise"),
        required=False,
        max_length=2000,
        help_text=_(
            "Separate topics with commas, e.g. Kubernetes, machine learning, Dutch tax law."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "list": "expertise-suggestions", "data-tag-input": ""}
        ),
    )

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "job_title",
            "department",
            "manager",
            "location",
            "location_visible",
            "phone",
            "phone_visible",
            "chat_handle",
            "languages_spoken",
            "ask_me_about",
            "about",
            "linkedin_url",
            "x_url",
            "facebook_url",
            "github_url",
            "website_url",
        ]
        widgets = {
            "about": forms.Textarea(attrs={"rows": 6}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "linkedin_url": forms.URLInput(attrs={"placeholder": "https://www.linkedin.com/in/…"}),
            "x_url": forms.URLInput(attrs={"placeholder": "https://x.com/…"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        assert set(self.Meta.fields) <= MEMBER_EDITABLE_FIELDS
        self.fields["photo"].help_text = _(
            "JPEG, PNG, WebP or GIF, at most %(max)s. Location data in the file is removed."
        ) % {"max": filesizeformat(settings.BUZZ_PHOTO_MAX_BYTES)}
        self.fields["department"].queryset = Department.objects.order_by("name")
        # Active colleagues only, never oneself; the service checks loops.
        managers = Profile.objects.filter(user__is_active=True).order_by("display_name", "pk")
        if self.instance.pk:
            managers = managers.exclude(pk=self.instance.pk)
            self.fields["expertise_text"].initial = ", ".join(
                sorted(self.instance.expertise.names(), key=str.casefold)
            )
        self.fields["manager"].queryset = managers
        # Model validation (URL hosts, lengths) runs in the service's full_clean,
        # so errors are reported once, from one place.
        for name in ["linkedin_url", "x_url", "facebook_url", "github_url", "website_url"]:
            self.fields[name].validators = []

    def _post_clean(self) -> None:
        # ModelForm would copy the data onto the instance and full_clean it here;
        # the service does that, with the actor's permissions checked first.
        pass

    def profile_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def expertise_names(self) -> list[str]:
        return expertise_parse(self.cleaned_data.get("expertise_text", ""))


class KudosForm(forms.Form):
    category = forms.ChoiceField(label=_("For"), choices=KudosCategory.choices)
    message = forms.CharField(
        label=_("Message"),
        max_length=KUDOS_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": KUDOS_MESSAGE_MAX}),
    )


class TagForm(forms.Form):
    tag = forms.CharField(max_length=100)


class AccessTokenForm(forms.Form):
    """A new personal access token: a name, read or read write, and how long it lives."""

    EXPIRY_CHOICES = [
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("1 year")),
        ("never", _("No expiry")),
    ]

    name = forms.CharField(
        label=_("Name"),
        max_length=AccessToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. “Power BI report”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text=_(
            "Read is enough for reports; read and write also lets the token change things."
        ),
    )
    expires = forms.ChoiceField(label=_("Expires after"), choices=EXPIRY_CHOICES, initial="90")

    def expires_at(self) -> dt.datetime | None:
        choice = self.cleaned_data["expires"]
        return None if choice == "never" else timezone.now() + dt.timedelta(days=int(choice))
