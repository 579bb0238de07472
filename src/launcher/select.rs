//! Which template an alert starts: every template whose matchers all match
//! the alert's labels is a candidate; the highest priority wins, ties by
//! namespace then name. Pure.

use crate::domain::InvestigationTemplateSpec;
use crate::domain::matcher::{Matcher, MatcherError, all_match, parse_all};
use std::collections::BTreeMap;

/// A template with its matchers parsed.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The template's namespace.
    pub namespace: String,
    /// The template's name.
    pub name: String,
    /// Its spec.
    pub spec: InvestigationTemplateSpec,
    /// Its matchers, parsed.
    pub matchers: Vec<Matcher>,
}

impl Compiled {
    /// Parses the spec's matchers; a template with a bad matcher is refused
    /// (it would match more than its author meant).
    pub fn new(
        namespace: &str,
        name: &str,
        spec: InvestigationTemplateSpec,
    ) -> Result<Compiled, MatcherError> {
        Ok(Compiled {
            matchers: parse_all(&spec.matchers)?,
            namespace: namespace.to_string(),
            name: name.to_string(),
            spec,
        })
    }

    /// `namespace/name`.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// The template `labels` start, if any.
pub fn select<'a>(
    templates: impl IntoIterator<Item = &'a Compiled>,
    labels: &BTreeMap<String, String>,
) -> Option<&'a Compiled> {
    templates
        .into_iter()
        .filter(|t| all_match(&t.matchers, labels))
        .min_by(|a, b| {
            b.spec
                .priority
                .cmp(&a.spec.priority)
                .then_with(|| a.namespace.cmp(&b.namespace))
                .then_with(|| a.name.cmp(&b.name))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(namespace: &str, name: &str, priority: i32, matchers: &[&str]) -> Compiled {
        let spec = serde_json::from_value(json!({
            "matchers": matchers, "priority": priority, "job": {"image": "agent:1"}
        }))
        .expect("spec");
        Compiled::new(namespace, name, spec).expect("matchers")
    }

    #[test]
    fn the_highest_priority_match_wins_ties_by_name() {
        let templates = [
            template("ops", "any", 0, &[]),
            template("ops", "latency", 10, &[r#"alertname="HighLatency""#]),
            template("ops", "b-critical", 5, &[r#"severity="critical""#]),
            template("ops", "a-critical", 5, &[r#"severity="critical""#]),
        ];
        let labels = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let pick = |l: &BTreeMap<String, String>| select(&templates, l).map(|t| t.name.clone());
        assert_eq!(
            pick(&labels(&[
                ("alertname", "HighLatency"),
                ("severity", "critical")
            ])),
            Some("latency".into())
        );
        assert_eq!(
            pick(&labels(&[
                ("alertname", "DiskFull"),
                ("severity", "critical")
            ])),
            Some("a-critical".into())
        );
        assert_eq!(
            pick(&labels(&[("alertname", "DiskFull")])),
            Some("any".into())
        );
        assert_eq!(
            select(&templates[1..2], &labels(&[("alertname", "X")])).map(|t| &t.name),
            None
        );
    }

    #[test]
    fn a_bad_matcher_refuses_the_template() {
        let spec = serde_json::from_value(
            json!({"matchers": ["alertname=~\"(\""], "job": {"image": "a"}}),
        )
        .expect("spec");
        assert!(Compiled::new("ops", "bad", spec).is_err());
    }
}
