//! Applying a policy change: create or update the namespace's TrustPolicy
//! guarded by the resourceVersion the operator edited, and record who changed
//! what and why (an Event on the policy, the `kubevigil.io/last-change`
//! annotation, a line in the local audit log).

use super::{FieldError, PhaseRuleError, check_phase_change, validate};
use crate::audit::{AuditAction, AuditLog, ChangeRecord, LastChange};
use crate::cluster::guarded::{Guarded, GuardedError, write_guarded};
use crate::decide::Identity;
use crate::decide::failure::{Request, is_already_exists, timed};
use crate::decide::record::{Note, record_elsewhere};
use crate::domain::labels::LAST_CHANGE;
use crate::domain::policy::POLICY_NAME;
use crate::domain::{TrustPolicy, TrustPolicySpec};
use jiff::Timestamp;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client, Resource, ResourceExt};
use thiserror::Error;

/// One change an operator asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyChangeRequest {
    /// The namespace whose policy changes.
    pub namespace: String,
    /// The spec the operator started from (`None`: there was no policy).
    pub base: Option<TrustPolicySpec>,
    /// The resourceVersion the operator started from (`None`: create).
    pub base_resource_version: Option<String>,
    /// The new spec.
    pub spec: TrustPolicySpec,
    /// Who changes it.
    pub actor: Identity,
    /// Why, in the operator's words.
    pub reason: Option<String>,
    /// Whether the operator explicitly overrode the one-phase-at-a-time rule
    /// (then `reason` is required).
    pub override_phase_rule: bool,
    /// The kube context, for the audit record.
    pub context: Option<String>,
}

/// A change that was written.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyApplied {
    /// The namespace.
    pub namespace: String,
    /// The policy's new resourceVersion.
    pub resource_version: Option<String>,
    /// Whether the policy was created.
    pub created: bool,
    /// What was recorded in the annotation.
    pub change: LastChange,
    /// What could not be recorded (the Event, the local log); the change stands.
    pub warnings: Vec<String>,
}

/// Why a change was not written. Every message is fit for the operator.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PolicyApplyError {
    /// A field is invalid; nothing was sent.
    #[error("{0}")]
    Invalid(FieldError),
    /// The one-phase-at-a-time rule refused it; nothing was sent.
    #[error("{0}")]
    PhaseRule(PhaseRuleError),
    /// Someone changed (or created, or deleted) the policy since the operator
    /// started editing; nothing was overwritten. The editor re-applies the
    /// operator's changed fields to `current` ([`super::rebase`]) for a new review.
    #[error("{}", conflict_message(namespace, changed_by.as_deref(), what.as_deref()))]
    Conflict {
        /// The namespace.
        namespace: String,
        /// Who changed it, when the policy says.
        changed_by: Option<String>,
        /// When, when the policy says.
        at: Option<Timestamp>,
        /// What they changed, when the policy says.
        what: Option<String>,
        /// The policy as it is now (`None`: deleted, or it could not be read).
        current: Option<Box<TrustPolicySpec>>,
        /// Its resourceVersion now.
        current_resource_version: Option<String>,
        /// The policy was deleted (then `current` is `None`).
        deleted: bool,
    },
    /// The cluster refused or could not be reached.
    #[error("{0}")]
    Failed(String),
}

fn conflict_message(namespace: &str, by: Option<&str>, what: Option<&str>) -> String {
    let who = by.unwrap_or("someone");
    let what = what.map(|w| format!(" ({w})")).unwrap_or_default();
    format!(
        "{who} changed the trust policy of {namespace} while you were editing{what}; nothing was overwritten"
    )
}

