//! The job controller's clocks: a Job running past `activeDeadlineSeconds`
//! fails with `DeadlineExceeded` (its running Pods are marked failed), and a
//! finished Job is deleted, with what it owns, `ttlSecondsAfterFinished`
//! after it finished. Only the Jobs the store scheduled for now are read.

use super::World;
use super::events::{self, Source};
use crate::sandbox::api::gc::{self, Propagation};
use crate::sandbox::api::job_timers::{Due, next_due};
use crate::sandbox::api::resource::{JOBS, PODS};
use serde_json::{Value, json};

/// What a Job that ran out of time says.
const DEADLINE_MESSAGE: &str = "Job was active longer than specified deadline";

/// Handles the Jobs whose deadline or TTL has come.
pub(super) fn reconcile(world: &mut World<'_>) {
    let now = world.now.as_second();
    for key in world.state.job_timers.pop_due(now) {
        let Some(job) = world.state.get(JOBS, &key) else {
            continue;
        };
        match next_due(&job) {
            Some((at, Due::Deadline)) if at <= now => fail(world, &job),
            Some((at, Due::Expired)) if at <= now => {
                let deleted = gc::delete(world.state, JOBS, &key, Propagation::Background);
                for (resource, object) in deleted {
                    if resource == PODS {
                        world
                            .removed_pods
                            .push(crate::sandbox::api::object::key(&object));
                    }
                }
            }
            // Not yet (the entry was stale): keep it scheduled.
            Some(_) => world.state.job_timers.schedule(&key, &job),
            None => {}
        }
    }
}

fn failed_condition(kind: &str, now: &str) -> Value {
    json!({
        "type": kind,
        "status": "True",
        "reason": "DeadlineExceeded",
        "message": DEADLINE_MESSAGE,
        "lastProbeTime": now,
        "lastTransitionTime": now,
    })
}

fn fail(world: &mut World<'_>, job: &Value) {
    let now = world.now_text();
    let mut failed_pods = 0;
    for pod in world.owned(job, PODS) {
        let phase = pod.pointer("/status/phase").and_then(Value::as_str);
        if matches!(phase, Some("Succeeded" | "Failed")) {
            continue;
        }
        let mut stopped = (*pod).clone();
        stopped["status"]["phase"] = json!("Failed");
        stopped["status"]["reason"] = json!("DeadlineExceeded");
        stopped["status"]["message"] =
            json!("Pod was active on the node longer than the specified deadline");
        if let Some(Value::Array(statuses)) = stopped.pointer_mut("/status/containerStatuses") {
            for status in statuses {
                let started = status.pointer("/state/running/startedAt").cloned();
                status["ready"] = json!(false);
                status["started"] = json!(false);
                status["state"] = json!({"terminated": {
                    "exitCode": 137, "reason": "Error",
                    "startedAt": started, "finishedAt": now,
                }});
            }
        }
        world.state.put(PODS, stopped);
        failed_pods += 1;
    }
    let mut new = job.clone();
    let status = crate::sandbox::api::object::ensure_map(&mut new["status"]);
    let failed = status.get("failed").and_then(Value::as_i64).unwrap_or(0) + failed_pods;
    status.insert("failed".into(), json!(failed));
    status.insert("active".into(), json!(0));
    status.insert("ready".into(), json!(0));
    status.insert("terminating".into(), json!(0));
    let conditions = status.entry("conditions").or_insert(json!([]));
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    if let Value::Array(list) = conditions {
        list.retain(|c| !matches!(c["type"].as_str(), Some("FailureTarget" | "Failed")));
        list.push(failed_condition("FailureTarget", &now));
        list.push(failed_condition("Failed", &now));
    }
    world.state.put(JOBS, new);
    events::record(
        world,
        job,
        Source::Job,
        "Warning",
        "DeadlineExceeded",
        DEADLINE_MESSAGE,
    );
}
