//! Who runs now, and why the others wait: the admission decision over the
//! queued Jobs. Pure.
//!
//! Queued Jobs are taken in the queue order
//! ([`crate::domain::queue::compare`]). A Job with an operator's
//! admit-override is admitted at once, past every cap and even in a halted
//! namespace (the override is explicit and recorded). Otherwise a Job waits
//! when its namespace is halted, when the cluster runs the global cap, or
//! when its namespace runs its TrustPolicy's `maxConcurrentInvestigations`
//! (the reason names the first of these that holds: while the cluster is
//! full every reason reads the same, so a place freed and taken again does
//! not rewrite every queued Job's reason); each admission counts toward the
//! caps of the Jobs after it. A Job blocked by its own namespace does not
//! hold back Jobs of other namespaces.

use crate::domain::queue::{QueueKey, compare};
use std::collections::HashMap;

/// One queued Job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its namespace (the target namespace).
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its place in the order.
    pub order: QueueKey,
    /// Whether an operator asked to admit it now.
    pub overridden: bool,
}

/// What a namespace allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceRule {
    /// Its TrustPolicy's `maxConcurrentInvestigations`.
    pub cap: u32,
    /// Whether it is halted.
    pub halted: bool,
}

/// The decision for one queued Job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Admit it now.
    Admit {
        /// By an operator's override (past the caps).
        overridden: bool,
    },
    /// It waits, for this reason (the `kubevigil.io/queue-reason` text).
    Wait(String),
}

/// Decides every candidate: in admission order, each with its verdict.
/// `running` counts the running investigations per namespace; `rule` gives
/// a namespace's cap and halt; `global_cap` bounds the cluster.
pub fn decide(
    mut candidates: Vec<Candidate>,
    running: &HashMap<String, u32>,
    rule: impl Fn(&str) -> NamespaceRule,
    global_cap: u32,
) -> Vec<(Candidate, Verdict)> {
    candidates.sort_by(|a, b| {
        b.overridden
            .cmp(&a.overridden)
            .then_with(|| compare(&a.order, &b.order))
    });
    let mut running = running.clone();
    let mut total: u32 = running.values().sum();
    let mut out = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let rule = rule(&candidate.namespace);
        let here = running.get(&candidate.namespace).copied().unwrap_or(0);
        let verdict = if candidate.overridden {
            Verdict::Admit { overridden: true }
        } else if rule.halted {
            Verdict::Wait(format!("namespace {} halted", candidate.namespace))
        } else if total >= global_cap {
            Verdict::Wait(format!("cluster at {total}/{global_cap}"))
        } else if here >= rule.cap {
            Verdict::Wait(format!(
                "namespace {} at {here}/{}",
                candidate.namespace, rule.cap
            ))
        } else {
            Verdict::Admit { overridden: false }
        };
        if matches!(verdict, Verdict::Admit { .. }) {
            *running.entry(candidate.namespace.clone()).or_default() += 1;
            total += 1;
        }
        out.push((candidate, verdict));
    }
    out
}

/// The reason a new Job in `namespace` would wait right now, or `None`
/// when there is room (used for the first `queue-reason` of a new Job).
pub fn reason_now(
    namespace: &str,
    running: &HashMap<String, u32>,
    rule: NamespaceRule,
    global_cap: u32,
) -> Option<String> {
    let candidate = Candidate {
        namespace: namespace.to_string(),
        name: String::new(),
        order: QueueKey {
            bumped_at: None,
            severity: 0,
            created: None,
            name: String::new(),
            namespace: namespace.to_string(),
        },
        overridden: false,
    };
    match decide(vec![candidate], running, |_| rule, global_cap).pop() {
        Some((_, Verdict::Wait(reason))) => Some(reason),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::queue::severity_rank;

    fn candidate(namespace: &str, name: &str, severity: &str, minute: i64) -> Candidate {
        Candidate {
            namespace: namespace.into(),
            name: name.into(),
            order: QueueKey {
                bumped_at: None,
                severity: severity_rank(severity),
                created: jiff::Timestamp::from_second(1_800_000_000 + minute * 60).ok(),
                name: name.into(),
                namespace: namespace.into(),
            },
            overridden: false,
        }
    }

    fn rules(namespace: &str) -> NamespaceRule {
        match namespace {
            "halted" => NamespaceRule {
                cap: 5,
                halted: true,
            },
            "small" => NamespaceRule {
                cap: 1,
                halted: false,
            },
            _ => NamespaceRule {
                cap: 5,
                halted: false,
            },
        }
    }

    fn verdicts(out: &[(Candidate, Verdict)]) -> Vec<(String, Verdict)> {
        out.iter()
            .map(|(c, v)| (c.name.clone(), v.clone()))
            .collect()
    }

    #[test]
    fn severity_then_age_fill_the_global_cap() {
        let out = decide(
            vec![
                candidate("web", "old-warning", "warning", 0),
                candidate("web", "new-critical", "critical", 5),
                candidate("web", "info", "info", 1),
            ],
            &HashMap::from([("other".to_string(), 1)]),
            rules,
            3,
        );
        assert_eq!(
            verdicts(&out),
            [
                ("new-critical".into(), Verdict::Admit { overridden: false }),
                ("old-warning".into(), Verdict::Admit { overridden: false }),
                ("info".into(), Verdict::Wait("cluster at 3/3".into())),
            ]
        );
    }

    #[test]
    fn a_full_namespace_does_not_block_another() {
        let out = decide(
            vec![
                candidate("small", "first", "critical", 0),
                candidate("small", "second", "critical", 1),
                candidate("web", "third", "info", 2),
            ],
            &HashMap::new(),
            rules,
            20,
        );
        assert_eq!(
            verdicts(&out),
            [
                ("first".into(), Verdict::Admit { overridden: false }),
                (
                    "second".into(),
                    Verdict::Wait("namespace small at 1/1".into())
                ),
                ("third".into(), Verdict::Admit { overridden: false }),
            ]
        );
    }

    #[test]
    fn halted_namespaces_queue_and_overrides_pass_everything() {
        let mut forced = candidate("halted", "forced", "info", 9);
        forced.overridden = true;
        let out = decide(
            vec![candidate("halted", "held", "critical", 0), forced],
            &HashMap::from([("web".to_string(), 2)]),
            rules,
            2,
        );
        assert_eq!(
            verdicts(&out),
            [
                ("forced".into(), Verdict::Admit { overridden: true }),
                (
                    "held".into(),
                    Verdict::Wait("namespace halted halted".into())
                ),
            ]
        );
        assert_eq!(
            reason_now(
                "web",
                &HashMap::from([("web".to_string(), 5)]),
                rules("web"),
                20
            ),
            Some("namespace web at 5/5".into())
        );
        assert_eq!(reason_now("web", &HashMap::new(), rules("web"), 20), None);
    }
}
