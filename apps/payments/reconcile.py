"""Reconciliation: compare our payments and refunds with the provider's books for a
period, report every difference and, when asked, repair what can safely be repaired.

Repairs go through the same services as every other provider news
(`payment_state_apply`, `refund_state_apply`, `refund_execute`, `provider_refund_adopt`),
so they only ever move a record forward and are safe to run again. A difference that
would need a record to move backwards, or an amount we disagree on, is never repaired:
it is reported as needing attention, for a person to look at."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError

from apps.core import clock
from apps.core.errors import DomainError
from apps.payments import services
from apps.payments.errors import PaymentProviderUnavailable
from apps.payments.models import (
    PAYMENT_IN_FLIGHT,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from apps.payments.providers import PaymentProvider, PaymentState, RefundState, get_provider
from apps.payments.services.states import ABANDONED

ACTOR = "reconciliation"
# What the periodic job and the command look at by default.
RECENT = timedelta(days=2)
# The provider creates its record just after ours: look that far past the period's end
# so that a payment made at the edge is found, not reported missing.
EDGE = timedelta(minutes=5)
# A recorded refund is sent by the outbox within seconds; after this it was not sent.
REFUND_SEND_GRACE = timedelta(minutes=5)
NONE = "-"


class MismatchKind(StrEnum):
    STATUS = "status"
    AMOUNT = "amount"
    MISSING_LOCALLY = "missing_locally"
    MISSING_AT_PROVIDER = "missing_at_provider"
    STALE = "stale"
    REFUND_STATUS = "refund_status"
    REFUND_AMOUNT = "refund_amount"
    REFUND_MISSING_LOCALLY = "refund_missing_locally"
    REFUND_MISSING_AT_PROVIDER = "refund_missing_at_provider"
    REFUND_NOT_SENT = "refund_not_sent"


@dataclass
class Mismatch:
    """One difference between our books and the provider's. `local_id` is a Payment's id,
    or a Refund's for the `refund_*` kinds; None when we have no record."""

    kind: MismatchKind
    provider: str
    local_id: int | None
    reference: str
    local_value: str
    provider_value: str
    repaired: bool = False
    needs_attention: bool = False
    note: str = ""

    @property
    def action(self) -> str:
        if self.repaired:
            return "repaired"
        return "needs attention" if self.needs_attention else "repairable"


@dataclass
class Report:
    start: datetime
    end: datetime
    providers: list[str]
    repair: bool
    payments_checked: int = 0
    payments_local: int = 0
    payments_at_provider: int = 0
    refunds_checked: int = 0
    refunds_local: int = 0
    refunds_at_provider: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def repaired(self) -> list[Mismatch]:
        return [m for m in self.mismatches if m.repaired]

    @property
    def unrepaired(self) -> list[Mismatch]:
        return [m for m in self.mismatches if not m.repaired]

    def as_table(self) -> str:
        lines = [
            f"Reconciliation of {', '.join(self.providers)} from {self.start:%Y-%m-%d %H:%M:%S} "
            f"to {self.end:%Y-%m-%d %H:%M:%S} UTC ({'repair' if self.repair else 'report only'})",
            f"payments: {self.payments_local} ours, {self.payments_at_provider} at the provider; "
            f"refunds: {self.refunds_local} ours, {self.refunds_at_provider} at the provider",
        ]
        if not self.mismatches:
            lines.append("No mismatches.")
            return "\n".join(lines)
        header = ("kind", "provider", "local id", "reference", "ours", "provider's", "action", "note")
        rows = [header] + [
            (
                str(m.kind),
                m.provider,
                str(m.local_id) if m.local_id is not None else NONE,
                m.reference or NONE,
                m.local_value,
                m.provider_value,
                m.action,
                m.note,
            )
            for m in self.mismatches
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines.append("")
        for n, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * width for width in widths))
        return "\n".join(lines)


def reconcile(*, start: datetime, end: datetime, repair: bool, provider_name: str | None = None) -> Report:
    """Compare our payments and refunds created in [start, end) with what the provider
    created then, for `provider_name`, or else every provider our records of the period
    use plus the configured one. With `repair`, apply every safe repair. Raises
    PaymentProviderUnavailable when a provider cannot list its books, LookupError for an
    unknown provider name."""
    if start >= end:
        raise ValueError("the period must start before it ends")
    names = [provider_name] if provider_name else _providers_of_period(start=start, end=end)
    providers = [get_provider(name) for name in names]
    report = Report(start=start, end=end, providers=names, repair=repair)
    for provider in providers:
        # Payments first: a repaired payment may be what an adopted refund needs.
        _PaymentReconciliation(report=report, provider=provider, repair=repair).run()
        _RefundReconciliation(report=report, provider=provider, repair=repair).run()
    return report


