"""Forms of the voting side: the process settings that concern ballots and counting."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.models import Process

from . import counting


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
