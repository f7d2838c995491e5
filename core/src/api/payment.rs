//! Payment resources as the `/v1` API returns them: `CreatePaymentResult`,
//! `PaymentWithAllLinks` and `PaymentDetailForSearch`, with the wire enums they use.
//!
//! Omission rules follow GOV.UK Pay: optional attributes (`email`, `metadata`, `fee`, ...)
//! are left out when absent, `delayed_capture`/`moto`/`language` are always present, and
//! `card_details` lists all of its attributes, `null` when unknown.

use crate::time::UnixMillis;

use super::links::{PaymentLinks, PaymentLinksForSearch};
use super::metadata::Metadata;
use super::{ser_instant, ser_opt_date, ser_opt_instant};

pub use crate::language::Language;

/// How a payment is authorised. Kassa creates `web` payments only; the other values exist
/// so that responses can describe payments imported from elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorisationMode {
    /// The paying user enters card details on the hosted payment pages.
    #[default]
    Web,
    /// Card details are sent through the API (not supported by Kassa yet).
    MotoApi,
    /// Authorised with a recurring-payment agreement (not supported by Kassa yet).
    Agreement,
    /// Authorised outside GOV.UK Pay / Kassa.
    External,
}

/// Where a payment is in its lifecycle (`state.status`): the domain's external status is
/// exactly the wire value, so there is one enum for both.
pub use crate::payment::ExternalStatus as PaymentStatus;

/// Why a payment ended unsuccessfully: the `state.code`/`state.message` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateReason {
    /// P0010: rejected (declined, failed 3-D Secure or fraud checks).
    Rejected,
    /// P0020: not completed in time.
    Expired,
    /// P0030: the paying user cancelled.
    CancelledByUser,
    /// P0040: the service cancelled.
    CancelledByService,
    /// P0050: the payment service provider returned an error.
    ProviderError,
}

impl StateReason {
    /// The `state.code` value.
    pub const fn code(self) -> &'static str {
        match self {
            StateReason::Rejected => "P0010",
            StateReason::Expired => "P0020",
            StateReason::CancelledByUser => "P0030",
            StateReason::CancelledByService => "P0040",
            StateReason::ProviderError => "P0050",
        }
    }

    /// The `state.message` value, GOV.UK Pay's wording.
    pub const fn message(self) -> &'static str {
        match self {
            StateReason::Rejected => "Payment method rejected",
            StateReason::Expired => "Payment expired",
            StateReason::CancelledByUser => "Payment was cancelled by the user",
            StateReason::CancelledByService => "Payment was cancelled by the service",
            StateReason::ProviderError => "Payment provider returned an error",
        }
    }
}

/// The `state` object (`PaymentState`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentState {
    /// Lifecycle status.
    pub status: PaymentStatus,
    /// Whether the status is final.
    pub finished: bool,
    /// What went wrong, for unsuccessful payments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
    /// The `P00x0` code, for unsuccessful payments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

impl PaymentState {
    /// A state without a failure reason; `finished` follows from the status.
    pub const fn new(status: PaymentStatus) -> PaymentState {
        PaymentState {
            status,
            finished: status.is_finished(),
            message: None,
            code: None,
        }
    }

    /// A finished state with its reason, e.g. `failed` + [`StateReason::Expired`].
    pub const fn with_reason(status: PaymentStatus, reason: StateReason) -> PaymentState {
        PaymentState {
            status,
            finished: status.is_finished(),
            message: Some(reason.message()),
            code: Some(reason.code()),
        }
    }
}

/// Whether a payment can be refunded (`refund_summary.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundAvailability {
    /// The payment is not yet captured.
    Pending,
    /// The payment cannot be refunded (e.g. it failed).
    Unavailable,
    /// Some or all of the amount can be refunded.
    Available,
    /// Fully refunded.
    Full,
}

impl RefundAvailability {
    /// The wire value (used in P0603's description too).
    pub const fn as_str(self) -> &'static str {
        match self {
            RefundAvailability::Pending => "pending",
            RefundAvailability::Unavailable => "unavailable",
            RefundAvailability::Available => "available",
            RefundAvailability::Full => "full",
        }
    }
}

