//! The investigation Job a template makes of an alert: created suspended and
//! queued, with the contract's labels and annotations, the template's pod,
//! and the Secret volume that will hold the wrapped Vault token. Pure.

use super::payload::Alert;
use super::select::Compiled;
use crate::domain::template::phase_slug;
use crate::domain::{Phase, labels};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EnvVar, EnvVarSource, ObjectFieldSelector, PodSecurityContext,
    PodSpec, PodTemplateSpec, SeccompProfile, SecretVolumeSource, SecurityContext, Volume,
    VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Where the pod finds its wrapped Vault token (a file with the wrapping token).
pub const WRAPPED_TOKEN_PATH: &str = "/var/run/kubevigil/vault/wrapped-token";
/// The directory [`WRAPPED_TOKEN_PATH`] is in (the Secret's mount).
pub const WRAPPED_TOKEN_DIR: &str = "/var/run/kubevigil/vault";
/// The key of the wrapping token in the Job's Secret.
pub const WRAPPED_TOKEN_KEY: &str = "wrapped-token";
/// Annotation on a launched Job: the template that made it (`namespace/name`).
pub const TEMPLATE_ANNOTATION: &str = "kubevigil.io/template";
/// The `app.kubernetes.io/managed-by` value of launched Jobs.
pub const MANAGED_BY: &str = "kubevigil-launcher";

/// The Secret holding a Job's wrapped token: `<job-name>-vault`.
pub fn secret_name(job: &str) -> String {
    format!("{job}-vault")
}

/// A text made a valid label value: `[A-Za-z0-9._-]`, starting and ending
/// alphanumeric, at most `max` (≤ 63) characters; "unknown" when nothing is left.
pub fn label_value(text: &str, max: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(max.min(63))
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.is_empty() {
        "unknown".to_string()
    } else {
        trimmed.to_string()
    }
}

/// A text made part of a DNS-1123 name: lowercase alphanumerics and `-`.
fn name_part(text: &str, max: usize) -> String {
    let lowered: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut out = String::new();
    for c in lowered.chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        if out.len() >= max {
            break;
        }
        out.push(c);
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "alert".to_string()
    } else {
        out
    }
}

/// The investigation id of an alert: `<alertname>-<10 hex of
/// sha256(fingerprint/startsAt)>`; the same alert always gets the same id,
/// so a retried webhook cannot create a second Job (the name is taken).
pub fn investigation_id(alert: &Alert) -> String {
    let digest = Sha256::digest(format!("{}/{}", alert.fingerprint, alert.starts_at));
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", name_part(&alert.alertname, 40))
}

/// The Job's name: `inv-<investigation id>` (at most 55 characters).
pub fn job_name(alert: &Alert) -> String {
    format!("inv-{}", investigation_id(alert))
}

/// `"<alertname>: <summary>"`, or the alertname alone.
pub fn trigger(alert: &Alert) -> String {
    let summary = alert.summary().trim();
    if summary.is_empty() {
        alert.alertname.clone()
    } else {
        format!("{}: {summary}", alert.alertname)
    }
}

/// The suspended, queued Job `template` makes of `alert` in `namespace`,
/// with the service account of `phase` and `queue_reason` as its first
/// `kubevigil.io/queue-reason`.
pub fn job(
    template: &Compiled,
    alert: &Alert,
    namespace: &str,
    phase: Phase,
    queue_reason: &str,
) -> Job {
    let id = investigation_id(alert);
    let name = job_name(alert);
    let severity = label_value(alert.severity(), 63);
    let labels = BTreeMap::from([
        (labels::INVESTIGATION.to_string(), id.clone()),
        (labels::TARGET_NAMESPACE.to_string(), namespace.to_string()),
        (labels::SEVERITY.to_string(), severity),
        (
            labels::ALERT_FINGERPRINT.to_string(),
            alert.fingerprint.clone(),
        ),
        (
            labels::ALERTNAME.to_string(),
            label_value(&alert.alertname, 63),
        ),
        (
            labels::ADMISSION.to_string(),
            labels::ADMISSION_QUEUED.to_string(),
        ),
        (
            "app.kubernetes.io/managed-by".to_string(),
            MANAGED_BY.to_string(),
        ),
    ]);
    let annotations = BTreeMap::from([
        (labels::TRIGGER.to_string(), trigger(alert)),
        (labels::ALERT_STARTS_AT.to_string(), alert.starts_at.clone()),
        (labels::QUEUE_REASON.to_string(), queue_reason.to_string()),
        (TEMPLATE_ANNOTATION.to_string(), template.reference()),
    ]);
    let pod_labels = BTreeMap::from([
        (labels::INVESTIGATION.to_string(), id),
        (labels::TARGET_NAMESPACE.to_string(), namespace.to_string()),
        (
            "app.kubernetes.io/name".to_string(),
            "sre-agent".to_string(),
        ),
    ]);
    let spec = &template.spec.job;
    Job {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace.to_string()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(JobSpec {
            suspend: Some(true),
            backoff_limit: Some(0),
            active_deadline_seconds: Some(spec.active_deadline_seconds.max(1)),
            ttl_seconds_after_finished: Some(spec.ttl_seconds_after_finished.max(0)),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..Default::default()
                }),
                spec: Some(pod_spec(template, &name, namespace, phase)),
            },
            ..Default::default()
        }),
        status: None,
    }
}

