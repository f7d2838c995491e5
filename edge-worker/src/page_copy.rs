//! The hosted pages' words in English and Welsh: the lowest of the page modules, so both
//! the page frame (`pages`) and the payment pages (`checkout_pages`) can use them.

use kassa_core::card::Language;

/// The pages' words in one language. The Welsh is GOV.UK Pay's own (pay-frontend's
/// `locales/cy.json`) wherever it has the phrase; the outcome pages' explanations, the
/// error prefix and the skip link are ours.
pub struct Copy {
    pub enter_card_details: &'static str,
    pub total_amount: &'static str,
    pub card_number: &'static str,
    pub expiry_date: &'static str,
    pub expiry_hint: &'static str,
    pub name_on_card: &'static str,
    pub security_code: &'static str,
    pub security_code_hint: &'static str,
    pub error_prefix: &'static str,
    pub continue_button: &'static str,
    pub cancel_payment: &'static str,
    pub confirm_title: &'static str,
    pub confirm_button: &'static str,
    pub back_to_service: &'static str,
    pub skip_link: &'static str,
    pub card_details: &'static str,
}

const EN: Copy = Copy {
    enter_card_details: "Enter card details",
    total_amount: "Total amount:",
    card_number: "Card number",
    expiry_date: "Expiry date",
    expiry_hint: "For example, 10/27",
    name_on_card: "Name on card",
    security_code: "Card security code",
    security_code_hint:
        "The last 3 digits on the back of the card (American Express: the 4 digits on the front)",
    error_prefix: "Error:",
    continue_button: "Continue",
    cancel_payment: "Cancel payment",
    confirm_title: "Confirm your payment",
    confirm_button: "Confirm payment",
    back_to_service: "Go back to the service",
    skip_link: "Skip to main content",
    card_details: "Card details",
};

const CY: Copy = Copy {
    enter_card_details: "Rhowch fanylion y cerdyn",
    total_amount: "Cyfanswm:",
    card_number: "Rhif cerdyn",
    expiry_date: "Dyddiad dod i ben",
    expiry_hint: "Er enghraifft 10/27",
    name_on_card: "Enw ar y cerdyn",
    security_code: "Cod diogelwch y cerdyn",
    security_code_hint:
        "Y 3 digid olaf ar gefn y cerdyn (American Express: y 4 digid ar flaen y cerdyn)",
    error_prefix: "Gwall:",
    continue_button: "Parhau",
    cancel_payment: "Canslo\u{2019}r taliad",
    confirm_title: "Cadarnhau eich taliad",
    confirm_button: "Cadarnhau\u{2019}r taliad",
    back_to_service: "Mynd yn ôl i\u{2019}r gwasanaeth",
    skip_link: "Neidio i\u{2019}r prif gynnwys",
    card_details: "Manylion cerdyn",
};

pub const fn copy(lang: Language) -> &'static Copy {
    match lang {
        Language::En => &EN,
        Language::Cy => &CY,
    }
}
