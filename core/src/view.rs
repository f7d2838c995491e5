//! From the domain to the wire: a stored payment rendered as GOV.UK Pay's responses.
//!
//! The lifecycle (`payment`, `refund`, `event`) knows what happened to a payment; `api`
//! knows how GOV.UK Pay writes a payment down. This module is the one place that joins
//! them: the edge worker stores a [`PaymentRecord`] (the `Payment` aggregate plus the
//! API-level facts the aggregate does not model) and answers each `/v1` read with one
//! `render_*` call, holding no response rule of its own.
//!
//! It sits beside `api` rather than inside it because `api` deliberately has no view of
//! the state machine (see [`PaymentLinksBuilder`]): which `cancel`/`capture` links a
//! payment offers is decided here, from the transition table ([`payment::next`]), so a
//! change to the table changes the links with it and no second list of states can drift.
//!
//! Rendering is pure: it reads no clock. A payment whose deadline has passed but whose
//! expiry alarm has not fired yet still shows the links of its current status, so the
//! worker should call [`Payment::expire_if_due`] before rendering, as it does before any
//! command.

use serde::{Deserialize, Serialize};

use crate::api::create_payment::{CreatePaymentRequest, PrefilledCardholderDetails};
use crate::api::events::PaymentEventsResponse;
use crate::api::links::PaymentLinksBuilder;
use crate::api::metadata::Metadata;
use crate::api::payment::{
    Address, AuthorisationMode, AuthorisationSummary, CardDetails, CardType,
    PaymentDetailForSearch, PaymentResource, PaymentResponse, PaymentState,
    RefundAvailability as WireAvailability, RefundSummary as WireRefundSummary, SettlementSummary,
    StateReason, ThreeDSecure,
};
use crate::api::refund::{RefundResponse, RefundStatus as WireRefundStatus, RefundsResponse};
use crate::card::CardBrand;
use crate::event::PaymentEvent;
use crate::ids::PaymentId;
use crate::language::Language;
use crate::payment::{
    self, ExternalState, ExternalStatus, NewPayment, Payment, PaymentInputKind, StateCode,
};
use crate::provider::{Authentication, CardFacts};
use crate::refund::{self, Refund, RefundAvailability, RefundStatus, RefundSummary, RefundTally};
use crate::time::UnixMillis;

/// Everything storage keeps about a payment: the aggregate and, beside it, what the
/// responses need that the lifecycle does not model. Stored as one JSON document.
///
/// Fields are public because this is a storage row, not an aggregate: the only invariants
/// that matter live inside [`Payment`], whose fields stay private. Change `payment` only
/// through [`Payment::apply`] and the `refund` functions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    /// The payment's lifecycle: amount, reference, description, status, card summary,
    /// provider id, timestamps and event counter.
    pub payment: Payment,
    /// Where the payer returns to (`return_url`).
    pub return_url: String,
    /// Language of the payment pages.
    pub language: Language,
    /// The payer's email: prefilled by the service, or entered on the payment page.
    pub email: Option<String>,
    /// What the service prefilled on the card form. Also what `card_details` shows before
    /// the payer has entered a card, as GOV.UK Pay does.
    pub prefilled_cardholder_details: Option<PrefilledCardholderDetails>,
    /// The service's custom metadata.
    pub metadata: Option<Metadata>,
    /// Mail Order / Telephone Order payment.
    pub moto: bool,
    /// Created with a live API key (`api_live_…`) rather than a test one.
    pub live: bool,
    /// The payment service provider, as `payment_provider` shows it: `"sandbox"`,
    /// `"stripe"`, ...
    pub provider: String,
    /// Card facts learnt at authorisation beyond the PCI-safe card summary. Defaulted so
    /// that records stored before any were known still load.
    #[serde(default)]
    pub authorisation: AuthorisationDetails,
    /// Created with a sealed card by the merchant's server (`sealed_card`): there is no payer
    /// to confirm, so an authorisation is confirmed as soon as it is known, even when a
    /// status query learns it later. Defaulted for records stored before it existed.
    #[serde(default)]
    pub confirm_on_authorisation: bool,
    /// The fingerprint of the provider credentials the payment was created with
    /// (`provider::Credentials::fingerprint`); every later provider call for it must use
    /// the same ones. `None` for the sandbox and for records stored before fingerprints.
    #[serde(default)]
    pub credential: Option<String>,
    /// The 3-D Secure step the provider asked for, while the payment is
    /// `AuthenticationRequired` (kept afterwards for support; it holds no card data).
    #[serde(default)]
    pub authentication: Option<Authentication>,
    /// Paid in the embedded form: the merchant page that mounted it, so the page that ends
    /// 3-D Secure inside the iframe can report the outcome to it (and only to it).
    #[serde(default)]
    pub frame: Option<CheckoutFrame>,
    /// The secret in the gateway's 3-D Secure return URL for this payment (drawn when the
    /// card is sent): a return without it is not the payer coming back from the provider,
    /// and is not acted on.
    #[serde(default)]
    pub return_key: Option<String>,
}

