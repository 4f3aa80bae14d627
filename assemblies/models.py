"""Citizens' assemblies: the assembly, who sits on it, and its sittings.

These three models are deliberately small. The civic lottery (``assemblies/sortition``) fills
``Membership``; the live room (``deliberation``) hangs its state and event log on ``Session``.
Every change goes through :mod:`assemblies.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Assembly(models.Model):
    """One citizens' assembly convened by the council on one question."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being set up")
        RECRUITING = "recruiting", _("Recruiting members")
        SITTING = "sitting", _("Sitting")
        CONCLUDED = "concluded", _("Concluded")

    council = models.ForeignKey(
        "councils.Council", on_delete=models.PROTECT, related_name="assemblies", verbose_name=_("council")
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    question = models.TextField(_("question put to the assembly"))
    remit = models.TextField(_("remit"), blank=True, help_text=_("What the council commits to do with the answer."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assembly")
        verbose_name_plural = _("assemblies")
        ordering = ["-created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["council", "slug"], name="unique_assembly_slug_per_council")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's seat in an assembly and what they do there.

    ``categories`` holds the person's answers to the assembly's stratification features
    (``{"age": "25-34", "gender": "female", "ward": "riverside"}``), written by the lottery
    and read by breakout-table allocation so that each table mixes them.
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        FACILITATOR = "facilitator", _("Facilitator")
        OBSERVER = "observer", _("Observer")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assembly_memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    categories = models.JSONField(_("categories"), default=dict, blank=True)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["assembly", "pk"]
        constraints = [models.UniqueConstraint(fields=["assembly", "user"], name="unique_membership_per_assembly")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.assembly}"


class Session(models.Model):
    """One sitting of an assembly; the live room of :mod:`deliberation` belongs to it."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("In progress")
        CLOSED = "closed", _("Closed")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.assembly}: {self.title}"


# The civic lottery's models (own module so the live room and the lottery do not collide here).
from .lottery_models import (  # noqa: E402,F401
    Address,
    Invitation,
    Lottery,
    QuotaTarget,
    Recommendation,
    RecommendationUpdate,
    Respondent,
    RespondentTally,
    SelectionRun,
)
