from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from councils.models import Area
from voting import counting

from .models import Idea, IdeaStatus, Phase, Process


class ProcessForm(forms.ModelForm):
    rule = forms.ChoiceField(label=_("Counting rule"), choices=())
    part_fund_share = forms.IntegerField(
        label=_("Part-fund the next project when the money left covers at least this % of it"), required=False,
        min_value=1, max_value=100, help_text=_("Declared adjustment, fixed when voting opens. Empty: never."))
    extra_money = forms.DecimalField(
        label=_("Extra money added after the count"), required=False, min_value=0, max_digits=14, decimal_places=2,
        help_text=_("Declared adjustment: funds the most voted projects left unfunded that fit."))

    class Meta:
        model = Process
        fields = ["slug", "title", "description", "currency", "total_budget", "wards_counted_apart",
                  "ideas_open", "voting_opens", "voting_closes", "ballot_type", "rule", "min_selections",
                  "max_selections", "points_total", "seats", "require_ward_residence", "require_verified_email",
                  "minimum_age"]
        widgets = {f: forms.DateInput(attrs={"type": "date"}) for f in ("ideas_open", "voting_opens", "voting_closes")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        adjustments = self.instance.adjustments or {}
        if adjustments.get("part_fund_share"):
            self.fields["part_fund_share"].initial = round(float(adjustments["part_fund_share"]) * 100)
        self.fields["extra_money"].initial = adjustments.get("extra_money")
        self.fields["rule"].choices = [(_("PB rules"), counting.pb_rule_choices()),
                                       (_("Ranked rules"), counting.ranked_rule_choices())]

    def clean(self):
        data = super().clean()
        ballot_type, rule = data.get("ballot_type"), data.get("rule")
        ranked_rules = {k for k, _ in counting.ranked_rule_choices()}
        if ballot_type and rule and (ballot_type == "ranked") != (rule in ranked_rules):
            raise forms.ValidationError(_("Ranked ballots need a ranked rule, and other ballots a PB rule."))
        adjustments = {}
        if data.get("part_fund_share"):
            adjustments["part_fund_share"] = str(data["part_fund_share"] / 100)
        if data.get("extra_money"):
            adjustments["extra_money"] = str(data["extra_money"])
        data["adjustments"] = adjustments
        return data


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(choices=[(p.value, p.label) for p in Phase if p != Phase.COUNTING])


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
