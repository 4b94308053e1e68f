from django import forms

from apps.bookings.models import LOCATOR_LENGTH, PassengerType
from apps.bookings.names import NAME_MAX_LENGTH, NAME_MESSAGE, name_is_valid
from apps.core.validators import PHONE_MAX_LENGTH, email_plain_check, phone_e164

SEAT_DESIGNATOR = r"^[1-9][0-9]{0,2}[A-Z]$"


def _latin_name(value: str) -> str:
    if not name_is_valid(value):
        raise forms.ValidationError(NAME_MESSAGE)
    return value


class PassengerForm(forms.Form):
    type = forms.ChoiceField(choices=PassengerType.choices, widget=forms.HiddenInput)
    given_name = forms.CharField(label="Given names", max_length=NAME_MAX_LENGTH, validators=[_latin_name])
    family_name = forms.CharField(label="Family name", max_length=NAME_MAX_LENGTH, validators=[_latin_name])
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
    email = forms.EmailField(label="Email for the confirmation", validators=[email_plain_check])
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=PHONE_MAX_LENGTH,
        required=False,
        help_text="With the country code, e.g. +44 20 7946 0958.",
    )

    def clean_phone(self) -> str:
        return phone_e164(self.cleaned_data["phone"])


class ManageBookingForm(forms.Form):
    locator = forms.CharField(
        label="Booking reference",
        min_length=LOCATOR_LENGTH,
        max_length=LOCATOR_LENGTH,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}),
        help_text="Six letters and digits, in your confirmation email.",
    )
    family_name = forms.CharField(label="Family name of a passenger", max_length=60)

    def clean_locator(self) -> str:
        return self.cleaned_data["locator"].strip().upper()


class SeatsForm(forms.Form):
    """One seat per passenger with a seat of their own; a blank field keeps their seat."""

    def __init__(self, *args, passenger_ids: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for passenger_id in passenger_ids:
            self.fields[self.field_name(passenger_id)] = forms.RegexField(
                SEAT_DESIGNATOR, required=False, error_messages={"invalid": "Not a seat, e.g. 12A."}
            )

    @staticmethod
    def field_name(passenger_id: int) -> str:
        return f"seat_{passenger_id}"

    def seat_of(self, passenger_id: int) -> str:
        return self.cleaned_data.get(self.field_name(passenger_id), "")


class CancelBookingForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, cancel this booking for every passenger",
        error_messages={"required": "Tick the box to confirm the cancellation."},
    )
