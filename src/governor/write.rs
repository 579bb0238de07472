//! Writing a proposal's status safely: read, change, write with the
//! resourceVersion read, and start over when someone else wrote first.

use crate::cluster::guarded::{Guarded, GuardedError, write_guarded};
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
/// the read resourceVersion as a precondition (a 409 re-reads and asks again:
/// [`write_guarded`]).
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
    let Some(first) = api.get_opt(name).await? else {
        return Ok(None);
    };
    let written = write_guarded(
        MAX_ATTEMPTS,
        first,
        |proposal| {
            Ok(change(proposal).map(|status| ActionProposal {
                status: Some(status),
                ..proposal.clone()
            }))
        },
        |proposal| async move {
            api.replace_status(name, &PostParams::default(), &proposal)
                .await
        },
        || async { api.get_opt(name).await?.ok_or(Gone::Gone) },
        |error| match error {
            kube::Error::Api(status) if status.is_not_found() => Gone::Gone,
            other => Gone::Failed(other),
        },
    )
    .await;
    match written {
        Ok(Guarded::Written { object, .. }) => Ok(Some(object)),
        Ok(Guarded::Unchanged(_)) | Err(GuardedError::Failed(Gone::Gone)) => Ok(None),
        Err(GuardedError::Failed(Gone::Failed(error))) => Err(error.into()),
        Err(GuardedError::Contended { .. }) => Err(StatusWriteError::Contended {
            name: name.to_string(),
            attempts: MAX_ATTEMPTS,
        }),
    }
}

/// A failed step of [`update_status`]: the proposal is gone (nothing to do),
/// or the API failed.
enum Gone {
    Gone,
    Failed(kube::Error),
}

impl From<kube::Error> for Gone {
    fn from(error: kube::Error) -> Self {
        Gone::Failed(error)
    }
}
