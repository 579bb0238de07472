//! The cluster side of the integration tests: the sandbox's API emulator (or
//! the whole sandbox with OpenBao), an audit log in a temporary directory, and
//! what an agent creates there (a TrustPolicy, a Job, a proposal given its
//! first status as the governor would).

#![allow(dead_code)]

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::PostParams;
use kube::{Api, Client, ResourceExt};
use kubevigil::audit::AuditLog;
use kubevigil::config::ConfigPaths;
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{
    ActionKind, ActionProposal, ActionProposalSpec, ActionTarget, ProposedAction, Risk,
    TrustPolicy, TrustPolicySpec,
};
use kubevigil::governor::{initial_status, update_status};
use kubevigil::sandbox::api::{ApiConfig, ApiServer};
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use kubevigil::vault::Vault;
use std::sync::Arc;
use tempfile::TempDir;

/// The API emulator alone: no governor, no agents.
pub async fn emulator() -> ApiServer {
    ApiServer::start(ApiConfig::default())
        .await
        .expect("start the API emulator")
}

/// An audit log in a fresh data directory, which must outlive the log.
pub fn audit_log() -> (TempDir, Arc<AuditLog>) {
    let data = tempfile::tempdir().expect("tempdir");
    let paths = ConfigPaths::under(&data.path().join("config"), &data.path().join("data"));
    let audit = AuditLog::open(&paths.audit_log).expect("audit log");
    (data, Arc::new(audit))
}

/// The quiet sandbox (no scenarios, 50x speed) with a real OpenBao dev server.
pub async fn sandbox_with_bao() -> Sandbox {
    Sandbox::start_with_vault(
        SandboxOptions {
            port: 0,
            extra_investigations: 0,
            speed: 50.0,
            scenarios: false,
            ..SandboxOptions::default()
        },
        Some(&super::bao::bao_binary()),
    )
    .await
    .expect("the sandbox starts with OpenBao")
}

/// A client of the sandbox's OpenBao, with its root token.
pub fn sandbox_vault(sandbox: &Sandbox) -> Vault {
    Vault::connect(sandbox.vault_settings().expect("Vault is on").clone()).expect("connect")
}

/// Creates namespace `ns`'s TrustPolicy with `spec`, as `client`.
pub async fn create_policy(client: Client, ns: &str, spec: TrustPolicySpec) -> TrustPolicy {
    let mut policy = TrustPolicy::new(POLICY_NAME, spec);
    policy.metadata.namespace = Some(ns.to_string());
    Api::<TrustPolicy>::namespaced(client, ns)
        .create(&PostParams::default(), &policy)
        .await
        .expect("create the policy")
}

/// A Job named `name` running the agent image once (no labels).
pub fn agent_job(name: &str) -> Job {
    Job {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        spec: Some(JobSpec {
            template: PodTemplateSpec {
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "agent".into(),
                        image: Some("kubevigil/agent".into()),
                        ..Default::default()
                    }],
                    restart_policy: Some("Never".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }),
        status: None,
    }
}

/// A proposal of `investigation` to scale Deployment `ns/api` to 4 replicas.
pub fn scale_api(ns: &str, investigation: &str, risk: Risk) -> ActionProposalSpec {
    ActionProposalSpec {
        investigation: investigation.into(),
        summary: "scale api to 4 replicas".into(),
        rationale: "CPU saturated".into(),
        risk,
        reversible: true,
        action: ProposedAction {
            kind: ActionKind::Scale,
            target: ActionTarget {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: ns.into(),
                name: "api".into(),
            },
            patch: None,
            patch_type: None,
            command: None,
            replicas: Some(4),
        },
        preview: None,
        expires_at: None,
        rollback: None,
        credential_recipient: None,
    }
}

/// Creates `proposal` as `client`, gives it the first status the governor
/// would under its namespace's TrustPolicy (if it has none yet), and returns
/// it as stored.
pub async fn create_judged(client: &Client, proposal: &ActionProposal) -> ActionProposal {
    let ns = proposal.namespace().expect("a namespaced proposal");
    let name = proposal.name_any();
    let api = Api::<ActionProposal>::namespaced(client.clone(), &ns);
    api.create(&PostParams::default(), proposal)
        .await
        .expect("create the proposal");
    let policy = Api::<TrustPolicy>::namespaced(client.clone(), &ns)
        .get_opt(POLICY_NAME)
        .await
        .expect("read the policy")
        .map(|p| p.spec);
    update_status(&api, &name, |p| {
        p.status
            .is_none()
            .then(|| initial_status(&p.spec, policy.as_ref(), Timestamp::now()))
    })
    .await
    .expect("judge the proposal");
    api.get(&name).await.expect("read the proposal")
}
