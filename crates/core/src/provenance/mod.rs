//! Content Credentials (C2PA): reading the manifest store an image carries, saying in plain
//! words what it claims, and signing what Easel exports. Everything works offline: no
//! remote manifests, no OCSP, no time-stamp authority.

mod credentials;
mod detect;
mod read;
mod sentence;
mod sign;
pub mod signing_identity;
mod trust;

pub use credentials::{
    CredentialAction, CredentialIngredient, CredentialProblem, Credentials, CredentialsState,
    MAX_TEXT,
};
pub use read::{read, read_with};
pub use sentence::{CredentialsReport, sentence};
pub use sign::{ExportEdit, SignedExport, TRAINED_ALGORITHMIC_MEDIA, sign_export};
pub use signing_identity::{SignerKind, SigningIdentity, SigningStatus, SigningStore};
pub use trust::{TRUST_LIST_DATED, TRUST_LIST_NAME, TrustList};
