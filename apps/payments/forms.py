from django import forms

from apps.payments.providers.sandbox import TEST_PAYMENT_METHODS

# The 3-D Secure challenge page comes with the payments issue; until then the page offers
# only the methods that complete in one step.
PAGE_METHODS = [(pm, label) for pm, label in TEST_PAYMENT_METHODS.items() if pm != "pm_card_authenticationRequired"]


class SandboxPaymentForm(forms.Form):
    payment_method = forms.ChoiceField(label="Test card", choices=PAGE_METHODS, widget=forms.RadioSelect)
