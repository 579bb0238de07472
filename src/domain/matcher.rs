//! Alertmanager's matcher syntax on alert labels: `name="value"`,
//! `name!="value"`, `name=~"regex"`, `name!~"regex"`. The value may be
//! quoted (with `\"` and `\\` escapes) or bare; a regex is anchored at both
//! ends, as Alertmanager anchors it; a missing label matches as the empty
//! string. Pure: no IO.

use regex::Regex;
use std::collections::BTreeMap;
use std::fmt;

/// How a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    /// `=`: equal.
    Equal,
    /// `!=`: not equal.
    NotEqual,
    /// `=~`: the anchored regex matches.
    Regex,
    /// `!~`: the anchored regex does not match.
    NotRegex,
}

impl MatchOp {
    fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One parsed matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The label name.
    pub name: String,
    /// The comparison.
    pub op: MatchOp,
    /// The value (or the regex as written).
    pub value: String,
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.op.as_str(), self.value)
    }
}

/// Why a matcher does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("matcher `{text}`: {reason}")]
pub struct MatcherError {
    /// The matcher as written.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::str::FromStr for Matcher {
    type Err = MatcherError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| MatcherError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = text.trim();
        let at = trimmed
            .find(['=', '!'])
            .ok_or_else(|| fail("no operator (=, !=, =~, !~)"))?;
        let name = trimmed[..at].trim();
        let rest = &trimmed[at..];
        let (op, value) = if let Some(v) = rest.strip_prefix("=~") {
            (MatchOp::Regex, v)
        } else if let Some(v) = rest.strip_prefix("!~") {
            (MatchOp::NotRegex, v)
        } else if let Some(v) = rest.strip_prefix("!=") {
            (MatchOp::NotEqual, v)
        } else if let Some(v) = rest.strip_prefix('=') {
            (MatchOp::Equal, v)
        } else {
            return Err(fail("no operator (=, !=, =~, !~)"));
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(fail("the label name is not a valid label name"));
        }
        let value = unquote(value.trim()).map_err(|reason| fail(&reason))?;
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| fail(&format!("bad regex: {e}")))?,
            ),
            _ => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value,
            regex,
        })
    }
}

fn unquote(text: &str) -> Result<String, String> {
    let Some(inner) = text.strip_prefix('"') else {
        if text.contains('"') {
            return Err("a stray quote in the value".to_string());
        }
        return Ok(text.to_string());
    };
    let inner = inner
        .strip_suffix('"')
        .ok_or_else(|| "the value's quote is not closed".to_string())?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => return Err("the value ends in a lone backslash".to_string()),
            },
            '"' => return Err("an unescaped quote inside the value".to_string()),
            c => out.push(c),
        }
    }
    Ok(out)
}

impl Matcher {
    /// Whether `labels` satisfy this matcher (a missing label is "").
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.name).map_or("", String::as_str);
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(value),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(value),
            _ => false,
        }
    }
}

/// Parses every matcher; the first that does not parse is the error.
pub fn parse_all(texts: &[String]) -> Result<Vec<Matcher>, MatcherError> {
    texts.iter().map(|t| t.parse()).collect()
}

/// Whether every matcher matches `labels` (no matchers: true).
pub fn all_match(matchers: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn m(text: &str) -> Matcher {
        text.parse().expect(text)
    }

    #[test]
    fn the_four_operators() {
        let alert = labels(&[("alertname", "HighLatency"), ("severity", "critical")]);
        assert!(m(r#"alertname="HighLatency""#).matches(&alert));
        assert!(!m(r#"alertname!="HighLatency""#).matches(&alert));
        assert!(m(r#"severity=~"critical|high""#).matches(&alert));
        assert!(!m(r#"severity!~"crit.*""#).matches(&alert));
        assert!(m("alertname=HighLatency").matches(&alert));
    }

    #[test]
    fn regexes_are_anchored_and_missing_labels_are_empty() {
        let alert = labels(&[("alertname", "HighLatencyP99")]);
        assert!(!m(r#"alertname=~"HighLatency""#).matches(&alert));
        assert!(m(r#"alertname=~"HighLatency.*""#).matches(&alert));
        assert!(m(r#"team="""#).matches(&alert));
        assert!(m(r#"team!~".+""#).matches(&alert));
        assert!(!m(r#"team=~".+""#).matches(&alert));
    }

    #[test]
    fn quoted_values_unescape() {
        let matcher = m(r#"summary="say \"hi\" \\ bye""#);
        assert_eq!(matcher.value, r#"say "hi" \ bye"#);
        assert_eq!(matcher.op, MatchOp::Equal);
        let spaced = m(r#"  alertname  =~  "a|b"  "#);
        assert_eq!(
            (spaced.name.as_str(), spaced.value.as_str()),
            ("alertname", "a|b")
        );
    }

    #[test]
    fn bad_matchers_say_why() {
        for bad in [
            "alertname",
            r#"="x""#,
            r#"1abc="x""#,
            r#"a="x"#,
            r#"a=~"(""#,
            r#"a="x"y""#,
            "a=x\"",
        ] {
            let error = bad.parse::<Matcher>().expect_err(bad);
            assert!(!error.reason.is_empty(), "{bad}");
        }
    }

    #[test]
    fn all_must_match() {
        let alert = labels(&[("alertname", "X"), ("namespace", "payments")]);
        let both = parse_all(&[r#"alertname="X""#.into(), r#"namespace="payments""#.into()])
            .expect("matchers");
        assert!(all_match(&both, &alert));
        let one_off =
            parse_all(&[r#"alertname="X""#.into(), r#"namespace="web""#.into()]).expect("matchers");
        assert!(!all_match(&one_off, &alert));
        assert!(all_match(&[], &alert));
    }
}
