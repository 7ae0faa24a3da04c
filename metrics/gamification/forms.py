from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Challenge
from .services import LOCKED_WHEN_STARTED


class ChallengeForm(forms.ModelForm):
    """The challenge a community manager defines; the model validates the dates
    and the reward. Once started, what counts and the first day are shown but
    cannot change."""

    class Meta:
        model = Challenge
        fields = [
            "title",
            "description",
            "metric",
            "starts_on",
            "ends_on",
            "reward_every",
            "reward_text",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "reward_every": forms.NumberInput(attrs={"min": 1}),
        }
        help_texts = {"ends_on": _("Inclusive; a challenge lasts at most 26 weeks.")}

    def __init__(self, *args, started: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if started:
            for name in LOCKED_WHEN_STARTED:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed once the challenge has started.")
