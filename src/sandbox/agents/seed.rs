//! Bulk history for scale: many investigation Jobs, mostly finished, some
//! running (with a pod and a few log lines), inserted without HTTP.

use super::job::{self, Alert, InvestigationRef};
use super::stdout::Stdout;
use crate::domain::protocol::{EventKind, ReasoningEvent, to_line};
use crate::domain::{Phase, labels};
use jiff::{SignedDuration, Timestamp};
use rand::random_range;
use serde_json::{Map, Value, json};

/// How long a seeded finished Job is kept (`ttlSecondsAfterFinished`): longer
/// than the week of history they span.
const SEEDED_TTL_SECONDS: u64 = 8 * 24 * 3600;
/// Most investigations the sandbox seeds.
pub const MAX_SEEDED: usize = 100_000;
/// Namespaces seeded investigations are spread over: the sandbox's own, and
/// some without a TrustPolicy (so in Shadow).
const NAMESPACES: [&str; 10] = [
    "payments",
    "checkout",
    "data",
    "platform",
    "web",
    "search",
    "inventory",
    "identity",
    "ml-serving",
    "edge",
];
/// The namespaces above that the sandbox does not create itself.
pub const EXTRA_NAMESPACES: [&str; 5] = ["search", "inventory", "identity", "ml-serving", "edge"];
/// Alerts that started seeded investigations, with their severity.
const ALERTS: [(&str, &str, &str); 12] = [
    ("crashloop", "KubePodCrashLooping", "warning"),
    ("oomkilled", "KubeContainerOOMKilled", "warning"),
    ("rollout", "KubeDeploymentRolloutStuck", "critical"),
    ("certificate", "CertManagerCertExpirySoon", "warning"),
    ("latency", "HighRequestLatency", "critical"),
    ("errors", "HighErrorRate", "critical"),
    ("pvc", "KubePersistentVolumeFillingUp", "warning"),
    ("node", "KubeNodeNotReady", "critical"),
    ("hpa", "KubeHpaMaxedOut", "warning"),
    ("dns", "CoreDNSErrorsHigh", "warning"),
    ("queue", "KafkaConsumerLagHigh", "warning"),
    ("replicas", "KubeDeploymentReplicasMismatch", "warning"),
];
/// Workloads the seeded alerts name.
const WORKLOADS: [&str; 9] = [
    "api",
    "worker",
    "gateway",
    "scheduler",
    "cache",
    "indexer",
    "frontend",
    "consumer",
    "sync",
];
/// Base-27 digits of Kubernetes-style suffixes.
const DIGITS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// What [`seed_objects`] produced.
#[derive(Debug, Default)]
pub struct Seeded {
    /// Namespaces, Jobs and Pods, ready for the emulator's bulk insert.
    pub objects: Vec<Value>,
    /// Log lines of the running pods: (namespace, pod, line).
    pub log_lines: Vec<(String, String, String)>,
}

/// Finished Jobs built (on all cores) and handed over per batch: only one
/// batch of `serde_json` trees is alive at a time, so seeding 100,000 does not
/// leave the heap at its high-water mark once they are stored compactly.
const BATCH: usize = 4096;

/// `count` investigations (at most [`MAX_SEEDED`]) ending by `now`: about 2%
/// running (at most 200), 6% failed, the rest succeeded, over the last 7 days.
/// Finished Jobs are built on all cores.
pub fn seed_objects(count: usize, now: Timestamp) -> Seeded {
    let mut objects = Vec::new();
    let log_lines = seed_batches(count, now, |batch| objects.extend(batch));
    Seeded { objects, log_lines }
}

