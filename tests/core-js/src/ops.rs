//! The core operations a request needs, as fixed workloads that `make bench` times both
//! natively (`examples/bench_native.rs`) and as wasm in Node (`bench_run`), so the two
//! figures measure exactly the same work.

use kassa_core::payment::{NewPayment, Payment, PaymentInput};
use kassa_core::sealed_token::{self, CardSecrets, SealingSecretKey};
use kassa_core::time::UnixMillis;
use kassa_core::webhook_signature::{self as sig, Signer, WebhookSecret, WebhookSigningKey};

/// 2026-11-22T00:00:00Z: a fixed "now" keeps every run identical.
pub const NOW: UnixMillis = UnixMillis(1_795_305_600_000);
const PAY_SECRET: &str = "webhook-signing-secret-for-benchmarks";

/// Inputs prepared once, outside the timed loops.
pub struct Fixture {
    body_1k: Vec<u8>,
    body_16k: Vec<u8>,
    v1: Signer,
    v1a: Signer,
    /// What one webhook delivery carries: a `v1` HMAC and a `v1a` ed25519 entry.
    delivery: Signer,
    sealing_key: SealingSecretKey,
    card: CardSecrets,
    token: String,
    create_body: Vec<u8>,
    payment: Payment,
}

fn body(len: usize) -> Vec<u8> {
    let mut out =
        br#"{"id":"9np5a0ag3jfu4rl7kkmhnebetq","event_type":"card_payment_succeeded","pad":""#
            .to_vec();
    while out.len() < len.saturating_sub(2) {
        out.push(b'x');
    }
    out.extend_from_slice(b"\"}");
    out
}

impl Fixture {
    pub fn new() -> Option<Fixture> {
        let sealing_key = SealingSecretKey::from_bytes([7; 32]);
        let card = CardSecrets {
            number: "4242424242424242".to_string(),
            expiry_month: 12,
            expiry_year: 2030,
            cvc: "123".to_string(),
            cardholder_name: "Mx Benchmark".to_string(),
        };
        let token = sealed_token::seal_card(
            &card,
            sealing_key.public_key(),
            "payment:bench",
            NOW,
            &[9; 32],
        )
        .ok()?;
        let (payment, _) = Payment::create(
            NewPayment {
                id: kassa_core::ids::PaymentId::generate([0; 16]),
                amount: 1200,
                reference: "bench".to_string(),
                description: "Benchmark".to_string(),
                delayed_capture: false,
                expiry_window_ms: None,
            },
            NOW,
        );
        Some(Fixture {
            body_1k: body(1024),
            body_16k: body(16 * 1024),
            v1: Signer::new().with_secret(WebhookSecret::generate([3; 32])),
            v1a: Signer::new().with_ed25519(WebhookSigningKey::from_seed([5; 32])),
            delivery: Signer::new()
                .with_secret(WebhookSecret::generate([3; 32]))
                .with_ed25519(WebhookSigningKey::from_seed([5; 32])),
            sealing_key,
            card,
            token,
            create_body: br#"{"amount":14500,"reference":"12345","description":"Pay your council tax","return_url":"https://your.service.gov.uk/completed","email":"sherlock.holmes@example.com","language":"en","metadata":{"ledger_code":"AB100","an_internal_reference_number":200},"prefilled_cardholder_details":{"cardholder_name":"J. Bogs","billing_address":{"line1":"address line 1","line2":"address line 2","postcode":"AB1 CD2","city":"address city","country":"GB"}}}"#.to_vec(),
            payment,
        })
    }

    /// Runs operation `name` once; the result's size keeps the optimiser honest.
    pub fn run(&self, name: &str) -> Option<usize> {
        let n = match name {
            "pay_signature_1k" => sig::pay_signature(PAY_SECRET, &self.body_1k).len(),
            "pay_signature_16k" => sig::pay_signature(PAY_SECRET, &self.body_16k).len(),
            "standard_webhooks_v1_1k" => self
                .v1
                .sign("msg_bench", NOW, &self.body_1k)
                .ok()?
                .signature
                .len(),
            "standard_webhooks_v1_16k" => self
                .v1
                .sign("msg_bench", NOW, &self.body_16k)
                .ok()?
                .signature
                .len(),
            "standard_webhooks_v1a_1k" => self
                .v1a
                .sign("msg_bench", NOW, &self.body_1k)
                .ok()?
                .signature
                .len(),
            "sign_message_1k" => self.sign_message(&self.body_1k)?,
            "sign_message_16k" => self.sign_message(&self.body_16k)?,
            "seal_card_token" => sealed_token::seal_card(
                &self.card,
                self.sealing_key.public_key(),
                "payment:bench",
                NOW,
                &[11; 32],
            )
            .ok()?
            .len(),
            "open_card_token" => {
                let kid = self.sealing_key.key_id();
                sealed_token::open_card(
                    &self.token,
                    |id| (id == kid).then_some(&self.sealing_key),
                    "payment:bench",
                    NOW,
                )
                .ok()?
                .number
                .len()
            }
            "validate_create_payment" => {
                kassa_core::api::create_payment::parse_create_payment(&self.create_body)
                    .ok()?
                    .amount
                    .minor_units() as usize
            }
            "apply_transition" => {
                let mut payment = self.payment.clone();
                payment.apply(PaymentInput::PageOpened, NOW).ok()?.len()
            }
            _ => return None,
        };
        Some(n)
    }
}

impl Fixture {
    /// Every signature one webhook delivery carries, as the delivery engine computes them:
    /// `Pay-Signature` and `webhook-signature` with a `v1` HMAC and a `v1a` ed25519 entry.
    fn sign_message(&self, body: &[u8]) -> Option<usize> {
        let pay = sig::pay_signature(PAY_SECRET, body);
        let standard = self.delivery.sign("msg_bench", NOW, body).ok()?;
        Some(pay.len() + standard.signature.len())
    }
}

/// Every operation `Fixture::run` knows, in the order benches print them.
pub const OPERATIONS: [&str; 11] = [
    "pay_signature_1k",
    "pay_signature_16k",
    "standard_webhooks_v1_1k",
    "standard_webhooks_v1_16k",
    "standard_webhooks_v1a_1k",
    "sign_message_1k",
    "sign_message_16k",
    "seal_card_token",
    "open_card_token",
    "validate_create_payment",
    "apply_transition",
];
