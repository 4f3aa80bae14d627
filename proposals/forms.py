from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from councils.models import Area

from .models import Idea, IdeaStatus, Phase, Process


class PhaseForm(forms.Form):
    # Counting and results are reached by closing the vote, never by moving the phase.
    phase = forms.ChoiceField(choices=[(p.value, p.label) for p in Phase if p not in (Phase.COUNTING, Phase.RESULTS)])


class IdeaForm(forms.ModelForm):
    class Meta:
        model = Idea
        fields = ["title", "description", "area", "category", "estimated_cost"]
        labels = {"area": _("Ward")}

    def __init__(self, *args, process: Process, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(council=process.council) if process.council_id \
            else Area.objects.all()
        self.fields["area"].required = process.wards_counted_apart


class IdeaFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    ward = forms.ModelChoiceField(label=_("Ward"), queryset=Area.objects.none(), required=False, to_field_name="slug")
    category = forms.CharField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any"))] + list(IdeaStatus.choices))
    max_cost = forms.DecimalField(label=_("Costing at most"), required=False, min_value=0)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong with this idea?"), max_length=500)


class FeasibilityForm(forms.Form):
    feasible = forms.TypedChoiceField(label=_("Verdict"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("Feasible: put it on the ballot")), ("no", _("Not feasible"))],
                                      widget=forms.RadioSelect)
    revised_cost = forms.DecimalField(label=_("Revised cost (optional)"), required=False, min_value=0)
    explanation = forms.CharField(label=_("Public explanation"), widget=forms.Textarea(attrs={"rows": 3}))


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Public reason for hiding"), max_length=300)


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge into idea number"), min_value=1)


class DeliveryForm(forms.Form):
    from .models import Delivery as _Delivery

    status = forms.ChoiceField(choices=[c for c in _Delivery.choices if c[0]])
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
