"""Forms of the civic lottery pages: they parse; the rules live in ``lottery``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import selection
from .models import Lottery, Recommendation


class AssemblyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    question = forms.CharField(label=_("Question put to the assembly"), widget=forms.Textarea(attrs={"rows": 2}))
    remit = forms.CharField(label=_("Remit"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LotteryForm(forms.ModelForm):
    class Meta:
        model = Lottery
        fields = ["panel_size", "invitations_to_send", "sessions_plan", "support_offered", "one_per_household",
                  "retention_until", "large_print"]
        widgets = {
            "retention_until": forms.DateInput(attrs={"type": "date"}),
            "sessions_plan": forms.Textarea(attrs={"rows": 2}),
            "support_offered": forms.Textarea(attrs={"rows": 2}),
        }


class QuotaForm(forms.Form):
    quotas = forms.CharField(
        label=_("Quotas, one per line: category, value, min, max"), required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    shares = forms.FileField(label=_("Or suggest them from area population shares (CSV: category, value, share)"),
                             required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Address list (CSV: id, address_line_1, address_line_2, postcode, ward)"))


class SeedForm(forms.Form):
    seed = forms.CharField(label=_("Seed to publish before the draw"), max_length=200,
                           help_text=_("For example the numbers of a public lottery draw, announced in advance."))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Registration code from your letter"), max_length=20)


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Email address"), required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    availability = forms.CharField(label=_("When can you not attend?"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    access_needs = forms.CharField(label=_("Access needs or support you would need"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, categories: dict[str, list[str]], retention: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        for category, values in categories.items():
            self.fields[f"q_{category}"] = forms.ChoiceField(
                label=category.replace("_", " ").capitalize(), choices=[(v, v) for v in values], widget=forms.RadioSelect,
            )
        self.fields["consent"] = forms.BooleanField(
            label=_("I agree that the council keeps these details to run the lottery until %(date)s, then deletes them. "
                    "I can withdraw and have them deleted at any time.") % {"date": f"{retention:%d %B %Y}"},
        )

    def features(self) -> dict[str, str]:
        return {c: self.cleaned_data[f"q_{c}"] for c in self.categories}


class RunForm(forms.Form):
    algorithm = forms.ChoiceField(label=_("Algorithm"), choices=selection.algorithm_choices,
                                  initial=selection.default_algorithm)
    seed = forms.CharField(label=_("Seed (published in the report)"), max_length=200, required=False)


class ConfirmForm(forms.Form):
    password = forms.CharField(label=_("Choose a password for your member account"), widget=forms.PasswordInput,
                               required=False, help_text=_("At least 10 characters."))


class RecommendationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 3}))
    support_share = forms.FloatField(label=_("Support (share of members, 0 to 1)"), min_value=0, max_value=1)
    adopted_on = forms.DateField(label=_("Adopted on"), widget=forms.DateInput(attrs={"type": "date"}))


class ResponseForm(forms.Form):
    decision = forms.ChoiceField(label=_("Council's decision"),
                                 choices=[c for c in Recommendation.Decision.choices if c[0] != "pending"])
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible_service = forms.CharField(label=_("Responsible service"), max_length=120, required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class UpdateForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("Progress update"), widget=forms.Textarea(attrs={"rows": 2}))
