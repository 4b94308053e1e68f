from django import forms
from django.utils import timezone

CABINS = [
    ("economy", "Economy"),
    ("premium_economy", "Premium economy"),
    ("business", "Business"),
    ("first", "First"),
]
SORTS = [("price", "Cheapest first"), ("duration", "Shortest first"), ("departure", "Earliest departure")]
STOPS = [("1", "Any"), ("0", "Direct only")]


class SearchForm(forms.Form):
    """The search box and the results filters. It renders and keeps the query; the rules
    (and their error messages) are the API's, applied by the results view."""

    origin = forms.CharField(
        label="From",
        max_length=3,
        widget=forms.TextInput(
            attrs={"placeholder": "City or airport", "autocomplete": "off", "data-airport": "", "list": "origin-list"}
        ),
    )
    destination = forms.CharField(
        label="To",
        max_length=3,
        widget=forms.TextInput(
            attrs={
                "placeholder": "City or airport",
                "autocomplete": "off",
                "data-airport": "",
                "list": "destination-list",
            }
        ),
    )
    departure_date = forms.DateField(label="Depart", widget=forms.DateInput(attrs={"type": "date"}))
    return_date = forms.DateField(
        label="Return (optional)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    adults = forms.IntegerField(label="Adults", min_value=1, max_value=9, initial=1)
    children = forms.IntegerField(label="Children (2-11)", min_value=0, max_value=8, initial=0)
    infants = forms.IntegerField(label="Infants (on lap)", min_value=0, max_value=8, initial=0)
    cabin = forms.ChoiceField(choices=CABINS, initial="economy")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate().isoformat()
        self.fields["departure_date"].widget.attrs["min"] = today
        self.fields["return_date"].widget.attrs["min"] = today


class ResultsFilterForm(forms.Form):
    """Filters and sort of the results page; each is a query parameter of the search API."""

    max_stops = forms.ChoiceField(label="Stops", choices=STOPS, required=False, widget=forms.RadioSelect)
    max_price = forms.DecimalField(label="Max price", required=False, min_value=1, decimal_places=2)
    departure_from = forms.TimeField(
        label="Leave after", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    departure_to = forms.TimeField(label="Leave before", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    sort = forms.ChoiceField(label="Sort", choices=SORTS, required=False)


class FlightStatusForm(forms.Form):
    flight_number = forms.RegexField(
        label="Flight number",
        regex=r"^\s*[A-Za-z0-9]{2}\s*\d{1,4}\s*$",
        error_messages={"invalid": "A flight number is an airline code and up to four digits, e.g. BA117."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. BA117"}),
    )
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
