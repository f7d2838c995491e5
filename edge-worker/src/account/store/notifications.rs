//! Providers' notifications already taken (`provider_notifications`): the provider's id of
//! each, with the payment it was about, so a redelivery (providers repeat until they get a
//! 2xx, and may repeat after one) is recognised and changes nothing. Kept 30 days
//! (`retention`).

use crate::account::store::sql::{flag, int, query, Row};
use kassa_core::account::ProviderKind;
use kassa_core::time::UnixMillis;
use serde::Deserialize;
use worker::{Result, SqlStorage};

/// Records a notification as taken. `false` if it was already: the caller then stops.
/// Called first in the section that applies it, so "recorded" and "applied" are one write.
pub fn record_first(
    sql: &SqlStorage,
    provider: ProviderKind,
    id: &str,
    live: bool,
    payment_id: &str,
    now: UnixMillis,
) -> Result<bool> {
    /// A row comes back only if it was inserted; its columns are not needed.
    #[derive(Deserialize)]
    struct Inserted {}
    impl Row for Inserted {}
    let rows: Vec<Inserted> = query(
        sql,
        "INSERT INTO provider_notifications (provider, id, live, payment_id, received_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider, id) DO NOTHING RETURNING id",
        vec![
            provider.as_str().into(),
            id.into(),
            flag(live),
            payment_id.into(),
            int(now.as_millis()),
        ],
    )?;
    Ok(!rows.is_empty())
}
