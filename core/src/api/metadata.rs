//! Custom payment `metadata` (`ExternalMetadata`): up to 10 key-value pairs a service
//! attaches to a payment for its own reconciliation.
//!
//! GOV.UK Pay's rules: at most 10 keys; each key 1 to 30 characters; each value a string of
//! at most 100 characters, a number or a boolean; no nulls, objects or arrays. Violations
//! are reported as one P0102 on `metadata` whose reason lists every broken rule, joined by
//! ". ", in the fixed order below (GOV.UK Pay collects them in a hash set, so its order is
//! unspecified; a fixed order keeps Kassa's responses reproducible).
//!
//! Lengths count Unicode scalar values, not bytes. GOV.UK Pay (Java) counts UTF-16 code
//! units, which is never fewer, so anything GOV.UK Pay accepts Kassa accepts too.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::ApiError;

/// Most keys a metadata object may have.
pub const MAX_KEYS: usize = 10;
/// Shortest allowed key, in characters.
pub const MIN_KEY_LENGTH: usize = 1;
/// Longest allowed key, in characters.
pub const MAX_KEY_LENGTH: usize = 30;
/// Longest allowed string value, in characters.
pub const MAX_VALUE_LENGTH: usize = 100;

const FIELD: &str = "metadata";

/// One metadata value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum MetadataValue {
    /// A string of at most [`MAX_VALUE_LENGTH`] characters (may be empty).
    String(String),
    /// A JSON number, kept exactly as sent (integer or decimal).
    Number(serde_json::Number),
    /// `true` or `false`.
    Bool(bool),
}

/// A validated metadata object. Serialises as a plain JSON object, keys sorted.
///
/// Deserialises through [`parse_metadata`], so stored metadata is held to the request
/// rules, and numbers and booleans come back as numbers and booleans (an empty object
/// reads as empty metadata).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(transparent)]
pub struct Metadata(BTreeMap<String, MetadataValue>);

impl<'de> serde::Deserialize<'de> for Metadata {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Metadata, D::Error> {
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        match parse_metadata(&value) {
            Ok(metadata) => Ok(metadata.unwrap_or_default()),
            Err(error) => Err(serde::de::Error::custom(error)),
        }
    }
}

