//! Label selectors (`=`, `==`, `!=`, `in`, `notin`, exists, `!` not exists) and
//! field selectors (`=`, `==`, `!=` on dotted paths such as `involvedObject.name`).

use serde_json::Value;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LabelRequirement {
    /// The label has this value.
    Equals(String, String),
    /// The label is absent or has another value.
    NotEquals(String, String),
    /// The label has one of these values.
    In(String, Vec<String>),
    /// The label is absent or has none of these values.
    NotIn(String, Vec<String>),
    /// The label is present.
    Exists(String),
    /// The label is absent.
    NotExists(String),
    /// The label is an integer greater than this.
    GreaterThan(String, i64),
    /// The label is an integer less than this.
    LessThan(String, i64),
}

/// A parsed label selector: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct LabelSelector(pub Vec<LabelRequirement>);

/// One requirement of a field selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldRequirement {
    /// Dotted path, such as `metadata.name`.
    pub path: String,
    /// The value compared with.
    pub value: String,
    /// Whether the field must differ (`!=`) rather than equal.
    pub negated: bool,
}

/// A parsed field selector: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FieldSelector(pub Vec<FieldRequirement>);

/// Splits on commas outside parentheses.
fn split_terms(selector: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&selector[start..]);
    terms
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn valid_key(key: &str) -> Result<String, String> {
    let ok = !key.is_empty()
        && key.len() <= 316
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok {
        Ok(key.to_string())
    } else {
        Err(format!("invalid label key {key:?}"))
    }
}

fn valid_value(value: &str) -> Result<String, String> {
    let ok = value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(value.to_string())
    } else {
        Err(format!("invalid label value {value:?}"))
    }
}

fn parse_term(term: &str) -> Result<LabelRequirement, String> {
    if let Some(key) = term.strip_prefix('!') {
        return Ok(LabelRequirement::NotExists(valid_key(key.trim())?));
    }
    if let Some((key, value)) = term.split_once("!=") {
        return Ok(LabelRequirement::NotEquals(
            valid_key(key.trim())?,
            valid_value(value.trim())?,
        ));
    }
    if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok(LabelRequirement::Equals(
            valid_key(key.trim())?,
            valid_value(value.trim())?,
        ));
    }
    if let Some(open) = term.find('(') {
        let mut head = term[..open].split_whitespace();
        let (Some(key), Some(op), None) = (head.next(), head.next(), head.next()) else {
            return Err(format!("unable to parse requirement: {term:?}"));
        };
        let Some(inner) = term[open + 1..].trim_end().strip_suffix(')') else {
            return Err(format!(
                "unable to parse requirement: missing ')' in {term:?}"
            ));
        };
        let values = inner
            .split(',')
            .map(|v| valid_value(v.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        let key = valid_key(key)?;
        return match op {
            "in" => Ok(LabelRequirement::In(key, values)),
            "notin" => Ok(LabelRequirement::NotIn(key, values)),
            other => Err(format!("unknown operator {other:?} in {term:?}")),
        };
    }
    for (symbol, greater) in [('>', true), ('<', false)] {
        if let Some((key, value)) = term.split_once(symbol) {
            let number = value
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("{value:?} is not an integer in {term:?}"))?;
            let key = valid_key(key.trim())?;
            return Ok(if greater {
                LabelRequirement::GreaterThan(key, number)
            } else {
                LabelRequirement::LessThan(key, number)
            });
        }
    }
    Ok(LabelRequirement::Exists(valid_key(term)?))
}

impl LabelSelector {
    /// Parses `app=x,tier in (a,b),!legacy`; an empty string selects everything.
    pub fn parse(selector: &str) -> Result<Self, String> {
        split_terms(selector)
            .into_iter()
            .map(parse_term)
            .collect::<Result<Vec<_>, _>>()
            .map(LabelSelector)
    }