/// Applies `request`: validates it, checks the phase rule, then creates the
/// policy (when it had none) or replaces it with the base resourceVersion as
/// precondition (a 409 becomes [`PolicyApplyError::Conflict`], never an
/// overwrite). The change is recorded in the `kubevigil.io/last-change`
/// annotation (an [`audit::LastChange`](crate::audit::LastChange), so `:audit`
/// and `kubevigil audit export` show it), an Event on the policy and a line in `audit`.
pub async fn apply_policy(
    client: &Client,
    request: &PolicyChangeRequest,
    audit: &AuditLog,
) -> Result<PolicyApplied, PolicyApplyError> {
    if let Some(error) = validate(&request.spec).into_iter().next() {
        return Err(PolicyApplyError::Invalid(error));
    }
    let from = request.base.as_ref().map(|b| b.phase).unwrap_or_default();
    let override_reason = request
        .override_phase_rule
        .then(|| request.reason.as_deref().unwrap_or(""));
    check_phase_change(from, request.spec.phase, override_reason)
        .map_err(PolicyApplyError::PhaseRule)?;
    let namespace = request.namespace.as_str();
    let at = Timestamp::from_second(Timestamp::now().as_second()).unwrap_or(Timestamp::now());
    let mut what = super::describe_change(request.base.as_ref(), &request.spec);
    if request.override_phase_rule && from.distance(request.spec.phase) > 1 {
        what.push_str(" (one-phase rule overridden)");
    }
    let change = LastChange {
        by: request.actor.user.clone(),
        verified: request.actor.verified,
        at,
        action: AuditAction::PolicyChange,
        what,
        why: request.reason.clone().filter(|r| !r.trim().is_empty()),
    };
    let policies: Api<TrustPolicy> = Api::namespaced(client.clone(), namespace);
    let doing = format!("change the trust policy of {namespace}");
    let failed = |verb: &'static str, error: kube::Error| {
        let request = Request {
            user: &request.actor.user,
            verb,
            resource: "trustpolicies",
            namespace,
            name: POLICY_NAME,
            doing: &doing,
        };
        PolicyApplyError::Failed(request.failed(error, None).to_string())
    };
    let (written, created) = match &request.base_resource_version {
        None => {
            let mut policy = TrustPolicy::new(POLICY_NAME, request.spec.clone());
            policy.metadata.namespace = Some(namespace.to_string());
            policy
                .annotations_mut()
                .insert(LAST_CHANGE.to_string(), change.to_annotation());
            match timed(policies.create(&PostParams::default(), &policy)).await {
                Ok(created) => (created, true),
                Err(error) if is_already_exists(&error) => {
                    return Err(conflict(&policies, namespace).await);
                }
                Err(error) => return Err(failed("create", error)),
            }
        }
        Some(version) => {
            let current = timed(policies.get_opt(POLICY_NAME))
                .await
                .map_err(|e| failed("get", e))?;
            let Some(policy) = current else {
                return Err(PolicyApplyError::Conflict {
                    namespace: namespace.to_string(),
                    changed_by: None,
                    at: None,
                    what: Some("the policy was deleted".to_string()),
                    current: None,
                    current_resource_version: None,
                    deleted: true,
                });
            };
            // One guarded write, not retried: a policy changed since the
            // operator's base is theirs to review (the rebase), not ours to
            // write over.
            let change = |policy: &TrustPolicy| {
                if policy.resource_version().as_deref() != Some(version.as_str()) {
                    return Err(conflict_from(policy, namespace));
                }
                let mut policy = policy.clone();
                policy.spec = request.spec.clone();
                policy
                    .annotations_mut()
                    .insert(LAST_CHANGE.to_string(), change.to_annotation());
                policy.metadata.resource_version = Some(version.clone());
                policy.metadata.managed_fields = None;
                Ok(Some(policy))
            };
            let api = &policies;
            let write = |policy: TrustPolicy| async move {
                timed(api.replace(POLICY_NAME, &PostParams::default(), &policy)).await
            };
            // Not retried: the copy is only handed back.
            let read_again = || {
                let policy = policy.clone();
                async move { Ok(policy) }
            };
            let failed = |error| failed("update", error);
            match write_guarded(1, policy.clone(), change, write, read_again, failed).await {
                Ok(Guarded::Written { object, .. } | Guarded::Unchanged(object)) => (object, false),
                Err(GuardedError::Contended { .. }) => {
                    return Err(conflict(&policies, namespace).await);
                }
                Err(GuardedError::Failed(error)) => return Err(error),
            }
        }
    };
    let mut warnings = Vec::new();
    let status = serde_json::json!({ "status": { "lastChangedBy": request.actor.user } });
    if let Err(error) =
        timed(policies.patch_status(POLICY_NAME, &PatchParams::default(), &Patch::Merge(&status)))
            .await
    {
        warnings.push(format!("the TrustPolicy status was not updated: {error}"));
    }
    let record = change.to_record(namespace, request.context.as_deref());
    let note = Note {
        involved: written.object_ref(&()),
        reason: "PolicyChanged",
        message: event_message(&request.actor, namespace, &change),
        action: "PolicyChange",
    };
    warnings.extend(record_elsewhere(client, Some(audit), &request.actor, note, &record).await);
    Ok(PolicyApplied {
        namespace: namespace.to_string(),
        resource_version: written.resource_version(),
        created,
        change,
        warnings,
    })
}

/// "oncall-1 changed the trust policy of data: phase ReadOnlyAssist -> LimitedWrite: why".
fn event_message(actor: &Identity, namespace: &str, change: &LastChange) -> String {
    let why = change
        .why
        .as_deref()
        .map(|w| format!(": {w}"))
        .unwrap_or_default();
    format!(
        "{actor} changed the trust policy of {namespace}: {}{why}",
        change.what
    )
}

/// The conflict, with who changed the policy as it is now.
async fn conflict(policies: &Api<TrustPolicy>, namespace: &str) -> PolicyApplyError {
    let read = timed(policies.get_opt(POLICY_NAME)).await;
    if let Ok(Some(policy)) = &read {
        return conflict_from(policy, namespace);
    }
    let deleted = matches!(read, Ok(None));
    PolicyApplyError::Conflict {
        namespace: namespace.to_string(),
        changed_by: None,
        at: None,
        what: deleted.then(|| "the policy was deleted".to_string()),
        current: None,
        current_resource_version: None,
        deleted,
    }
}

fn conflict_from(policy: &TrustPolicy, namespace: &str) -> PolicyApplyError {
    let change = policy
        .annotations()
        .get(LAST_CHANGE)
        .and_then(|a| LastChange::parse(a));
    let changed_by = change.as_ref().map(|c| c.by.clone()).or_else(|| {
        policy
            .status
            .as_ref()
            .and_then(|s| s.last_changed_by.clone())
    });
    PolicyApplyError::Conflict {
        namespace: namespace.to_string(),
        changed_by,
        at: change.as_ref().map(|c| c.at),
        what: change.map(|c| c.what),
        current: Some(Box::new(policy.spec.clone())),
        current_resource_version: policy.resource_version(),
        deleted: false,
    }
}
