//! The sandbox's InvestigationTemplate `sim-agent`: every alert the
//! sandbox fires (`source="kubevigil-sandbox"`) becomes a Job running the
//! simulated agent's image, which the simulated agent runtime picks up
//! once the launcher admits it.

use super::agents::job::AGENT_IMAGE;
use super::alerts::SOURCE;
use crate::domain::template::{
    DEFAULT_ACTIVE_DEADLINE_SECONDS, DEFAULT_TTL_SECONDS_AFTER_FINISHED,
};
use crate::domain::{InvestigationTemplate, InvestigationTemplateSpec, JobTemplate};
use k8s_openapi::api::core::v1::{Namespace, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::{ObjectMeta, PostParams};
use kube::{Api, Client};
use std::collections::BTreeMap;

/// The template's name.
pub const TEMPLATE_NAME: &str = "sim-agent";
/// Where it lives (the governor's namespace).
pub const TEMPLATE_NAMESPACE: &str = "kubevigil-system";

/// The `sim-agent` template.
pub fn sim_agent() -> InvestigationTemplate {
    let quantities = |pairs: [(&str, &str); 3]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
            .collect::<BTreeMap<_, _>>()
    };
    let spec = InvestigationTemplateSpec {
        matchers: vec![format!("source=\"{SOURCE}\"")],
        target_namespace_label: crate::domain::template::DEFAULT_TARGET_NAMESPACE_LABEL.into(),
        priority: 0,
        job: JobTemplate {
            image: AGENT_IMAGE.to_string(),
            args: vec!["--output=jsonl".to_string()],
            service_accounts: Default::default(),
            resources: Some(ResourceRequirements {
                requests: Some(quantities([
                    ("cpu", "250m"),
                    ("memory", "256Mi"),
                    ("ephemeral-storage", "64Mi"),
                ])),
                limits: Some(quantities([
                    ("cpu", "1"),
                    ("memory", "512Mi"),
                    ("ephemeral-storage", "128Mi"),
                ])),
                ..Default::default()
            }),
            active_deadline_seconds: DEFAULT_ACTIVE_DEADLINE_SECONDS,
            ttl_seconds_after_finished: DEFAULT_TTL_SECONDS_AFTER_FINISHED,
        },
    };
    let mut template = InvestigationTemplate::new(TEMPLATE_NAME, spec);
    template.metadata.namespace = Some(TEMPLATE_NAMESPACE.to_string());
    template
}

/// Creates the governor's namespace and the `sim-agent` template (both
/// left as they are when they exist).
pub async fn apply(client: &Client) -> Result<(), kube::Error> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let namespace = Namespace {
        metadata: ObjectMeta {
            name: Some(TEMPLATE_NAMESPACE.to_string()),
            ..Default::default()
        },
        ..Default::default()
    };
    exists_is_fine(namespaces.create(&PostParams::default(), &namespace).await)?;
    let templates: Api<InvestigationTemplate> = Api::namespaced(client.clone(), TEMPLATE_NAMESPACE);
    exists_is_fine(templates.create(&PostParams::default(), &sim_agent()).await)
}

fn exists_is_fine<T>(result: Result<T, kube::Error>) -> Result<(), kube::Error> {
    match result {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.is_already_exists() => Ok(()),
        Err(other) => Err(other),
    }
}