/// `refund_summary`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefundSummary {
    /// Whether refunds are possible.
    pub status: RefundAvailability,
    /// How much can still be refunded, in minor units.
    pub amount_available: u64,
    /// How much has been refunded already, in minor units.
    pub amount_submitted: u64,
}

/// `settlement_summary` of a payment (`PaymentSettlementSummary`). An empty one
/// serialises as `{}`, as in GOV.UK Pay's create-payment response.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct SettlementSummary {
    /// When capture was requested from the provider (`2016-01-21T17:15:00.000Z`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_instant"
    )]
    pub capture_submit_time: Option<UnixMillis>,
    /// The day the provider took the money (`2016-01-21`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_date"
    )]
    pub captured_date: Option<UnixMillis>,
    /// The day the provider paid it out (`2016-01-21`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_date"
    )]
    pub settled_date: Option<UnixMillis>,
}

/// A billing address, both in `prefilled_cardholder_details` and in `card_details`.
/// Absent lines are left out (and read back as absent).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Address {
    /// First line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    /// Second line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// Postcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// `card_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardType {
    /// Debit card.
    Debit,
    /// Credit card.
    Credit,
}

/// `wallet_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum WalletType {
    /// Apple Pay.
    #[serde(rename = "Apple Pay")]
    ApplePay,
    /// Google Pay.
    #[serde(rename = "Google Pay")]
    GooglePay,
}

/// `card_details`. Every attribute except `wallet_type` is always written, `null` when
/// unknown (GOV.UK Pay serialises this object with "include always"); `wallet_type` is a
/// newer attribute and appears only for wallet payments.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct CardDetails {
    /// Last 4 digits of the card number.
    pub last_digits_card_number: Option<String>,
    /// First 6 digits of the card number.
    pub first_digits_card_number: Option<String>,
    /// Name on the card.
    pub cardholder_name: Option<String>,
    /// `MM/YY`.
    pub expiry_date: Option<String>,
    /// Billing address entered by the paying user.
    pub billing_address: Option<Address>,
    /// Brand label, e.g. `"Visa"`.
    pub card_brand: Option<String>,
    /// `debit`, `credit`, or `null` when unknown.
    pub card_type: Option<CardType>,
    /// Digital wallet used, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet_type: Option<WalletType>,
}

/// `authorisation_summary`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuthorisationSummary {
    /// 3-D Secure outcome.
    pub three_d_secure: ThreeDSecure,
}

/// `authorisation_summary.three_d_secure`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ThreeDSecure {
    /// Whether 3-D Secure authentication was required.
    pub required: bool,
    /// The protocol version (`2.2.0`), where the provider says (a Kassa addition).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A payment as the API returns it. `L` is the `_links` type: [`PaymentLinks`] for
/// single-payment responses, [`PaymentLinksForSearch`] inside search results.
///
/// Fields are public so the edge worker can fill them from its own payment record; use
/// [`PaymentResource::new`] for the always-present ones.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PaymentResource<L> {
    /// Amount in minor units.
    pub amount: u64,
    /// The service's description.
    pub description: String,
    /// The service's reference.
    pub reference: String,
    /// Language of the payment pages.
    pub language: Language,
    /// Custom metadata, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// The paying user's email, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Lifecycle state.
    pub state: PaymentState,
    /// Kassa's payment id.
    pub payment_id: String,
    /// Payment service provider name, e.g. `"stripe"` or `"sandbox"`.
    pub payment_provider: String,
    /// Creation time (`2016-01-21T17:15:00.000Z`).
    #[serde(serialize_with = "ser_instant")]
    pub created_date: UnixMillis,
    /// Refund availability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_summary: Option<RefundSummary>,
    /// Settlement dates (an empty summary is written as `{}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_summary: Option<SettlementSummary>,
    /// Card used, once the paying user has entered it. Also written as the deprecated
    /// top-level `card_brand`, as GOV.UK Pay still does for v1 clients.
    #[serde(flatten, serialize_with = "ser_card_details")]
    pub card_details: Option<CardDetails>,
    /// 3-D Secure summary, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorisation_summary: Option<AuthorisationSummary>,
    /// Whether the service captures the payment itself.
    pub delayed_capture: bool,
    /// Whether this is a Mail Order / Telephone Order payment.
    pub moto: bool,
    /// Corporate card surcharge, in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corporate_card_surcharge: Option<u64>,
    /// Amount including the surcharge, in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<u64>,
    /// Provider's fee, in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<u64>,
    /// Amount after the fee, in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_amount: Option<u64>,
    /// The provider's id for this payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// Where the paying user returns to (web payments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// How the payment is authorised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorisation_mode: Option<AuthorisationMode>,
    /// HAL links.
    #[serde(rename = "_links")]
    pub links: L,
}