def _providers_of_period(*, start: datetime, end: datetime) -> list[str]:
    used = set(
        Payment.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("provider", flat=True)
        .distinct()
    )
    used |= set(
        Refund.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("payment__provider", flat=True)
        .distinct()
    )
    return sorted(used | {settings.PAYMENT_PROVIDER})


def _in_period(created: datetime | None, report: Report) -> bool:
    return created is None or created < report.end


def _money(amount, currency: str) -> str:
    return f"{amount} {currency}"


# --- payments ---------------------------------------------------------------------------------


@dataclass
class _PaymentReconciliation:
    report: Report
    provider: PaymentProvider
    repair: bool

    def run(self) -> None:
        report, name = self.report, self.provider.name
        listed = list(self.provider.payments_between(report.start, report.end + EDGE))
        ours = {
            payment.pk: payment
            for payment in Payment.objects.filter(
                provider=name, created_at__gte=report.start, created_at__lt=report.end
            ).order_by("created_at", "pk")
        }
        report.payments_local += len(ours)
        seen: set[int] = set()
        for state in listed:
            in_period = _in_period(state.created, report)
            report.payments_at_provider += int(in_period)
            payment, by_reference, note = self._local_for(state)
            if payment is None:
                if in_period:
                    report.payments_checked += 1
                    self._add(
                        MismatchKind.MISSING_LOCALLY,
                        None,
                        state,
                        local_value=NONE,
                        needs_attention=True,
                        note=note or "no payment of ours",
                    )
                continue
            if not in_period and payment.pk not in ours:
                continue  # both belong to the next period
            seen.add(payment.pk)
            report.payments_checked += 1
            self._compare(payment, state, by_reference=by_reference)
        now = clock.now()
        lease = timedelta(seconds=settings.PAYMENT_ATTEMPT_LEASE_SECONDS)
        for payment in ours.values():
            if payment.pk in seen:
                continue
            report.payments_checked += 1
            if payment.provider_reference:
                self._look_up(payment)
            elif (
                payment.status in PAYMENT_IN_FLIGHT and (payment.lease_expires_at or payment.created_at + lease) <= now
            ):
                # Its request died and the provider's books do not list it: settled as the
                # customer's next try would settle it.
                self._stale(payment)

    def _local_for(self, state: PaymentState) -> tuple[Payment | None, bool, str]:
        """Our payment for the provider's: by reference, or by the id in its metadata when
        we never learnt the reference (the process stopped, or the call timed out)."""
        name = self.provider.name
        payment = Payment.objects.filter(provider=name, provider_reference=state.reference).first()
        if payment is not None:
            return payment, True, ""
        payment_id = state.metadata.get("payment_id", "")
        if not payment_id.isdigit():
            return None, False, ""
        named = Payment.objects.filter(provider=name, pk=int(payment_id)).first()
        if named is None:
            return None, False, f"its metadata names payment {payment_id}, which we do not have"
        if named.provider_reference:
            return None, False, f"its metadata names payment {named.pk}, paid by {named.provider_reference}"
        return named, False, ""

    def _look_up(self, payment: Payment) -> None:
        """A payment of ours the listing did not return: created at the period's edge, or
        unknown to the provider."""
        try:
            state = self.provider.retrieve(payment.provider_reference)
        except PaymentProviderUnavailable as error:
            self.report.mismatches.append(
                Mismatch(
                    kind=MismatchKind.MISSING_AT_PROVIDER,
                    provider=self.provider.name,
                    local_id=payment.pk,
                    reference=payment.provider_reference,
                    local_value=f"{payment.status} {_money(payment.amount, payment.currency)}",
                    provider_value=NONE,
                    needs_attention=True,
                    note=str(error.detail),
                )
            )
            return
        self.report.payments_at_provider += 1
        self._compare(payment, state, by_reference=True)

    def _compare(self, payment: Payment, state: PaymentState, *, by_reference: bool) -> None:
        amount_agrees = payment.amount == state.amount and payment.currency == state.currency.upper()
        if not amount_agrees:
            self._add(
                MismatchKind.AMOUNT,
                payment,
                state,
                local_value=_money(payment.amount, payment.currency),
                provider_value=_money(state.amount, state.currency),
                needs_attention=True,
            )
        if payment.status == state.status:
            # Same status without our reference: the books agree on the money, and
            # payment_state_apply records a reference only when the status moves.
            return
        mismatch = self._add(
            MismatchKind.STATUS if by_reference else MismatchKind.MISSING_LOCALLY,
            payment,
            state,
            local_value=payment.status if by_reference else f"{payment.status} (no reference)",
        )
        if not amount_agrees:
            mismatch.needs_attention, mismatch.note = True, "not repaired while the amounts differ"
        elif not services.payment_status_moves_forward(payment.status, state.status):
            mismatch.needs_attention, mismatch.note = True, "ours is ahead of or contradicts the provider"
        elif self.repair:
            self._apply(mismatch, payment_id=payment.pk, state=state)

    def _stale(self, payment: Payment) -> None:
        mismatch = Mismatch(
            kind=MismatchKind.STALE,
            provider=self.provider.name,
            local_id=payment.pk,
            reference="",
            local_value=f"{payment.status} since {payment.created_at:%Y-%m-%d %H:%M}",
            provider_value=NONE,
        )
        self.report.mismatches.append(mismatch)
        if not self.repair:
            return
        try:
            payment, outcome = services.payment_attempt_resolve(payment_id=payment.pk, actor_label=ACTOR)
        except (DomainError, IntegrityError) as error:
            mismatch.needs_attention, mismatch.note = True, f"repair failed: {error}"
            return
        mismatch.provider_value = NONE if payment.failure_code == ABANDONED else payment.status
        mismatch.repaired = payment.status != PaymentStatus.PENDING
        mismatch.note = outcome or f"still {payment.status}"

    def _apply(self, mismatch: Mismatch, *, payment_id: int, state: PaymentState) -> None:
        try:
            payment, outcome = services.payment_state_apply(
                payment_id=payment_id, state=state, at=clock.now(), actor_label=ACTOR
            )
        except (DomainError, IntegrityError) as error:
            mismatch.needs_attention, mismatch.note = True, f"repair failed: {error}"
            return
        mismatch.repaired = payment.status == state.status
        mismatch.note = outcome or f"still {payment.status}"

    def _add(
        self,
        kind: MismatchKind,
        payment: Payment | None,
        state: PaymentState,
        *,
        local_value: str,
        provider_value: str | None = None,
        needs_attention: bool = False,
        note: str = "",
    ) -> Mismatch:
        mismatch = Mismatch(
            kind=kind,
            provider=self.provider.name,
            local_id=payment.pk if payment is not None else None,
            reference=state.reference,
            local_value=local_value,
            provider_value=provider_value if provider_value is not None else state.status,
            needs_attention=needs_attention,
            note=note,
        )
        if kind == MismatchKind.MISSING_LOCALLY and payment is None:
            mismatch.provider_value = f"{state.status} {_money(state.amount, state.currency)}"
        self.report.mismatches.append(mismatch)
        return mismatch


