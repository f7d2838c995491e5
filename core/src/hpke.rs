//! RFC 9180 Hybrid Public Key Encryption, base mode, one suite:
//! DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20Poly1305 (ids 0x0020 / 0x0001 / 0x0003).
//!
//! One suite only, on purpose: the browser widget and the worker both run this code, so
//! there is nothing to negotiate, and every extra suite is code in a 45 KB widget budget and
//! attack surface (no downgrade is possible when there is nothing to downgrade to).
//! ChaCha20Poly1305 rather than AES-GCM because it is fast and constant-time in portable
//! software, which is what wasm32 gets (no AES instructions).
//!
//! Sans-IO: `Encap` does not draw randomness. The caller passes `ikm_e`, at least 32 fresh
//! random bytes, and the ephemeral key pair is `DeriveKeyPair(ikm_e)`. This is also exactly
//! how the RFC's test vectors are produced, so the tests below reproduce them byte for byte.
//! **Reusing `ikm_e` for two messages reuses the ephemeral key, hence the AEAD key and nonce:
//! it must be fresh for every `seal`.**

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit};
use core::fmt;
use hkdf::Hkdf;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use x25519_dalek::StaticSecret;

/// KEM identifier: DHKEM(X25519, HKDF-SHA256).
pub const KEM_ID: u16 = 0x0020;
/// KDF identifier: HKDF-SHA256.
pub const KDF_ID: u16 = 0x0001;
/// AEAD identifier: ChaCha20Poly1305.
pub const AEAD_ID: u16 = 0x0003;

/// Length of an encapsulated key (`enc`), a serialized X25519 public key.
pub const N_ENC: usize = 32;
/// Length of a serialized public key.
pub const N_PK: usize = 32;
/// Length of a serialized private key.
pub const N_SK: usize = 32;
/// Length of the KEM shared secret.
pub const N_SECRET: usize = 32;
/// AEAD key length.
pub const N_K: usize = 32;
/// AEAD nonce length.
pub const N_N: usize = 12;
/// AEAD tag length (ciphertexts are this much longer than plaintexts).
pub const N_T: usize = 16;
/// KDF output length.
pub const N_H: usize = 32;

const MODE_BASE: u8 = 0x00;
const VERSION_LABEL: &[u8] = b"HPKE-v1";
/// `"KEM" || I2OSP(kem_id, 2)`: the suite id used inside the KEM.
const KEM_SUITE_ID: [u8; 5] = [b'K', b'E', b'M', 0x00, 0x20];
/// `"HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)`.
const HPKE_SUITE_ID: [u8; 10] = [b'H', b'P', b'K', b'E', 0x00, 0x20, 0x00, 0x01, 0x00, 0x03];

/// HPKE failures. Deliberately coarse: an attacker learns nothing from *why* opening failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HpkeError {
    /// The Diffie-Hellman output was all zeros: the peer's public key (or `enc`) is a
    /// small-order point, so the "shared" secret would be public (RFC 9180 §7.1.4).
    InvalidPublicKey,
    /// AEAD authentication failed: wrong key, wrong `enc`/`info`/`aad`, or tampering.
    OpenError,
    /// Sealing failed (the AEAD refused the input, e.g. absurdly long plaintext).
    SealError,
    /// The context's sequence number is exhausted; using it again would reuse a nonce.
    MessageLimitReached,
    /// A KDF output length that HKDF cannot produce (over 255 × 32 bytes, or over 65535).
    InvalidLength,
}

impl fmt::Display for HpkeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HpkeError::InvalidPublicKey => "invalid public key (zero Diffie-Hellman output)",
            HpkeError::OpenError => "decryption failed",
            HpkeError::SealError => "encryption failed",
            HpkeError::MessageLimitReached => "message limit reached",
            HpkeError::InvalidLength => "invalid KDF output length",
        })
    }
}

impl std::error::Error for HpkeError {}

/// Overwrites `bytes` with zeros in a way the optimizer may not remove.
///
/// `zeroize` is only a transitive dependency here and cannot be named, and `unsafe` is
/// forbidden, so this uses `black_box` after the writes: the compiler must assume the
/// zeroed buffer is read, so the stores are not dead. Best effort, like every wipe: copies
/// made earlier by moves or reallocations are out of reach.
pub(crate) fn wipe(bytes: &mut [u8]) {
    for b in bytes.iter_mut() {
        *b = 0;
    }
    core::hint::black_box(&mut *bytes);
}