impl Metadata {
    /// The key-value pairs, sorted by key.
    pub fn entries(&self) -> &BTreeMap<String, MetadataValue> {
        &self.0
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&MetadataValue> {
        self.0.get(key)
    }
}

/// Validates the `metadata` attribute of a create-payment request.
///
/// Returns `Ok(None)` for an empty object: GOV.UK Pay's documentation asks for at least one
/// key but its API does not reject `{}`, so Kassa accepts it and stores no metadata (the
/// response then omits `metadata`, as for a payment created without it).
///
/// Keys that differ only by case are collapsed to one, as GOV.UK Pay documents ("the API
/// will remove all but one of the identical keys"); the one kept is the first in byte
/// order, so the outcome does not depend on JSON key order.
pub fn parse_metadata(value: &Value) -> Result<Option<Metadata>, ApiError> {
    let object = match value {
        Value::Null => return Err(ApiError::invalid(FIELD, "Value must not be null")),
        Value::Object(object) => object,
        _ => {
            return Err(ApiError::invalid(
                FIELD,
                "Must be an object of JSON key-value pairs",
            ))
        }
    };

    let too_many = object.len() > MAX_KEYS;
    let mut bad_key = false;
    let mut null_value = false;
    let mut bad_type = false;
    let mut too_long = false;
    for (key, value) in object {
        let key_len = key.chars().count();
        if !(MIN_KEY_LENGTH..=MAX_KEY_LENGTH).contains(&key_len) {
            bad_key = true;
        }
        match value {
            Value::Null => null_value = true,
            Value::String(s) if s.chars().count() > MAX_VALUE_LENGTH => too_long = true,
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {}
            Value::Array(_) | Value::Object(_) => bad_type = true,
        }
    }

    let mut reasons: Vec<String> = Vec::new();
    if too_many {
        reasons.push(format!("Cannot have more than {MAX_KEYS} key-value pairs"));
    }
    if bad_key {
        reasons.push(format!(
            "Keys must be between {MIN_KEY_LENGTH} and {MAX_KEY_LENGTH} characters long"
        ));
    }
    if null_value {
        reasons.push("Must not have null values".to_owned());
    }
    if bad_type {
        reasons.push("Values must be of type String, Boolean or Number".to_owned());
    }
    if too_long {
        reasons.push(format!(
            "Values must be no greater than {MAX_VALUE_LENGTH} characters long"
        ));
    }
    if !reasons.is_empty() {
        return Err(ApiError::invalid(FIELD, &reasons.join(". ")));
    }

    let mut map: BTreeMap<String, MetadataValue> = BTreeMap::new();
    let mut seen_lowercase: Vec<String> = Vec::new();
    // serde_json's map iterates in key order, so the first key of a case-insensitive group
    // is the byte-wise smallest one.
    for (key, value) in object {
        let folded = key.to_lowercase();
        if seen_lowercase.contains(&folded) {
            continue;
        }
        seen_lowercase.push(folded);
        let value = match value {
            Value::String(s) => MetadataValue::String(s.clone()),
            Value::Number(n) => MetadataValue::Number(n.clone()),
            Value::Bool(b) => MetadataValue::Bool(*b),
            // Unreachable after the checks above; answering with the generic type error keeps
            // this total without a panic.
            Value::Null | Value::Array(_) | Value::Object(_) => {
                return Err(ApiError::invalid(
                    FIELD,
                    "Values must be of type String, Boolean or Number",
                ))
            }
        };
        map.insert(key.clone(), value);
    }
    if map.is_empty() {
        Ok(None)
    } else {
        Ok(Some(Metadata(map)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::ErrorCode;
    use serde_json::json;

    fn reason(value: Value) -> String {
        let err = parse_metadata(&value).unwrap_err();
        assert_eq!(err.code, ErrorCode::P0102);
        assert_eq!(err.field.as_deref(), Some("metadata"));
        assert_eq!(err.http_status(), 422);
        err.description
    }

    #[test]
    fn accepts_the_documented_example() {
        let m = parse_metadata(&json!({"ledger_code": "AB100", "internal_reference_number": 200}))
            .unwrap()
            .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"internal_reference_number": 200, "ledger_code": "AB100"})
        );
    }

    #[test]
    fn accepts_booleans_decimals_and_empty_strings() {
        let m = parse_metadata(&json!({"a": true, "b": 1.5, "c": ""}))
            .unwrap()
            .unwrap();
        assert_eq!(m.get("a"), Some(&MetadataValue::Bool(true)));
        assert_eq!(serde_json::to_value(m.get("b")).unwrap(), json!(1.5));
        assert_eq!(m.get("c"), Some(&MetadataValue::String(String::new())));
    }

    #[test]
    fn exactly_ten_keys_ok() {
        let obj: serde_json::Map<_, _> = (0..10).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(
            parse_metadata(&Value::Object(obj)).unwrap().unwrap().len(),
            10
        );
    }

    #[test]
    fn eleven_keys_rejected() {
        let obj: serde_json::Map<_, _> = (0..11).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(
            reason(Value::Object(obj)),
            "Invalid attribute value: metadata. Cannot have more than 10 key-value pairs"
        );
    }

    #[test]
    fn thirty_char_key_ok() {
        assert!(parse_metadata(&json!({ "k".repeat(30): 1 })).is_ok());
    }

    #[test]
    fn thirty_one_char_key_rejected() {
        assert_eq!(
            reason(json!({ "k".repeat(31): 1 })),
            "Invalid attribute value: metadata. Keys must be between 1 and 30 characters long"
        );
    }

    #[test]
    fn key_length_counts_characters_not_bytes() {
        // 30 two-byte characters: 60 bytes but 30 characters.
        assert!(parse_metadata(&json!({ "é".repeat(30): 1 })).is_ok());
        assert!(parse_metadata(&json!({ "é".repeat(31): 1 })).is_err());
    }

    #[test]
    fn empty_key_rejected() {
        assert!(reason(json!({"": 1})).ends_with("Keys must be between 1 and 30 characters long"));
    }

    #[test]
    fn nested_object_rejected() {
        assert_eq!(
            reason(json!({"a": {"b": 1}})),
            "Invalid attribute value: metadata. Values must be of type String, Boolean or Number"
        );
    }

    #[test]
    fn array_value_rejected() {
        assert!(
            reason(json!({"a": [1]})).ends_with("Values must be of type String, Boolean or Number")
        );
    }

    #[test]
    fn null_value_rejected() {
        assert_eq!(
            reason(json!({"a": null})),
            "Invalid attribute value: metadata. Must not have null values"
        );
    }

    #[test]
    fn hundred_char_value_ok() {
        assert!(parse_metadata(&json!({"a": "v".repeat(100)})).is_ok());
    }

    #[test]
    fn hundred_and_one_char_value_rejected() {
        assert_eq!(
            reason(json!({"a": "v".repeat(101)})),
            "Invalid attribute value: metadata. Values must be no greater than 100 characters long"
        );
    }

    #[test]
    fn several_violations_are_all_listed() {
        assert_eq!(
            reason(json!({"": null, "b": [], "c": "x".repeat(101)})),
            "Invalid attribute value: metadata. Keys must be between 1 and 30 characters long. \
             Must not have null values. Values must be of type String, Boolean or Number. \
             Values must be no greater than 100 characters long"
        );
    }

    #[test]
    fn null_metadata_rejected() {
        assert_eq!(
            reason(Value::Null),
            "Invalid attribute value: metadata. Value must not be null"
        );
    }

    #[test]
    fn non_object_metadata_rejected() {
        for v in [json!("x"), json!(1), json!([]), json!(true)] {
            assert_eq!(
                reason(v),
                "Invalid attribute value: metadata. Must be an object of JSON key-value pairs"
            );
        }
    }

    #[test]
    fn empty_object_means_no_metadata() {
        assert_eq!(parse_metadata(&json!({})).unwrap(), None);
    }

    #[test]
    fn serde_round_trip_keeps_value_types() {
        let m = parse_metadata(
            &json!({"s": "x", "i": 200, "neg": -3, "f": 1.5, "t": true, "b": false}),
        )
        .unwrap()
        .unwrap();
        let json = serde_json::to_string(&m).unwrap();
        let back: Metadata = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.get("i"), Some(&MetadataValue::Number(200.into())));
        assert_eq!(back.get("t"), Some(&MetadataValue::Bool(true)));
        assert_eq!(back.get("s"), Some(&MetadataValue::String("x".into())));
        assert_eq!(serde_json::to_value(&back).unwrap()["f"], json!(1.5));
        assert_eq!(
            serde_json::from_str::<Metadata>("{}").unwrap(),
            Metadata::default()
        );
    }

    #[test]
    fn deserialising_applies_the_metadata_rules() {
        for bad in [r#"{"a": null}"#, r#"{"a": [1]}"#, "[]", "null"] {
            assert!(serde_json::from_str::<Metadata>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn case_insensitive_duplicates_collapse() {
        let m = parse_metadata(&json!({"Ledger": "a", "ledger": "b"}))
            .unwrap()
            .unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m.get("Ledger"), Some(&MetadataValue::String("a".into())));
    }
}
