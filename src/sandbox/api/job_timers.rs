//! When each Job next needs the job controller: a running Job at the end of
//! its `activeDeadlineSeconds`, a finished one at the end of its
//! `ttlSecondsAfterFinished`. The store schedules a Job on every write, so
//! the controller pops only what is due instead of scanning 100,000 Jobs.

use super::object::ObjectKey;
use jiff::Timestamp;
use serde_json::Value;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What is due for a Job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// It ran past `activeDeadlineSeconds`: it fails with `DeadlineExceeded`.
    Deadline,
    /// It finished more than `ttlSecondsAfterFinished` ago: it is deleted.
    Expired,
}

/// Jobs by the second (Unix time) something is due for them. An entry may be
/// stale (the Job changed or went away): the controller checks again.
#[derive(Debug, Default)]
pub(crate) struct JobTimers {
    heap: BinaryHeap<Reverse<(i64, ObjectKey)>>,
}

impl JobTimers {
    /// Schedules `job` (stored under `key`) when something will be due for it.
    pub fn schedule(&mut self, key: &ObjectKey, job: &Value) {
        if let Some((at, _)) = next_due(job) {
            self.heap.push(Reverse((at, key.clone())));
        }
    }

    /// The Jobs something was scheduled for at or before `now` (each once).
    pub fn pop_due(&mut self, now: i64) -> Vec<ObjectKey> {
        let mut due = Vec::new();
        while let Some(Reverse((at, _))) = self.heap.peek() {
            if *at > now {
                break;
            }
            if let Some(Reverse((_, key))) = self.heap.pop()
                && due.last() != Some(&key)
            {
                due.push(key);
            }
        }
        due.sort();
        due.dedup();
        due
    }
}

fn seconds(job: &Value, pointer: &str) -> Option<i64> {
    job.pointer(pointer).and_then(Value::as_i64)
}

fn time(value: Option<&Value>) -> Option<i64> {
    value
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(jiff::Timestamp::as_second)
}

/// When the Job finished (`Complete` or `Failed` is True), if it did.
pub(crate) fn finished_at(job: &Value) -> Option<i64> {
    let conditions = job.pointer("/status/conditions")?.as_array()?;
    let finished = conditions.iter().find(|c| {
        matches!(
            c.get("type").and_then(Value::as_str),
            Some("Complete" | "Failed")
        ) && c.get("status").and_then(Value::as_str) == Some("True")
    })?;
    time(job.pointer("/status/completionTime"))
        .or_else(|| time(finished.get("lastTransitionTime")))
        .or_else(|| time(job.pointer("/metadata/creationTimestamp")))
}

/// When the next thing is due for `job`, and what: the end of its TTL once
/// finished; the end of its active deadline while it runs (not suspended).
pub(crate) fn next_due(job: &Value) -> Option<(i64, Due)> {
    if let Some(finished) = finished_at(job) {
        let ttl = seconds(job, "/spec/ttlSecondsAfterFinished")?;
        return Some((finished.saturating_add(ttl), Due::Expired));
    }
    let deadline = seconds(job, "/spec/activeDeadlineSeconds")?;
    if job.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let started = time(job.pointer("/status/startTime"))?;
    Some((started.saturating_add(deadline), Due::Deadline))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn running_jobs_are_due_at_their_deadline_and_finished_ones_at_their_ttl() {
        let running = json!({"spec": {"activeDeadlineSeconds": 60, "ttlSecondsAfterFinished": 10},
            "status": {"startTime": "2026-01-01T00:00:00Z"}});
        let start = Timestamp::from_second(1_767_225_600)
            .ok()
            .map(jiff::Timestamp::as_second);
        assert_eq!(next_due(&running), start.map(|s| (s + 60, Due::Deadline)));
        let finished = json!({"spec": {"activeDeadlineSeconds": 60, "ttlSecondsAfterFinished": 10},
            "status": {"completionTime": "2026-01-01T00:00:30Z",
                "conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(next_due(&finished), start.map(|s| (s + 40, Due::Expired)));
        let suspended = json!({"spec": {"activeDeadlineSeconds": 60, "suspend": true},
            "status": {"startTime": "2026-01-01T00:00:00Z"}});
        assert_eq!(next_due(&suspended), None);
    }

    #[test]
    fn only_what_is_due_is_popped() {
        let mut timers = JobTimers::default();
        let job = |start: &str| json!({"spec": {"activeDeadlineSeconds": 1}, "status": {"startTime": start}});
        timers.schedule(&ObjectKey::new("p", "a"), &job("2026-01-01T00:00:00Z"));
        timers.schedule(&ObjectKey::new("p", "a"), &job("2026-01-01T00:00:00Z"));
        timers.schedule(&ObjectKey::new("p", "b"), &job("2027-01-01T00:00:00Z"));
        let now = 1_767_225_700;
        assert_eq!(timers.pop_due(now), vec![ObjectKey::new("p", "a")]);
        assert!(timers.pop_due(now).is_empty());
    }
}
