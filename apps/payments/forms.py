from django import forms

from apps.payments.providers.sandbox import TEST_PAYMENT_METHODS


class SandboxPaymentForm(forms.Form):
    payment_method = forms.ChoiceField(
        label="Test card", choices=list(TEST_PAYMENT_METHODS.items()), widget=forms.RadioSelect
    )
