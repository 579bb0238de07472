//! The agent's `kubectl`: an action carried out as the API requests kubectl
//! would send (a JSON, merge or strategic merge patch; scale; rollout
//! restart; delete), for real or as a server-side dry run (`dryRun=All`), and
//! the preview a proposal carries (that dry run, and its diff against the
//! object as it is).

use crate::domain::canonical::parse_strict;
use crate::domain::{ActionKind, ProposedAction};
use http::Request;
use kube::Client;
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

/// The field manager the agent's writes are recorded under.
pub const FIELD_MANAGER: &str = "kubevigil-agent";

/// Why an action could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum KubectlError {
    /// The API server refused it, or could not be reached: what kubectl prints.
    #[error("{0}")]
    Refused(String),
    /// The action cannot be sent as a request (an exec, or a patch that does not parse).
    #[error("{0}")]
    Unsupported(String),
}

/// The path of the action's target object.
pub(super) fn object_path(action: &ProposedAction) -> String {
    let target = &action.target;
    let (group, version) = match target.api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", target.api_version.as_str()),
    };
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, &target.kind));
    let base = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    let scope = if target.namespace.is_empty() {
        String::new()
    } else {
        format!("/namespaces/{}", target.namespace)
    };
    format!("{base}{scope}/{}/{}", resource.plural, target.name)
}

/// Where `action` is sent: the `/scale` subresource for a scale of a
/// Deployment, ReplicaSet or StatefulSet (as `kubectl scale` does), the
/// object otherwise.
fn write_path(action: &ProposedAction) -> String {
    let scalable = matches!(
        action.target.kind.as_str(),
        "Deployment" | "ReplicaSet" | "StatefulSet"
    );
    if action.kind == ActionKind::Scale && scalable {
        format!("{}/scale", object_path(action))
    } else {
        object_path(action)
    }
}

/// The request kubectl would send for `action`: method, content type, body.
fn request_parts(
    action: &ProposedAction,
) -> Result<(http::Method, &'static str, Value), KubectlError> {
    match action.kind {
        ActionKind::Patch => {
            let text = action.patch.as_deref().unwrap_or("{}");
            let document = parse_strict(text).map_err(|e| {
                KubectlError::Unsupported(format!("error: unable to parse the patch: {e}"))
            })?;
            let media = match action.patch_type.as_deref() {
                Some("json") => "application/json-patch+json",
                Some("strategic") => "application/strategic-merge-patch+json",
                _ => "application/merge-patch+json",
            };
            Ok((http::Method::PATCH, media, document))
        }
        ActionKind::Scale => {
            let replicas = action.replicas.ok_or_else(|| {
                KubectlError::Unsupported("error: a scale action needs replicas".to_string())
            })?;
            // What `kubectl scale` sends to the `/scale` subresource.
            Ok((
                http::Method::PATCH,
                "application/merge-patch+json",
                json!({"spec": {"replicas": replicas}}),
            ))
        }
        ActionKind::RolloutRestart => Ok((
            http::Method::PATCH,
            "application/strategic-merge-patch+json",
            json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
            }}}}}),
        )),
        ActionKind::Delete => Ok((
            http::Method::DELETE,
            "application/json",
            json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}),
        )),
        ActionKind::Exec => Err(KubectlError::Unsupported(
            "exec is not emulated by the sandbox: nothing was sent".to_string(),
        )),
    }
}

/// What kubectl prints for a refused request: `Error from server (NotFound): ...`.
pub fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => format!(
            "Error from server ({}): {}",
            if status.reason.is_empty() {
                "Unknown"
            } else {
                &status.reason
            },
            status.message
        ),
        other => format!("error: {other}"),
    }
}

/// Sends `action` through `client` (a server-side dry run when `dry_run`);
/// returns what the server answered: the object after the write, or the
/// Status of a delete.
pub async fn run(
    client: &Client,
    action: &ProposedAction,
    dry_run: bool,
) -> Result<Value, KubectlError> {
    let (method, media, body) = request_parts(action)?;
    let mut uri = format!("{}?fieldManager={FIELD_MANAGER}", write_path(action));
    if method == http::Method::DELETE {
        uri = object_path(action);
        if dry_run {
            uri.push_str("?dryRun=All");
        }
    } else if dry_run {
        uri.push_str("&dryRun=All");
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| KubectlError::Unsupported(e.to_string()))?;
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(http::header::CONTENT_TYPE, media)
        .header(http::header::ACCEPT, "application/json")
        .body(bytes)
        .map_err(|e| KubectlError::Unsupported(e.to_string()))?;
    client
        .request::<Value>(request)
        .await
        .map_err(|e| KubectlError::Refused(describe(&e)))
}

