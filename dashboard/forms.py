from django import forms


class OrganizationSetupForm(forms.Form):
    organization = forms.CharField(max_length=150, label="Organization name")
    team = forms.CharField(max_length=150, label="First team's name", initial="Recruiting")
