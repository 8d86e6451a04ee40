from django import forms

from accounts.branding import clean_color


class OrganizationSetupForm(forms.Form):
    organization = forms.CharField(max_length=150, label="Organization name")
    team = forms.CharField(max_length=150, label="First team's name", initial="Recruiting")


class TeamSettingsForm(forms.Form):
    """Team settings: the name, the brand candidates see, and the invite defaults. Saved by
    ``accounts.branding.team_settings_update``, which checks every value again."""

    name = forms.CharField(max_length=150, label="Team name")
    brand_color = forms.CharField(
        max_length=7,
        label="Brand colour",
        widget=forms.TextInput(attrs={"type": "color", "class": "form-control-color"}),
        help_text="Buttons and accents on candidate pages and emails. Their text turns white or "
        "black, whichever stays readable.",
    )
    logo = forms.FileField(
        required=False,
        label="Logo",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text="PNG, JPEG or WebP, at most 512 KB and 2000 pixels a side; shown at 40 pixels "
        "high. SVG is not accepted.",
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")
    invite_expiry_days = forms.IntegerField(
        min_value=1,
        max_value=90,
        label="Invites expire after (days)",
        help_text="The default for new invites; each invite can still set its own date.",
    )
    reminder_hours_before_expiry = forms.IntegerField(
        min_value=0,
        max_value=720,
        label="Remind candidates (hours before expiry)",
        help_text="One reminder with the same link to candidates who have not finished; "
        "0 sends none.",
    )

    def clean_brand_color(self) -> str:
        try:
            return clean_color(self.cleaned_data["brand_color"])
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["brand_color"]) from exc
