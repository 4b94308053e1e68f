from django import forms


class OtpCodeForm(forms.Form):
    """One code: six digits from the authenticator app or, where the page allows, a
    backup code. The view hands it to the service that checks it."""

    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "autofocus": True}),
    )

    def __init__(self, *args, label: str = "Code", numeric: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = label
        if numeric:
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
