//! Vault in the console: the operator's identity for the header, and the
//! open investigation's token, watched while its detail view is open.

use super::Out;
use crate::app::effect::Effect;
use crate::app::state::{NoticeLevel, State, VaultStatus, WatchedToken};
use crate::cluster::vault_watch::{TokenLookup, VaultEffect, VaultEvent};
use crate::sanitize::sanitize;
use crate::vault::{TokenInfo, VaultIdentity};

/// A Vault task came back.
pub(super) fn event(state: &mut State, event: VaultEvent, out: &mut Out) {
    match event {
        VaultEvent::Off => set_status(state, VaultStatus::Off, out),
        VaultEvent::Starting { addr } => {
            // Only before anything else was heard: an answer stays shown.
            if matches!(
                state.vault.status,
                VaultStatus::Unknown | VaultStatus::Starting(_)
            ) {
                set_status(
                    state,
                    VaultStatus::Starting(sanitize(&addr).into_owned()),
                    out,
                );
            }
        }
        VaultEvent::Misconfigured(why) => {
            let why = sanitize(&why).into_owned();
            if state.vault.status != VaultStatus::Misconfigured(why.clone()) {
                super::notice::notice(state, NoticeLevel::Warning, format!("Vault: {why}"), out);
            }
            set_status(state, VaultStatus::Misconfigured(why), out);
        }
        VaultEvent::Identity { addr, result } => {
            let addr = sanitize(&addr).into_owned();
            let status = match result {
                Ok(identity) => VaultStatus::On {
                    addr,
                    identity: sanitized_identity(identity),
                },
                Err(failure) => {
                    let since = match &state.vault.status {
                        VaultStatus::Failing { since, .. } => *since,
                        _ => state.now,
                    };
                    VaultStatus::Failing {
                        addr,
                        cause: sanitize(&failure.cause).into_owned(),
                        error: sanitize(&failure.detail).into_owned(),
                        since,
                    }
                }
            };
            let newly_failing = matches!(&status, VaultStatus::Failing { .. })
                && !matches!(state.vault.status, VaultStatus::Failing { .. });
            if let (
                true,
                VaultStatus::Failing {
                    addr, cause, error, ..
                },
            ) = (newly_failing, &status)
            {
                let at = crate::app::state::host_port(addr);
                let text = format!(
                    "Vault at {at} is failing: {cause} (approvals are still recorded; credentials wait until it answers): {error}"
                );
                super::notice::notice(state, NoticeLevel::Error, text, out);
            }
            set_status(state, status, out);
        }
        VaultEvent::TlsUnverified { addr } => {
            let at = crate::app::state::host_port(&sanitize(&addr));
            if !state.vault.tls_unverified {
                let text = format!(
                    "Vault at {at}: TLS certificate verification is off (BAO_SKIP_VERIFY/VAULT_SKIP_VERIFY): whoever can reach the connection can pose as Vault and read the tokens sent to it"
                );
                super::notice::notice(state, NoticeLevel::Warning, text, out);
                state.vault.tls_unverified = true;
                out.redraw();
            }
        }
        VaultEvent::Token {
            accessor,
            at,
            lookup,
        } => {
            let Some(token) = state
                .vault
                .token
                .as_mut()
                .filter(|t| t.accessor == accessor)
            else {
                return;
            };
            match lookup {
                TokenLookup::Failed(error) => {
                    token.error = Some(sanitize(&error).into_owned());
                }
                TokenLookup::Found(info) => {
                    token.last = Some((at, TokenLookup::Found(sanitized_token(info))));
                    token.error = None;
                }
                TokenLookup::Gone => {
                    token.last = Some((at, TokenLookup::Gone));
                    token.error = None;
                }
            }
            out.redraw();
        }
    }
}

fn set_status(state: &mut State, status: VaultStatus, out: &mut Out) {
    out.redraw_if(state.vault.status != status);
    state.vault.status = status;
}

/// Starts, switches or stops the token watch so that it follows the open
/// investigation's `kubevigil.io/vault-accessor`, while Vault is configured.
/// When the investigation ends the token is looked up again at once (a
/// launcher may revoke it then), keeping the last answer on screen meanwhile.
pub(super) fn sync(state: &mut State, out: &mut Out) {
    let wanted = watched_accessor(state);
    let current = state
        .vault
        .token
        .as_ref()
        .map(|t| (t.accessor.as_str(), t.job_active));
    if wanted.as_ref().map(|(a, active)| (a.as_str(), *active)) == current {
        return;
    }
    let same_token = wanted.as_ref().map(|(a, _)| a.as_str()) == current.map(|(a, _)| a);
    match (&wanted, state.vault.token.as_mut()) {
        (Some((_, active)), Some(token)) if same_token => token.job_active = *active,
        _ => {
            state.vault.token = wanted.clone().map(|(accessor, job_active)| WatchedToken {
                accessor,
                job_active,
                last: None,
                error: None,
            });
        }
    }
    let accessor = wanted.map(|(accessor, _)| accessor);
    out.push(Effect::Vault(VaultEffect::WatchToken { accessor }));
    out.redraw();
}

/// The accessor the detail view shows and whether its Job still runs, when
/// Vault can be asked about it.
fn watched_accessor(state: &State) -> Option<(String, bool)> {
    if !matches!(
        state.vault.status,
        VaultStatus::On { .. } | VaultStatus::Failing { .. }
    ) || state.quitting
    {
        return None;
    }
    let detail = state.detail.as_ref()?;
    let investigation = &state.table.get(&detail.investigation)?.record.investigation;
    let accessor = investigation.vault_accessor.as_deref()?.to_owned();
    Some((accessor, investigation.state.is_active()))
}

fn sanitized_identity(identity: VaultIdentity) -> VaultIdentity {
    VaultIdentity {
        display_name: sanitize(&identity.display_name).into_owned(),
        entity_id: sanitize(&identity.entity_id).into_owned(),
        policies: identity
            .policies
            .iter()
            .map(|p| sanitize(p).into_owned())
            .collect(),
    }
}

fn sanitized_token(info: TokenInfo) -> TokenInfo {
    TokenInfo {
        policies: info
            .policies
            .iter()
            .map(|p| sanitize(p).into_owned())
            .collect(),
        metadata: info
            .metadata
            .iter()
            .map(|(k, v)| (sanitize(k).into_owned(), sanitize(v).into_owned()))
            .collect(),
        display_name: sanitize(&info.display_name).into_owned(),
        ..info
    }
}
