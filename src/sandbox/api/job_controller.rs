//! A minimal Job controller: a suspended Job reports `Suspended=True` and no
//! active pods; a resumed Job reports `Suspended=False` and its `startTime`
//! starts again (so `activeDeadlineSeconds` counts from the resume, as in
//! Kubernetes; the deadline itself is in `controllers::jobs`). It runs inside the
//! write that changes `spec.suspend`, so the change and its status land in
//! one revision. Pods are not created, deleted or counted.

use super::object;
use serde_json::{Value, json};

/// Brings a Job's status in line with `spec.suspend`.
pub(crate) fn reconcile(job: &mut Value) {
    let suspended = job
        .get("spec")
        .and_then(|s| s.get("suspend"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let current = suspended_condition(job);
    match (suspended, current.as_deref()) {
        (true, Some("True")) | (false, None | Some("False")) => {}
        (true, _) => {
            set_condition(job, "True", "JobSuspended", "Job suspended");
            let status = object::ensure_map(&mut job["status"]);
            status.insert("active".into(), json!(0));
        }
        (false, Some(_)) => {
            set_condition(job, "False", "JobResumed", "Job resumed");
            let status = object::ensure_map(&mut job["status"]);
            if status.contains_key("startTime") {
                status.insert("startTime".into(), json!(object::now_rfc3339()));
            }
        }
    }
}

fn suspended_condition(job: &Value) -> Option<String> {
    job.get("status")?
        .get("conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Suspended"))
        .and_then(|c| c.get("status").and_then(Value::as_str))
        .map(str::to_string)
}

fn set_condition(job: &mut Value, status: &str, reason: &str, message: &str) {
    let now = object::now_rfc3339();
    let condition = json!({
        "type": "Suspended",
        "status": status,
        "reason": reason,
        "message": message,
        "lastProbeTime": now,
        "lastTransitionTime": now,
    });
    let status_map = object::ensure_map(&mut job["status"]);
    let conditions = status_map.entry("conditions").or_insert_with(|| json!([]));
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    if let Value::Array(list) = conditions {
        list.retain(|c| c.get("type").and_then(Value::as_str) != Some("Suspended"));
        list.push(condition);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspending_sets_the_condition_and_zero_active() {
        let mut job = json!({"spec": {"suspend": true}, "status": {"active": 1}});
        reconcile(&mut job);
        assert_eq!(job["status"]["active"], 0);
        assert_eq!(job["status"]["conditions"][0]["type"], "Suspended");
        assert_eq!(job["status"]["conditions"][0]["status"], "True");
    }

    #[test]
    fn resuming_flips_the_condition_and_running_jobs_are_untouched() {
        let mut job = json!({"spec": {"suspend": true}});
        reconcile(&mut job);
        job["spec"]["suspend"] = json!(false);
        reconcile(&mut job);
        assert_eq!(job["status"]["conditions"][0]["status"], "False");
        let mut running = json!({"spec": {}, "status": {"active": 1}});
        reconcile(&mut running);
        assert_eq!(running, json!({"spec": {}, "status": {"active": 1}}));
    }
}