/// `CreatePaymentResult` / `PaymentWithAllLinks`.
pub type PaymentResponse = PaymentResource<PaymentLinks>;

/// `PaymentDetailForSearch`.
pub type PaymentDetailForSearch = PaymentResource<PaymentLinksForSearch>;

impl<L> PaymentResource<L> {
    /// A payment with the always-present attributes set and every optional one absent,
    /// except `settlement_summary`, which starts empty (`{}`) as in GOV.UK Pay's responses.
    #[allow(clippy::too_many_arguments)] // Mirrors the attributes GOV.UK Pay always sends.
    pub fn new(
        payment_id: impl Into<String>,
        amount: u64,
        description: impl Into<String>,
        reference: impl Into<String>,
        state: PaymentState,
        payment_provider: impl Into<String>,
        created_date: UnixMillis,
        links: L,
    ) -> PaymentResource<L> {
        PaymentResource {
            amount,
            description: description.into(),
            reference: reference.into(),
            language: Language::En,
            metadata: None,
            email: None,
            state,
            payment_id: payment_id.into(),
            payment_provider: payment_provider.into(),
            created_date,
            refund_summary: None,
            settlement_summary: Some(SettlementSummary::default()),
            card_details: None,
            authorisation_summary: None,
            delayed_capture: false,
            moto: false,
            corporate_card_surcharge: None,
            total_amount: None,
            fee: None,
            net_amount: None,
            provider_id: None,
            return_url: None,
            authorisation_mode: None,
            links,
        }
    }
}

/// Writes `card_details` and the deprecated top-level `card_brand` into the payment object
/// (the field is flattened), or nothing when there are no card details.
fn ser_card_details<S: serde::Serializer>(
    card_details: &Option<CardDetails>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(None)?;
    if let Some(details) = card_details {
        map.serialize_entry("card_details", details)?;
        if let Some(brand) = &details.card_brand {
            map.serialize_entry("card_brand", brand)?;
        }
    }
    map.end()
}

