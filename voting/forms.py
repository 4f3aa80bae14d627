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
    min_votes = forms.IntegerField(
        label=_("Minimum votes per project"), required=False, min_value=1, max_value=10_000_000,
        help_text=_("Declared adjustment: projects named on fewer ballots are left out and the count is run again."))
    incompatible = forms.CharField(
        label=_("Groups of incompatible projects (at most one funded)"), required=False, widget=forms.Textarea(
            attrs={"rows": 3}),
        help_text=_("One group a line, idea numbers separated by commas, e.g. “12, 15”. Declared adjustment."))

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
        self.fields["min_votes"].initial = adjustments.get("min_votes")
        self.fields["incompatible"].initial = "\n".join(", ".join(g) for g in adjustments.get("incompatible") or [])
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
        if data.get("min_votes"):
            adjustments["min_votes"] = str(data["min_votes"])
        known = {str(pk) for pk in self.instance.ideas.values_list("pk", flat=True)} if self.instance.pk else None
        groups = parse_incompatible(data.get("incompatible") or "", known)
        if groups:
            adjustments["incompatible"] = groups
        data["adjustments"] = adjustments
        return data


def parse_incompatible(text: str, known: set[str] | None = None) -> list[list[str]]:
    """Groups of idea numbers, one a line; ``ValidationError`` naming the bad line."""
    groups: list[list[str]] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        items = [x.strip().lstrip("#") for x in line.replace(";", ",").split(",") if x.strip()]
        if not items:
            continue
        if not all(x.isdigit() for x in items):
            raise forms.ValidationError(_("Incompatible groups, line %(n)s: give idea numbers separated by commas."),
                                        params={"n": n})
        group = list(dict.fromkeys(str(int(x)) for x in items))
        if len(group) < 2:
            raise forms.ValidationError(_("Incompatible groups, line %(n)s: a group needs two projects or more."),
                                        params={"n": n})
        if known is not None and (unknown := [x for x in group if x not in known]):
            raise forms.ValidationError(_("Incompatible groups, line %(n)s: no idea %(id)s in this process."),
                                        params={"n": n, "id": unknown[0]})
        if seen & set(group):
            raise forms.ValidationError(_("Incompatible groups, line %(n)s: a project is in two groups."),
                                        params={"n": n})
        seen |= set(group)
        groups.append(group)
    return groups