/// The merchant page an embedded form was mounted by: an origin the account registered
/// (checked when the form was opened and again when the card was sent) and the mount's
/// channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutFrame {
    pub origin: String,
    pub channel: String,
}

/// What the card form and the provider report about the card besides the
/// [`payment::CardSummary`] (brand, digits, expiry, name) the aggregate keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthorisationDetails {
    /// The billing address the payer entered with the card, if the form asked for one.
    /// When absent, `card_details.billing_address` falls back to the prefilled address.
    pub billing_address: Option<Address>,
    /// Debit or credit, when the provider reports it; `card_type` is `null` otherwise.
    pub card_type: Option<CardType>,
    /// Whether 3-D Secure was required, once the provider reports it; drives
    /// `authorisation_summary`, which is absent until then.
    pub three_d_secure_required: Option<bool>,
    /// The 3-D Secure version, where the provider says.
    pub three_d_secure_version: Option<String>,
}

impl PaymentRecord {
    /// Creates the payment for a validated `POST /v1/payments` body, and its first event.
    ///
    /// `id` and `now` come from the caller (the core draws no randomness and reads no
    /// clock); `expiry_window_ms` is the account's setting, `None` for GOV.UK Pay's 90
    /// minutes.
    pub fn new(
        request: CreatePaymentRequest,
        id: PaymentId,
        now: UnixMillis,
        live: bool,
        provider: impl Into<String>,
        expiry_window_ms: Option<u64>,
    ) -> (PaymentRecord, PaymentEvent) {
        // Destructured, not read field by field, so that a new request attribute fails to
        // compile here until someone decides where it is stored.
        let CreatePaymentRequest {
            amount,
            reference,
            description,
            return_url,
            language,
            email,
            prefilled_cardholder_details,
            delayed_capture,
            moto,
            metadata,
        } = request;
        let (payment, event) = Payment::create(
            NewPayment {
                id,
                amount: amount.minor_units(),
                reference,
                description,
                delayed_capture,
                expiry_window_ms,
            },
            now,
        );
        let record = PaymentRecord {
            payment,
            return_url,
            language,
            email,
            prefilled_cardholder_details,
            metadata,
            moto,
            live,
            provider: provider.into(),
            authorisation: AuthorisationDetails::default(),
            confirm_on_authorisation: false,
            credential: None,
            authentication: None,
            frame: None,
            return_key: None,
        };
        (record, event)
    }

    /// Keeps what an authorisation's answer taught about the card: debit or credit, and
    /// whether (and in which version) 3-D Secure took place.
    pub fn learn(&mut self, facts: &CardFacts) {
        if facts.card_type.is_some() {
            self.authorisation.card_type = facts.card_type;
        }
        if let Some(three_ds) = &facts.three_d_secure {
            self.authorisation.three_d_secure_required = Some(true);
            if three_ds.version.is_some() {
                self.authorisation.three_d_secure_version = three_ds.version.clone();
            }
        }
    }