# --- refunds ----------------------------------------------------------------------------------


@dataclass
class _RefundReconciliation:
    report: Report
    provider: PaymentProvider
    repair: bool

    def run(self) -> None:
        report, name = self.report, self.provider.name
        listed = list(self.provider.refunds_between(report.start, report.end + EDGE))
        ours = {
            refund.pk: refund
            for refund in Refund.objects.filter(
                payment__provider=name, created_at__gte=report.start, created_at__lt=report.end
            )
            .select_related("payment")
            .order_by("created_at", "pk")
        }
        report.refunds_local += len(ours)
        seen: set[int] = set()
        for state in listed:
            in_period = _in_period(state.created, report)
            report.refunds_at_provider += int(in_period)
            refund, by_reference = self._local_for(state)
            if refund is None:
                # A refund the provider refused moved no money: nothing to record.
                if in_period and state.status not in (RefundStatus.FAILED, RefundStatus.CANCELED):
                    report.refunds_checked += 1
                    self._missing_locally(state)
                continue
            if not in_period and refund.pk not in ours:
                continue
            seen.add(refund.pk)
            report.refunds_checked += 1
            self._compare(refund, state, by_reference=by_reference)
        not_sent_before = clock.now() - REFUND_SEND_GRACE
        for refund in ours.values():
            if refund.pk in seen:
                continue
            report.refunds_checked += 1
            if refund.provider_reference:
                self._look_up(refund)
            elif refund.status == RefundStatus.PENDING and refund.created_at < not_sent_before:
                self._not_sent(refund)

    def _local_for(self, state: RefundState) -> tuple[Refund | None, bool]:
        """Our refund for the provider's (the webhook's lookup), and whether by reference."""
        refund = services.refund_for_state(provider=self.provider.name, state=state)
        return refund, refund is not None and refund.provider_reference == state.reference

    def _mismatch(self, kind: MismatchKind, refund: Refund | None, reference: str, **values) -> Mismatch:
        mismatch = Mismatch(
            kind=kind,
            provider=self.provider.name,
            local_id=refund.pk if refund is not None else None,
            reference=reference,
            **values,
        )
        self.report.mismatches.append(mismatch)
        return mismatch

    def _missing_locally(self, state: RefundState) -> None:
        mismatch = self._mismatch(
            MismatchKind.REFUND_MISSING_LOCALLY,
            None,
            state.reference,
            local_value=NONE,
            provider_value=f"{state.status} {_money(state.amount, state.currency)}",
        )
        name = self.provider.name
        if not Payment.objects.filter(provider=name, provider_reference=state.payment_reference).exists():
            mismatch.needs_attention = True
            mismatch.note = f"it refunds {state.payment_reference or 'a payment'}, which is not ours"
            return
        if not self.repair:
            return
        try:
            adopted = services.provider_refund_adopt(provider=name, state=state)
        except (DomainError, IntegrityError) as error:
            mismatch.needs_attention, mismatch.note = True, f"repair failed: {error}"
            return
        if adopted is None:
            mismatch.needs_attention, mismatch.note = True, "the refund could not be recorded"
            return
        mismatch.local_id, mismatch.repaired = adopted.pk, True
        mismatch.note = f"recorded as refund {adopted.pk}"
        if adopted.amount != state.amount:
            self._mismatch(
                MismatchKind.REFUND_AMOUNT,
                adopted,
                state.reference,
                local_value=_money(adopted.amount, adopted.currency),
                provider_value=_money(state.amount, state.currency),
                needs_attention=True,
                note="more than the payment had left to refund",
            )

    def _look_up(self, refund: Refund) -> None:
        try:
            state = self.provider.retrieve_refund(refund.provider_reference)
        except PaymentProviderUnavailable as error:
            self._mismatch(
                MismatchKind.REFUND_MISSING_AT_PROVIDER,
                refund,
                refund.provider_reference,
                local_value=f"{refund.status} {_money(refund.amount, refund.currency)}",
                provider_value=NONE,
                needs_attention=True,
                note=str(error.detail),
            )
            return
        self.report.refunds_at_provider += 1
        self._compare(refund, state, by_reference=True)

    def _compare(self, refund: Refund, state: RefundState, *, by_reference: bool) -> None:
        amount_agrees = refund.amount == state.amount and refund.currency == state.currency.upper()
        if not amount_agrees:
            self._mismatch(
                MismatchKind.REFUND_AMOUNT,
                refund,
                state.reference,
                local_value=_money(refund.amount, refund.currency),
                provider_value=_money(state.amount, state.currency),
                needs_attention=True,
            )
        if by_reference and refund.status == state.status:
            return
        mismatch = self._mismatch(
            MismatchKind.REFUND_STATUS,
            refund,
            state.reference,
            local_value=refund.status if by_reference else f"{refund.status} (no reference)",
            provider_value=state.status,
        )
        if not amount_agrees:
            mismatch.needs_attention, mismatch.note = True, "not repaired while the amounts differ"
        elif not services.refund_status_moves_forward(refund.status, state.status):
            mismatch.needs_attention, mismatch.note = True, "ours is final and contradicts the provider"
        elif self.repair:
            try:
                refund, _ = services.refund_state_apply(refund_id=refund.pk, state=state, at=clock.now())
            except (DomainError, IntegrityError) as error:
                mismatch.needs_attention, mismatch.note = True, f"repair failed: {error}"
                return
            mismatch.repaired = refund.status == state.status and refund.provider_reference == state.reference
            mismatch.note = f"now {refund.status}"

    def _not_sent(self, refund: Refund) -> None:
        mismatch = self._mismatch(
            MismatchKind.REFUND_NOT_SENT,
            refund,
            "",
            local_value=f"pending {_money(refund.amount, refund.currency)} since {refund.created_at:%Y-%m-%d %H:%M}",
            provider_value=NONE,
        )
        if not refund.payment.provider_reference:
            mismatch.needs_attention = True
            mismatch.note = f"payment {refund.payment_id} has no provider reference to refund"
            return
        if not self.repair:
            return
        try:
            refund = services.refund_execute(refund_id=refund.pk)
        except (DomainError, IntegrityError, ObjectDoesNotExist) as error:
            # ObjectDoesNotExist: the sandbox does not know the payment being refunded.
            mismatch.needs_attention, mismatch.note = True, f"repair failed: {error}"
            return
        mismatch.reference = refund.provider_reference
        if refund.status == RefundStatus.FAILED:
            mismatch.needs_attention, mismatch.note = True, f"the provider refused it: {refund.failure_code}"
        else:
            mismatch.repaired = bool(refund.provider_reference)
            mismatch.note = f"sent, now {refund.status}"
