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
    // A row that does not fit `T` is reported by the statement's first line only: the
    // runtime's message quotes the offending value, and rows hold emails and names.
    sql.exec(statement, args)?.to_array().map_err(|_| {
        let first = statement.lines().next().unwrap_or_default().trim();
        worker::Error::RustError(format!("unexpected row shape for `{first}`"))
    })
}

/// A stored JSON record that no longer parses, as it may be logged: which record, the kind
/// of error and where, never the value serde quotes (records hold emails, names, metadata).
pub fn stored_json(what: &str, err: &serde_json::Error) -> worker::Error {
    worker::Error::RustError(format!(
        "{what}: {:?} error at line {} column {}",
        err.classify(),
        err.line(),
        err.column()
    ))
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
