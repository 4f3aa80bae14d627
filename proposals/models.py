"""Participatory-budgeting processes and the ideas residents put into them.

A :class:`Process` moves through dated phases (ideas → supports → review → voting → results →
delivery); its ballot type, counting rule and declared adjustments are fixed before voting opens.
Ideas become the projects on the ballot once an officer records a feasibility verdict. Every
change goes through ``proposals.services`` (check → do → audit log → live event).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IDEAS = "ideas", _("Ideas")
    SUPPORTS = "supports", _("Supports and shortlist")
    REVIEW = "review", _("Feasibility review")
    VOTING = "voting", _("Voting")
    COUNTING = "counting", _("Counting")
    RESULTS = "results", _("Results")
    DELIVERY = "delivery", _("Delivery")


PHASE_ORDER = [p.value for p in Phase]


class BallotType(models.TextChoices):
    APPROVAL = "approval", _("Approval (tick any number)")
    K_APPROVAL = "k_approval", _("Approval of at most k projects")
    KNAPSACK = "knapsack", _("Knapsack (choices must fit the budget)")
    POINTS = "points", _("Cumulative points")
    RANKED = "ranked", _("Ranked (top k)")


class Process(models.Model):
    council = models.ForeignKey("councils.Council", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="pb_processes")
    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="GBP")
    total_budget = models.DecimalField(_("total budget"), max_digits=14, decimal_places=2,
                                       validators=[MinValueValidator(Decimal(0))])
    wards_counted_apart = models.BooleanField(_("each ward has its own budget and count"), default=False)
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.DRAFT)
    ideas_open = models.DateField(_("ideas open"), null=True, blank=True)
    voting_opens = models.DateField(_("voting opens"), null=True, blank=True)
    voting_closes = models.DateField(_("voting closes"), null=True, blank=True)
    ballot_type = models.CharField(_("ballot type"), max_length=16, choices=BallotType.choices,
                                   default=BallotType.APPROVAL)
    rule = models.CharField(_("counting rule"), max_length=64, default="greedy")
    min_selections = models.PositiveIntegerField(_("minimum selections"), default=0)
    max_selections = models.PositiveIntegerField(_("maximum selections (0: no limit)"), default=0)
    points_total = models.PositiveIntegerField(_("points each voter distributes"), default=10)
    seats = models.PositiveIntegerField(_("winners (ranked)"), default=1)
    require_ward_residence = models.BooleanField(_("voters must live in a ward of the process"), default=False)
    require_verified_email = models.BooleanField(_("voters need a verified email"), default=True)
    minimum_age = models.PositiveIntegerField(_("minimum age (declared)"), default=0)
    adjustments = models.JSONField(_("declared adjustments"), default=dict, blank=True,
                                   help_text=_("Fixed when voting opens: min_votes, extra_money, part_fund_share."))
    imported_from = models.CharField(_("imported from"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("PB process")
        verbose_name_plural = _("PB processes")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ranked(self) -> bool:
        return self.ballot_type == BallotType.RANKED

    def phase_index(self) -> int:
        return PHASE_ORDER.index(self.phase)


class WardBudget(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ward_budgets")
    area = models.ForeignKey("councils.Area", on_delete=models.PROTECT, related_name="+")
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal(0))])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process", "area"], name="one_budget_per_ward")]
        ordering = ["area__name"]

    def __str__(self) -> str:
        return f"{self.area} – {self.budget}"


class IdeaStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    FEASIBLE = "feasible", _("Feasible: on the ballot")
    INFEASIBLE = "infeasible", _("Not feasible")
    SELECTED = "selected", _("Funded")
    NOT_SELECTED = "not_selected", _("Not funded")


class Delivery(models.TextChoices):
    NONE = "", _("—")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    DROPPED = "dropped", _("Dropped")


class Idea(models.Model):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ideas")
    area = models.ForeignKey("councils.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="pb_ideas")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=64, blank=True)
    estimated_cost = models.DecimalField(_("estimated cost"), max_digits=14, decimal_places=2,
                                         validators=[MinValueValidator(Decimal(0))])
    status = models.CharField(_("status"), max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.SUBMITTED)
    feasibility_note = models.TextField(_("public explanation of the feasibility verdict"), blank=True)
    revised_cost = models.DecimalField(_("revised cost"), max_digits=14, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(Decimal(0))])
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("public reason for hiding"), max_length=300, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    support_count = models.PositiveIntegerField(default=0)
    pb_id = models.CharField(_("project id in published files"), max_length=64, blank=True)
    delivery_status = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices, blank=True, default="")
    delivery_note = models.TextField(_("delivery note"), blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-support_count", "id"]
        indexes = [models.Index(fields=["process", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def cost(self) -> Decimal:
        return self.revised_cost if self.revised_cost is not None else self.estimated_cost

    @property
    def project_id(self) -> str:
        return self.pb_id or str(self.pk)

    @property
    def on_ballot(self) -> bool:
        return self.status in (IdeaStatus.FEASIBLE, IdeaStatus.SELECTED, IdeaStatus.NOT_SELECTED) and not self.hidden


class Support(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pb_supports")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="one_support_per_person")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("comment"), max_length=4000)
    hidden = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class AbuseReport(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("what is wrong"), max_length=500)
    resolved = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class DeliveryUpdate(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="delivery_updates")
    date = models.DateField()
    status = models.CharField(max_length=16, choices=Delivery.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
