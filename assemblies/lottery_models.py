"""The civic lottery's records: set-up, invitations, respondents, selection runs, recommendations.

Personal data lives only in ``Address`` (address lines, postcode), ``Invitation.code`` and the
personal fields of ``Respondent``; ``lottery.purge_expired`` deletes those rows when the retention
period ends and keeps the anonymised ``RespondentTally``. Everything published (the public selection
report, the tracker) is built from the random ``Respondent.public_id`` and quota answers only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Lottery(models.Model):
    """How an assembly is recruited: panel size, support offered, the two draws and retention."""

    assembly = models.OneToOneField("assemblies.Assembly", on_delete=models.CASCADE, related_name="lottery")
    panel_size = models.PositiveIntegerField(_("panel size"), default=50)
    sessions_plan = models.TextField(_("sessions (dates and places)"), blank=True)
    support_offered = models.TextField(_("support offered (childcare, travel, honorarium, access)"), blank=True)
    one_per_household = models.BooleanField(_("at most one person per household"), default=True)
    retention_until = models.DateField(_("personal data kept until"))
    invitations_to_send = models.PositiveIntegerField(_("invitations to send"), default=0)
    large_print = models.BooleanField(_("large-print letters"), default=False)
    # Stage 1: the address list is fixed (its digest published) together with the seed, before the draw.
    addresses_sha256 = models.CharField(max_length=64, blank=True)
    invitation_seed = models.CharField(_("invitation draw seed"), max_length=200, blank=True)
    seed_published_at = models.DateTimeField(null=True, blank=True)
    invitations_drawn_at = models.DateTimeField(null=True, blank=True)
    # Counts kept after the purge.
    addresses_imported = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("civic lottery")

    def __str__(self) -> str:
        return f"Lottery for {self.assembly}"


class QuotaTarget(models.Model):
    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="quotas")
    category = models.CharField(max_length=60)
    value = models.CharField(max_length=80)
    min = models.PositiveIntegerField()
    max = models.PositiveIntegerField()
    population_share = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["lottery", "category", "value"], name="unique_quota_value")]

    def __str__(self) -> str:
        return f"{self.category}/{self.value} {self.min}-{self.max}"


class Address(models.Model):
    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="addresses")
    external_id = models.CharField(max_length=64)
    lines = models.TextField()
    postcode = models.CharField(max_length=16)
    ward = models.CharField(max_length=80)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["lottery", "external_id"], name="unique_address_id")]

    def __str__(self) -> str:
        return self.external_id


class Invitation(models.Model):
    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="invitations")
    address = models.OneToOneField(Address, null=True, on_delete=models.SET_NULL, related_name="invitation")
    code = models.CharField(max_length=16, unique=True)
    ward = models.CharField(max_length=80)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Invitation {self.position}"


class Respondent(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        SELECTED = "selected", _("Selected, awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="respondents")
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="respondents")
    public_id = models.CharField(max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    household = models.CharField(max_length=200, blank=True)
    features = models.JSONField(default=dict)
    availability = models.TextField(blank=True)
    access_needs = models.TextField(blank=True)
    consent_at = models.DateTimeField()
    retention_until = models.DateField()
    assisted = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REGISTERED)
    token = models.CharField(max_length=48, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Respondent {self.public_id}"


class RespondentTally(models.Model):
    """Anonymised counts per quota value, kept when personal data is purged."""

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="tallies")
    category = models.CharField(max_length=60)
    value = models.CharField(max_length=80)
    respondents = models.PositiveIntegerField(default=0)
    selected = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["category", "value"]
        constraints = [models.UniqueConstraint(fields=["lottery", "category", "value"], name="unique_tally_value")]

    def __str__(self) -> str:
        return f"{self.category}/{self.value}"


class SelectionRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        INFEASIBLE = "infeasible", _("Quotas cannot be met")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        PANEL = "panel", _("Panel")
        REPLACEMENT = "replacement", _("Replacements")

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PANEL)
    algorithm = models.CharField(max_length=20, default="leximin")
    seed = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.TextField(blank=True)
    diagnosis = models.JSONField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)
    drawn = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} run {self.pk}"


class Recommendation(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting the council's response")
        ACCEPTED = "accepted", _("Accepted")
        IN_PART = "in_part", _("Accepted in part")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")

    assembly = models.ForeignKey("assemblies.Assembly", on_delete=models.CASCADE, related_name="recommendations")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    support_share = models.FloatField(help_text=_("Share of members who voted for it, 0 to 1"))
    adopted_on = models.DateField()
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    reasons = models.TextField(blank=True)
    responsible_service = models.CharField(max_length=120, blank=True)
    due_date = models.DateField(null=True, blank=True)
    responded_on = models.DateField(null=True, blank=True)
    source_draft = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("The live room draft this was published from, if any")
    )

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["assembly", "number"], name="unique_recommendation_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class RecommendationUpdate(models.Model):
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="updates")
    on = models.DateField()
    text = models.TextField()

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.on}: {self.recommendation}"
