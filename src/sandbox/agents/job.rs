//! The Kubernetes side of an investigation: its Job, its Pod, and the status
//! changes a job controller and a kubelet would make.

use crate::domain::{Phase, labels};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{Job, JobCondition, JobSpec, JobStatus};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStatus, EmptyDirVolumeSource, EnvVar, EnvVarSource, ObjectFieldSelector, Pod,
    PodCondition, PodSecurityContext, PodSpec, PodStatus, PodTemplateSpec, ResourceRequirements,
    SeccompProfile, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use rand::random_range;
use std::collections::BTreeMap;

/// The agent image the simulated Jobs name.
pub const AGENT_IMAGE: &str = "ghcr.io/kubevigil/sim-agent:0.4.2";
/// The digest the simulated container runtime reports for [`AGENT_IMAGE`].
const AGENT_IMAGE_ID: &str = "ghcr.io/kubevigil/sim-agent@sha256:9f2c4e1b7a0d3c5e8f6a2b1c4d7e9f0a3b5c8d1e2f4a6b7c9d0e1f2a3b4c5d6e";
/// The node every simulated pod runs on.
pub const NODE_NAME: &str = "sandbox-node-1";
/// The characters Kubernetes uses for generated name suffixes.
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The names of one investigation's objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigationRef {
    /// The investigation id (the `kubevigil.io/investigation` label).
    pub id: String,
    /// The namespace of the Job, the Pod and the proposals (the target namespace).
    pub namespace: String,
    /// The Job's name.
    pub job: String,
    /// The Pod's name.
    pub pod: String,
}

impl InvestigationRef {
    /// Fresh names for an investigation of kind `key` in `namespace`.
    pub fn new(key: &str, namespace: &str) -> InvestigationRef {
        let id = format!("{key}-{}", random_suffix(6));
        let job = format!("inv-{id}");
        InvestigationRef {
            pod: format!("{job}-{}", random_suffix(5)),
            id,
            namespace: namespace.to_string(),
            job,
        }
    }

    /// A new pod name for the same Job (after a resume replaced the pod).
    pub fn next_pod(&self) -> String {
        format!("{}-{}", self.job, random_suffix(5))
    }

    /// The label selector that matches this investigation's objects.
    pub fn selector(&self) -> String {
        format!("{}={}", labels::INVESTIGATION, self.id)
    }
}

/// A random Kubernetes-style name suffix of `len` characters.
pub fn random_suffix(len: usize) -> String {
    (0..len)
        .map(|_| char::from(SUFFIX_ALPHABET[random_range(0..SUFFIX_ALPHABET.len())]))
        .collect()
}

/// What the Job says about the alert.
#[derive(Debug, Clone, Copy)]
pub struct Alert<'a> {
    /// The alert (the `kubevigil.io/trigger` annotation).
    pub trigger: &'a str,
    /// Its severity.
    pub severity: &'a str,
}

/// The investigation Job, as the contract recommends: no retries, a 15-minute
/// deadline, cleaned up an hour after it finishes, limits on CPU and memory,
/// a locked-down container and a service account bound to the trust phase.
pub fn job_manifest(inv: &InvestigationRef, alert: Alert<'_>, phase: Phase) -> Job {
    let labels = BTreeMap::from([
        (labels::INVESTIGATION.to_string(), inv.id.clone()),
        (labels::TARGET_NAMESPACE.to_string(), inv.namespace.clone()),
        (labels::SEVERITY.to_string(), alert.severity.to_string()),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "kubevigil-sandbox".to_string(),
        ),
    ]);
    let annotations = BTreeMap::from([
        (labels::TRIGGER.to_string(), alert.trigger.to_string()),
        (labels::PHASE.to_string(), phase.to_string()),
        (
            labels::VAULT_ACCESSOR.to_string(),
            format!("hmac-{}", random_suffix(24)),
        ),
    ]);
    let template_labels = BTreeMap::from([
        (labels::INVESTIGATION.to_string(), inv.id.clone()),
        (labels::TARGET_NAMESPACE.to_string(), inv.namespace.clone()),
        (
            "app.kubernetes.io/name".to_string(),
            "sre-agent".to_string(),
        ),
    ]);
    Job {
        metadata: ObjectMeta {
            name: Some(inv.job.clone()),
            namespace: Some(inv.namespace.clone()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(0),
            active_deadline_seconds: Some(900),
            ttl_seconds_after_finished: Some(3600),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(template_labels),
                    ..Default::default()
                }),
                spec: Some(agent_pod_spec(inv, alert, phase)),
            },
            ..Default::default()
        }),
        status: None,
    }
}