/// Wipes a whole `Vec`'s allocation, spare capacity included, then empties it.
pub(crate) fn wipe_vec(bytes: &mut Vec<u8>) {
    bytes.clear();
    let capacity = bytes.capacity();
    bytes.resize(capacity, 0);
    core::hint::black_box(&mut *bytes);
    bytes.clear();
}

/// Wipes a `String`'s allocation (taking it, so the field is left empty).
pub(crate) fn wipe_string(text: &mut String) {
    let mut bytes = core::mem::take(text).into_bytes();
    wipe_vec(&mut bytes);
}

/// An X25519 public key (`pkXm` in the RFC).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; N_PK]);

impl PublicKey {
    pub const fn from_bytes(bytes: [u8; N_PK]) -> Self {
        PublicKey(bytes)
    }

    pub const fn as_bytes(&self) -> &[u8; N_PK] {
        &self.0
    }

    pub const fn to_bytes(&self) -> [u8; N_PK] {
        self.0
    }

    /// Whether this is a small-order point, with which every DH output is all zeros (so
    /// encrypting to it would be encrypting in the clear). Lets callers reject such a key
    /// when it is configured, rather than on first use.
    ///
    /// A clamped scalar is 8·k with 2^251 ≤ k < ℓ, so multiplying by any fixed one gives
    /// zero exactly for the points whose order divides 8.
    pub fn is_small_order(&self) -> bool {
        let probe = StaticSecret::from([0x5a; 32]);
        let shared = probe.diffie_hellman(&x25519_dalek::PublicKey::from(self.0));
        bool::from(shared.as_bytes().ct_eq(&[0u8; 32]))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("hpke::PublicKey(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// An X25519 private key (`skXm`), with its public key cached.
///
/// The scalar bytes are kept as given (the RFC's serialization): clamping happens inside
/// the scalar multiplication, as RFC 7748 specifies. `StaticSecret` wipes itself on drop.
#[derive(Clone)]
pub struct PrivateKey {
    secret: StaticSecret,
    public: PublicKey,
}

impl PrivateKey {
    pub fn from_bytes(bytes: [u8; N_SK]) -> Self {
        let secret = StaticSecret::from(bytes);
        let public = PublicKey(x25519_dalek::PublicKey::from(&secret).to_bytes());
        PrivateKey { secret, public }
    }

    /// The serialized private key. Treat the result as a secret.
    pub fn to_bytes(&self) -> [u8; N_SK] {
        self.secret.to_bytes()
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// `DH(sk, pk)`, rejecting the all-zero output of small-order points.
    fn dh(&self, pk: &PublicKey) -> Result<[u8; 32], HpkeError> {
        let shared = self
            .secret
            .diffie_hellman(&x25519_dalek::PublicKey::from(pk.0));
        let bytes = shared.to_bytes();
        // Constant-time check: the output is secret unless it is zero.
        if bool::from(bytes.ct_eq(&[0u8; 32])) {
            return Err(HpkeError::InvalidPublicKey);
        }
        Ok(bytes)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("hpke::PrivateKey")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// `LabeledExtract(salt, label, ikm)` = `Extract(salt, "HPKE-v1" || suite_id || label || ikm)`.
fn labeled_extract(suite_id: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> [u8; N_H] {
    let mut labeled_ikm =
        Vec::with_capacity(VERSION_LABEL.len() + suite_id.len() + label.len() + ikm.len());
    labeled_ikm.extend_from_slice(VERSION_LABEL);
    labeled_ikm.extend_from_slice(suite_id);
    labeled_ikm.extend_from_slice(label);
    labeled_ikm.extend_from_slice(ikm);
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), &labeled_ikm);
    // The input may be a DH output or key material.
    wipe_vec(&mut labeled_ikm);
    prk.into()
}

/// `LabeledExpand(prk, label, info, L)` =
/// `Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)`, into `out`.
fn labeled_expand(
    suite_id: &[u8],
    prk: &[u8; N_H],
    label: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<(), HpkeError> {
    let length = u16::try_from(out.len()).map_err(|_| HpkeError::InvalidLength)?;
    let mut labeled_info =
        Vec::with_capacity(2 + VERSION_LABEL.len() + suite_id.len() + label.len() + info.len());
    labeled_info.extend_from_slice(&length.to_be_bytes());
    labeled_info.extend_from_slice(VERSION_LABEL);
    labeled_info.extend_from_slice(suite_id);
    labeled_info.extend_from_slice(label);
    labeled_info.extend_from_slice(info);
    let hk = Hkdf::<Sha256>::from_prk(prk).map_err(|_| HpkeError::InvalidLength)?;
    hk.expand(&labeled_info, out)
        .map_err(|_| HpkeError::InvalidLength)
}

fn labeled_expand_array<const L: usize>(
    suite_id: &[u8],
    prk: &[u8; N_H],
    label: &[u8],
    info: &[u8],
) -> Result<[u8; L], HpkeError> {
    let mut out = [0u8; L];
    labeled_expand(suite_id, prk, label, info, &mut out)?;
    Ok(out)
}

/// `DeriveKeyPair(ikm)` for X25519 (RFC 9180 §7.1.3): the private key is
/// `LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32)`.
///
/// `ikm` should hold at least 32 bytes of entropy.
pub fn derive_key_pair(ikm: &[u8]) -> Result<PrivateKey, HpkeError> {
    let mut dkp_prk = labeled_extract(&KEM_SUITE_ID, b"", b"dkp_prk", ikm);
    let sk = labeled_expand_array::<N_SK>(&KEM_SUITE_ID, &dkp_prk, b"sk", b"");
    wipe(&mut dkp_prk);
    let mut sk = sk?;
    let key = PrivateKey::from_bytes(sk);
    wipe(&mut sk);
    Ok(key)
}

/// `ExtractAndExpand(dh, kem_context)` of DHKEM.
fn extract_and_expand(
    dh: &[u8; 32],
    kem_context: &[u8; N_ENC + N_PK],
) -> Result<[u8; N_SECRET], HpkeError> {
    let mut eae_prk = labeled_extract(&KEM_SUITE_ID, b"", b"eae_prk", dh);
    let shared =
        labeled_expand_array::<N_SECRET>(&KEM_SUITE_ID, &eae_prk, b"shared_secret", kem_context);
    wipe(&mut eae_prk);
    shared
}

fn kem_context(enc: &[u8; N_ENC], pk_r: &PublicKey) -> [u8; N_ENC + N_PK] {
    let mut context = [0u8; N_ENC + N_PK];
    for (slot, byte) in context.iter_mut().zip(enc.iter().chain(pk_r.0.iter())) {
        *slot = *byte;
    }
    context
}

/// `Encap(pkR)` with the ephemeral key derived from the caller's `ikm_e`.
/// Returns `(shared_secret, enc)`.
pub fn encap(pk_r: &PublicKey, ikm_e: &[u8]) -> Result<([u8; N_SECRET], [u8; N_ENC]), HpkeError> {
    let sk_e = derive_key_pair(ikm_e)?;
    let enc = sk_e.public_key().to_bytes();
    let mut dh = sk_e.dh(pk_r)?;
    let shared = extract_and_expand(&dh, &kem_context(&enc, pk_r));
    wipe(&mut dh);
    Ok((shared?, enc))
}

/// `Decap(enc, skR)`: the recipient's side of [`encap`].
pub fn decap(enc: &[u8; N_ENC], sk_r: &PrivateKey) -> Result<[u8; N_SECRET], HpkeError> {
    let mut dh = sk_r.dh(&PublicKey(*enc))?;
    let shared = extract_and_expand(&dh, &kem_context(enc, sk_r.public_key()));
    wipe(&mut dh);
    shared
}

/// Everything `KeySchedule` computes, kept together so tests can check each
/// intermediate value against the RFC.
struct KeySchedule {
    #[cfg_attr(not(test), allow(dead_code))]
    key_schedule_context: [u8; 1 + 2 * N_H],
    #[cfg_attr(not(test), allow(dead_code))]
    secret: [u8; N_H],
    key: [u8; N_K],
    base_nonce: [u8; N_N],
    exporter_secret: [u8; N_H],
}

impl Drop for KeySchedule {
    fn drop(&mut self) {
        wipe(&mut self.secret);
        wipe(&mut self.key);
        wipe(&mut self.base_nonce);
        wipe(&mut self.exporter_secret);
    }
}

/// `KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "")`.
fn key_schedule_base(
    shared_secret: &[u8; N_SECRET],
    info: &[u8],
) -> Result<KeySchedule, HpkeError> {
    let psk_id_hash = labeled_extract(&HPKE_SUITE_ID, b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract(&HPKE_SUITE_ID, b"", b"info_hash", info);
    let mut key_schedule_context = [0u8; 1 + 2 * N_H];
    let parts = core::iter::once(&MODE_BASE)
        .chain(psk_id_hash.iter())
        .chain(info_hash.iter());
    for (slot, byte) in key_schedule_context.iter_mut().zip(parts) {
        *slot = *byte;
    }
    // Base mode: the PSK is empty.
    let secret = labeled_extract(&HPKE_SUITE_ID, shared_secret, b"secret", b"");
    let mut schedule = KeySchedule {
        key_schedule_context,
        secret,
        key: [0; N_K],
        base_nonce: [0; N_N],
        exporter_secret: [0; N_H],
    };
    labeled_expand(
        &HPKE_SUITE_ID,
        &schedule.secret,
        b"key",
        &key_schedule_context,
        &mut schedule.key,
    )?;
    labeled_expand(
        &HPKE_SUITE_ID,
        &schedule.secret,
        b"base_nonce",
        &key_schedule_context,
        &mut schedule.base_nonce,
    )?;
    labeled_expand(
        &HPKE_SUITE_ID,
        &schedule.secret,
        b"exp",
        &key_schedule_context,
        &mut schedule.exporter_secret,
    )?;
    Ok(schedule)
}

/// The state shared by both directions: key, base nonce, exporter secret and sequence number.
struct Context {
    key: [u8; N_K],
    base_nonce: [u8; N_N],
    exporter_secret: [u8; N_H],
    seq: u64,
}

impl Context {
    fn from_schedule(schedule: &KeySchedule) -> Context {
        Context {
            key: schedule.key,
            base_nonce: schedule.base_nonce,
            exporter_secret: schedule.exporter_secret,
            seq: 0,
        }
    }

    /// `ComputeNonce(seq)` = `base_nonce XOR I2OSP(seq, Nn)`. A u64 fills the low 8 bytes.
    fn nonce(&self) -> [u8; N_N] {
        let mut nonce = self.base_nonce;
        for (byte, seq_byte) in nonce.iter_mut().rev().zip(self.seq.to_le_bytes()) {
            *byte ^= seq_byte;
        }
        nonce
    }

    /// The sequence number after this message. Checked *before* encrypting, so the last
    /// nonce is never used twice (RFC 9180 §5.2, `IncrementSeq`).
    fn next_seq(&self) -> Result<u64, HpkeError> {
        self.seq
            .checked_add(1)
            .ok_or(HpkeError::MessageLimitReached)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&self.key.into())
    }

    fn seal(&mut self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, HpkeError> {
        let next = self.next_seq()?;
        let ct = self
            .cipher()
            .encrypt(&self.nonce().into(), Payload { msg: pt, aad })
            .map_err(|_| HpkeError::SealError)?;
        self.seq = next;
        Ok(ct)
    }

    fn open(&mut self, aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, HpkeError> {
        let next = self.next_seq()?;
        let pt = self
            .cipher()
            .decrypt(&self.nonce().into(), Payload { msg: ct, aad })
            .map_err(|_| HpkeError::OpenError)?;
        // Only a successful open advances the sequence (RFC 9180 §5.2).
        self.seq = next;
        Ok(pt)
    }

    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError> {
        labeled_expand(
            &HPKE_SUITE_ID,
            &self.exporter_secret,
            b"sec",
            exporter_context,
            out,
        )
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        wipe(&mut self.key);
        wipe(&mut self.base_nonce);
        wipe(&mut self.exporter_secret);
    }
}

/// The sender's encryption context (`SetupBaseS`), for several messages to one recipient.
pub struct SenderContext(Context);

/// The recipient's decryption context (`SetupBaseR`). Messages must be opened in the order
/// they were sealed: the nonce is derived from the count of messages opened so far.
pub struct RecipientContext(Context);

impl SenderContext {
    /// Encrypts the next message; `aad` is authenticated but not encrypted.
    pub fn seal(&mut self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, HpkeError> {
        self.0.seal(aad, pt)
    }

    /// `Context.Export(exporter_context, L)`: a secret both sides can derive.
    pub fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError> {
        self.0.export(exporter_context, out)
    }

    /// Number of messages sealed so far (the next message's sequence number).
    pub fn sequence_number(&self) -> u64 {
        self.0.seq
    }
}

impl RecipientContext {
    /// Decrypts the next message. A failure leaves the sequence number unchanged.
    pub fn open(&mut self, aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, HpkeError> {
        self.0.open(aad, ct)
    }

    /// `Context.Export(exporter_context, L)`: a secret both sides can derive.
    pub fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError> {
        self.0.export(exporter_context, out)
    }

    /// Number of messages opened so far (the next message's sequence number).
    pub fn sequence_number(&self) -> u64 {
        self.0.seq
    }
}

impl fmt::Debug for SenderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hpke::SenderContext {{ seq: {}, .. }}", self.0.seq)
    }
}

impl fmt::Debug for RecipientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hpke::RecipientContext {{ seq: {}, .. }}", self.0.seq)
    }
}

/// `SetupBaseS(pkR, info)`: returns `enc` (send it along) and the sender context.
pub fn setup_base_s(
    pk_r: &PublicKey,
    info: &[u8],
    ikm_e: &[u8],
) -> Result<([u8; N_ENC], SenderContext), HpkeError> {
    let (mut shared_secret, enc) = encap(pk_r, ikm_e)?;
    let schedule = key_schedule_base(&shared_secret, info);
    wipe(&mut shared_secret);
    let schedule = schedule?;
    Ok((enc, SenderContext(Context::from_schedule(&schedule))))
}

/// `SetupBaseR(enc, skR, info)`: the recipient context matching [`setup_base_s`].
pub fn setup_base_r(
    enc: &[u8; N_ENC],
    sk_r: &PrivateKey,
    info: &[u8],
) -> Result<RecipientContext, HpkeError> {
    let mut shared_secret = decap(enc, sk_r)?;
    let schedule = key_schedule_base(&shared_secret, info);
    wipe(&mut shared_secret);
    let schedule = schedule?;
    Ok(RecipientContext(Context::from_schedule(&schedule)))
}

/// Single-shot `Seal`: encrypts one message to `pk_r`. Returns `(enc, ct)`.
pub fn seal(
    pk_r: &PublicKey,
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
    ikm_e: &[u8],
) -> Result<([u8; N_ENC], Vec<u8>), HpkeError> {
    let (enc, mut context) = setup_base_s(pk_r, info, ikm_e)?;
    let ct = context.seal(aad, pt)?;
    Ok((enc, ct))
}

/// Single-shot `Open`: decrypts one message sealed by [`seal`].
pub fn open(
    sk_r: &PrivateKey,
    enc: &[u8; N_ENC],
    info: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Result<Vec<u8>, HpkeError> {
    let mut context = setup_base_r(enc, sk_r, info)?;
    context.open(aad, ct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(text: &str) -> Vec<u8> {
        hex::decode(text).unwrap()
    }

    fn h32(text: &str) -> [u8; 32] {
        h(text).try_into().unwrap()
    }

    // RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305,
    // base mode. Transcribed from the RFC's AUTH48 text in the CFRG's draft repository
    // (cfrg/draft-irtf-cfrg-hpke, auth48/draft-irtf-cfrg-hpke.txt, numbered B.2.1 there),
    // and cross-checked against independent copies of the published vectors.
    const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
    const IKM_E: &str = "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b";
    const PK_EM: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
    const SK_EM: &str = "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600";
    const IKM_R: &str = "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df";
    const PK_RM: &str = "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a";
    const SK_RM: &str = "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb";
    const ENC: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
    const SHARED_SECRET: &str = "0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7";
    const KEY_SCHEDULE_CONTEXT: &str = concat!(
        "00431df6cd95e11ff49d7013563baf7f11588c75a6611ee2a4404a49306ae4cfc5",
        "b69c5718a60cc5876c358d3f7fc31ddb598503f67be58ea1e798c0bb19eb9796"
    );
    const SECRET: &str = "5b9cd775e64b437a2335cf499361b2e0d5e444d5cb41a8a53336d8fe402282c6";
    const KEY: &str = "ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91";
    const BASE_NONCE: &str = "5c4d98150661b848853b547f";
    const EXPORTER_SECRET: &str =
        "a3b010d4994890e2c6968a36f64470d3c824c8f5029942feb11e7a74b2921922";
    const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";

    /// (sequence number, aad, nonce, ct)
    const ENCRYPTIONS: [(u64, &str, &str, &str); 6] = [
        (
            0,
            "436f756e742d30",
            "5c4d98150661b848853b547f",
            "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
        ),
        (
            1,
            "436f756e742d31",
            "5c4d98150661b848853b547e",
            "6b53c051e4199c518de79594e1c4ab18b96f081549d45ce015be002090bb119e85285337cc95ba5f59992dc98c",
        ),
        (
            2,
            "436f756e742d32",
            "5c4d98150661b848853b547d",
            "71146bd6795ccc9c49ce25dda112a48f202ad220559502cef1f34271e0cb4b02b4f10ecac6f48c32f878fae86b",
        ),
        (
            4,
            "436f756e742d34",
            "5c4d98150661b848853b547b",
            "63357a2aa291f5a4e5f27db6baa2af8cf77427c7c1a909e0b37214dd47db122bb153495ff0b02e9e54a50dbe16",
        ),
        (
            255,
            "436f756e742d323535",
            "5c4d98150661b848853b5480",
            "18ab939d63ddec9f6ac2b60d61d36a7375d2070c9b683861110757062c52b8880a5f6b3936da9cd6c23ef2a95c",
        ),
        (
            256,
            "436f756e742d323536",
            "5c4d98150661b848853b557f",
            "7a4a13e9ef23978e2c520fd4d2e757514ae160cd0cd05e556ef692370ca53076214c0c40d4c728d6ed9e727a5b",
        ),
    ];

    /// (exporter_context, L, exported_value)
    const EXPORTS: [(&str, usize, &str); 3] = [
        (
            "",
            32,
            "4bbd6243b8bb54cec311fac9df81841b6fd61f56538a775e7c80a9f40160606e",
        ),
        (
            "00",
            32,
            "8c1df14732580e5501b00f82b10a1647b40713191b7c1240ac80e2b68808ba69",
        ),
        (
            "54657374436f6e74657874",
            32,
            "5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53",
        ),
    ];

    #[test]
    fn suite_ids_match_the_constants() {
        assert_eq!(&KEM_SUITE_ID[3..], &KEM_ID.to_be_bytes());
        assert_eq!(&HPKE_SUITE_ID[4..6], &KEM_ID.to_be_bytes());
        assert_eq!(&HPKE_SUITE_ID[6..8], &KDF_ID.to_be_bytes());
        assert_eq!(&HPKE_SUITE_ID[8..], &AEAD_ID.to_be_bytes());
    }

    #[test]
    fn rfc9180_a21_derive_key_pair() {
        let sk_e = derive_key_pair(&h(IKM_E)).unwrap();
        assert_eq!(sk_e.to_bytes(), h32(SK_EM));
        assert_eq!(sk_e.public_key().to_bytes(), h32(PK_EM));
        let sk_r = derive_key_pair(&h(IKM_R)).unwrap();
        assert_eq!(sk_r.to_bytes(), h32(SK_RM));
        assert_eq!(sk_r.public_key().to_bytes(), h32(PK_RM));
        assert!(!sk_r.public_key().is_small_order());
        // Deserializing skRm gives the same key pair.
        let from_bytes = PrivateKey::from_bytes(h32(SK_RM));
        assert_eq!(from_bytes.public_key().to_bytes(), h32(PK_RM));
    }

    #[test]
    fn rfc9180_a21_encap_decap_and_key_schedule() {
        let pk_r = PublicKey::from_bytes(h32(PK_RM));
        let (shared, enc) = encap(&pk_r, &h(IKM_E)).unwrap();
        assert_eq!(enc, h32(ENC));
        assert_eq!(shared, h32(SHARED_SECRET));

        let sk_r = PrivateKey::from_bytes(h32(SK_RM));
        assert_eq!(decap(&enc, &sk_r).unwrap(), h32(SHARED_SECRET));

        let schedule = key_schedule_base(&shared, &h(INFO)).unwrap();
        assert_eq!(
            schedule.key_schedule_context.to_vec(),
            h(KEY_SCHEDULE_CONTEXT)
        );
        assert_eq!(schedule.secret, h32(SECRET));
        assert_eq!(schedule.key, h32(KEY));
        assert_eq!(schedule.base_nonce.to_vec(), h(BASE_NONCE));
        assert_eq!(schedule.exporter_secret, h32(EXPORTER_SECRET));
    }

    #[test]
    fn rfc9180_a21_encryptions_with_sequence_numbers() {
        let pk_r = PublicKey::from_bytes(h32(PK_RM));
        let sk_r = PrivateKey::from_bytes(h32(SK_RM));
        let (enc, mut sender) = setup_base_s(&pk_r, &h(INFO), &h(IKM_E)).unwrap();
        assert_eq!(enc, h32(ENC));
        let mut recipient = setup_base_r(&enc, &sk_r, &h(INFO)).unwrap();
        let pt = h(PT);

        let mut checked = 0;
        for seq in 0u64..=256 {
            assert_eq!(sender.sequence_number(), seq);
            assert_eq!(recipient.sequence_number(), seq);
            let vector = ENCRYPTIONS.iter().find(|(s, ..)| *s == seq);
            // Messages in between use their own sequence number's aad, as the RFC's
            // generator does ("Count-<seq>").
            let aad = match vector {
                Some((_, aad, nonce, _)) => {
                    assert_eq!(sender.0.nonce().to_vec(), h(nonce));
                    h(aad)
                }
                None => format!("Count-{seq}").into_bytes(),
            };
            let ct = sender.seal(&aad, &pt).unwrap();
            if let Some((_, _, _, expected_ct)) = vector {
                assert_eq!(ct, h(expected_ct), "seq {seq}");
                checked += 1;
            }
            assert_eq!(recipient.open(&aad, &ct).unwrap(), pt);
        }
        assert_eq!(checked, ENCRYPTIONS.len());
    }

    #[test]
    fn rfc9180_a21_exported_values() {
        let pk_r = PublicKey::from_bytes(h32(PK_RM));
        let sk_r = PrivateKey::from_bytes(h32(SK_RM));
        let (enc, sender) = setup_base_s(&pk_r, &h(INFO), &h(IKM_E)).unwrap();
        let recipient = setup_base_r(&enc, &sk_r, &h(INFO)).unwrap();
        for (context, len, expected) in EXPORTS {
            let mut out = vec![0u8; len];
            sender.export(&h(context), &mut out).unwrap();
            assert_eq!(out, h(expected));
            let mut out = vec![0u8; len];
            recipient.export(&h(context), &mut out).unwrap();
            assert_eq!(out, h(expected));
        }
        let mut too_long = vec![0u8; 255 * 32 + 1];
        assert_eq!(
            sender.export(b"", &mut too_long),
            Err(HpkeError::InvalidLength)
        );
    }

    #[test]
    fn single_shot_matches_the_first_vector() {
        let pk_r = PublicKey::from_bytes(h32(PK_RM));
        let sk_r = PrivateKey::from_bytes(h32(SK_RM));
        let (aad, ct) = (h(ENCRYPTIONS[0].1), h(ENCRYPTIONS[0].3));
        let (enc, sealed) = seal(&pk_r, &h(INFO), &aad, &h(PT), &h(IKM_E)).unwrap();
        assert_eq!(enc, h32(ENC));
        assert_eq!(sealed, ct);
        assert_eq!(open(&sk_r, &enc, &h(INFO), &aad, &ct).unwrap(), h(PT));
        assert_eq!(
            open(&sk_r, &enc, b"other info", &aad, &ct),
            Err(HpkeError::OpenError)
        );
        assert_eq!(
            open(&sk_r, &enc, &h(INFO), b"other aad", &ct),
            Err(HpkeError::OpenError)
        );
    }

    #[test]
    fn failed_open_does_not_advance_the_sequence() {
        let sk_r = derive_key_pair(&[7u8; 32]).unwrap();
        let (enc, mut sender) = setup_base_s(sk_r.public_key(), b"info", &[9u8; 32]).unwrap();
        let mut recipient = setup_base_r(&enc, &sk_r, b"info").unwrap();
        let first = sender.seal(b"", b"one").unwrap();
        let second = sender.seal(b"", b"two").unwrap();
        // Out of order fails and leaves the recipient where it was.
        assert_eq!(recipient.open(b"", &second), Err(HpkeError::OpenError));
        assert_eq!(recipient.sequence_number(), 0);
        assert_eq!(recipient.open(b"", &first).unwrap(), b"one");
        assert_eq!(recipient.open(b"", &second).unwrap(), b"two");
    }

    #[test]
    fn sequence_exhaustion_is_an_error_not_a_nonce_reuse() {
        let sk_r = derive_key_pair(&[1u8; 32]).unwrap();
        let (_, mut sender) = setup_base_s(sk_r.public_key(), b"", &[2u8; 32]).unwrap();
        sender.0.seq = u64::MAX;
        assert_eq!(sender.seal(b"", b"x"), Err(HpkeError::MessageLimitReached));
        assert_eq!(sender.sequence_number(), u64::MAX);
    }

    #[test]
    fn rejects_small_order_public_keys() {
        // The identity and the order-8 point with u = 1 (RFC 7748 and libsodium's blocklist)
        // give an all-zero DH output with every private key.
        let low_order = [
            [0u8; 32],
            {
                let mut one = [0u8; 32];
                one[0] = 1;
                one
            },
            h32("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        ];
        for point in low_order {
            let pk = PublicKey::from_bytes(point);
            assert_eq!(
                seal(&pk, b"", b"", b"pt", &[3u8; 32]),
                Err(HpkeError::InvalidPublicKey)
            );
            let sk = derive_key_pair(&[4u8; 32]).unwrap();
            assert_eq!(decap(&point, &sk), Err(HpkeError::InvalidPublicKey));
            assert!(pk.is_small_order());
        }
    }

    #[test]
    fn private_key_debug_is_redacted() {
        let sk = PrivateKey::from_bytes(h32(SK_RM));
        let text = format!("{sk:?}");
        assert!(text.contains(PK_RM));
        assert!(!text.contains(SK_RM));
        assert!(text.contains("<redacted>"));
    }

    #[test]
    fn wipes_clear_buffers() {
        let mut bytes = [0xaau8; 8];
        wipe(&mut bytes);
        assert_eq!(bytes, [0; 8]);
        let mut vec = vec![0x55u8; 4];
        wipe_vec(&mut vec);
        assert!(vec.is_empty());
        let mut text = String::from("4242424242424242");
        wipe_string(&mut text);
        assert!(text.is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn seal_open_round_trip(
            ikm_r in any::<[u8; 32]>(),
            ikm_e in any::<[u8; 32]>(),
            info in proptest::collection::vec(any::<u8>(), 0..40),
            aad in proptest::collection::vec(any::<u8>(), 0..40),
            pt in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let sk_r = derive_key_pair(&ikm_r).unwrap();
            let (enc, ct) = seal(sk_r.public_key(), &info, &aad, &pt, &ikm_e).unwrap();
            prop_assert_eq!(ct.len(), pt.len() + N_T);
            prop_assert_eq!(open(&sk_r, &enc, &info, &aad, &ct).unwrap(), pt);
        }

        #[test]
        fn any_flipped_bit_fails_to_open(
            ikm_e in any::<[u8; 32]>(),
            pt in proptest::collection::vec(any::<u8>(), 0..64),
            which in 0usize..3,
            index in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let sk_r = derive_key_pair(&[5u8; 32]).unwrap();
            let aad = b"header".to_vec();
            let (mut enc, mut ct) = seal(sk_r.public_key(), b"info", &aad, &pt, &ikm_e).unwrap();
            let mut aad = aad;
            match which {
                0 => enc[index.index(N_ENC)] ^= 1 << bit,
                1 => { let i = index.index(ct.len()); ct[i] ^= 1 << bit }
                _ => { let i = index.index(aad.len()); aad[i] ^= 1 << bit }
            }
            prop_assert!(open(&sk_r, &enc, b"info", &aad, &ct).is_err());
        }
    }
}