/// Renders the `YYYY-MM-DD` date of an instant, for settlement dates.
pub fn civil_date(instant: UnixMillis) -> String {
    let (y, m, d, ..) = instant.to_civil();
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::links::PaymentLinksBuilder;
    use serde_json::json;

    const API: &str = "https://publicapi.payments.service.gov.uk";
    const ID: &str = "hu20sqlact5260q2nanm0q8u93";

    #[test]
    fn statuses_and_finished_flags() {
        assert!(!PaymentStatus::Created.is_finished());
        assert!(!PaymentStatus::Capturable.is_finished());
        assert!(PaymentStatus::Success.is_finished());
        assert!(PaymentStatus::Error.is_finished());
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), json!(s.as_str()));
        }
        assert_eq!(PaymentStatus::parse("SUCCESS"), None);
    }

    #[test]
    fn failed_state_carries_code_and_message() {
        let state = PaymentState::with_reason(PaymentStatus::Failed, StateReason::Expired);
        assert_eq!(
            serde_json::to_value(state).unwrap(),
            json!({"status": "failed", "finished": true, "message": "Payment expired", "code": "P0020"})
        );
        assert_eq!(
            serde_json::to_value(PaymentState::new(PaymentStatus::Created)).unwrap(),
            json!({"status": "created", "finished": false})
        );
    }

    #[test]
    fn create_payment_result_matches_the_documented_example() {
        let links = PaymentLinksBuilder::new(API, ID)
            .next_url(
                "https://www.payments.service.gov.uk",
                "ef1b6ff1-db34-4c62-b854-3ed4ba3c4049",
            )
            .cancellable(true)
            .build();
        let mut p = PaymentResponse::new(
            ID,
            14500,
            "Pay your council tax.",
            "12345",
            PaymentState::new(PaymentStatus::Created),
            "stripe",
            UnixMillis::parse_rfc3339("2022-03-25T13:11:29.019Z").unwrap(),
            links,
        );
        p.refund_summary = Some(RefundSummary {
            status: RefundAvailability::Pending,
            amount_available: 14500,
            amount_submitted: 0,
        });
        p.return_url = Some("https://your.service.gov.uk/completed".into());
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({
                "amount": 14500,
                "description": "Pay your council tax.",
                "reference": "12345",
                "language": "en",
                "state": {"status": "created", "finished": false},
                "payment_id": ID,
                "payment_provider": "stripe",
                "created_date": "2022-03-25T13:11:29.019Z",
                "refund_summary": {"status": "pending", "amount_available": 14500, "amount_submitted": 0},
                "settlement_summary": {},
                "delayed_capture": false,
                "moto": false,
                "return_url": "https://your.service.gov.uk/completed",
                "_links": {
                    "self": {"href": format!("{API}/v1/payments/{ID}"), "method": "GET"},
                    "next_url": {
                        "href": "https://www.payments.service.gov.uk/secure/ef1b6ff1-db34-4c62-b854-3ed4ba3c4049",
                        "method": "GET"
                    },
                    "next_url_post": {
                        "type": "application/x-www-form-urlencoded",
                        "params": {"chargeTokenId": "ef1b6ff1-db34-4c62-b854-3ed4ba3c4049"},
                        "href": "https://www.payments.service.gov.uk/secure",
                        "method": "POST"
                    },
                    "events": {"href": format!("{API}/v1/payments/{ID}/events"), "method": "GET"},
                    "refunds": {"href": format!("{API}/v1/payments/{ID}/refunds"), "method": "GET"},
                    "cancel": {"href": format!("{API}/v1/payments/{ID}/cancel"), "method": "POST"}
                }
            })
        );
    }

    fn successful_payment() -> PaymentResponse {
        let mut p = PaymentResponse::new(
            ID,
            3750,
            "Pay your council tax",
            "12345",
            PaymentState::new(PaymentStatus::Success),
            "worldpay",
            UnixMillis::parse_rfc3339("2019-07-11T10:36:26.988Z").unwrap(),
            PaymentLinksBuilder::new(API, ID).build(),
        );
        let metadata = crate::api::metadata::parse_metadata(&json!({
            "ledger_code": "AB100", "internal_reference_number": 200
        }))
        .unwrap();
        p.metadata = metadata;
        p.email = Some("sherlock.holmes@example.com".into());
        p.card_details = Some(CardDetails {
            last_digits_card_number: Some("1234".into()),
            first_digits_card_number: Some("123456".into()),
            cardholder_name: Some("Sherlock Holmes".into()),
            expiry_date: Some("04/24".into()),
            billing_address: Some(Address {
                line1: Some("221 Baker Street".into()),
                line2: Some("Flat b".into()),
                postcode: Some("NW1 6XE".into()),
                city: Some("London".into()),
                country: Some("GB".into()),
            }),
            card_brand: Some("Visa".into()),
            card_type: Some(CardType::Debit),
            wallet_type: None,
        });
        p.authorisation_summary = Some(AuthorisationSummary {
            three_d_secure: ThreeDSecure {
                required: true,
                version: None,
            },
        });
        p.refund_summary = Some(RefundSummary {
            status: RefundAvailability::Available,
            amount_available: 3500,
            amount_submitted: 500,
        });
        p.settlement_summary = Some(SettlementSummary {
            capture_submit_time: UnixMillis::parse_rfc3339("2019-07-12T17:15:00.000Z"),
            captured_date: UnixMillis::parse_rfc3339("2019-07-12T00:00:00Z"),
            settled_date: UnixMillis::parse_rfc3339("2019-07-12T00:00:00Z"),
        });
        p.corporate_card_surcharge = Some(250);
        p.total_amount = Some(4000);
        p.fee = Some(200);
        p.net_amount = Some(3800);
        p.provider_id = Some("10987654321".into());
        p.return_url = Some("https://your.service.gov.uk/completed".into());
        p
    }

    #[test]
    fn payment_with_all_links_matches_the_documented_example() {
        assert_eq!(
            serde_json::to_value(successful_payment()).unwrap(),
            json!({
                "created_date": "2019-07-11T10:36:26.988Z",
                "amount": 3750,
                "state": {"status": "success", "finished": true},
                "description": "Pay your council tax",
                "reference": "12345",
                "language": "en",
                "metadata": {"ledger_code": "AB100", "internal_reference_number": 200},
                "email": "sherlock.holmes@example.com",
                "card_details": {
                    "card_brand": "Visa",
                    "card_type": "debit",
                    "last_digits_card_number": "1234",
                    "first_digits_card_number": "123456",
                    "expiry_date": "04/24",
                    "cardholder_name": "Sherlock Holmes",
                    "billing_address": {
                        "line1": "221 Baker Street",
                        "line2": "Flat b",
                        "postcode": "NW1 6XE",
                        "city": "London",
                        "country": "GB"
                    }
                },
                "card_brand": "Visa",
                "payment_id": ID,
                "authorisation_summary": {"three_d_secure": {"required": true}},
                "refund_summary": {"status": "available", "amount_available": 3500, "amount_submitted": 500},
                "settlement_summary": {
                    "capture_submit_time": "2019-07-12T17:15:00.000Z",
                    "captured_date": "2019-07-12",
                    "settled_date": "2019-07-12"
                },
                "delayed_capture": false,
                "moto": false,
                "corporate_card_surcharge": 250,
                "total_amount": 4000,
                "fee": 200,
                "net_amount": 3800,
                "payment_provider": "worldpay",
                "provider_id": "10987654321",
                "return_url": "https://your.service.gov.uk/completed",
                "_links": {
                    "self": {"href": format!("{API}/v1/payments/{ID}"), "method": "GET"},
                    "events": {"href": format!("{API}/v1/payments/{ID}/events"), "method": "GET"},
                    "refunds": {"href": format!("{API}/v1/payments/{ID}/refunds"), "method": "GET"}
                }
            })
        );
    }

    #[test]
    fn unknown_card_attributes_are_null() {
        let mut p = successful_payment();
        p.card_details = Some(CardDetails {
            card_brand: Some("Visa".into()),
            ..CardDetails::default()
        });
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v["card_details"],
            json!({
                "last_digits_card_number": null,
                "first_digits_card_number": null,
                "cardholder_name": null,
                "expiry_date": null,
                "billing_address": null,
                "card_brand": "Visa",
                "card_type": null
            })
        );
    }

    #[test]
    fn no_card_details_means_no_card_keys() {
        let mut p = successful_payment();
        p.card_details = None;
        let v = serde_json::to_value(&p).unwrap();
        assert!(v.get("card_details").is_none());
        assert!(v.get("card_brand").is_none());
    }

    #[test]
    fn wallet_type_and_authorisation_mode_when_set() {
        let mut p = successful_payment();
        if let Some(cd) = p.card_details.as_mut() {
            cd.wallet_type = Some(WalletType::ApplePay);
        }
        p.authorisation_mode = Some(AuthorisationMode::Web);
        p.language = Language::Cy;
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["card_details"]["wallet_type"], "Apple Pay");
        assert_eq!(v["authorisation_mode"], "web");
        assert_eq!(v["language"], "cy");
        assert_eq!(
            serde_json::to_value(AuthorisationMode::MotoApi).unwrap(),
            json!("moto_api")
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(UnixMillis(0)), "1970-01-01");
        assert_eq!(
            civil_date(UnixMillis::parse_rfc3339("2016-01-21T23:59:59.999Z").unwrap()),
            "2016-01-21"
        );
    }
}
