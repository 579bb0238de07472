//! The `InvestigationTemplate` custom resource: which alerts start an
//! investigation, in which namespace, and the Job that runs its agent.
//!
//! The launcher (`src/launcher/`) matches each firing alert against every
//! template's [`InvestigationTemplateSpec::matchers`] (Alertmanager's matcher
//! syntax, all must match); the highest [`InvestigationTemplateSpec::priority`]
//! wins, ties broken by namespace then name.

use super::Phase;
use k8s_openapi::api::core::v1::ResourceRequirements;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The alert label that names the target namespace unless a template says otherwise.
pub const DEFAULT_TARGET_NAMESPACE_LABEL: &str = "namespace";
/// The Job's `activeDeadlineSeconds` unless a template says otherwise.
pub const DEFAULT_ACTIVE_DEADLINE_SECONDS: i64 = 900;
/// The Job's `ttlSecondsAfterFinished` unless a template says otherwise.
pub const DEFAULT_TTL_SECONDS_AFTER_FINISHED: i32 = 3600;

/// How alerts become investigation Jobs.
#[derive(CustomResource, Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "kubevigil.io",
    version = "v1alpha1",
    kind = "InvestigationTemplate",
    namespaced,
    shortname = "itpl",
    printcolumn = r#"{"name":"Priority","type":"integer","jsonPath":".spec.priority"}"#,
    printcolumn = r#"{"name":"Image","type":"string","jsonPath":".spec.job.image"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct InvestigationTemplateSpec {
    /// Alertmanager matchers on the alert's labels (`alertname="X"`,
    /// `severity=~"critical|high"`, `team!="qa"`, `env!~"dev.*"`); every one
    /// must match. An empty list matches every alert.
    #[serde(default)]
    pub matchers: Vec<String>,
    /// The alert label whose value is the namespace to investigate (and
    /// where the Job runs).
    #[serde(default = "default_target_namespace_label")]
    pub target_namespace_label: String,
    /// Among templates that match the same alert, the highest priority wins
    /// (ties: by namespace, then name).
    #[serde(default)]
    pub priority: i32,
    /// The Job that runs the agent.
    pub job: JobTemplate,
}

/// The investigation Job's pod, as a template describes it. `backoffLimit`
/// is always 0: an agent is never retried behind the operator's back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobTemplate {
    /// The agent's container image.
    pub image: String,
    /// The container's arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// The pod's service account in each trust phase of the target namespace.
    #[serde(default)]
    pub service_accounts: ServiceAccounts,
    /// The container's resource requests and limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// The Job's deadline in seconds (the identity lives this plus a margin).
    #[serde(default = "default_active_deadline")]
    pub active_deadline_seconds: i64,
    /// How long a finished Job is kept, in seconds.
    #[serde(default = "default_ttl_after_finished")]
    pub ttl_seconds_after_finished: i32,
}

/// A service account per trust phase (defaults: `kubevigil-agent-<phase>`,
/// as `assets/rbac/kubevigil-agent.yaml` creates them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccounts {
    /// In Shadow.
    #[serde(default = "default_sa_shadow")]
    pub shadow: String,
    /// In ReadOnlyAssist.
    #[serde(default = "default_sa_read_only_assist")]
    pub read_only_assist: String,
    /// In LimitedWrite.
    #[serde(default = "default_sa_limited_write")]
    pub limited_write: String,
    /// In Autonomous.
    #[serde(default = "default_sa_autonomous")]
    pub autonomous: String,
}

impl Default for ServiceAccounts {
    fn default() -> Self {
        ServiceAccounts {
            shadow: default_sa_shadow(),
            read_only_assist: default_sa_read_only_assist(),
            limited_write: default_sa_limited_write(),
            autonomous: default_sa_autonomous(),
        }
    }
}

impl ServiceAccounts {
    /// The service account for `phase`.
    pub fn for_phase(&self, phase: Phase) -> &str {
        match phase {
            Phase::Shadow => &self.shadow,
            Phase::ReadOnlyAssist => &self.read_only_assist,
            Phase::LimitedWrite => &self.limited_write,
            Phase::Autonomous => &self.autonomous,
        }
    }
}

/// A phase as it appears in names: `shadow`, `readonlyassist`,
/// `limitedwrite`, `autonomous`.
pub fn phase_slug(phase: Phase) -> &'static str {
    match phase {
        Phase::Shadow => "shadow",
        Phase::ReadOnlyAssist => "readonlyassist",
        Phase::LimitedWrite => "limitedwrite",
        Phase::Autonomous => "autonomous",
    }
}

/// The Vault policy of an investigation's own identity in `phase`:
/// `kubevigil-investigation-<phase-slug>`.
pub fn identity_policy(phase: Phase) -> String {
    format!("kubevigil-investigation-{}", phase_slug(phase))
}

fn default_target_namespace_label() -> String {
    DEFAULT_TARGET_NAMESPACE_LABEL.to_string()
}
fn default_active_deadline() -> i64 {
    DEFAULT_ACTIVE_DEADLINE_SECONDS
}
fn default_ttl_after_finished() -> i32 {
    DEFAULT_TTL_SECONDS_AFTER_FINISHED
}
fn default_sa_shadow() -> String {
    "kubevigil-agent-shadow".to_string()
}
fn default_sa_read_only_assist() -> String {
    "kubevigil-agent-readonlyassist".to_string()
}
fn default_sa_limited_write() -> String {
    "kubevigil-agent-limitedwrite".to_string()
}
fn default_sa_autonomous() -> String {
    "kubevigil-agent-autonomous".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_template_gets_the_defaults() {
        let spec: InvestigationTemplateSpec =
            serde_json::from_value(serde_json::json!({"job": {"image": "agent:1"}}))
                .expect("a template");
        assert_eq!(spec.target_namespace_label, "namespace");
        assert_eq!(spec.priority, 0);
        assert_eq!(spec.job.active_deadline_seconds, 900);
        assert_eq!(spec.job.ttl_seconds_after_finished, 3600);
        assert_eq!(
            spec.job.service_accounts.for_phase(Phase::LimitedWrite),
            "kubevigil-agent-limitedwrite"
        );
        assert_eq!(
            identity_policy(Phase::ReadOnlyAssist),
            "kubevigil-investigation-readonlyassist"
        );
    }
}
