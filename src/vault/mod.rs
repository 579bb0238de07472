//! Vault / OpenBao: the operator's identity, token lookups for the TTL
//! display, write credentials minted by approval (response-wrapped, optionally
//! age-encrypted to the agent) and revocation for veto, expiry, kill and halt.
//!
//! - [`settings_from_env`] / [`Vault::from_env`]: configuration as the bao and
//!   vault CLIs read it; `None` means Vault is off and everything else still works.
//! - [`Vault::identity`], [`Vault::lookup_accessor`]: for the console's header
//!   and investigation detail.
//! - [`Vault::mint_write_credential`], [`Vault::revoke_accessor`]: for deciding
//!   ([`crate::decide::decide_with_vault`]).
//! - [`Vault::mint_investigation_identity`]: an admitted investigation's own
//!   token, for the launcher ([`crate::launcher`]).
//! - [`Vault::verify_and_unwrap`]: the agent's side (docs/protocol.md section 5).
//! - [`encrypt_to_recipient`]: age encryption of a wrapping token.
//! - [`DevServer`], [`find_bao`]: a local `bao server -dev` for the sandbox and
//!   tests, which dies with kubevigil however kubevigil ends.

mod client;
mod config;
mod dev;
mod error;
mod identity;
mod mint;
mod seal;

pub use client::{TokenInfo, Vault, VaultIdentity};
pub use config::{ClientCertificate, VaultSettings, resolve_settings, settings_from_env};
pub use dev::{
    DevServer, INVESTIGATION_POLICY, find_bao, investigation_policy, namespace_write_policy,
};
pub use error::VaultError;
pub use identity::{IDENTITY_TTL_MARGIN_SECONDS, IDENTITY_WRAP_TTL_SECONDS, IdentityRequest};
pub use mint::{
    DEFAULT_WRAP_TTL_SECONDS, MintRequest, UnwrappedToken, WRITE_CREDENTIAL_USES,
    WrappedCredential, WrappingInfo,
};
pub use seal::{decrypt_with_identity, encrypt_to_recipient, generate_key_pair};

/// The sentence the console and the sandbox show when Vault is not configured.
pub const VAULT_OFF: &str = "Vault is off (no BAO_ADDR, VAULT_ADDR or [vault] addr): approvals are recorded but mint no credentials";
