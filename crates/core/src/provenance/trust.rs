//! Which signers Easel calls "trusted": the official C2PA trust list, shipped with Easel as
//! dated data (`data/c2pa-trust/`, source and date in its `SOURCE.json`). Offline by design:
//! the list is not fetched; a newer Easel ships a newer list.

/// The shipped list: roots of conforming products' signing certificates.
const SHIPPED_PEM: &str = include_str!("../../data/c2pa-trust/C2PA-TRUST-LIST.pem");
pub const TRUST_LIST_NAME: &str = "C2PA Trust List";
/// The date of the shipped list's source commit (see `SOURCE.json`).
pub const TRUST_LIST_DATED: &str = "2026-08-21";

use std::sync::{Arc, LazyLock, OnceLock};

/// The shipped list and its reading context, built once per process: every ingest reads.
static SHIPPED: LazyLock<TrustList> = LazyLock::new(TrustList::shipped);

/// Trust anchors for judging credentials.
#[derive(Debug, Clone)]
pub struct TrustList {
    pem: String,
    label: String,
    /// The c2pa context for reading against this list, made on first use and shared by
    /// every reader (c2pa's `Context` is meant to be shared across threads).
    context: OnceLock<Arc<c2pa::Context>>,
}

impl Default for TrustList {
    fn default() -> Self {
        TrustList::shipped()
    }
}

impl TrustList {
    /// The list shipped with this version of Easel.
    pub fn shipped() -> TrustList {
        TrustList {
            pem: SHIPPED_PEM.to_owned(),
            label: format!("{TRUST_LIST_NAME} ({TRUST_LIST_DATED})"),
            context: OnceLock::new(),
        }
    }

    /// The shipped list plus other roots (PEM), e.g. an organisation's own CA.
    pub fn with_extra_roots(mut self, pem: &str, label: &str) -> TrustList {
        self.pem.push('\n');
        self.pem.push_str(pem);
        self.label = format!("{} + {label}", self.label);
        self.context = OnceLock::new();
        self
    }

    /// Only these roots (PEM); for tests and closed set-ups.
    pub fn only(pem: &str, label: &str) -> TrustList {
        TrustList {
            pem: pem.to_owned(),
            label: label.to_owned(),
            context: OnceLock::new(),
        }
    }

    /// How the list is named to people, with its date.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The shipped list, shared: no copy of its roots per read.
    pub(crate) fn shipped_shared() -> &'static TrustList {
        &SHIPPED
    }

    /// The c2pa context for reading against this list, built on first use.
    pub(crate) fn context(&self) -> Result<&Arc<c2pa::Context>, c2pa::Error> {
        if let Some(context) = self.context.get() {
            return Ok(context);
        }
        let built = c2pa::Context::new()
            .with_settings(self.settings())?
            .into_shared();
        // Two threads may build at once; either result is the same context.
        Ok(self.context.get_or_init(|| built))
    }

    /// c2pa settings for reading offline against this list.
    pub(crate) fn settings(&self) -> c2pa::settings::Settings {
        let mut s = c2pa::settings::Settings::default();
        s.trust.trust_anchors = Some(self.pem.clone());
        s.verify.ocsp_fetch = false;
        s.verify.remote_manifest_fetch = false;
        s.verify.verify_after_reading = true;
        s
    }
}