/// [`seed_objects`], handing the objects to `sink` a batch at a time; returns
/// the running pods' log lines.
fn seed_batches(
    count: usize,
    now: Timestamp,
    mut sink: impl FnMut(Vec<Value>),
) -> Vec<(String, String, String)> {
    let count = count.min(MAX_SEEDED);
    let running = if count == 0 {
        0
    } else {
        (count / 50).clamp(1, 200)
    };
    let mut seeded = Seeded::default();
    seeded.objects.reserve(running + EXTRA_NAMESPACES.len());
    for namespace in EXTRA_NAMESPACES {
        seeded.objects.push(json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {"kubernetes.io/metadata.name": namespace}},
        }));
    }
    for index in 0..running {
        let seed = SeedIdentity::of(index);
        let started = now - SignedDuration::from_secs(random_range(30..840));
        let inv = InvestigationRef {
            pod: format!("{}-{}", seed.job_name, job::random_suffix(5)),
            id: seed.id,
            namespace: seed.namespace.to_string(),
            job: seed.job_name,
        };
        let alert = Alert {
            trigger: &seed.trigger,
            severity: seed.severity,
        };
        push_running(&mut seeded, &inv, alert, &seed.uid, started);
    }
    sink(seeded.objects);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let template = finished_template();
    let template = &template;
    for batch_start in (running..count).step_by(BATCH) {
        let batch_end = (batch_start + BATCH).min(count);
        let chunk = (batch_end - batch_start).div_ceil(threads).max(1);
        let chunks: Vec<Vec<Value>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (batch_start..batch_end)
                .step_by(chunk)
                .map(|first| {
                    let last = (first + chunk).min(batch_end);
                    scope.spawn(move || {
                        (first..last)
                            .map(|i| finished_job(template, i, now))
                            .collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .filter_map(|worker| worker.join().ok())
                .collect()
        });
        sink(chunks.into_iter().flatten().collect());
    }
    seeded.log_lines
}

/// The names and alert of seeded investigation `index`.
struct SeedIdentity {
    namespace: &'static str,
    id: String,
    job_name: String,
    uid: String,
    trigger: String,
    severity: &'static str,
}

impl SeedIdentity {
    fn of(index: usize) -> SeedIdentity {
        let (slug, alert_name, severity) = ALERTS[(index / NAMESPACES.len()) % ALERTS.len()];
        let workload = WORKLOADS[(index / (NAMESPACES.len() * ALERTS.len())) % WORKLOADS.len()];
        let id = format!("{slug}-{}", unique_suffix(index));
        SeedIdentity {
            namespace: NAMESPACES[index % NAMESPACES.len()],
            job_name: format!("inv-{id}"),
            id,
            uid: uid_for(index),
            trigger: format!("{alert_name}: {workload}"),
            severity,
        }
    }
}

/// Seeds `count` investigations through `insert` (the emulator's bulk
/// insert), and the running ones' first log lines through `stdout`.
pub fn seed(count: usize, insert: impl FnMut(Vec<Value>), stdout: &dyn Stdout) {
    let log_lines = seed_batches(count, Timestamp::now(), insert);
    for (namespace, pod, line) in &log_lines {
        stdout.write_line(namespace, pod, line);
    }
}

/// The parts of a finished Job that every seeded one shares; [`finished_job`]
/// clones it and fills in the rest (cloning is much cheaper than building).
fn finished_template() -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "labels": {"app.kubernetes.io/managed-by": "kubevigil-sandbox"},
            "annotations": {},
        },
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": 900,
            // Kept for 8 days: the TTL controller would otherwise remove
            // the week of history they make up.
            "ttlSecondsAfterFinished": SEEDED_TTL_SECONDS,
            "template": {
                "metadata": {"labels": {}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "agent", "image": job::AGENT_IMAGE}],
                },
            },
        },
    })
}

