//! The scenario scripts, one incident a file.

mod certificate;
mod crashloop;
mod firewall;
mod oomkilled;
mod rollout;

use super::script::Scenario;

/// Every scenario, in the order the sandbox first starts them.
pub static ALL: [&Scenario; 5] = [
    &firewall::SCENARIO,
    &oomkilled::SCENARIO,
    &rollout::SCENARIO,
    &crashloop::SCENARIO,
    &certificate::SCENARIO,
];

/// The scenario with this key (`firewall`, `oomkilled`, `rollout`, `crashloop`, `certificate`).
pub fn by_key(key: &str) -> Option<&'static Scenario> {
    ALL.iter().copied().find(|s| s.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::agents::script::{Plan, Step, fill};
    use std::collections::HashSet;

    fn plans(first: &'static Plan) -> Vec<&'static Plan> {
        let mut out = vec![first];
        let mut index = 0;
        while let Some(plan) = out.get(index).copied() {
            out.extend(plan.then.iter().chain(plan.revision.iter()).copied());
            index += 1;
        }
        out
    }

    fn steps(scenario: &'static Scenario) -> Vec<Step> {
        let mut all = scenario.investigate.to_vec();
        for plan in plans(scenario.plan) {
            all.extend_from_slice(plan.verify);
        }
        all
    }

    #[test]
    fn keys_are_unique_and_span_three_namespaces() {
        let keys: HashSet<&str> = ALL.iter().map(|s| s.key).collect();
        assert_eq!(keys.len(), ALL.len());
        let homes: HashSet<&str> = ALL.iter().map(|s| s.home_namespace).collect();
        assert!(homes.len() >= 3);
        assert!(by_key("firewall").is_some() && by_key("nope").is_none());
    }

    #[test]
    fn tool_inputs_and_patches_are_json_and_previews_are_diffs() {
        for scenario in ALL {
            for step in steps(scenario) {
                if let Step::Tool { input, .. } = step {
                    let input = fill(input, "payments");
                    assert!(
                        serde_json::from_str::<serde_json::Value>(&input).is_ok(),
                        "{}: {input}",
                        scenario.key
                    );
                }
            }
            for plan in plans(scenario.plan) {
                assert!(
                    plan.diff.starts_with("--- "),
                    "{}: {}",
                    scenario.key,
                    plan.summary
                );
                assert!(serde_saphyr::from_str::<serde_json::Value>(plan.dry_run).is_ok());
                for action in std::iter::once(plan.action).chain(plan.rollback) {
                    if let Some(patch) = action.patch {
                        assert!(
                            serde_json::from_str::<serde_json::Value>(patch).is_ok(),
                            "{patch}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_two_am_story_shifts_from_database_to_network() {
        let story = by_key("firewall").expect("the firewall scenario");
        let hypotheses: Vec<(&str, f64)> = story
            .investigate
            .iter()
            .filter_map(|s| match s {
                Step::Hypothesis(text, confidence) => Some((*text, *confidence)),
                _ => None,
            })
            .collect();
        let first = hypotheses.first().expect("a first hypothesis");
        let last = hypotheses.last().expect("a last hypothesis");
        assert!(first.0.contains("database"));
        assert!(last.0.contains("NET-4471") && last.1 > first.1);
        assert!(story.plan.risk >= crate::domain::Risk::High);
    }
}
