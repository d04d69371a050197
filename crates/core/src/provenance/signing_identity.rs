//! Who signs Easel's exports. By default a certificate chain made for this installation on
//! first use, locally: a CA and an end-entity certificate with the key usage and extended
//! key usage (documentSigning) the C2PA certificate profile asks for. Or an organisation's
//! own certificate chain and key. Certificates (public) live in the config folder; private
//! keys only in the key store (keychain, or its headless file fallback), never in the
//! database, logs or exported files.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::secrets::{ApiKey, KeyStore};
use crate::{Error, Result, atomic_file};

/// Key-store slots (the env vars named here override them, as for API keys).
const INSTALLATION_SLOT: &str = "c2pa-installation-signing";
const INSTALLATION_ENV: &str = "EASEL_C2PA_INSTALLATION_KEY";
const ORGANISATION_SLOT: &str = "c2pa-organisation-signing";
const ORGANISATION_ENV: &str = "EASEL_C2PA_ORGANISATION_KEY";

/// id-kp-documentSigning (RFC 9336), one of the EKUs C2PA accepts for signers.
const DOCUMENT_SIGNING: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 3, 36];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SignerKind {
    /// Made for this installation; no trust list knows it.
    Installation,
    /// The organisation's own certificate.
    Organisation,
}

/// A certificate chain and its private key, ready to sign. `Debug` never shows the key.
#[derive(Clone)]
pub struct SigningIdentity {
    pub kind: SignerKind,
    /// End-entity certificate first, then the CAs (PEM).
    pub chain_pem: String,
    key_pem: String,
    pub alg: c2pa::SigningAlg,
    /// The end-entity certificate's subject, for people.
    pub subject: String,
}

impl std::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("kind", &self.kind)
            .field("subject", &self.subject)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl PartialEq for SigningIdentity {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.chain_pem == other.chain_pem
    }
}

impl SigningIdentity {
    /// From a PEM chain (end-entity first) and a PEM private key (PKCS#8).
    pub fn from_pem(kind: SignerKind, chain_pem: &str, key_pem: &str) -> Result<SigningIdentity> {
        let key = rcgen::KeyPair::from_pem(key_pem).map_err(|e| Error::Signing {
            message: format!(
                "The private key could not be read ({e}). Give an unencrypted PKCS#8 PEM key (\"BEGIN PRIVATE KEY\")."
            ),
        })?;
        let alg = alg_of(&key)?;
        let subject = subject_of(chain_pem)?;
        Ok(SigningIdentity {
            kind,
            chain_pem: chain_pem.to_owned(),
            key_pem: key_pem.to_owned(),
            alg,
            subject,
        })
    }

    pub(crate) fn signer(&self) -> Result<c2pa::BoxedSigner> {
        c2pa::create_signer::from_keys(
            self.chain_pem.as_bytes(),
            self.key_pem.as_bytes(),
            self.alg,
            None,
        )
        .map_err(|e| Error::Signing {
            message: format!("The signing certificate and key cannot sign ({e})."),
        })
    }

    /// What other tools will say about a file this identity signed.
    pub fn what_others_see(&self) -> &'static str {
        match self.kind {
            SignerKind::Installation => {
                "Other tools will show these Content Credentials as valid, from a signer they don't know (this installation's own certificate)."
            }
            SignerKind::Organisation => {
                "Other tools will show these Content Credentials as valid and signed by your organisation; they show it as trusted only if your organisation's certificate is on their trust list."
            }
        }
    }
}

fn alg_of(key: &rcgen::KeyPair) -> Result<c2pa::SigningAlg> {
    let a = key.algorithm();
    Ok(if a == &rcgen::PKCS_ECDSA_P256_SHA256 {
        c2pa::SigningAlg::Es256
    } else if a == &rcgen::PKCS_ECDSA_P384_SHA384 {
        c2pa::SigningAlg::Es384
    } else if a == &rcgen::PKCS_ED25519 {
        c2pa::SigningAlg::Ed25519
    } else if a == &rcgen::PKCS_RSA_SHA256 {
        c2pa::SigningAlg::Ps256
    } else {
        return Err(Error::Signing {
            message: "The private key's algorithm is not one C2PA signs with; use an ECDSA P-256 or P-384, Ed25519 or RSA key.".into(),
        });
    })
}