/// A finished Job's status: Complete, or Failed after its one attempt.
fn finished_status(start: String, end: String, succeeded: bool) -> Value {
    let (reason, message, kinds) = if succeeded {
        (
            "CompletionsReached",
            "Reached expected number of succeeded pods",
            ["SuccessCriteriaMet", "Complete"],
        )
    } else {
        (
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
            ["FailureTarget", "Failed"],
        )
    };
    let text = |t: &str| Value::String(t.to_string());
    let conditions = kinds
        .iter()
        .map(|kind| {
            Value::Object(Map::from_iter([
                ("type".to_string(), text(kind)),
                ("status".to_string(), text("True")),
                ("reason".to_string(), text(reason)),
                ("message".to_string(), text(message)),
                ("lastProbeTime".to_string(), text(&end)),
                ("lastTransitionTime".to_string(), text(&end)),
            ]))
        })
        .collect();
    let mut status = Map::from_iter([
        ("startTime".to_string(), Value::String(start)),
        ("active".to_string(), Value::from(0)),
        ("succeeded".to_string(), Value::from(i32::from(succeeded))),
        ("failed".to_string(), Value::from(i32::from(!succeeded))),
        ("conditions".to_string(), Value::Array(conditions)),
    ]);
    if succeeded {
        status.insert("completionTime".to_string(), Value::String(end));
    }
    Value::Object(status)
}

/// Finished investigation `index`, lean: the fields the console reads, nothing more.
fn finished_job(template: &Value, index: usize, now: Timestamp) -> Value {
    let seed = SeedIdentity::of(index);
    let ended = now - SignedDuration::from_secs(random_range(60..7 * 24 * 3600));
    let started = ended - SignedDuration::from_secs(random_range(45..880));
    let created = started - SignedDuration::from_secs(2);
    let succeeded = random_range(0..100) >= 6;
    let text = |t: &str| Value::String(t.to_string());
    let mut job = template.clone();
    let metadata = &mut job["metadata"];
    metadata["name"] = text(&seed.job_name);
    metadata["namespace"] = text(seed.namespace);
    metadata["uid"] = text(&seed.uid);
    metadata["creationTimestamp"] = Value::String(created.to_string());
    let job_labels = &mut metadata["labels"];
    job_labels[labels::INVESTIGATION] = text(&seed.id);
    job_labels[labels::TARGET_NAMESPACE] = text(seed.namespace);
    job_labels[labels::SEVERITY] = text(seed.severity);
    let annotations = &mut metadata["annotations"];
    annotations[labels::VAULT_ACCESSOR] =
        Value::String(format!("hmac-{}", seed.uid.replace('-', "")));
    annotations[labels::TRIGGER] = Value::String(seed.trigger);
    annotations[labels::PHASE] = Value::String(phase_of(seed.namespace).to_string());
    let template_labels = &mut job["spec"]["template"]["metadata"]["labels"];
    template_labels[labels::INVESTIGATION] = text(&seed.id);
    template_labels["job-name"] = Value::String(seed.job_name);
    job["status"] = finished_status(started.to_string(), ended.to_string(), succeeded);
    job
}

/// The phase of `namespace` in the sandbox's world: what its seeded
/// investigations ran under.
fn phase_of(namespace: &str) -> Phase {
    super::world::namespaces()
        .into_iter()
        .find(|(name, _)| *name == namespace)
        .map_or(Phase::Shadow, |(_, policy)| policy.phase)
}

