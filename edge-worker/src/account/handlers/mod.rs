//! The handlers: requests in, responses out (the `/v1` API, the hosted and embedded
//! pages, `/admin/webhooks`). They parse, call operations and render; they never write SQL.

pub mod checkout;
pub mod public_key;
pub mod v1;
pub mod webhook_admin;
