"""Partner webhooks (DESIGN.md §4, docs/webhooks.md): endpoints, signed deliveries from the
outbox with retries, and the guard that keeps partners' URLs off our own network."""