fn agent_pod_spec(inv: &InvestigationRef, alert: Alert<'_>, phase: Phase) -> PodSpec {
    let quantities = |pairs: [(&str, &str); 3]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
            .collect::<BTreeMap<_, _>>()
    };
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
        service_account_name: Some(format!("kubevigil-agent-{}", phase_slug(phase))),
        restart_policy: Some("Never".to_string()),
        automount_service_account_token: Some(true),
        enable_service_links: Some(false),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(65532),
            run_as_group: Some(65532),
            fs_group: Some(65532),
            seccomp_profile: Some(runtime_default()),
            ..Default::default()
        }),
        containers: vec![Container {
            name: "agent".to_string(),
            image: Some(AGENT_IMAGE.to_string()),
            image_pull_policy: Some("IfNotPresent".to_string()),
            args: Some(vec![
                "--output=jsonl".to_string(),
                format!("--alert={}", alert.trigger),
            ]),
            env: Some(vec![
                from_field(
                    "KUBEVIGIL_INVESTIGATION",
                    "metadata.labels['kubevigil.io/investigation']",
                ),
                env("KUBEVIGIL_TARGET_NAMESPACE", &inv.namespace),
                from_field(
                    "KUBEVIGIL_JOB_NAME",
                    "metadata.labels['batch.kubernetes.io/job-name']",
                ),
                from_field("POD_NAMESPACE", "metadata.namespace"),
                env("VAULT_ADDR", "https://openbao.vault.svc:8200"),
            ]),
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
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                read_only_root_filesystem: Some(true),
                run_as_non_root: Some(true),
                privileged: Some(false),
                capabilities: Some(Capabilities {
                    drop: Some(vec!["ALL".to_string()]),
                    ..Default::default()
                }),
                seccomp_profile: Some(runtime_default()),
                ..Default::default()
            }),
            volume_mounts: Some(vec![VolumeMount {
                name: "tmp".to_string(),
                mount_path: "/tmp".to_string(),
                ..Default::default()
            }]),
            ..Default::default()
        }],
        volumes: Some(vec![Volume {
            name: "tmp".to_string(),
            empty_dir: Some(EmptyDirVolumeSource {
                size_limit: Some(Quantity("64Mi".to_string())),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

/// The phase as it appears in service account names (`kubevigil-agent-limitedwrite`).
fn phase_slug(phase: Phase) -> String {
    phase.to_string().to_ascii_lowercase()
}

/// The investigation's Pod, owned by its Job (as the job controller creates it).
pub fn pod_manifest(inv: &InvestigationRef, pod_name: &str, job: &Job) -> Pod {
    let template = job
        .spec
        .as_ref()
        .map(|s| s.template.clone())
        .unwrap_or_default();
    let mut labels = template.metadata.and_then(|m| m.labels).unwrap_or_default();
    labels.insert("job-name".to_string(), inv.job.clone());
    labels.insert("batch.kubernetes.io/job-name".to_string(), inv.job.clone());
    if let Some(uid) = &job.metadata.uid {
        labels.insert("controller-uid".to_string(), uid.clone());
        labels.insert(
            "batch.kubernetes.io/controller-uid".to_string(),
            uid.clone(),
        );
    }
    labels.insert(
        crate::domain::labels::INVESTIGATION.to_string(),
        inv.id.clone(),
    );
    let mut spec = template.spec.unwrap_or_default();
    spec.node_name = Some(NODE_NAME.to_string());
    Pod {
        metadata: ObjectMeta {
            name: Some(pod_name.to_string()),
            namespace: Some(inv.namespace.clone()),
            labels: Some(labels),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".to_string(),
                kind: "Job".to_string(),
                name: inv.job.clone(),
                uid: job.metadata.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        },
        spec: Some(spec),
        status: None,
    }
}

/// The status of a Job whose pod is running.
pub fn job_running(start: Timestamp) -> JobStatus {
    JobStatus {
        start_time: Some(Time(start)),
        active: Some(1),
        ready: Some(1),
        ..Default::default()
    }
}

/// The status of a finished Job.
pub fn job_finished(start: Timestamp, end: Timestamp, succeeded: bool) -> JobStatus {
    let condition = |type_: &str, reason: &str, message: &str| JobCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_probe_time: Some(Time(end)),
        last_transition_time: Some(Time(end)),
    };
    let conditions = if succeeded {
        vec![
            condition(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
            ),
            condition(
                "Complete",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
            ),
        ]
    } else {
        vec![
            condition(
                "FailureTarget",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
            ),
            condition(
                "Failed",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
            ),
        ]
    };
    JobStatus {
        start_time: Some(Time(start)),
        completion_time: succeeded.then_some(Time(end)),
        active: Some(0),
        ready: Some(0),
        succeeded: Some(i32::from(succeeded)),
        failed: Some(i32::from(!succeeded)),
        terminating: Some(0),
        conditions: Some(conditions),
        ..Default::default()
    }
}

/// The status of a pod whose agent container is running.
pub fn pod_running(start: Timestamp) -> PodStatus {
    let ready = |type_: &str| PodCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        last_transition_time: Some(Time(start)),
        ..Default::default()
    };
    PodStatus {
        phase: Some("Running".to_string()),
        start_time: Some(Time(start)),
        host_ip: Some("10.0.0.11".to_string()),
        pod_ip: Some(format!(
            "10.42.{}.{}",
            random_range(0..4),
            random_range(2..250)
        )),
        qos_class: Some("Burstable".to_string()),
        conditions: Some(
            ["PodScheduled", "Initialized", "ContainersReady", "Ready"]
                .map(ready)
                .to_vec(),
        ),
        container_statuses: Some(vec![agent_status(
            true,
            ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: Some(Time(start)),
                }),
                ..Default::default()
            },
        )]),
        ..Default::default()
    }
}