    /// Keeps the 3-D Secure step the provider asked for: the pages send the payer there,
    /// and `authorisation_summary` shows that 3-D Secure was required.
    pub fn require_authentication(&mut self, authentication: Authentication) {
        self.authorisation.three_d_secure_required = Some(true);
        if authentication.version.is_some() {
            self.authorisation.three_d_secure_version = authentication.version.clone();
        }
        self.authentication = Some(authentication);
    }
}

/// Where links point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkContext<'a> {
    /// The public API's base URL, e.g. `https://kassa.example/v1`. The `/v1` may be left
    /// out (`https://kassa.example`): links come out the same either way.
    pub api_base: &'a str,
    /// The payment pages' base URL and the payer's one-time token, e.g.
    /// `("https://pay.kassa.example", token)`. Used only while the payer can still act on
    /// the payment; pass `None` when no token was issued for this response.
    pub next_url: Option<(&'a str, &'a str)>,
}

/// `GET /v1/payments/{id}` and `POST /v1/payments` (`PaymentWithAllLinks`,
/// `CreatePaymentResult`).
///
/// `refunds` are the payment's refunds (others are ignored). Links: `self`, `events` and
/// `refunds` always; `next_url`/`next_url_post` while the payer journey is open and a
/// token is given; `cancel` and `capture` exactly when `/cancel` and `/capture` would
/// change the payment.
pub fn render_payment(
    record: &PaymentRecord,
    refunds: &[Refund],
    links: LinkContext<'_>,
) -> PaymentResponse {
    render_payment_tallied(record, RefundTally::of(&record.payment, refunds), links)
}

/// [`render_payment`] from a [`RefundTally`] of the payment's refunds (storage sums it
/// without loading them).
pub fn render_payment_tallied(
    record: &PaymentRecord,
    refunds: RefundTally,
    links: LinkContext<'_>,
) -> PaymentResponse {
    let payment_id = record.payment.id().to_string();
    let mut builder = links_builder(&record.payment, links.api_base, &payment_id);
    if let Some((checkout_base, token)) = links.next_url {
        if payer_journey_open(&record.payment) {
            builder = builder.next_url(checkout_base, token);
        }
    }
    let payment_links = builder.build();
    resource(record, refunds, payment_id, payment_links)
}

/// A payment inside `GET /v1/payments` results (`PaymentDetailForSearch`): the same
/// resource, with search links (`cancel`/`capture` written as `null` when not offered, and
/// never a `next_url`, as GOV.UK Pay never puts the payer's token in search results).
pub fn render_payment_for_search(
    record: &PaymentRecord,
    refunds: &[Refund],
    api_base: &str,
) -> PaymentDetailForSearch {
    let tally = RefundTally::of(&record.payment, refunds);
    render_payment_for_search_tallied(record, tally, api_base)
}

/// [`render_payment_for_search`] from a [`RefundTally`].
pub fn render_payment_for_search_tallied(
    record: &PaymentRecord,
    refunds: RefundTally,
    api_base: &str,
) -> PaymentDetailForSearch {
    let payment_id = record.payment.id().to_string();
    let links = links_builder(&record.payment, api_base, &payment_id).build_for_search();
    resource(record, refunds, payment_id, links)
}

/// One refund (`POST /v1/payments/{id}/refunds`, `GET .../refunds/{refund_id}`). The
/// payment it belongs to is the refund's own, so the two cannot disagree.
pub fn render_refund(refund: &Refund, api_base: &str) -> RefundResponse {
    RefundResponse::new(
        api_origin(api_base),
        &refund.payment_id().to_string(),
        &refund.id().to_string(),
        refund.amount(),
        wire_refund_status(refund.status()),
        refund.created_at(),
        // Settlement comes from provider payout reports, which Kassa does not model yet.
        None,
    )
}

/// `GET /v1/payments/{id}/refunds`: the refunds of `payment_id` among `refunds`, oldest
/// first (refunds of other payments are left out rather than shown under the wrong one).
pub fn render_refunds(
    payment_id: PaymentId,
    refunds: &[Refund],
    api_base: &str,
) -> RefundsResponse {
    let mut own: Vec<&Refund> = refunds
        .iter()
        .filter(|r| r.payment_id() == payment_id)
        .collect();
    // Stable, so refunds created in the same millisecond keep the caller's order.
    own.sort_by_key(|r| r.created_at());
    RefundsResponse::new(
        api_origin(api_base),
        &payment_id.to_string(),
        own.into_iter()
            .map(|r| render_refund(r, api_base))
            .collect(),
    )
}

