from django import forms

from apps.bookings.models import PassengerType
from apps.bookings.services import NAME_PATTERN


def _latin_name(value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise forms.ValidationError("Use Latin letters as written in the passport.")
    return value


class PassengerForm(forms.Form):
    type = forms.ChoiceField(choices=PassengerType.choices, widget=forms.HiddenInput)
    given_name = forms.CharField(label="Given names", max_length=60, validators=[_latin_name])
    family_name = forms.CharField(label="Family name", max_length=60, validators=[_latin_name])
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    document_type = forms.ChoiceField(
        label="Travel document",
        required=False,
        choices=[("", "—"), ("passport", "Passport"), ("id_card", "Identity card")],
    )
    document_number = forms.CharField(label="Document number", max_length=20, required=False)
    document_country = forms.CharField(
        label="Issued by (country code)", max_length=2, required=False, widget=forms.TextInput(attrs={"size": 2})
    )
    nationality = forms.CharField(
        label="Nationality (country code)", max_length=2, required=False, widget=forms.TextInput(attrs={"size": 2})
    )
    document_expires_on = forms.DateField(
        label="Document valid until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    DOCUMENT_FIELDS = ("document_type", "document_number", "document_country", "nationality", "document_expires_on")


PassengerFormSet = forms.formset_factory(PassengerForm, extra=0, min_num=1, max_num=9, validate_max=True)


class ContactForm(forms.Form):
    email = forms.EmailField(label="Email for the confirmation")
    phone = forms.CharField(label="Phone (optional)", max_length=32, required=False)
