//! `POST /v1/payments` with `sealed_card`: a card sealed by `tokenize()` in the merchant's
//! page (bound to `publishable:<pk>` of this account and the API key's mode), authorised at
//! once through the payment's provider and, unless `delayed_capture`, captured as the hosted
//! page's Confirm does.
//!
//! `begin` is the synchronous section: every refusal (a token that does not open here, was
//! already spent, or carries a card the rules refuse) happens before anything is written;
//! then the token's hash is recorded as spent and the payment created, `started`, together.
//! A duplicate request, even one interleaving with the provider call, finds the token spent
//! (or, with an `Idempotency-Key`, the request in flight: `v1` records that before `finish`
//! awaits anything), so a card token can never authorise twice. The clear card lives only in
//! memory for the provider call: it is never logged or stored, its CVC least of all.

use crate::account::context::{Ctx, Reply};
use crate::account::ops::authorise;
use crate::account::ops::authorise::CardOutcome;
use crate::account::ops::payer::confirm_authorised;
use crate::account::ops::payments::{new_payment, render_with};
use crate::account::store::card_tokens;
use crate::account::store::payments::{load, save};
use crate::clock;
use kassa_core::account::ProviderKind;
use kassa_core::api::create_payment::CreatePaymentRequest;
use kassa_core::api::sealed_card::{
    card_refused, open_and_validate, spent_until, token_hash, token_used,
};
use kassa_core::card::{CardError, CardField, CardFieldError, ValidatedCard};
use kassa_core::credentials::{ApiKeyMode, PublishableKey};
use kassa_core::payment::{CardSummary, PaymentInput, PaymentStatus};
use kassa_core::provider::sandbox;
use kassa_core::sealed_token::publishable_binding;
use kassa_core::view::PaymentRecord;
use worker::Result;

/// A payment created in `begin`, with the card to authorise after the section.
pub struct Pending {
    record: PaymentRecord,
    card: ValidatedCard,
    summary: CardSummary,
}

fn refuse(err: &kassa_core::api::error::ApiError) -> Result<Created> {
    Ok(Created::Reply(Reply::error(err)?))
}

/// The synchronous section of a create with `sealed_card` (`request` already checked).
pub fn begin(
    ctx: &Ctx<'_>,
    request: CreatePaymentRequest,
    credential: Option<String>,
    sealed: &str,
) -> Result<Created> {
    let now = clock::now();
    let mode = if ctx.live {
        ApiKeyMode::Live
    } else {
        ApiKeyMode::Test
    };
    let publishable = PublishableKey {
        mode,
        account_id: ctx.account.id,
    };
    let binding = publishable_binding(&publishable.text());
    let key = crate::account::ops::authorise::sealing_key(ctx.object.env());
    let accepted = &ctx.account.config.accepted_card_brands;
    let card = match open_and_validate(sealed, key.as_ref(), &binding, now, accepted) {
        Ok(card) => card,
        Err(err) => {
            // The refusal's wording only: it never contains card data.
            worker::console_log!("sealed card refused: {}", err.description);
            return refuse(&err);
        }
    };
    let hash = token_hash(sealed);
    if card_tokens::is_spent(ctx.sql, &hash)? {
        return refuse(&token_used());
    }
    let summary = match CardSummary::of_validated(&card) {
        Ok(summary) => summary,
        Err(error) => return refuse(&card_refused(&[error])),
    };
    // The sandbox answers only its test cards; refusing the others here, before anything is
    // written, keeps "a refused request changes nothing" (after the section it would leave
    // a spent token and a payment waiting for a card nobody can give it).
    let provider = ctx.account.config.payment_provider;
    if provider == ProviderKind::Sandbox
        && sandbox::authorise(card.number()) == sandbox::Authorisation::Unsupported
    {
        let unsupported = [CardFieldError {
            field: CardField::Number,
            kind: CardError::NumberUnknownBrand,
        }];
        return refuse(&card_refused(&unsupported));
    }
    let until = spent_until(now);
    card_tokens::spend(ctx.sql, &hash, until)?;
    // The alarm prunes the record once the token could not open anyway.
    ctx.wake_by(until);
    let (mut record, created) = new_payment(ctx, request, credential)?;
    record.confirm_on_authorisation = true;
    let mut events = vec![created];
    // The card is here already: the payment starts as the hosted page's first visit would
    // start it, and `authorise` takes it from `started`.
    if let Ok(mut started) = record.payment.apply(PaymentInput::PageOpened, now) {
        events.append(&mut started);
    }
    save(ctx.sql, &record, &events)?;
    Ok(Created::Authorise(Box::new(Pending {
        record,
        card,
        summary,
    })))
}

impl Pending {
    pub fn payment_id(&self) -> String {
        self.record.payment.id().to_string()
    }
}

/// The payment a create with `sealed_card` made, as it stands: 201, as `finish` answers.
/// Also the answer when the provider step failed or its invocation died during it. Only a
/// payment waiting for 3-D Secure has a `next_url`: the payer's link to authenticate (and
/// then to `return_url`, the payment confirmed without a confirm page).
pub fn answer(ctx: &Ctx<'_>, id: &str) -> Result<Reply> {
    match load(ctx.sql, ctx.live, id)? {
        Some(record) => {
            let authenticate = record.payment.status() == PaymentStatus::AuthenticationRequired;
            Reply::json(201, &render_with(ctx, &record, authenticate)?)
        }
        None => Err(worker::Error::RustError(format!("payment {id} vanished"))),
    }
}

/// After the section: authorise through the provider, confirm, and answer with the
/// payment's resulting state (201, no `next_url`). An answer the provider did not give in
/// time leaves the payment `started` for the status query, which confirms it once it learns
/// of the authorisation (`confirm_on_authorisation`).
pub async fn finish(ctx: &Ctx<'_>, pending: Pending) -> Result<Reply> {
    let Pending {
        record,
        card,
        summary,
    } = pending;
    let id = record.payment.id().to_string();
    let outcome = authorise::authorise(
        ctx.object,
        ctx.sql,
        ctx.account,
        &record,
        &card,
        summary,
        ctx.origin,
    )
    .await?;
    drop(card);
    if let CardOutcome::Unsupported = outcome {
        // Refused in `begin` for the sandbox; no other provider answers this. The payment
        // stays `started` and expires.
        worker::console_error!("provider refused a validated card for payment {id}");
    }
    let mut record = load(ctx.sql, ctx.live, &id)?
        .ok_or_else(|| worker::Error::RustError("payment vanished".into()))?;
    if record.payment.status() == PaymentStatus::Authorised {
        confirm_authorised(ctx.object, ctx.sql, ctx.account, &mut record).await?;
    }
    answer(ctx, &id)
}

/// What `POST /v1/payments` did in its synchronous section.
pub enum Created {
    Reply(Reply),
    /// Created with a sealed card: authorise it after the section (`tokenized::finish`).
    Authorise(Box<Pending>),
}
