from django import forms
from django.utils.translation import gettext_lazy as _


class BaselineForm(forms.Form):
    day = forms.DateField(
        label=_("Baseline date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The 30 days up to this date are the zero measurement."),
    )
    label = forms.CharField(label=_("Label"), max_length=120, required=False)
