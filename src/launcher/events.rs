//! Kubernetes Events the launcher records: alerts over their rate, admissions
//! by an operator's override. Failing to record is logged, never fatal.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::PostParams;
use kube::{Api, Client};

/// The component named on the launcher's Events.
pub(super) const COMPONENT: &str = "kubevigil-launcher";

/// An object an Event is about.
pub(super) struct About<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub uid: Option<&'a str>,
}

/// Records a `Warning` (or `Normal`) Event about `about`.
pub(super) async fn record(
    client: &Client,
    about: About<'_>,
    warning: bool,
    reason: &str,
    message: String,
) {
    let now = Time(Timestamp::now());
    let salt: u32 = rand::random();
    let base: String = about.name.chars().take(200).collect();
    let event = Event {
        metadata: ObjectMeta {
            name: Some(format!(
                "{base}.{:x}{salt:08x}",
                Timestamp::now().as_nanosecond()
            )),
            namespace: Some(about.namespace.to_string()),
            ..Default::default()
        },
        involved_object: ObjectReference {
            api_version: Some(about.api_version.to_string()),
            kind: Some(about.kind.to_string()),
            namespace: Some(about.namespace.to_string()),
            name: Some(about.name.to_string()),
            uid: about.uid.map(str::to_string),
            ..Default::default()
        },
        reason: Some(reason.to_string()),
        message: Some(message.chars().take(1024).collect()),
        type_: Some(if warning { "Warning" } else { "Normal" }.to_string()),
        count: Some(1),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        reporting_component: Some(COMPONENT.to_string()),
        reporting_instance: Some(COMPONENT.to_string()),
        source: Some(EventSource {
            component: Some(COMPONENT.to_string()),
            host: None,
        }),
        ..Default::default()
    };
    let events: Api<Event> = Api::namespaced(client.clone(), about.namespace);
    if let Err(error) = events.create(&PostParams::default(), &event).await {
        tracing::warn!(%error, reason, "launcher: could not record an Event");
    }
}
