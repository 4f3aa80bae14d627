"""The organisation civic serves: one council and its areas (wards).

Later slices hang PB processes and assemblies on these, so geography is a
foreign key rather than free text.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Council(models.Model):
    """A local authority running civic. A deployment normally has exactly one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    about = models.TextField(_("how decisions are made"), blank=True)

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A ward or neighbourhood of the council."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["council", "slug"], name="unique_area_slug_per_council")]

    def __str__(self) -> str:
        return self.name