fn pod_spec(template: &Compiled, job: &str, namespace: &str, phase: Phase) -> PodSpec {
    let spec = &template.spec.job;
    let env = |name: &str, value: &str| EnvVar {
        name: name.to_string(),
        value: Some(value.to_string()),
        ..Default::default()
    };
    let from_field = |name: &str, path: &str| EnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.to_string(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let runtime_default = || SeccompProfile {
        type_: "RuntimeDefault".to_string(),
        ..Default::default()
    };
    PodSpec {
        service_account_name: Some(spec.service_accounts.for_phase(phase).to_string()),
        restart_policy: Some("Never".to_string()),
        automount_service_account_token: Some(true),
        enable_service_links: Some(false),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            seccomp_profile: Some(runtime_default()),
            ..Default::default()
        }),
        containers: vec![Container {
            name: "agent".to_string(),
            image: Some(spec.image.clone()),
            args: (!spec.args.is_empty()).then(|| spec.args.clone()),
            env: Some(vec![
                from_field(
                    "KUBEVIGIL_INVESTIGATION",
                    "metadata.labels['kubevigil.io/investigation']",
                ),
                env("KUBEVIGIL_TARGET_NAMESPACE", namespace),
                env("KUBEVIGIL_JOB_NAME", job),
                env("KUBEVIGIL_PHASE", phase_slug(phase)),
                from_field("POD_NAMESPACE", "metadata.namespace"),
                env("KUBEVIGIL_VAULT_WRAPPED_TOKEN_FILE", WRAPPED_TOKEN_PATH),
            ]),
            resources: spec.resources.clone(),
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                read_only_root_filesystem: Some(true),
                capabilities: Some(Capabilities {
                    drop: Some(vec!["ALL".to_string()]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            volume_mounts: Some(vec![VolumeMount {
                name: "vault-identity".to_string(),
                mount_path: WRAPPED_TOKEN_DIR.to_string(),
                read_only: Some(true),
                ..Default::default()
            }]),
            ..Default::default()
        }],
        volumes: Some(vec![Volume {
            name: "vault-identity".to_string(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret_name(job)),
                // Without Vault no Secret is made; the pod still starts.
                optional: Some(true),
                default_mode: Some(0o440),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert(alertname: &str) -> Alert {
        Alert {
            firing: true,
            fingerprint: "0123456789abcdef".into(),
            starts_at: "2026-12-01T10:00:00Z".into(),
            alertname: alertname.into(),
            labels: BTreeMap::from([
                ("alertname".into(), alertname.into()),
                ("severity".into(), "critical".into()),
            ]),
            annotations: BTreeMap::from([("summary".into(), "p99 above 2s".into())]),
        }
    }

    fn template() -> Compiled {
        let spec = serde_json::from_value(json!({
            "job": {"image": "agent:1", "args": ["--jsonl"], "activeDeadlineSeconds": 600,
                    "resources": {"limits": {"cpu": "500m"}}}
        }))
        .expect("spec");
        Compiled::new("kubevigil-system", "default", spec).expect("template")
    }

    #[test]
    fn the_job_is_suspended_queued_and_carries_the_contract() {
        let job = job(
            &template(),
            &alert("HighLatency"),
            "payments",
            Phase::LimitedWrite,
            "cluster at 20/20",
        );
        let labels = job.metadata.labels.clone().unwrap_or_default();
        let annotations = job.metadata.annotations.clone().unwrap_or_default();
        let spec = job.spec.clone().unwrap_or_default();
        assert_eq!(spec.suspend, Some(true));
        assert_eq!(spec.backoff_limit, Some(0));
        assert_eq!(spec.active_deadline_seconds, Some(600));
        assert_eq!(spec.ttl_seconds_after_finished, Some(3600));
        assert_eq!(labels[labels::ADMISSION], "queued");
        assert_eq!(labels[labels::ALERT_FINGERPRINT], "0123456789abcdef");
        assert_eq!(labels[labels::TARGET_NAMESPACE], "payments");
        assert_eq!(labels[labels::SEVERITY], "critical");
        assert_eq!(annotations[labels::TRIGGER], "HighLatency: p99 above 2s");
        assert_eq!(annotations[labels::QUEUE_REASON], "cluster at 20/20");
        assert_eq!(job.metadata.namespace.as_deref(), Some("payments"));
        let pod = spec.template.spec.unwrap_or_default();
        assert_eq!(
            pod.service_account_name.as_deref(),
            Some("kubevigil-agent-limitedwrite")
        );
        let volume = &pod.volumes.unwrap_or_default()[0];
        let name = job.metadata.name.clone().unwrap_or_default();
        assert_eq!(
            volume.secret.as_ref().and_then(|s| s.secret_name.clone()),
            Some(format!("{name}-vault"))
        );
        assert!(name.starts_with("inv-highlatency-") && name.len() <= 55);
    }

    #[test]
    fn names_and_label_values_are_valid_whatever_the_alert_says() {
        let long = "Weird Alert/Name!".repeat(10);
        let name = job_name(&alert(&long));
        assert!(name.len() <= 55, "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
        assert_eq!(
            label_value(&long, 63).len(),
            63usize.min(label_value(&long, 63).len())
        );
        assert!(label_value(&long, 63).len() <= 63);
        assert_eq!(label_value("--", 63), "unknown");
        assert_eq!(label_value("ok_name.v1", 63), "ok_name.v1");
        assert_eq!(job_name(&alert("X")), job_name(&alert("X")), "stable");
    }
}
