//! Thin typed helpers over the object's SQLite storage.

use serde::de::DeserializeOwned;
use worker::{Result, SqlStorage, SqlStorageValue};

/// Marker for row structs read with `query`.
pub trait Row: DeserializeOwned {}

pub fn query<T: Row>(
    sql: &SqlStorage,
    statement: &str,
    args: Vec<SqlStorageValue>,
) -> Result<Vec<T>> {
    sql.exec(statement, args)?.to_array()
}

/// SQLite stores integers as i64; the domain's instants and amounts are u64 and far below
/// i64::MAX, so the conversions below never truncate real values.
pub fn int(value: u64) -> SqlStorageValue {
    (value.min(i64::MAX as u64) as i64).into()
}

/// Booleans are stored as 0/1: the runtime would bind a JS boolean as text.
pub fn flag(value: bool) -> SqlStorageValue {
    i64::from(value).into()
}
