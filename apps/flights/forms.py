from django import forms
from django.utils import timezone

CABINS = [
    ("economy", "Economy"),
    ("premium_economy", "Premium economy"),
    ("business", "Business"),
    ("first", "First"),
]


class SearchForm(forms.Form):
    """The search box of the home page; the results page validates the same query."""

    origin = forms.CharField(label="From", max_length=3, widget=forms.TextInput(attrs={"placeholder": "e.g. LHR"}))
    destination = forms.CharField(label="To", max_length=3, widget=forms.TextInput(attrs={"placeholder": "e.g. JFK"}))
    departure_date = forms.DateField(label="Depart", widget=forms.DateInput(attrs={"type": "date"}))
    adults = forms.IntegerField(min_value=1, max_value=9, initial=1)
    children = forms.IntegerField(min_value=0, max_value=8, initial=0)
    infants = forms.IntegerField(label="Infants (on lap)", min_value=0, max_value=8, initial=0)
    cabin = forms.ChoiceField(choices=CABINS, initial="economy")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departure_date"].widget.attrs["min"] = timezone.localdate().isoformat()