/// `GET /v1/payments/{id}/events`: the payment's state changes, oldest first.
///
/// The log records more than state changes (an authorisation going to the provider, a
/// capture retry, refund steps), and each entry carries the state right after it. Like
/// GOV.UK Pay's connector, which removes duplicate events, an entry is shown only when its
/// state differs from the one before, so the list reads as "when the state changed".
/// Events of other payments are ignored; the log is ordered by sequence first.
pub fn render_events(
    payment_id: PaymentId,
    events: &[PaymentEvent],
    api_base: &str,
) -> PaymentEventsResponse {
    let mut own: Vec<&PaymentEvent> = events
        .iter()
        .filter(|e| e.payment_id == payment_id)
        .collect();
    own.sort_by_key(|e| e.sequence);
    let mut changes: Vec<(PaymentState, UnixMillis)> = Vec::new();
    for event in own {
        let state = render_state(&event.state);
        if changes.last().map(|(last, _)| last) != Some(&state) {
            changes.push((state, event.at));
        }
    }
    PaymentEventsResponse::new(api_origin(api_base), &payment_id.to_string(), changes)
}

/// The `state` object for a lifecycle state. `finished` is the lifecycle's; `message` is
/// GOV.UK Pay's wording for the code (the same text the lifecycle carries).
pub fn render_state(state: &ExternalState) -> PaymentState {
    let status = state.status;
    let reason = state.code.map(|code| match code {
        StateCode::PaymentMethodRejected => StateReason::Rejected,
        StateCode::PaymentExpired => StateReason::Expired,
        StateCode::CancelledByUser => StateReason::CancelledByUser,
        StateCode::CancelledByService => StateReason::CancelledByService,
        StateCode::ProviderError => StateReason::ProviderError,
    });
    PaymentState {
        status,
        finished: state.finished,
        message: reason.map(StateReason::message),
        code: reason.map(StateReason::code),
    }
}

/// The fields every payment resource shares, whatever its links.
fn resource<L>(
    record: &PaymentRecord,
    refunds: RefundTally,
    payment_id: String,
    links: L,
) -> PaymentResource<L> {
    let payment = &record.payment;
    let mut r = PaymentResource::new(
        payment_id,
        payment.amount(),
        payment.description(),
        payment.reference(),
        render_state(&payment.external_state()),
        record.provider.clone(),
        payment.created_at(),
        links,
    );
    r.language = record.language;
    // GOV.UK Pay leaves `metadata` out rather than writing `{}`.
    r.metadata = record.metadata.clone().filter(|m| !m.is_empty());
    r.email = record.email.clone();
    r.refund_summary = Some(wire_refund_summary(refund::summary_for(
        payment,
        refunds.amount_submitted,
    )));
    r.settlement_summary = Some(SettlementSummary {
        capture_submit_time: payment.capture_submitted_at(),
        captured_date: payment.captured_at(),
        // Learnt from payout reports, which Kassa does not model yet.
        settled_date: None,
    });
    r.card_details = card_details(record);
    r.authorisation_summary = record
        .authorisation
        .three_d_secure_required
        .map(|required| AuthorisationSummary {
            three_d_secure: ThreeDSecure {
                required,
                version: record.authorisation.three_d_secure_version.clone(),
            },
        });
    r.delayed_capture = payment.delayed_capture();
    r.moto = record.moto;
    r.provider_id = payment.provider_id().map(str::to_owned);
    r.return_url = Some(record.return_url.clone());
    // Kassa creates `web` payments only (the parser refuses the other modes).
    r.authorisation_mode = Some(AuthorisationMode::Web);
    r
}

