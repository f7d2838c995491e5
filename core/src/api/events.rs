//! `GET /v1/payments/{id}/events` (`PaymentEvents`): one entry per state change, oldest
//! first.

use crate::time::UnixMillis;

use super::links::{payment_url, Link};
use super::payment::PaymentState;
use super::ser_instant;

/// One state change (`PaymentEvent`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentEvent {
    /// The payment.
    pub payment_id: String,
    /// The state the payment moved to.
    pub state: PaymentState,
    /// When it moved (`2017-01-10T16:44:48.646Z`).
    #[serde(serialize_with = "ser_instant")]
    pub updated: UnixMillis,
    /// `payment_url`.
    #[serde(rename = "_links")]
    pub links: PaymentEventLinks,
}

/// `_links` of an event (`PaymentEventLink`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentEventLinks {
    /// `GET` the payment.
    pub payment_url: Link,
}

/// `_links` of the events list (`PaymentLinksForEvents`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentEventsLinks {
    /// `GET` this list again.
    #[serde(rename = "self")]
    pub self_link: Link,
}

/// The events response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentEventsResponse {
    /// The state changes, oldest first.
    pub events: Vec<PaymentEvent>,
    /// The payment.
    pub payment_id: String,
    /// `self`.
    #[serde(rename = "_links")]
    pub links: PaymentEventsLinks,
}

impl PaymentEventsResponse {
    /// Builds the response from `(state, when)` pairs in the order they happened.
    pub fn new(
        api_base_url: &str,
        payment_id: &str,
        events: impl IntoIterator<Item = (PaymentState, UnixMillis)>,
    ) -> PaymentEventsResponse {
        let payment = payment_url(api_base_url, payment_id);
        let events = events
            .into_iter()
            .map(|(state, updated)| PaymentEvent {
                payment_id: payment_id.to_owned(),
                state,
                updated,
                links: PaymentEventLinks {
                    payment_url: Link::get(payment.clone()),
                },
            })
            .collect();
        PaymentEventsResponse {
            events,
            payment_id: payment_id.to_owned(),
            links: PaymentEventsLinks {
                self_link: Link::get(format!("{payment}/events")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::payment::{PaymentStatus, StateReason};
    use serde_json::json;

    const API: &str = "https://publicapi.payments.service.gov.uk";
    const ID: &str = "hu20sqlact5260q2nanm0q8u93";

    #[test]
    fn matches_the_documented_example() {
        let at = |s: &str| UnixMillis::parse_rfc3339(s).unwrap();
        let response = PaymentEventsResponse::new(
            API,
            ID,
            [
                (
                    PaymentState::new(PaymentStatus::Created),
                    at("2022-01-19T15:32:48.819Z"),
                ),
                (
                    PaymentState::new(PaymentStatus::Success),
                    at("2022-01-19T15:34:13.550Z"),
                ),
            ],
        );
        let event = |status: &str, finished: bool, updated: &str| {
            json!({
                "payment_id": ID,
                "state": {"status": status, "finished": finished},
                "updated": updated,
                "_links": {"payment_url": {"href": format!("{API}/v1/payments/{ID}"), "method": "GET"}}
            })
        };
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({
                "events": [
                    event("created", false, "2022-01-19T15:32:48.819Z"),
                    event("success", true, "2022-01-19T15:34:13.550Z")
                ],
                "payment_id": ID,
                "_links": {"self": {"href": format!("{API}/v1/payments/{ID}/events"), "method": "GET"}}
            })
        );
    }

    #[test]
    fn failed_event_has_code_and_message() {
        let response = PaymentEventsResponse::new(
            API,
            ID,
            [(
                PaymentState::with_reason(PaymentStatus::Failed, StateReason::Rejected),
                UnixMillis(0),
            )],
        );
        let v = serde_json::to_value(&response).unwrap();
        assert_eq!(
            v["events"][0]["state"],
            json!({"status": "failed", "finished": true, "message": "Payment method rejected", "code": "P0010"})
        );
    }

    #[test]
    fn no_events_is_an_empty_list() {
        let v = serde_json::to_value(PaymentEventsResponse::new(API, ID, [])).unwrap();
        assert_eq!(v["events"], json!([]));
    }
}
