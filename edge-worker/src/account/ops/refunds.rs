//! Refund operations of the `/v1` API inside the account object.
//!
//! A refund request is checked and recorded in one synchronous section, so concurrent
//! partial refunds see each other: together they can never exceed what was captured.

use crate::account::context::{Ctx, Reply};
use crate::account::ops::provider_jobs;
use crate::account::store::payments;
use crate::account::store::refunds::{self as store, load_for_payment, load_one, save, tally};
use crate::clock;
use kassa_core::api::error::ApiError;
use kassa_core::api::refund::parse_refund_request;
use kassa_core::api::search::{RefundSearchQuery, RefundSearchResults};
use kassa_core::ids::RefundId;
use kassa_core::refund::submit_refund_against;
use kassa_core::view;
use worker::Result;

pub fn create(ctx: &Ctx<'_>, payment_id: &str, body: &[u8]) -> Result<Reply> {
    let Some(mut record) = payments::load(ctx.sql, ctx.live, payment_id)? else {
        return Reply::error(&ApiError::refund_payment_not_found());
    };
    let request = match parse_refund_request(body) {
        Ok(request) => request,
        Err(err) => return Reply::error(&err),
    };
    let existing = tally(ctx.sql, record.payment.id())?;
    let now = clock::now();
    let id = RefundId::generate(clock::random()?);
    let (mut refund, event) = match submit_refund_against(
        &mut record.payment,
        existing,
        request.amount.minor_units(),
        request.refund_amount_available,
        id,
        now,
    ) {
        Ok(submitted) => submitted,
        Err(err) => return Reply::error(&err.public_api_error()),
    };
    let mut events = vec![event];
    // The sandbox refunds at once; a remote provider's call is queued and made after this
    // section, and the refund stays `submitted` until it answers.
    let job = provider_jobs::settle_refund(
        ctx.object,
        ctx.sql,
        ctx.account,
        &mut record,
        &mut refund,
        &mut events,
        now,
    )?;
    save(ctx.sql, &refund, ctx.live)?;
    payments::save(ctx.sql, &record, &events)?;
    ctx.drive_after(job);
    Reply::json(202, &view::render_refund(&refund, ctx.origin))
}

pub fn list(ctx: &Ctx<'_>, payment_id: &str) -> Result<Reply> {
    let Some(record) = payments::load(ctx.sql, ctx.live, payment_id)? else {
        return Reply::error(&ApiError::refunds_not_found());
    };
    let refunds = load_for_payment(ctx.sql, record.payment.id())?;
    Reply::json(
        200,
        &view::render_refunds(record.payment.id(), &refunds, ctx.origin),
    )
}

pub fn get(ctx: &Ctx<'_>, payment_id: &str, refund_id: &str) -> Result<Reply> {
    let Some(record) = payments::load(ctx.sql, ctx.live, payment_id)? else {
        return Reply::error(&ApiError::refund_not_found());
    };
    match load_one(ctx.sql, record.payment.id(), refund_id)? {
        Some(refund) => Reply::json(200, &view::render_refund(&refund, ctx.origin)),
        None => Reply::error(&ApiError::refund_not_found()),
    }
}

pub fn search(ctx: &Ctx<'_>, query_string: &str) -> Result<Reply> {
    let q = match RefundSearchQuery::parse(query_string) {
        Ok(q) => q,
        Err(err) => return Reply::error(&err),
    };
    let page = store::search(ctx.sql, ctx.live, &q)?;
    if let Err(err) = q.check_page_exists(page.total) {
        return Reply::error(&err);
    }
    let refunds = store::parse_records(page.records.iter().map(String::as_str))?;
    let total = page.total;
    let results = refunds
        .iter()
        .map(|r| view::render_refund(r, ctx.origin).for_search(&r.payment_id().to_string()))
        .collect();
    Reply::json(
        200,
        &RefundSearchResults::new(ctx.origin, &q, total, results),
    )
}
