//! Events the controllers and the kubelet report, aggregated as the API
//! server's clients do: one Event per object and reason, its `count` growing.

use super::World;
use crate::sandbox::api::object::{self, ObjectKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Who reports an Event.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// kube-controller-manager's deployment controller.
    Deployment,
    /// kube-controller-manager's replicaset controller.
    ReplicaSet,
    /// The kubelet on the pod's node.
    Kubelet,
    /// The job controller.
    Job,
}

impl Source {
    fn component(self) -> &'static str {
        match self {
            Source::Deployment => "deployment-controller",
            Source::ReplicaSet => "replicaset-controller",
            Source::Kubelet => "kubelet",
            Source::Job => "job-controller",
        }
    }
}

/// Records (or counts once more) a `kind` (`Normal`, `Warning`) Event with
/// `reason` about `involved`.
pub(super) fn record(
    world: &mut World<'_>,
    involved: &Value,
    source: Source,
    kind: &str,
    reason: &str,
    message: &str,
) {
    let namespace = object::namespace(involved).to_string();
    let digest = Sha256::digest(format!("{}/{reason}", object::uid(involved)));
    let suffix: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let name = format!("{}.{suffix}", object::name(involved));
    let now = world.now_text();
    let key = ObjectKey::new(&namespace, &name);
    let event = match world.state.get(world.ids.events, &key) {
        Some(existing) => {
            let mut event = (*existing).clone();
            let count = super::int(&event, "/count", 1) + 1;
            event["count"] = json!(count);
            event["lastTimestamp"] = json!(now);
            event["message"] = json!(message);
            event
        }
        None => json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": object::new_uid(),
                "creationTimestamp": now,
            },
            "involvedObject": {
                "apiVersion": involved.get("apiVersion").cloned().unwrap_or(Value::Null),
                "kind": involved.get("kind").cloned().unwrap_or(Value::Null),
                "name": object::name(involved),
                "namespace": object::namespace(involved),
                "uid": object::uid(involved),
            },
            "reason": reason,
            "message": message,
            "type": kind,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": source.component()},
            "reportingComponent": source.component(),
        }),
    };
    world.state.put(world.ids.events, event);
}
