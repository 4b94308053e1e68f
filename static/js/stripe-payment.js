// Stripe's Payment Element: card details go from the browser to Stripe only. The return
// page asks our server, which retrieves the PaymentIntent from Stripe before it confirms.
(function () {
  "use strict";
  const form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  const message = document.getElementById("payment-message");
  const button = document.getElementById("payment-submit");

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    message.hidden = true;
    const { error } = await stripe.confirmPayment({
      elements,
      confirmParams: { return_url: form.dataset.returnUrl },
    });
    // Only reached on an immediate error; otherwise Stripe redirects to return_url.
    message.textContent = error.message || "The payment could not be completed.";
    message.hidden = false;
    button.disabled = false;
  });
})();
