//! The `TrustPolicy` custom resource: how far one namespace trusts its agents.

use super::{ActionKind, Phase, Risk};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
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
    /// When the governor moves the namespace back one phase by itself
    /// (absent: never). It never promotes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demotion: Option<DemotionCriteria>,
}

/// What makes the governor demote a namespace one phase: executed actions
/// failing, or proposals refused (vetoed or expired), above a rate over a
/// window of hours, once there are enough samples to judge. A criterion left
/// out is not checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DemotionCriteria {
    /// Demote when more than this percentage of the executed actions in the
    /// window failed (judged over at least `minSamples` executions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failed_execution_rate_percent: Option<u32>,
    /// Demote when more than this percentage of the decisions in the window
    /// were vetoes or expiries (judged over at least `minSamples` decisions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_veto_rate_percent: Option<u32>,
    /// How far back proposals are counted, in hours.
    #[serde(default = "default_demotion_window")]
    pub observation_window_hours: u32,
    /// The fewest executions (or decisions) a rate is judged over.
    #[serde(default = "default_min_samples")]
    pub min_samples: u32,
}

fn default_demotion_window() -> u32 {
    24
}
fn default_min_samples() -> u32 {
    5
}

impl Default for DemotionCriteria {
    /// Failed executions above 20% or refusals above 50% over 24 hours,
    /// judged over at least 5 samples.
    fn default() -> Self {
        DemotionCriteria {
            max_failed_execution_rate_percent: Some(20),
            max_veto_rate_percent: Some(50),
            observation_window_hours: default_demotion_window(),
            min_samples: default_min_samples(),
        }
    }
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
    /// The last time the governor demoted the namespace, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_demotion: Option<DemotionRecord>,
}

/// One demotion the governor made: when, from which phase to which, why, and
/// the numbers it judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DemotionRecord {
    /// When.
    pub at: Time,
    /// The phase before.
    pub from: Phase,
    /// The phase after (one below `from`).
    pub to: Phase,
    /// Which criterion was breached, in a line: "4 of 5 executions failed (80% > 20%)".
    pub reason: String,
    /// The counts judged over the window.
    pub evidence: DemotionEvidence,
}

/// The counts a demotion was judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DemotionEvidence {
    /// The window, in hours.
    pub window_hours: u32,
    /// Executed actions reported in the window (succeeded + failed).
    pub executions: u32,
    /// Of those, failed.
    pub failed: u32,
    /// Decisions in the window (approved + vetoed + expired).
    pub decisions: u32,
    /// Of those, vetoed or expired.
    pub refused: u32,
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
            demotion: None,
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
