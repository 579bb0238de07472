//! The kill switch: end one investigation now.

use super::failure::{Request, is_not_found, list_all, timed};
use super::record::record_decision;
use super::record::{Note, record_elsewhere};
use super::write::{Rules, read_policy, status_of, whole_second, write_decision};
use super::{DecideError, Decider, Identity, KillOutcome};
use crate::audit::{AuditAction, AuditRecord};
use crate::domain::{ActionProposal, Decision, DecisionSource, Verdict, labels};
use crate::governor::awaits_execution;
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::DeleteParams;
use kube::{Api, Client, Resource, ResourceExt};

/// Kills investigation Job `namespace/job_name`: every Pending proposal of the
/// investigation, and every approved one not executed yet, is expired by a `Kill` decision (written with resourceVersion
/// preconditions, each recorded as an Event and an audit line), then the Job is
/// deleted with foreground propagation (its pods and proposals go with it), and
/// the kill itself is recorded as an Event on the Job and an audit line.
///
/// Proposals already vetoed, expired or executed are left as they are. A Job already gone is not an
/// error: the outcome says it was not deleted now.
pub(super) async fn kill_investigation(
    decider: &Decider,
    namespace: &str,
    job_name: &str,
    reason: Option<String>,
) -> Result<KillOutcome, DecideError> {
    let (client, identity) = (decider.client(), decider.identity());
    let doing = format!("kill {namespace}/{job_name}");
    let reason = reason.filter(|r| !r.trim().is_empty());
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let job_request = Request {
        user: &identity.user,
        verb: "get",
        resource: "jobs",
        namespace,
        name: job_name,
        doing: &doing,
    };
    let job = timed(jobs.get(job_name))
        .await
        .map_err(|e| job_request.failed(e, None))?;
    let investigation = job
        .labels()
        .get(labels::INVESTIGATION)
        .cloned()
        .unwrap_or_else(|| job_name.to_string());
    let why = format!(
        "investigation {investigation} killed{}",
        reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    );
    let proposals = list_proposals(client, identity, namespace, &doing).await?;
    let uid = job.uid();
    let belongs = |p: &ActionProposal| {
        p.labels().get(labels::INVESTIGATION) == Some(&investigation)
            || p.spec.investigation == investigation
            || p.owner_references()
                .iter()
                .any(|o| Some(&o.uid) == uid.as_ref())
    };
    let ended = expire_proposals(
        decider,
        namespace,
        proposals.into_iter().filter(belongs).collect(),
        &why,
        &doing,
    )
    .await?;

    let deleted = match timed(jobs.delete(job_name, &DeleteParams::foreground())).await {
        Ok(_) => true,
        Err(error) if is_not_found(&error) => false,
        Err(error) => {
            let delete = Request {
                verb: "delete",
                ..job_request
            };
            return Err(delete.failed(error, None));
        }
    };
    let mut detail = format!("deleted Job {job_name} (foreground)");
    if !deleted {
        detail = format!("Job {job_name} was already gone");
    }
    if !ended.expired.is_empty() {
        detail.push_str(&format!(
            "; expired proposals: {}",
            ended.expired.join(", ")
        ));
    }
    let record = AuditRecord {
        at: whole_second(Timestamp::now()),
        actor: identity.user.clone(),
        verified: identity.verified,
        action: AuditAction::Kill,
        namespace: namespace.to_string(),
        object: format!("job/{job_name}"),
        investigation: Some(investigation.clone()),
        reason: reason.clone(),
        edited: false,
        context: None,
        server: None,
        detail: Some(detail.clone()),
    };
    let note = Note {
        involved: job.object_ref(&()),
        reason: "Killed",
        message: format!(
            "{identity} killed investigation {investigation}: {}",
            reason.as_deref().unwrap_or(&detail)
        ),
        action: "Kill",
    };
    let mut warnings = ended.warnings;
    warnings.extend(record_elsewhere(client, decider.audit(), identity, note, &record).await);
    Ok(KillOutcome {
        namespace: namespace.to_string(),
        job: job_name.to_string(),
        investigation,
        expired: ended.expired,
        already_decided: ended.already_decided,
        job_deleted: deleted,
        warnings,
    })
}

/// What ending a set of proposals did.
pub(super) struct Ended {
    /// Proposals expired now.
    pub expired: Vec<String>,
    /// Proposals that were already decided.
    pub already_decided: Vec<String>,
    /// What could not be recorded.
    pub warnings: Vec<String>,
}

/// Every proposal in `namespace`.
pub(super) async fn list_proposals(
    client: &Client,
    identity: &Identity,
    namespace: &str,
    doing: &str,
) -> Result<Vec<ActionProposal>, DecideError> {
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), namespace);
    let list = Request {
        user: &identity.user,
        verb: "list",
        resource: "actionproposals",
        namespace,
        name: "",
        doing,
    };
    list_all(&api, None).await.map_err(|e| list.failed(e, None))
}

/// Expires each of `proposals` that is Pending, or approved and not executed
/// yet, with a `Kill` decision giving `why`, recording each as an Event and an
/// audit line. An approved proposal is ended too: its agent is being stopped,
/// and its write credential is revoked, so it must not run later (a halted
/// namespace's Jobs may be resumed).
pub(super) async fn expire_proposals(
    decider: &Decider,
    namespace: &str,
    proposals: Vec<ActionProposal>,
    why: &str,
    doing: &str,
) -> Result<Ended, DecideError> {
    let (client, identity) = (decider.client(), decider.identity());
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), namespace);
    let policy = read_policy(client, &identity.user, namespace, doing, None).await?;
    let mut ended = Ended {
        expired: Vec::new(),
        already_decided: Vec::new(),
        warnings: Vec::new(),
    };
    for proposal in proposals {
        let name = proposal.name_any();
        let at = whole_second(Timestamp::now());
        let status = status_of(&proposal, policy.as_ref(), at);
        if !status.state.is_pending() && !awaits_execution(&status) {
            ended.already_decided.push(name);
            continue;
        }
        let decision = Decision {
            by: identity.user.clone(),
            verified: identity.verified,
            at: Time(at),
            verdict: Verdict::Kill,
            reason: Some(why.to_string()),
            source: DecisionSource::Manual,
            edited: false,
            edited_action: None,
            action_digest: None,
        };
        let write = Request {
            user: &identity.user,
            verb: "update",
            resource: "actionproposals/status",
            namespace,
            name: &name,
            doing,
        };
        match write_decision(
            &api,
            proposal,
            &decision,
            Rules::of(policy.as_ref()),
            5,
            &write,
            None,
        )
        .await
        {
            Ok(written) => {
                let warnings = record_decision(
                    client,
                    decider.audit(),
                    identity,
                    &written.proposal,
                    &decision,
                    None,
                )
                .await;
                ended.warnings.extend(warnings);
                ended.expired.push(name);
            }
            Err(
                DecideError::Conflict { .. }
                | DecideError::Refused(_)
                | DecideError::NotOffered { .. },
            ) => {
                ended.already_decided.push(name);
            }
            Err(DecideError::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(ended)
}