/// The target object as it is now (`None` when it does not exist).
pub async fn get(client: &Client, action: &ProposedAction) -> Result<Option<Value>, KubectlError> {
    let request = Request::builder()
        .method(http::Method::GET)
        .uri(object_path(action))
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| KubectlError::Unsupported(e.to_string()))?;
    match client.request::<Value>(request).await {
        Ok(object) => Ok(Some(object)),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
        Err(error) => Err(KubectlError::Refused(describe(&error))),
    }
}

/// A server-side dry run of `action`, as YAML, and the unified diff from
/// the object as it is to the object the dry run returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRun {
    /// What the dry run returned (the object after, or the Status of a delete), as YAML.
    pub returned: String,
    /// `--- a/<apiVersion>/<Kind>/<ns>/<name>` to `+++ b/...` (or `/dev/null`).
    pub diff: String,
}

/// The object as `kubectl diff` shows it: no managedFields, no status.
fn for_diff(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        metadata.remove("managedFields");
    }
    object
}

fn yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// Previews `action` with a server-side dry run.
pub async fn dry_run(client: &Client, action: &ProposedAction) -> Result<DryRun, KubectlError> {
    let before = get(client, action).await?;
    let returned = run(client, action, true).await?;
    let target = &action.target;
    let label = format!(
        "{}/{}/{}/{}",
        target.api_version, target.kind, target.namespace, target.name
    );
    let old = before
        .as_ref()
        .map(for_diff)
        .map(|o| yaml(&o))
        .unwrap_or_default();
    let (new, new_label) = if action.kind == ActionKind::Delete {
        (String::new(), "/dev/null".to_string())
    } else if let (ActionKind::Scale, Some(before), Some(replicas)) =
        (action.kind, &before, returned.pointer("/spec/replicas"))
    {
        // The dry run returned a Scale: show the object it would scale.
        let mut after = for_diff(before);
        after["spec"]["replicas"] = replicas.clone();
        (yaml(&after), format!("b/{label} (server dry run)"))
    } else {
        (
            yaml(&for_diff(&returned)),
            format!("b/{label} (server dry run)"),
        )
    };
    let diff = similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{label}"), &new_label)
        .to_string();
    let diff = if diff.is_empty() {
        format!(
            "--- a/{label}\n+++ {new_label}\n(no change: the object already is as the action would make it)\n"
        )
    } else {
        diff
    };
    Ok(DryRun {
        returned: yaml(&returned),
        diff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ActionTarget;

    fn action(kind: ActionKind, api_version: &str, target_kind: &str) -> ProposedAction {
        ProposedAction {
            kind,
            target: ActionTarget {
                api_version: api_version.into(),
                kind: target_kind.into(),
                namespace: "payments".into(),
                name: "x".into(),
            },
            patch: Some("spec:\n  paused: true\n".into()),
            patch_type: Some("strategic".into()),
            command: None,
            replicas: Some(3),
        }
    }

    #[test]
    fn paths_and_bodies_are_what_kubectl_sends() {
        let policy = action(ActionKind::Patch, "networking.k8s.io/v1", "NetworkPolicy");
        assert_eq!(
            object_path(&policy),
            "/apis/networking.k8s.io/v1/namespaces/payments/networkpolicies/x"
        );
        let (_, media, body) = request_parts(&policy).expect("a patch");
        assert_eq!(media, "application/strategic-merge-patch+json");
        assert_eq!(body, json!({"spec": {"paused": true}}));
        assert_eq!(
            object_path(&action(ActionKind::Delete, "v1", "ConfigMap")),
            "/api/v1/namespaces/payments/configmaps/x"
        );
        let (_, _, scale) =
            request_parts(&action(ActionKind::Scale, "apps/v1", "Deployment")).expect("a scale");
        assert_eq!(scale, json!({"spec": {"replicas": 3}}));
        assert!(request_parts(&action(ActionKind::Exec, "v1", "Pod")).is_err());
    }
}
