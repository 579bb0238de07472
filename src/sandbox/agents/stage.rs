//! The stage: the objects each scenario is about (its [`Stage`]), created
//! through the API as a team would have deployed them, then broken as the
//! incident broke them; and the cluster's Nodes. The emulator's controllers
//! do the rest (ReplicaSets, Pods, restarts, rollout status).
//!
//! [`ensure`] is idempotent: it creates what is missing and applies each
//! break that would change something, so an incident fixed by an earlier
//! investigation happens again when its scenario starts again.

use super::kubectl;
use super::script::{Scenario, Stage, fill};
use crate::domain::{ActionKind, ActionTarget, ProposedAction};
use http::Request;
use kube::Client;
use serde_json::{Value, json};

/// Who the staged objects are created by (their managedFields say so).
const STAGE_MANAGER: &str = "sandbox-stage";

/// The cluster's Nodes: three workers in two zones.
const NODES: &str = r"
- apiVersion: v1
  kind: Node
  metadata:
    name: sandbox-pool-a-1
    labels: {kubernetes.io/hostname: sandbox-pool-a-1, kubernetes.io/os: linux, topology.kubernetes.io/zone: zone-a, node.kubernetes.io/instance-type: m6i.2xlarge}
- apiVersion: v1
  kind: Node
  metadata:
    name: sandbox-pool-a-2
    labels: {kubernetes.io/hostname: sandbox-pool-a-2, kubernetes.io/os: linux, topology.kubernetes.io/zone: zone-a, node.kubernetes.io/instance-type: m6i.2xlarge}
- apiVersion: v1
  kind: Node
  metadata:
    name: sandbox-pool-b-1
    labels: {kubernetes.io/hostname: sandbox-pool-b-1, kubernetes.io/os: linux, topology.kubernetes.io/zone: zone-b, node.kubernetes.io/instance-type: m6i.2xlarge}
";

/// What every Node's kubelet reports.
const NODE_STATUS: &str = r#"
capacity: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
allocatable: {cpu: 7910m, memory: 30Gi, pods: "110", ephemeral-storage: 92Gi}
conditions:
- {type: MemoryPressure, status: "False", reason: KubeletHasSufficientMemory, message: kubelet has sufficient memory available}
- {type: DiskPressure, status: "False", reason: KubeletHasNoDiskPressure, message: kubelet has no disk pressure}
- {type: PIDPressure, status: "False", reason: KubeletHasSufficientPID, message: kubelet has sufficient PID available}
- {type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status}
nodeInfo: {kubeletVersion: v1.33.1, containerRuntimeVersion: "containerd://1.7.27", kernelVersion: 6.8.0-1029-aws, osImage: Ubuntu 24.04.2 LTS, operatingSystem: linux, architecture: amd64, kubeProxyVersion: "", machineID: "", systemUUID: "", bootID: ""}
"#;

/// The manifests of a YAML list, `{ns}` filled in.
fn manifests(yaml: &str, namespace: &str) -> Vec<Value> {
    match serde_saphyr::from_str::<Vec<Value>>(&fill(yaml, namespace)) {
        Ok(list) => list,
        Err(error) => {
            tracing::warn!(%error, "sandbox stage: a manifest list does not parse");
            Vec::new()
        }
    }
}

/// The objects `stage` declares in `namespace`, before anything broke.
pub fn objects(stage: &Stage, namespace: &str) -> Vec<Value> {
    manifests(stage.objects, namespace)
}

/// The Nodes the sandbox registers, with their status.
pub fn nodes() -> Vec<Value> {
    let status: Value = serde_saphyr::from_str(NODE_STATUS).unwrap_or_default();
    let mut nodes = manifests(NODES, "");
    for node in &mut nodes {
        node["status"] = status.clone();
    }
    nodes
}

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The object as an action target, for [`kubectl`]'s paths.
fn target(api_version: &str, kind: &str, namespace: &str, name: &str) -> ProposedAction {
    ProposedAction {
        kind: ActionKind::Patch,
        target: ActionTarget {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        },
        patch: None,
        patch_type: None,
        command: None,
        replicas: None,
    }
}

async fn send(
    client: &Client,
    method: http::Method,
    uri: String,
    media: &str,
    body: &Value,
) -> Result<Value, kube::Error> {
    let bytes = serde_json::to_vec(body).map_err(kube::Error::SerdeError)?;
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(http::header::CONTENT_TYPE, media)
        .header(http::header::ACCEPT, "application/json")
        .body(bytes)
        .map_err(kube::Error::HttpError)?;
    client.request::<Value>(request).await
}

