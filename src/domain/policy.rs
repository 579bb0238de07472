//! The `TrustPolicy` custom resource: how far one namespace trusts its agents.

use super::{ActionKind, Phase, Risk};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The name every namespace's policy must have.
pub const POLICY_NAME: &str = "default";

/// One namespace's trust settings. There is one per namespace, named `default`;
/// a namespace without one is in [`Phase::Shadow`].
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "kubevigil.io",
    version = "v1alpha1",
    kind = "TrustPolicy",
    namespaced,
    status = "TrustPolicyStatus",
    shortname = "tp",
    printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".spec.phase"}"#,
    printcolumn = r#"{"name":"Approvals","type":"integer","jsonPath":".spec.requiredApprovals"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct TrustPolicySpec {
    /// The trust phase.
    pub phase: Phase,
    /// Which kinds of write agents may propose here.
    #[serde(default = "default_allowed_actions")]
    pub allowed_actions: Vec<ActionKind>,
    /// Distinct people who must approve a write (1 or 2).
    #[serde(default = "default_required_approvals")]
    pub required_approvals: u32,
    /// Seconds a proposal waits for a decision before it expires.
    #[serde(default = "default_proposal_timeout")]
    pub proposal_timeout_seconds: u32,
    /// Lifetime in seconds of a write credential minted by approval.
    #[serde(default = "default_credential_ttl")]
    pub credential_ttl_seconds: u32,
    /// In Autonomous, proposals up to this risk are approved by rule.
    #[serde(default)]
    pub autonomous_risk_ceiling: Risk,
    /// How many investigations may run at once in this namespace.
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent_investigations: u32,
    /// The Vault policy attached to minted write credentials (derived from the
    /// namespace when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_policy: Option<String>,
    /// Whether a write credential may be minted for a proposal that names no
    /// `credentialRecipient`, leaving its wrapping token in plain text in the
    /// proposal's status (readable by anyone who can read proposals). Off by
    /// default: without a recipient, nothing is minted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_unsealed_credentials: bool,
    /// The evidence needed before moving to the next phase.
    #[serde(default)]
    pub promotion: PromotionCriteria,
}

/// The evidence a namespace must show before it is promoted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromotionCriteria {
    /// Decisions needed within the window.
    pub min_decisions: u32,
    /// Highest acceptable veto rate, in percent.
    pub max_veto_rate_percent: u32,
    /// How far back the evidence is counted, in hours.
    pub observation_window_hours: u32,
}

impl Default for PromotionCriteria {
    fn default() -> Self {
        PromotionCriteria {
            min_decisions: 20,
            max_veto_rate_percent: 10,
            observation_window_hours: 24 * 7,
        }
    }
}

/// What kubevigil last observed about the policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrustPolicyStatus {
    /// The generation of the spec last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Who made the last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed_by: Option<String>,
}

fn default_allowed_actions() -> Vec<ActionKind> {
    vec![
        ActionKind::Patch,
        ActionKind::Scale,
        ActionKind::RolloutRestart,
    ]
}
fn default_required_approvals() -> u32 {
    1
}
fn default_proposal_timeout() -> u32 {
    900
}
fn default_credential_ttl() -> u32 {
    300
}
fn default_max_concurrent() -> u32 {
    5
}

impl Default for TrustPolicySpec {
    /// The safe default: Shadow, one approval, fifteen-minute proposals.
    fn default() -> Self {
        TrustPolicySpec {
            phase: Phase::Shadow,
            allowed_actions: default_allowed_actions(),
            required_approvals: default_required_approvals(),
            proposal_timeout_seconds: default_proposal_timeout(),
            credential_ttl_seconds: default_credential_ttl(),
            autonomous_risk_ceiling: Risk::Low,
            max_concurrent_investigations: default_max_concurrent(),
            vault_policy: None,
            allow_unsealed_credentials: false,
            promotion: PromotionCriteria::default(),
        }
    }
}

impl TrustPolicySpec {
    /// The Vault policy for write credentials in `namespace`.
    pub fn vault_policy_for(&self, namespace: &str) -> String {
        self.vault_policy
            .clone()
            .unwrap_or_else(|| format!("kubevigil-write-{namespace}"))
    }
}

/// The phase in force for a namespace, given its policy if it has one.
pub fn effective_phase(policy: Option<&TrustPolicy>) -> Phase {
    policy.map(|p| p.spec.phase).unwrap_or_default()
}
