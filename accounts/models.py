"""People: the custom user (email login, one role), the resident profile and
the optional, separately consented equality-monitoring answers."""

from __future__ import annotations

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
    _user_has_module_perms,
    _user_has_perm,
)
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    ASSEMBLY_MEMBER = "assembly_member", _("Assembly member")
    FACILITATOR = "facilitator", _("Facilitator")
    OFFICER = "officer", _("Council officer")
    ADMINISTRATOR = "administrator", _("Administrator")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        # The role grants the permissions (accounts.backends); is_superuser stays off.
        extra.update(is_staff=True, is_superuser=False, role=Role.ADMINISTRATOR)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Email is the login; no username to forget."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.RESIDENT)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    # PermissionsMixin answers True for any superuser before asking the backends; here the
    # role table (accounts.backends.RolePermissionBackend) is the only answer.
    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_active and _user_has_perm(self, perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and _user_has_module_perms(self, app_label)


class Profile(models.Model):
    """What a resident tells the council about where they live."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    area = models.ForeignKey(
        "councils.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="residents",
        verbose_name=_("ward or area"),
    )
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class AgeBand(models.TextChoices):
    A16_24 = "16-24", "16–24"
    A25_34 = "25-34", "25–34"
    A35_44 = "35-44", "35–44"
    A45_54 = "45-54", "45–54"
    A55_64 = "55-64", "55–64"
    A65_74 = "65-74", "65–74"
    A75 = "75+", _("75 or over")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class EqualityMonitoring(models.Model):
    """Optional answers, kept apart from the profile and only with consent.

    Used in aggregate to see who takes part; the person can delete it at any
    time, which removes the row entirely.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="equality_monitoring")
    consented_at = models.DateTimeField(_("consent given at"))
    age_band = models.CharField(_("age band"), max_length=16, choices=AgeBand.choices, blank=True)
    gender = models.CharField(_("gender"), max_length=64, blank=True)
    ethnicity = models.CharField(_("ethnic group"), max_length=64, blank=True)
    disability = models.CharField(_("disability"), max_length=32, blank=True)
    tenure = models.CharField(_("housing tenure"), max_length=32, blank=True)

    def __str__(self) -> str:
        return f"Equality monitoring for {self.user_id}"
