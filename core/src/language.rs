//! The language of payment pages and messages, as GOV.UK Pay's `language` field spells it.
//! Shared by the API (`language` on a payment) and the card form's messages.

/// English or Welsh: the two languages GOV.UK Pay's payment pages offer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English, `"en"` (the default).
    #[default]
    En,
    /// Welsh, `"cy"`.
    Cy,
}

impl Language {
    /// The ISO 639-1 code, also the BCP 47 tag for `lang` attributes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Cy => "cy",
        }
    }

    /// Parses `"en"` or `"cy"` exactly, as GOV.UK Pay does.
    pub fn parse(code: &str) -> Option<Language> {
        match code {
            "en" => Some(Language::En),
            "cy" => Some(Language::Cy),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Language;

    #[test]
    fn codes_round_trip_and_serialise_as_codes() {
        for lang in [Language::En, Language::Cy] {
            assert_eq!(Language::parse(lang.as_str()), Some(lang));
            assert_eq!(
                serde_json::to_value(lang).unwrap(),
                serde_json::json!(lang.as_str())
            );
        }
        assert_eq!(Language::parse("EN"), None);
        assert_eq!(Language::parse("fr"), None);
    }
}
