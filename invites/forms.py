from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from profiles.models import Department


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("Colleagues' email addresses"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by commas."),
        max_length=5000,
    )
    note = forms.CharField(
        label=_("Personal note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_emails(self) -> list[str]:
        raw = self.cleaned_data["emails"].replace(",", "\n").replace(";", "\n")
        return [line.strip() for line in raw.splitlines() if line.strip()][:50]


class LinkForm(forms.Form):
    max_uses = forms.IntegerField(
        label=_("How many colleagues may use it"), min_value=1, max_value=500, initial=25
    )


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Work email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput, strip=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.order_by("name"), required=False
    )
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, fixed_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_email:
            self.fields["email"].initial = fixed_email
            self.fields["email"].disabled = True

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data