/// The status of a pod whose agent exited (0 when `succeeded`).
pub fn pod_finished(start: Timestamp, end: Timestamp, succeeded: bool) -> PodStatus {
    PodStatus {
        phase: Some(if succeeded { "Succeeded" } else { "Failed" }.to_string()),
        start_time: Some(Time(start)),
        host_ip: Some("10.0.0.11".to_string()),
        qos_class: Some("Burstable".to_string()),
        container_statuses: Some(vec![agent_status(
            false,
            ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: i32::from(!succeeded),
                    reason: Some(if succeeded { "Completed" } else { "Error" }.to_string()),
                    started_at: Some(Time(start)),
                    finished_at: Some(Time(end)),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )]),
        ..Default::default()
    }
}

fn agent_status(ready: bool, state: ContainerState) -> ContainerStatus {
    ContainerStatus {
        name: "agent".to_string(),
        image: AGENT_IMAGE.to_string(),
        image_id: AGENT_IMAGE_ID.to_string(),
        ready,
        restart_count: 0,
        started: Some(ready),
        state: Some(state),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_keeps_the_contract() {
        let inv = InvestigationRef::new("oomkilled", "checkout");
        let job = job_manifest(
            &inv,
            Alert {
                trigger: "KubeContainerOOMKilled",
                severity: "warning",
            },
            Phase::Autonomous,
        );
        let parsed = crate::domain::Investigation::from_job(&job).expect("an investigation");
        assert_eq!(parsed.id, inv.id);
        assert_eq!(&*parsed.target_namespace, "checkout");
        assert_eq!(&*parsed.trigger, "KubeContainerOOMKilled");
        assert!(parsed.vault_accessor.is_some());
        let spec = job.spec.expect("spec");
        assert_eq!(spec.backoff_limit, Some(0));
        assert_eq!(spec.active_deadline_seconds, Some(900));
        assert_eq!(spec.ttl_seconds_after_finished, Some(3600));
        let pod = pod_manifest(&inv, &inv.pod, &Job::default());
        let pod_labels = pod.metadata.labels.expect("labels");
        assert_eq!(pod_labels.get("job-name"), Some(&inv.job));
        assert!(inv.id.starts_with("oomkilled-"));
    }
}