/// The first certificate's subject, e.g. "CN=…, O=…".
fn subject_of(chain_pem: &str) -> Result<String> {
    let bad = |detail: String| Error::Signing {
        message: format!(
            "The certificate file is not a PEM certificate chain ({detail}). Give the signing certificate first, then its CAs."
        ),
    };
    let (_, pem) = x509_parser::pem::parse_x509_pem(chain_pem.trim_start().as_bytes())
        .map_err(|e| bad(e.to_string()))?;
    let cert = pem.parse_x509().map_err(|e| bad(e.to_string()))?;
    if cert.is_ca() {
        return Err(bad(
            "the first certificate is a CA; put the signing certificate first".into(),
        ));
    }
    Ok(cert.subject().to_string())
}

/// Makes a new installation chain: a CA (valid 20 years) and an end-entity signing
/// certificate (valid 10 years; without a time stamp, credentials read as expired after).
pub fn create_installation_chain(label: &str) -> Result<(String, String)> {
    let fail = |e: rcgen::Error| Error::Signing {
        message: format!("A signing certificate could not be made ({e})."),
    };
    use chrono::Datelike;
    let now = chrono::Utc::now();
    let (year, month, day) = (now.year(), now.month() as u8, now.day().min(28) as u8);
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(fail)?;
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("Easel installation CA ({label})"),
    );
    ca.distinguished_name
        .push(rcgen::DnType::OrganizationName, "Easel installation");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = rcgen::date_time_ymd(year, month, day);
    ca.not_after = rcgen::date_time_ymd(year + 20, month, day);
    let ca_cert = ca.self_signed(&ca_key).map_err(fail)?;
    let issuer = rcgen::Issuer::new(ca, ca_key);

    let ee_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(fail)?;
    let mut ee = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ee.distinguished_name
        .push(rcgen::DnType::CommonName, format!("Easel ({label})"));
    ee.distinguished_name
        .push(rcgen::DnType::OrganizationName, "Easel installation");
    ee.is_ca = rcgen::IsCa::ExplicitNoCa;
    ee.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    // emailProtection too: every C2PA reader accepts it, while some (newer c2pa-rs
    // builds without a trust configuration) reject documentSigning alone.
    ee.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::EmailProtection,
        rcgen::ExtendedKeyUsagePurpose::Other(DOCUMENT_SIGNING.to_vec()),
    ];
    ee.use_authority_key_identifier_extension = true;
    ee.not_before = rcgen::date_time_ymd(year, month, day);
    ee.not_after = rcgen::date_time_ymd(year + 10, month, day);
    let ee_cert = ee.signed_by(&ee_key, &issuer).map_err(fail)?;
    Ok((
        format!("{}{}", ee_cert.pem(), ca_cert.pem()),
        ee_key.serialize_pem(),
    ))
}

/// What `signing show` reports: which identity exports are signed with, never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SigningStatus {
    /// Exports are signed (the switch in settings).
    pub enabled: bool,
    pub kind: SignerKind,
    /// The certificate's subject; `None` while the installation chain is still to be made.
    pub subject: Option<String>,
    /// Where the certificate chain is kept.
    pub certificate_file: Option<String>,
    pub what_others_see: String,
}

/// Where signing certificates live and their keys are kept.
pub struct SigningStore<'a> {
    dir: PathBuf,
    keys: &'a KeyStore,
}

