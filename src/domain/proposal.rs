//! The `ActionProposal` custom resource: a write an agent wants to make,
//! waiting for a decision.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an agent proposes to change, why, how risky it is and what it would look like.
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "kubevigil.io",
    version = "v1alpha1",
    kind = "ActionProposal",
    namespaced,
    status = "ActionProposalStatus",
    shortname = "ap",
    printcolumn = r#"{"name":"Investigation","type":"string","jsonPath":".spec.investigation"}"#,
    printcolumn = r#"{"name":"Risk","type":"string","jsonPath":".spec.risk"}"#,
    printcolumn = r#"{"name":"State","type":"string","jsonPath":".status.state"}"#,
    printcolumn = r#"{"name":"Summary","type":"string","jsonPath":".spec.summary"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct ActionProposalSpec {
    /// Id of the investigation (the Job's `kubevigil.io/investigation` label).
    pub investigation: String,
    /// One line saying what the action does.
    pub summary: String,
    /// Why the agent believes the action is right.
    #[serde(default)]
    pub rationale: String,
    /// How much harm a wrong action could do.
    pub risk: Risk,
    /// Whether the action can be undone.
    pub reversible: bool,
    /// The write itself.
    pub action: ProposedAction,
    /// What the change would look like, for the reviewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<Preview>,
    /// When the proposal expires; an expired proposal counts as a veto.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Time>,
    /// How to undo the action, when the agent knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<ProposedAction>,
    /// An age X25519 recipient (`age1...`): the minted credential is encrypted to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_recipient: Option<String>,
}

/// Risk levels, from least to most dangerous.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Harmless if wrong.
    #[default]
    Low,
    /// Noticeable but contained if wrong.
    Medium,
    /// Could cause an outage if wrong.
    High,
    /// Could lose data or widen an outage if wrong.
    Critical,
}

impl Risk {
    /// Whether approving needs a deliberate second confirmation.
    pub fn needs_second_confirmation(self) -> bool {
        self >= Risk::High
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        })
    }
}

/// The kinds of write an agent may propose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// Apply a patch to an object.
    Patch,
    /// Change the replica count of a workload.
    Scale,
    /// Restart a workload's pods by rollout.
    RolloutRestart,
    /// Delete an object.
    Delete,
    /// Run a command in a container.
    Exec,
}

impl ActionKind {
    /// Every action kind.
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Patch,
        ActionKind::Scale,
        ActionKind::RolloutRestart,
        ActionKind::Delete,
        ActionKind::Exec,
    ];
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ActionKind::Patch => "patch",
            ActionKind::Scale => "scale",
            ActionKind::RolloutRestart => "rollout-restart",
            ActionKind::Delete => "delete",
            ActionKind::Exec => "exec",
        })
    }
}

/// A concrete write: what kind, on which object, with which payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProposedAction {
    /// The kind of write.
    pub kind: ActionKind,
    /// The object written to.
    pub target: ActionTarget,
    /// For `patch`: the patch document, as YAML or JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// For `patch`: `merge`, `json` or `strategic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<String>,
    /// For `exec`: the command and its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// For `scale`: the replica count wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
}

/// The object an action writes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionTarget {
    /// API version of the target, such as `apps/v1`.
    pub api_version: String,
    /// Kind of the target, such as `Deployment`.
    pub kind: String,
    /// Namespace of the target.
    pub namespace: String,
    /// Name of the target.
    pub name: String,
}

impl fmt::Display for ActionTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} {}/{}",
            self.api_version, self.kind, self.namespace, self.name
        )
    }
}

/// What the change would look like.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// A unified diff of the object before and after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// The server-side dry-run result, as YAML or JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<String>,
}

/// Where a proposal stands, and what has been decided about it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionProposalStatus {
    /// The proposal's state.
    #[serde(default)]
    pub state: ProposalState,
    /// Every decision made, oldest first. Append-only.
    #[serde(default)]
    pub decisions: Vec<Decision>,
    /// How many more distinct approvals are needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals_required: Option<u32>,
    /// The trust phase the proposal was judged under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<super::Phase>,
    /// The write credential minted by approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<MintedCredential>,
    /// What happened when the agent executed the action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionResult>,
    /// Why an approved proposal has no usable write credential (minting
    /// failed, no recipient to seal it to, Vault off, or intercepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_credential: Option<NoCredential>,
}

/// Why an approved proposal has no usable write credential. An agent whose
/// deployment uses Vault does not write without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoCredential {
    /// The cause.
    pub reason: NoCredentialReason,
    /// What happened, in a sentence.
    #[serde(default)]
    pub message: String,
    /// When it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Time>,
}

/// The causes of [`NoCredential`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum NoCredentialReason {
    /// The approving side has Vault on, and minting failed; it may be retried.
    MintFailed,
    /// The proposal names no `credentialRecipient` and its TrustPolicy does
    /// not allow unsealed credentials, so nothing was minted.
    NoRecipient,
    /// The approving side has Vault off altogether: no credential exists.
    VaultOff,
    /// The agent found its wrapping token already unwrapped: someone
    /// intercepted the credential. A security alarm.
    Intercepted,
}

