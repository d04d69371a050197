//! The engine's side of signing exports: which identity signs, turning signing on and
//! off, and an organisation's own certificate.

use std::path::Path;

use crate::engine::Engine;
use crate::export::{ExportFormat, ExportOptions};
use crate::provenance::{SigningIdentity, SigningStatus, SigningStore};
use crate::{Error, Result};

impl Engine {
    fn signing_store(&self) -> SigningStore<'_> {
        SigningStore::new(&self.dirs().config, self.keys())
    }

    /// Fills `opts.signing` when this export is to be signed (the option and the setting
    /// are both on, and the format can carry credentials); makes this installation's
    /// certificate on first use.
    pub fn prepare_signing(&self, opts: &mut ExportOptions) -> Result<()> {
        opts.signing = None;
        if self.settings()?.exports_unsigned {
            opts.sign = false;
        }
        if !opts.sign || opts.format == ExportFormat::Original {
            return Ok(());
        }
        opts.signing = Some(self.signing_store().identity()?);
        Ok(())
    }

    /// Which identity signs exports, and whether signing is on; never the key.
    pub fn signing_status(&self) -> Result<SigningStatus> {
        let enabled = !self.settings()?.exports_unsigned;
        self.signing_store().status(enabled)
    }

    /// Turns signing of exports on or off.
    pub fn set_signing_enabled(&self, enabled: bool) -> Result<SigningStatus> {
        let mut settings = self.settings()?;
        settings.exports_unsigned = !enabled;
        self.save_settings(&settings)?;
        self.signing_status()
    }

    /// Signs exports with the organisation's certificate chain (PEM, signing certificate
    /// first) and private key (PKCS#8 PEM), read from these files. The key goes to the key
    /// store; the files can be deleted afterwards.
    pub fn set_organisation_signing(&self, cert: &Path, key: &Path) -> Result<SigningStatus> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::not_found(format!("{}", p.display())),
                std::io::ErrorKind::InvalidData => Error::Signing {
                    message: format!(
                        "{} is not a PEM text file; give the certificate chain and the private key as PEM.",
                        p.display()
                    ),
                },
                _ => Error::io("read", p)(e),
            })
        };
        let identity: SigningIdentity = self
            .signing_store()
            .set_organisation(&read(cert)?, &read(key)?)?;
        tracing::info!(subject = %identity.subject, "organisation signing certificate set");
        self.signing_status()
    }

    /// Goes back to this installation's own certificate.
    pub fn clear_organisation_signing(&self) -> Result<SigningStatus> {
        self.signing_store().clear_organisation()?;
        self.signing_status()
    }
}
