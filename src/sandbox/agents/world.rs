//! The sandbox's namespaces and their TrustPolicies: one namespace per phase
//! (two in LimitedWrite, with one and two required approvals).

use crate::domain::policy::POLICY_NAME;
use crate::domain::{ActionKind, Phase, Risk, TrustPolicy, TrustPolicySpec};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{ObjectMeta, PostParams};
use kube::{Api, Client};
use std::collections::BTreeMap;

/// The namespaces the simulated agents work in, with their policies.
pub fn namespaces() -> Vec<(&'static str, TrustPolicySpec)> {
    let base = TrustPolicySpec::default();
    vec![
        (
            "payments",
            TrustPolicySpec {
                phase: Phase::LimitedWrite,
                allowed_actions: vec![
                    ActionKind::Patch,
                    ActionKind::RolloutRestart,
                    ActionKind::Scale,
                ],
                required_approvals: 2,
                max_concurrent_investigations: 3,
                ..base.clone()
            },
        ),
        (
            "checkout",
            TrustPolicySpec {
                phase: Phase::Autonomous,
                autonomous_risk_ceiling: Risk::Medium,
                ..base.clone()
            },
        ),
        (
            "data",
            TrustPolicySpec {
                phase: Phase::ReadOnlyAssist,
                ..base.clone()
            },
        ),
        (
            "platform",
            TrustPolicySpec {
                phase: Phase::Shadow,
                ..base.clone()
            },
        ),
        (
            "web",
            TrustPolicySpec {
                phase: Phase::LimitedWrite,
                allowed_actions: vec![
                    ActionKind::Patch,
                    ActionKind::Scale,
                    ActionKind::RolloutRestart,
                    ActionKind::Delete,
                ],
                required_approvals: 1,
                proposal_timeout_seconds: 600,
                ..base
            },
        ),
    ]
}

/// Creates the namespaces and their `default` TrustPolicies; existing ones are left as they are.
pub async fn create(client: &Client) -> Result<(), kube::Error> {
    let namespace_api: Api<Namespace> = Api::all(client.clone());
    for (name, spec) in namespaces() {
        let namespace = Namespace {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                labels: Some(BTreeMap::from([(
                    "kubernetes.io/metadata.name".to_string(),
                    name.to_string(),
                )])),
                ..Default::default()
            },
            ..Default::default()
        };
        ignore_exists(
            namespace_api
                .create(&PostParams::default(), &namespace)
                .await,
        )?;
        let policies: Api<TrustPolicy> = Api::namespaced(client.clone(), name);
        let mut policy = TrustPolicy::new(POLICY_NAME, spec);
        policy.metadata.namespace = Some(name.to_string());
        ignore_exists(policies.create(&PostParams::default(), &policy).await)?;
    }
    Ok(())
}

fn ignore_exists<T>(result: Result<T, kube::Error>) -> Result<(), kube::Error> {
    match result {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.is_already_exists() => Ok(()),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_is_covered() {
        let phases: Vec<Phase> = namespaces().iter().map(|(_, p)| p.phase).collect();
        for phase in Phase::ALL {
            assert!(phases.contains(&phase), "{phase} has no namespace");
        }
    }
}