impl<'a> SigningStore<'a> {
    pub fn new(config_dir: &Path, keys: &'a KeyStore) -> SigningStore<'a> {
        SigningStore {
            dir: config_dir.join("signing"),
            keys,
        }
    }

    fn chain_file(&self, kind: SignerKind) -> PathBuf {
        self.dir.join(match kind {
            SignerKind::Installation => "installation-chain.pem",
            SignerKind::Organisation => "organisation-chain.pem",
        })
    }

    fn slot(kind: SignerKind) -> (&'static str, &'static str) {
        match kind {
            SignerKind::Installation => (INSTALLATION_SLOT, INSTALLATION_ENV),
            SignerKind::Organisation => (ORGANISATION_SLOT, ORGANISATION_ENV),
        }
    }

    fn load(&self, kind: SignerKind) -> Result<Option<SigningIdentity>> {
        let path = self.chain_file(kind);
        let chain = match std::fs::read_to_string(&path) {
            Ok(chain) => chain,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("read", &path)(e)),
        };
        let (slot, env) = Self::slot(kind);
        let Some((key, _)) = self.keys.get(slot, env)? else {
            return Ok(None);
        };
        let der = STANDARD.decode(key.expose()).map_err(|_| Error::Signing {
            message: "The stored signing key is damaged. Set the signing certificate again (easel-cli signing set, or signing reset).".into(),
        })?;
        let pem = pem_of_pkcs8(&der);
        SigningIdentity::from_pem(kind, &chain, &pem).map(Some)
    }

    fn save(&self, kind: SignerKind, chain_pem: &str, key_pem: &str) -> Result<()> {
        let key = rcgen::KeyPair::from_pem(key_pem).map_err(|e| Error::Signing {
            message: format!("The private key could not be read ({e})."),
        })?;
        // One line without spaces: the key store keeps single-line secrets.
        let secret = ApiKey::new(STANDARD.encode(key.serialize_der()))?;
        let (slot, _) = Self::slot(kind);
        self.keys.set(slot, &secret)?;
        crate::private_fs::create_dir(&self.dir)?;
        atomic_file::write(&self.chain_file(kind), chain_pem.as_bytes(), None)
    }

    /// The organisation's identity when one is set, else this installation's, made now if
    /// this is the first use.
    pub fn identity(&self) -> Result<SigningIdentity> {
        if let Some(org) = self.load(SignerKind::Organisation)? {
            return Ok(org);
        }
        if let Some(own) = self.load(SignerKind::Installation)? {
            return Ok(own);
        }
        let label = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let (chain, key) = create_installation_chain(&label)?;
        self.save(SignerKind::Installation, &chain, &key)?;
        SigningIdentity::from_pem(SignerKind::Installation, &chain, &key)
    }

    /// Sets the organisation's certificate chain and key, after checking that they sign
    /// Content Credentials that read as valid.
    pub fn set_organisation(&self, chain_pem: &str, key_pem: &str) -> Result<SigningIdentity> {
        let identity = SigningIdentity::from_pem(SignerKind::Organisation, chain_pem, key_pem)?;
        super::sign::check_identity(&identity)?;
        self.save(SignerKind::Organisation, chain_pem, key_pem)?;
        Ok(identity)
    }

    /// Goes back to this installation's own certificate.
    pub fn clear_organisation(&self) -> Result<()> {
        self.keys.delete(ORGANISATION_SLOT)?;
        let path = self.chain_file(SignerKind::Organisation);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("remove", &path)(e)),
        }
    }

    /// Which identity exports would be signed with, without making one.
    pub fn status(&self, enabled: bool) -> Result<SigningStatus> {
        let found = match self.load(SignerKind::Organisation)? {
            Some(org) => Some(org),
            None => self.load(SignerKind::Installation)?,
        };
        let (kind, subject) = match &found {
            Some(id) => (id.kind, Some(id.subject.clone())),
            None => (SignerKind::Installation, None),
        };
        let what_others_see = match &found {
            Some(id) => id.what_others_see().to_owned(),
            None => "Exports will be signed with a certificate made for this installation on first use; other tools will show them as valid, from a signer they don't know.".to_owned(),
        };
        Ok(SigningStatus {
            enabled,
            kind,
            subject,
            certificate_file: found
                .map(|id| self.chain_file(id.kind).to_string_lossy().into_owned()),
            what_others_see,
        })
    }
}

fn pem_of_pkcs8(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END PRIVATE KEY-----\n");
    out
}
