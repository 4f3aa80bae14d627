from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from councils.models import Area

from .models import AgeBand, EqualityMonitoring, Role, User

GENDER_CHOICES = [
    ("", _("Choose an option")),
    ("woman", _("Woman")),
    ("man", _("Man")),
    ("non-binary", _("Non-binary")),
    ("self-describe", _("I describe myself another way")),
    ("undisclosed", _("Prefer not to say")),
]
ETHNICITY_CHOICES = [
    ("", _("Choose an option")),
    ("asian", _("Asian or Asian British")),
    ("black", _("Black, Black British, Caribbean or African")),
    ("mixed", _("Mixed or multiple ethnic groups")),
    ("white", _("White")),
    ("other", _("Other ethnic group")),
    ("undisclosed", _("Prefer not to say")),
]
DISABILITY_CHOICES = [
    ("", _("Choose an option")),
    ("yes", _("Yes")),
    ("no", _("No")),
    ("undisclosed", _("Prefer not to say")),
]
TENURE_CHOICES = [
    ("", _("Choose an option")),
    ("owner", _("Own outright or with a mortgage")),
    ("social-rent", _("Rent from the council or a housing association")),
    ("private-rent", _("Rent privately")),
    ("other", _("Other")),
    ("undisclosed", _("Prefer not to say")),
]


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"), max_length=100, required=False,
        help_text=_("Shown next to ideas and comments you post. Leave blank to use the start of your email address."),
    )
    area = forms.ModelChoiceField(
        label=_("Your ward"), queryset=Area.objects.none(), required=False, empty_label=_("Choose your ward"),
        help_text=_("Some budgets are only open to residents of one ward."),
    )
    postcode = forms.RegexField(
        label=_("Postcode"), required=False, max_length=10,
        regex=r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$",
        error_messages={"invalid": _("Enter a UK postcode, like SE1 7PB.")},
    )

    def __init__(self, *args, areas=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.all()


class EqualityMonitoringForm(forms.ModelForm):
    consent = forms.BooleanField(
        label=_("I agree that the council may keep these answers to check who takes part"),
        required=True,
        error_messages={"required": _("Tick the box to agree, or leave this page without saving.")},
        help_text=_("Answers are only reported in groups of 10 or more people. You can delete them at any time."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, required=False)
    ethnicity = forms.ChoiceField(label=_("Ethnic group"), choices=ETHNICITY_CHOICES, required=False)
    disability = forms.ChoiceField(
        label=_("Do you consider yourself to have a disability?"), choices=DISABILITY_CHOICES, required=False
    )
    tenure = forms.ChoiceField(label=_("Housing tenure"), choices=TENURE_CHOICES, required=False)

    class Meta:
        model = EqualityMonitoring
        fields = ["age_band", "gender", "ethnicity", "disability", "tenure"]
        labels = {"age_band": _("Age band")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["age_band"].choices = [("", _("Choose an option")), *AgeBand.choices]


class RoleForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the account"))
    role = forms.ChoiceField(label=_("New role"), choices=Role.choices)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if not User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("No account uses this email address."))
        return email


class SignupExtraForm(forms.Form):
    """Extra, optional sign-up question (allauth ``ACCOUNT_SIGNUP_FORM_CLASS``)."""

    area = forms.ModelChoiceField(
        label=_("Your ward (optional)"), queryset=Area.objects.all(), required=False,
        empty_label=_("Choose your ward"),
        help_text=_("Some budgets are only open to residents of one ward. You can change this later."),
    )

    def signup(self, request, user) -> None:
        from .services import profile_of

        profile = profile_of(user)
        profile.area = self.cleaned_data.get("area")
        profile.save()


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("We ask for your password so nobody else can delete your account."),
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if self.user is None or not self.user.check_password(password):
            raise forms.ValidationError(_("That password is not right."))
        return password