/// Creates `object` unless it exists, then writes its `status` (if it has
/// one) through the `/status` subresource.
async fn create_missing(client: &Client, object: &Value) -> Result<(), kube::Error> {
    let action = target(
        text(object, "/apiVersion"),
        text(object, "/kind"),
        text(object, "/metadata/namespace"),
        text(object, "/metadata/name"),
    );
    let path = kubectl::object_path(&action);
    let Some((collection, _)) = path.rsplit_once('/') else {
        return Ok(());
    };
    let mut body = object.clone();
    let status = body.as_object_mut().and_then(|m| m.remove("status"));
    let created = send(
        client,
        http::Method::POST,
        format!("{collection}?fieldManager={STAGE_MANAGER}"),
        "application/json",
        &body,
    )
    .await;
    match created {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => return Ok(()),
        Err(error) => return Err(error),
    }
    if let Some(status) = status {
        send(
            client,
            http::Method::PATCH,
            format!("{path}/status?fieldManager={STAGE_MANAGER}"),
            "application/merge-patch+json",
            &json!({ "status": status }),
        )
        .await?;
    }
    Ok(())
}

/// Creates the Nodes that are missing.
pub async fn create_nodes(client: &Client) -> Result<(), kube::Error> {
    for node in nodes() {
        create_missing(client, &node).await?;
    }
    Ok(())
}

/// Creates the scenario's objects in `namespace` that are missing.
pub async fn create(
    client: &Client,
    scenario: &Scenario,
    namespace: &str,
) -> Result<(), kube::Error> {
    for object in objects(&scenario.stage, namespace) {
        create_missing(client, &object).await?;
    }
    Ok(())
}

/// Applies the scenario's breaks in `namespace` that would change something.
pub async fn break_it(
    client: &Client,
    scenario: &Scenario,
    namespace: &str,
) -> Result<(), kube::Error> {
    for change in scenario.stage.breaks {
        let action = target(change.api_version, change.kind, namespace, change.name);
        let Ok(Some(current)) = kubectl::get(client, &action).await else {
            continue;
        };
        let Ok(patch) = serde_json::from_str::<json_patch::Patch>(&fill(change.patch, namespace))
        else {
            tracing::warn!(name = change.name, "sandbox stage: a break does not parse");
            continue;
        };
        let mut broken = current.clone();
        if json_patch::patch(&mut broken, &patch).is_err() || broken == current {
            continue;
        }
        let body = serde_json::to_value(&patch).map_err(kube::Error::SerdeError)?;
        send(
            client,
            http::Method::PATCH,
            format!(
                "{}?fieldManager={STAGE_MANAGER}",
                kubectl::object_path(&action)
            ),
            "application/json-patch+json",
            &body,
        )
        .await?;
    }
    Ok(())
}

/// Makes sure the scenario's incident is there in `namespace`: its objects
/// exist and are broken as the incident broke them.
pub async fn ensure(
    client: &Client,
    scenario: &Scenario,
    namespace: &str,
) -> Result<(), kube::Error> {
    create(client, scenario, namespace).await?;
    break_it(client, scenario, namespace).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::agents::scenarios::ALL;

    #[test]
    fn every_stage_parses_and_its_breaks_apply() {
        assert_eq!(nodes().len(), 3);
        assert_eq!(
            nodes()[2]["status"]["nodeInfo"]["kubeletVersion"],
            "v1.33.1"
        );
        for scenario in ALL {
            let objects = objects(&scenario.stage, "web");
            assert!(!objects.is_empty(), "{}", scenario.key);
            for object in &objects {
                assert_eq!(object["metadata"]["namespace"], "web", "{}", scenario.key);
            }
            for change in scenario.stage.breaks {
                let mut object = objects
                    .iter()
                    .find(|o| o["kind"] == change.kind && o["metadata"]["name"] == change.name)
                    .cloned()
                    .unwrap_or_else(|| panic!("{}: no {}", scenario.key, change.name));
                let patch: json_patch::Patch = serde_json::from_str(change.patch).expect("a patch");
                json_patch::patch(&mut object, &patch).expect("the break applies");
            }
        }
    }
}
