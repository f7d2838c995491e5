//! The account's own row: its id and settings. Read per request (reads are local and
//! cheap), written by the admin API.

use crate::account::store::schema;
use crate::account::store::sql::{self, query, Row};
use crate::clock;
use kassa_core::account::AccountConfig;
use kassa_core::ids::AccountId;
use serde::Deserialize;
use worker::{Result, SqlStorage};

/// The account this object holds, loaded per request (reads are local and cheap).
pub struct Account {
    pub id: AccountId,
    pub config: AccountConfig,
}

#[derive(Deserialize)]
struct AccountRow {
    id: String,
    config: String,
}
impl Row for AccountRow {}

/// The account, once the object holds one (migrating its schema first); objects without
/// an account are never written to.
pub fn load(sql: &SqlStorage) -> Result<Option<Account>> {
    if !schema::exists(sql)? {
        return Ok(None);
    }
    schema::migrate(sql)?;
    let rows: Vec<AccountRow> = query(sql, "SELECT id, config FROM account", vec![])?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let id = row
        .id
        .parse()
        .map_err(|_| worker::Error::RustError("stored account id is invalid".into()))?;
    let config = serde_json::from_str(&row.config)
        .map_err(|e| sql::stored_json("stored account config", &e))?;
    Ok(Some(Account { id, config }))
}

/// Whether the (migrated) object holds an account row already.
pub fn has_row(sql: &SqlStorage) -> Result<bool> {
    let existing: Vec<AccountRow> = query(sql, "SELECT id, config FROM account", vec![])?;
    Ok(!existing.is_empty())
}

/// Stores a new account with the default settings.
pub fn insert(sql: &SqlStorage, id: AccountId) -> Result<()> {
    let config = serde_json::to_string(&AccountConfig::default())
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    sql.exec(
        "INSERT INTO account (id, created_at, config) VALUES (?, ?, ?)",
        vec![
            id.to_string().into(),
            sql::int(clock::now().as_millis()),
            config.into(),
        ],
    )?;
    Ok(())
}

/// Replaces the account's settings.
pub fn save_config(sql: &SqlStorage, config: &AccountConfig) -> Result<()> {
    let text =
        serde_json::to_string(config).map_err(|e| worker::Error::RustError(e.to_string()))?;
    sql.exec("UPDATE account SET config = ?", vec![text.into()])?;
    Ok(())
}
