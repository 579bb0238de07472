//! Kill and halt with Vault: revoke the investigation's token (and with it
//! every child it created) and every credential its proposals still hold,
//! then kill or halt as without Vault.

use super::credential::revoke_credential;
use super::failure::{list_all, timed};
use super::halt::halt_namespace;
use super::kill::kill_investigation;
use super::kill::list_proposals;
use super::{DecideError, Decider, HaltOutcome, KillOutcome};
use crate::domain::ActionProposal;
use crate::domain::labels::{INVESTIGATION, INVESTIGATION_SELECTOR, VAULT_ACCESSOR};
use crate::vault::Vault;
use k8s_openapi::api::batch::v1::Job;
use kube::{Api, ResourceExt};

/// What revoking did, alongside a kill or a halt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revocation {
    /// What was revoked, such as "investigation inv-7's token" or
    /// "credential of payments/raise-mem".
    pub revoked: Vec<String>,
    /// What could not be revoked, and why (also in the outcome's warnings).
    pub failures: Vec<String>,
}

/// [`kill_investigation`](super::kill), revoking first (when `vault` is given) the
/// investigation's token named by the Job's `kubevigil.io/vault-accessor`
/// annotation, with its children, and every unrevoked credential minted for
/// the investigation's proposals. Vault failing does not stop the kill: the
/// failures are in [`Revocation::failures`] and the outcome's warnings.
pub(super) async fn kill_revoking(
    decider: &Decider,
    namespace: &str,
    job_name: &str,
    reason: Option<String>,
) -> Result<(KillOutcome, Revocation), DecideError> {
    let mut revocation = Revocation::default();
    if let Some(vault) = decider.vault() {
        let jobs: Api<Job> = Api::namespaced(decider.client().clone(), namespace);
        if let Ok(job) = timed(jobs.get(job_name)).await {
            revoke_for_jobs(decider, vault, namespace, &[job], &mut revocation).await?;
        }
    }
    let mut outcome = kill_investigation(decider, namespace, job_name, reason).await?;
    outcome.warnings.extend(revocation.failures.iter().cloned());
    Ok((outcome, revocation))
}

/// [`halt_namespace`](super::halt), revoking first (when `vault` is given) the token of
/// every investigation Job in `namespace` and every unrevoked credential its
/// proposals hold. Vault failing does not stop the halt.
pub(super) async fn halt_revoking(
    decider: &Decider,
    namespace: &str,
    reason: Option<String>,
) -> Result<(HaltOutcome, Revocation), DecideError> {
    let mut revocation = Revocation::default();
    if let Some(vault) = decider.vault() {
        let jobs: Api<Job> = Api::namespaced(decider.client().clone(), namespace);
        if let Ok(found) = list_all(&jobs, Some(INVESTIGATION_SELECTOR)).await {
            revoke_for_jobs(decider, vault, namespace, &found, &mut revocation).await?;
        }
    }
    let mut outcome = halt_namespace(decider, namespace, reason).await?;
    outcome.warnings.extend(revocation.failures.iter().cloned());
    Ok((outcome, revocation))
}

/// Revokes each Job's investigation token and the credentials of its proposals.
async fn revoke_for_jobs(
    decider: &Decider,
    vault: &Vault,
    namespace: &str,
    jobs: &[Job],
    revocation: &mut Revocation,
) -> Result<(), DecideError> {
    let (client, identity) = (decider.client(), decider.identity());
    let doing = format!("revoke credentials in {namespace}");
    let proposals = list_proposals(client, identity, namespace, &doing).await?;
    for job in jobs {
        let investigation = job
            .labels()
            .get(INVESTIGATION)
            .cloned()
            .unwrap_or_else(|| job.name_any());
        if let Some(accessor) = job.annotations().get(VAULT_ACCESSOR) {
            let what = format!("investigation {investigation}'s token");
            match vault.revoke_accessor(accessor).await {
                Ok(()) => revocation.revoked.push(what),
                Err(error) => revocation
                    .failures
                    .push(format!("{what} was not revoked: {error}")),
            }
        }
        let live = proposals
            .iter()
            .filter(|p| p.spec.investigation == investigation && holds_live_credential(p));
        for proposal in live {
            let what = format!("credential of {namespace}/{}", proposal.name_any());
            match revoke_credential(client, vault, identity, proposal).await {
                Ok(_) => revocation.revoked.push(what),
                Err(error) => revocation
                    .failures
                    .push(format!("{what} was not revoked: {error}")),
            }
        }
    }
    Ok(())
}

/// Whether the proposal holds a credential not yet marked revoked.
fn holds_live_credential(proposal: &ActionProposal) -> bool {
    proposal
        .status
        .as_ref()
        .and_then(|s| s.credential.as_ref())
        .is_some_and(|c| !c.revoked)
}