    /// Whether the object's labels satisfy every requirement.
    pub fn matches(&self, object: &Value) -> bool {
        let labels = object.get("metadata").and_then(|m| m.get("labels"));
        let get = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.0.iter().all(|requirement| match requirement {
            LabelRequirement::Equals(k, v) => get(k) == Some(v.as_str()),
            LabelRequirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            LabelRequirement::In(k, vs) => get(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelRequirement::NotIn(k, vs) => !get(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelRequirement::Exists(k) => get(k).is_some(),
            LabelRequirement::NotExists(k) => get(k).is_none(),
            LabelRequirement::GreaterThan(k, n) => get(k)
                .and_then(|l| l.parse::<i64>().ok())
                .is_some_and(|l| l > *n),
            LabelRequirement::LessThan(k, n) => get(k)
                .and_then(|l| l.parse::<i64>().ok())
                .is_some_and(|l| l < *n),
        })
    }
}

/// The field at a dotted path as a selector compares it: strings as they are,
/// numbers and booleans as text, anything missing as the empty string.
pub(crate) fn field_text(object: &Value, path: &str) -> String {
    let mut current = object;
    for part in path.split('.') {
        match current.get(part) {
            Some(next) => current = next,
            None => return String::new(),
        }
    }
    match current {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

impl FieldSelector {
    /// Parses `metadata.name=x,status.phase!=Running`; empty selects everything.
    pub fn parse(selector: &str) -> Result<Self, String> {
        split_terms(selector)
            .into_iter()
            .map(|term| {
                let (path, value, negated) = if let Some((p, v)) = term.split_once("!=") {
                    (p, v, true)
                } else if let Some((p, v)) = term.split_once("==").or_else(|| term.split_once('='))
                {
                    (p, v, false)
                } else {
                    return Err(format!("invalid field selector term {term:?}"));
                };
                let path = path.trim();
                if path.is_empty() {
                    return Err(format!("invalid field selector term {term:?}"));
                }
                Ok(FieldRequirement {
                    path: path.to_string(),
                    value: value.trim().to_string(),
                    negated,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(FieldSelector)
    }

    /// Whether the object satisfies every requirement.
    pub fn matches(&self, object: &Value) -> bool {
        self.0
            .iter()
            .all(|r| (field_text(object, &r.path) == r.value) != r.negated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labelled(labels: Value) -> Value {
        json!({"metadata": {"name": "x", "labels": labels}})
    }

    #[test]
    fn parses_every_operator() {
        let selector =
            LabelSelector::parse("a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g,h>4").unwrap();
        assert_eq!(
            selector.0,
            vec![
                LabelRequirement::Equals("a".into(), "1".into()),
                LabelRequirement::Equals("b".into(), "2".into()),
                LabelRequirement::NotEquals("c".into(), "3".into()),
                LabelRequirement::In("d".into(), vec!["x".into(), "y".into()]),
                LabelRequirement::NotIn("e".into(), vec!["z".into()]),
                LabelRequirement::Exists("f".into()),
                LabelRequirement::NotExists("g".into()),
                LabelRequirement::GreaterThan("h".into(), 4),
            ]
        );
    }

    #[test]
    fn prefixed_keys_and_empty_values_parse() {
        let selector =
            LabelSelector::parse("kubevigil.io/investigation,kubevigil.io/severity=").unwrap();
        assert_eq!(selector.0.len(), 2);
        assert!(selector.matches(&labelled(
            json!({"kubevigil.io/investigation": "i", "kubevigil.io/severity": ""})
        )));
    }

    #[test]
    fn malformed_selectors_are_refused() {
        assert!(LabelSelector::parse("a in (x").is_err());
        assert!(LabelSelector::parse("a within (x)").is_err());
        assert!(LabelSelector::parse("a=b c").is_err());
        assert!(FieldSelector::parse("nonsense").is_err());
    }

    #[test]
    fn negative_operators_match_objects_without_the_label() {
        let bare = labelled(json!({}));
        assert!(LabelSelector::parse("a!=1").unwrap().matches(&bare));
        assert!(LabelSelector::parse("a notin (1)").unwrap().matches(&bare));
        assert!(!LabelSelector::parse("a in (1)").unwrap().matches(&bare));
        assert!(!LabelSelector::parse("a").unwrap().matches(&bare));
        assert!(LabelSelector::parse("!a").unwrap().matches(&bare));
    }

    #[test]
    fn set_operators_compare_values() {
        let object = labelled(json!({"tier": "web"}));
        assert!(
            LabelSelector::parse("tier in (db,web)")
                .unwrap()
                .matches(&object)
        );
        assert!(
            !LabelSelector::parse("tier notin (db,web)")
                .unwrap()
                .matches(&object)
        );
        assert!(!LabelSelector::parse("tier!=web").unwrap().matches(&object));
    }

    #[test]
    fn field_selectors_follow_dotted_paths() {
        let event = json!({"metadata": {"name": "e", "namespace": "p"}, "involvedObject": {"name": "job-1", "kind": "Job"}, "count": 3});
        assert!(
            FieldSelector::parse("involvedObject.name=job-1,involvedObject.kind==Job")
                .unwrap()
                .matches(&event)
        );
        assert!(
            FieldSelector::parse("metadata.namespace!=q,count=3")
                .unwrap()
                .matches(&event)
        );
        assert!(
            !FieldSelector::parse("involvedObject.uid=u")
                .unwrap()
                .matches(&event)
        );
        assert!(
            FieldSelector::parse("involvedObject.uid=")
                .unwrap()
                .matches(&event)
        );
    }
}