/// A running Job with its pod and a few lines of reasoning.
fn push_running(
    seeded: &mut Seeded,
    inv: &InvestigationRef,
    alert: Alert<'_>,
    uid: &str,
    started: Timestamp,
) {
    let mut job = job::job_manifest(inv, alert, phase_of(&inv.namespace));
    job.metadata.uid = Some(uid.to_string());
    job.metadata.creation_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        started,
    ));
    job.status = Some(job::job_running(started));
    let mut pod = job::pod_manifest(inv, &inv.pod, &job);
    pod.metadata.creation_timestamp = job.metadata.creation_timestamp.clone();
    pod.status = Some(job::pod_running(started));
    for (api_version, kind, object) in [
        ("batch/v1", "Job", serde_json::to_value(&job)),
        ("v1", "Pod", serde_json::to_value(&pod)),
    ] {
        if let Ok(mut object) = object {
            object["apiVersion"] = json!(api_version);
            object["kind"] = json!(kind);
            seeded.objects.push(object);
        }
    }
    let events = [
        EventKind::Text {
            text: format!("sim-agent 0.4.2 starting: investigation {} in {} ({})", inv.id, inv.namespace, alert.trigger),
        },
        EventKind::Thought {
            text: format!("{} fired in {}. Gathering the affected pods and recent events first.", alert.trigger, inv.namespace),
        },
        EventKind::ToolCall {
            id: "call_1".into(),
            tool: "kubectl_get".into(),
            input: json!({"resource": "events", "namespace": inv.namespace, "sort": ".lastTimestamp"}).to_string(),
        },
        EventKind::ToolResult {
            id: "call_1".into(),
            output: "LAST SEEN   TYPE      REASON    OBJECT   MESSAGE\n2m          Warning   BackOff   pod/...  Back-off restarting failed container".into(),
            is_error: false,
        },
        EventKind::Usage {
            input_tokens: 2_140,
            output_tokens: 212,
            cost_usd: 0.009_6,
            total: Some(crate::domain::protocol::UsageTotal {
                input_tokens: 2_140,
                output_tokens: 212,
                cost_usd: 0.009_6,
            }),
        },
    ];
    for (offset, kind) in events.into_iter().enumerate() {
        let ts = started + SignedDuration::from_secs(5 * offset as i64 + 3);
        let line = to_line(&ReasoningEvent { ts: Some(ts), kind });
        seeded
            .log_lines
            .push((inv.namespace.clone(), inv.pod.clone(), line));
    }
}

/// A 7-character suffix that differs for every index (a bijection of the
/// index mod 27^7), so 100,000 ids never collide yet look random.
fn unique_suffix(index: usize) -> String {
    const SPACE: u64 = 27u64.pow(7);
    let mut value = (index as u64).wrapping_mul(2_654_435_761) % SPACE;
    let mut out = [0u8; 7];
    for digit in out.iter_mut().rev() {
        *digit = DIGITS[(value % 27) as usize];
        value /= 27;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A stable UUID-shaped uid for seeded object `index`.
fn uid_for(index: usize) -> String {
    let a = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "5eed{:04x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (a >> 48) & 0xffff,
        (a >> 32) & 0xffff,
        (a >> 20) & 0xfff,
        (a >> 8) & 0xfff,
        index as u64 & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_most_investigations_are_finished() {
        let seeded = seed_objects(5_000, Timestamp::now());
        let jobs: Vec<&Value> = seeded
            .objects
            .iter()
            .filter(|o| o["kind"] == "Job")
            .collect();
        assert_eq!(jobs.len(), 5_000);
        let ids: HashSet<&str> = jobs
            .iter()
            .filter_map(|j| j["metadata"]["labels"][labels::INVESTIGATION].as_str())
            .collect();
        assert_eq!(ids.len(), 5_000);
        let pods = seeded.objects.iter().filter(|o| o["kind"] == "Pod").count();
        assert_eq!(pods, 100, "2% running, each with a pod");
        let finished = jobs
            .iter()
            .filter(|j| j["status"]["completionTime"].is_string() || j["status"]["failed"] == 1)
            .count();
        assert_eq!(finished, 4_900);
        assert!(!seeded.log_lines.is_empty());
    }

    #[test]
    fn seeded_jobs_read_as_investigations() {
        let seeded = seed_objects(20, Timestamp::now());
        for object in seeded.objects.iter().filter(|o| o["kind"] == "Job") {
            let job: k8s_openapi::api::batch::v1::Job =
                serde_json::from_value(object.clone()).expect("a Job");
            let inv = crate::domain::Investigation::from_job(&job).expect("an investigation");
            assert!(!inv.trigger.is_empty());
        }
    }
}