/// The link builder with `cancel` and `capture` decided by the transition table.
fn links_builder<'a>(
    payment: &Payment,
    api_base: &'a str,
    payment_id: &'a str,
) -> PaymentLinksBuilder<'a> {
    PaymentLinksBuilder::new(api_origin(api_base), payment_id)
        .cancellable(offers(payment, PaymentInputKind::ServiceCancelled))
        .capturable(offers(payment, PaymentInputKind::CaptureRequested))
}

/// Whether the service command `command` would be accepted now and would change the
/// payment.
///
/// "Would change" matters for `/capture`: the table accepts a repeated capture of an
/// already-approved payment as an idempotent no-op (so a retried call gets no 409), but
/// offering a `capture` link on a `success` payment would invite a call that does
/// nothing. GOV.UK Pay likewise offers `capture` only while the payment is `capturable`.
fn offers(payment: &Payment, command: PaymentInputKind) -> bool {
    let status = payment.status();
    payment::next(status, command, payment.delayed_capture()).is_ok_and(|t| t.to != status)
}

/// Whether the payer can still use `next_url`: the payment is unfinished and not waiting
/// for the service's capture (the payer has confirmed by then). This is GOV.UK Pay's rule
/// (the connector's `needsNextUrl`).
fn payer_journey_open(payment: &Payment) -> bool {
    let state = payment.external_state();
    !state.finished && state.status != ExternalStatus::Capturable
}

/// `card_details`.
///
/// Once the payer has entered a card: the card summary, the billing address the payer
/// entered (or else the prefilled one), and `card_type` when the provider reported it.
/// Before that, GOV.UK Pay already shows the prefilled name and address (its connector
/// stores prefilled details as the charge's card details), with `card_brand` `""`, the
/// label it gives an unknown brand; without prefilled details there are no card details.
fn card_details(record: &PaymentRecord) -> Option<CardDetails> {
    let prefilled = record.prefilled_cardholder_details.as_ref();
    let Some(card) = record.payment.card() else {
        return prefilled.map(|p| CardDetails {
            cardholder_name: p.cardholder_name.clone(),
            billing_address: p.billing_address.clone(),
            card_brand: Some(String::new()),
            ..CardDetails::default()
        });
    };
    let billing_address = record
        .authorisation
        .billing_address
        .clone()
        .or_else(|| prefilled.and_then(|p| p.billing_address.clone()));
    Some(CardDetails {
        last_digits_card_number: Some(card.last4().to_owned()),
        first_digits_card_number: Some(card.first6().to_owned()),
        cardholder_name: card.cardholder_name().map(str::to_owned),
        expiry_date: Some(card.expiry_date().to_owned()),
        billing_address,
        card_brand: Some(brand_label(card.brand()).to_owned()),
        card_type: record.authorisation.card_type,
        wallet_type: None,
    })
}

/// GOV.UK Pay's display label for a brand stored as its id (`master-card` →
/// `Mastercard`); anything else is taken to be a label already and shown as stored.
fn brand_label(brand: &str) -> &str {
    CardBrand::from_id(brand).map_or(brand, |known| known.display_name())
}

fn wire_refund_summary(summary: RefundSummary) -> WireRefundSummary {
    WireRefundSummary {
        status: match summary.status {
            RefundAvailability::Pending => WireAvailability::Pending,
            RefundAvailability::Available => WireAvailability::Available,
            RefundAvailability::Full => WireAvailability::Full,
            RefundAvailability::Unavailable => WireAvailability::Unavailable,
        },
        amount_available: summary.amount_available,
        amount_submitted: summary.amount_submitted,
    }
}

fn wire_refund_status(status: RefundStatus) -> WireRefundStatus {
    match status {
        RefundStatus::Submitted => WireRefundStatus::Submitted,
        RefundStatus::Success => WireRefundStatus::Success,
        RefundStatus::Error => WireRefundStatus::Error,
    }
}

/// The base URL the `api` link builders expect (`https://kassa.example`): they append
/// `/v1/...` themselves, so a base given with its `/v1` loses it here instead of producing
/// `/v1/v1/payments`.
fn api_origin(api_base: &str) -> &str {
    let trimmed = api_base.trim_end_matches('/');
    trimmed.strip_suffix("/v1").unwrap_or(trimmed)
}

#[cfg(test)]
mod tests;
