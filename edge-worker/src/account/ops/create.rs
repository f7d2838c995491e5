//! `POST /v1/payments`: a payment for the payer's pages, or (with `sealed_card`) one whose
//! card is already here, to authorise after the section (`tokenized`).

use crate::account::context::{Ctx, Reply};
use crate::account::ops::payments::{check_create, new_payment, provider_for, render};
use crate::account::ops::tokenized::{self, Created};
use crate::account::store::payments::save;
use kassa_core::api::sealed_card::parse_create_payment_with_card;
use worker::Result;

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Created> {
    let (request, sealed) = match parse_create_payment_with_card(body) {
        Ok(parsed) => parsed,
        Err(err) => return Ok(Created::Reply(Reply::error(&err)?)),
    };
    if let Err(err) = check_create(ctx, &request) {
        return Ok(Created::Reply(Reply::error(&err)?));
    }
    let credential = match provider_for(ctx) {
        Ok(credential) => credential,
        Err(err) => return Ok(Created::Reply(Reply::error(&err)?)),
    };
    if let Some(sealed) = sealed {
        return tokenized::begin(ctx, request, credential, &sealed);
    }
    let (record, event) = new_payment(ctx, request, credential)?;
    save(ctx.sql, &record, &[event])?;
    Ok(Created::Reply(Reply::json(201, &render(ctx, &record)?)?))
}
