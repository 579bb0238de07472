//! Writing a proposal's status safely: read, change, write with the
//! resourceVersion read, and start over when someone else wrote first.

use crate::domain::{ActionProposal, ActionProposalStatus};
use kube::Api;
use kube::api::PostParams;
use thiserror::Error;

/// How many times a write is retried after a conflict.
const MAX_ATTEMPTS: usize = 8;

/// Why a status write failed.
#[derive(Debug, Error)]
pub enum StatusWriteError {
    /// The API refused or could not be reached.
    #[error("writing the proposal status: {0}")]
    Kube(#[from] kube::Error),
    /// Others kept writing first; the change was not made.
    #[error("proposal {name}: gave up after {attempts} conflicting writes")]
    Contended {
        /// The proposal.
        name: String,
        /// How many writes were tried.
        attempts: usize,
    },
}

/// Reads proposal `name`, asks `change` for its new status and writes it with
/// the read resourceVersion as a precondition (a 409 re-reads and asks again).
///
/// Returns the written proposal; `None` when the proposal no longer exists or
/// `change` returned `None` (nothing to do, judged on the fresh copy).
pub async fn update_status<F>(
    api: &Api<ActionProposal>,
    name: &str,
    mut change: F,
) -> Result<Option<ActionProposal>, StatusWriteError>
where
    F: FnMut(&ActionProposal) -> Option<ActionProposalStatus>,
{
    for _ in 0..MAX_ATTEMPTS {
        let Some(mut proposal) = api.get_opt(name).await? else {
            return Ok(None);
        };
        let Some(status) = change(&proposal) else {
            return Ok(None);
        };
        proposal.status = Some(status);
        match api
            .replace_status(name, &PostParams::default(), &proposal)
            .await
        {
            Ok(written) => return Ok(Some(written)),
            Err(kube::Error::Api(status)) if status.is_conflict() => continue,
            Err(kube::Error::Api(status)) if status.is_not_found() => return Ok(None),
            Err(other) => return Err(other.into()),
        }
    }
    Err(StatusWriteError::Contended {
        name: name.to_string(),
        attempts: MAX_ATTEMPTS,
    })
}