impl fmt::Display for NoCredentialReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoCredentialReason::MintFailed => "minting failed",
            NoCredentialReason::NoRecipient => "no credentialRecipient to seal it to",
            NoCredentialReason::VaultOff => "none (Vault off)",
            NoCredentialReason::Intercepted => "INTERCEPTED: already unwrapped by someone else",
        })
    }
}

/// The life cycle of a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
pub enum ProposalState {
    /// Waiting for a decision.
    #[default]
    Pending,
    /// Approved by the required number of people.
    Approved,
    /// Refused by a person, with a reason.
    Vetoed,
    /// Not decided in time; counts as a veto.
    Expired,
    /// Approved by rule in the Autonomous phase.
    AutoApproved,
    /// Recorded only (Shadow or ReadOnlyAssist); never executed.
    Recorded,
    /// The agent executed the action successfully.
    Executed,
    /// The agent tried and failed.
    Failed,
}

impl ProposalState {
    /// Whether the proposal still waits for a decision.
    pub fn is_pending(self) -> bool {
        self == ProposalState::Pending
    }

    /// Whether the agent may go ahead and execute.
    pub fn is_approved(self) -> bool {
        matches!(self, ProposalState::Approved | ProposalState::AutoApproved)
    }
}

impl fmt::Display for ProposalState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// One person's (or one rule's) decision on a proposal. Never changed once written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Who decided: the Kubernetes user name, or `rule:<name>`.
    pub by: String,
    /// Whether `by` was verified with SelfSubjectReview.
    #[serde(default)]
    pub verified: bool,
    /// When.
    pub at: Time,
    /// What.
    pub verdict: Verdict,
    /// Why (required for a veto).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Made by a person or by a rule.
    #[serde(default)]
    pub source: DecisionSource,
    /// Whether the approver edited the action before approving.
    #[serde(default)]
    pub edited: bool,
    /// The edited action, when `edited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_action: Option<ProposedAction>,
    /// The digest (`sha256:<hex>`, see [`super::canonical`]) of the action this
    /// decision is about: for an approval, the action approved (the edited one
    /// when `edited`). Approvals count only for the digest that will run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_digest: Option<String>,
}

/// The outcome of one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Verdict {
    /// Go ahead.
    Approve,
    /// Do not.
    Veto,
    /// Nobody decided in time.
    Expire,
    /// The investigation was killed or its namespace halted.
    Kill,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Whether a decision came from a person or a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
pub enum DecisionSource {
    /// A person pressed the key.
    #[default]
    Manual,
    /// The TrustPolicy decided (Autonomous phase, or expiry).
    Rule,
}

/// The write credential an approval minted for the agent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MintedCredential {
    /// The response-wrapping token, in clear (only when no recipient was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapping_token: Option<String>,
    /// The wrapping token encrypted to `credentialRecipient`, ASCII-armoured age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_wrapping_token: Option<String>,
    /// Accessor of the wrapped token, for lookup and revocation.
    pub wrapped_accessor: String,
    /// Lifetime of the wrapped token, in seconds.
    pub ttl_seconds: u64,
    /// When it was minted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minted_at: Option<Time>,
    /// Whether it has since been revoked (veto, expiry, kill).
    #[serde(default)]
    pub revoked: bool,
}

/// What the agent reports after executing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionResult {
    /// Whether the write succeeded.
    pub succeeded: bool,
    /// What happened, in a sentence.
    #[serde(default)]
    pub message: String,
    /// When it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Time>,
}

impl ActionProposal {
    /// The proposal's state, Pending when it has no status yet.
    pub fn state(&self) -> ProposalState {
        self.status.as_ref().map(|s| s.state).unwrap_or_default()
    }

    /// The decisions so far, oldest first.
    pub fn decisions(&self) -> &[Decision] {
        self.status
            .as_ref()
            .map(|s| s.decisions.as_slice())
            .unwrap_or_default()
    }

    /// The action that runs if approved: see [`effective_action`].
    pub fn effective_action(&self) -> EffectiveAction {
        effective_action(&self.spec.action, self.decisions())
    }
}

/// The action that will run, and the edit that made it so.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveAction {
    /// The action.
    pub action: ProposedAction,
    /// The approval that edited it, when one did (the latest such).
    pub edit: Option<Decision>,
}

impl EffectiveAction {
    /// The digest of [`Self::action`] (`sha256:<hex>`).
    pub fn digest(&self) -> String {
        super::canonical::action_digest(&self.action)
    }
}

/// The action that runs if `decisions` lead to approval: the edited action of
/// the latest approval that carries an edit, else the proposed `action`.
pub fn effective_action(action: &ProposedAction, decisions: &[Decision]) -> EffectiveAction {
    let edit = decisions
        .iter()
        .rev()
        .find(|d| d.verdict == Verdict::Approve && d.edited && d.edited_action.is_some());
    match edit {
        Some(d) => EffectiveAction {
            action: d.edited_action.clone().unwrap_or_else(|| action.clone()),
            edit: Some(d.clone()),
        },
        None => EffectiveAction {
            action: action.clone(),
            edit: None,
        },
    }
}
