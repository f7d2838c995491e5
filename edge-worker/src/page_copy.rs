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
    pub authenticate_title: &'static str,
    pub authenticate_text: &'static str,
    pub authenticate_button: &'static str,
    pub sandbox_challenge_title: &'static str,
    pub sandbox_challenge_text: &'static str,
    pub complete_authentication: &'static str,
    pub fail_authentication: &'static str,
    pub authentication_finished_title: &'static str,
    pub authentication_finished_text: &'static str,
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
    authenticate_title: "Confirm your payment with your bank",
    authenticate_text: "Your bank needs to check it is you. You will go to its page and then come back here.",
    authenticate_button: "Continue to your bank",
    sandbox_challenge_title: "Check it is you",
    sandbox_challenge_text: "This is the Kassa sandbox\u{2019}s 3-D Secure check: no bank is asked and no money moves. Choose how the check ends.",
    complete_authentication: "Complete authentication",
    fail_authentication: "Fail authentication",
    authentication_finished_title: "Your bank\u{2019}s check is finished",
    authentication_finished_text: "Go back to the page you were paying on.",
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
    authenticate_title: "Cadarnhewch eich taliad gyda\u{2019}ch banc",
    authenticate_text: "Mae angen i\u{2019}ch banc wirio mai chi sydd yno. Byddwch yn mynd i\u{2019}w dudalen ac yna\u{2019}n dod yn ôl yma.",
    authenticate_button: "Parhau i\u{2019}ch banc",
    sandbox_challenge_title: "Gwirio mai chi sydd yno",
    sandbox_challenge_text: "Dyma wiriad 3-D Secure blwch tywod Kassa: ni ofynnir i unrhyw fanc ac nid oes arian yn symud. Dewiswch sut mae\u{2019}r gwiriad yn dod i ben.",
    complete_authentication: "Cwblhau\u{2019}r dilysu",
    fail_authentication: "Methu\u{2019}r dilysu",
    authentication_finished_title: "Mae gwiriad eich banc wedi gorffen",
    authentication_finished_text: "Ewch yn ôl i\u{2019}r dudalen roeddech yn talu arni.",
};

pub const fn copy(lang: Language) -> &'static Copy {
    match lang {
        Language::En => &EN,
        Language::Cy => &CY,
    }
}
