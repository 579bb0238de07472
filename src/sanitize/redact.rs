//! Redaction of likely secrets in agent output.
//!
//! A [`Redactor`] holds the built-in patterns plus any the user adds. Every
//! match becomes `[REDACTED:<kind>]`. When a pattern has a capture group named
//! `secret`, only that group is replaced, so context such as `password=` or
//! `Authorization: Bearer` stays readable. One [`RegexSet`] scan decides which
//! patterns apply; a line without any candidate is returned borrowed.
//!
//! Redaction is line-local: a PEM key printed over several lines is redacted
//! from its `BEGIN` line to the end of that line (or to its `END` line when
//! both are in the text given), not in the lines that follow.

use regex::{Captures, Regex, RegexSet, RegexSetBuilder};
use std::borrow::Cow;
use std::ops::Range;

/// Why user-supplied redaction patterns were refused.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    /// A pattern is not a valid regular expression.
    #[error("redaction pattern #{number} {pattern:?} is not a valid regular expression: {reason}")]
    InvalidPattern {
        /// Position of the pattern in the user's list, from 1.
        number: usize,
        /// The pattern as given.
        pattern: String,
        /// What the regex compiler said.
        reason: String,
    },
    /// A pattern matches the empty string, so it would redact everywhere.
    #[error(
        "redaction pattern #{number} {pattern:?} matches the empty string; \
         it would redact between every character"
    )]
    MatchesEmpty {
        /// Position of the pattern in the user's list, from 1.
        number: usize,
        /// The pattern as given.
        pattern: String,
    },
    /// The patterns are valid one by one but too large to compile together.
    #[error("redaction patterns are too large to compile together: {0}")]
    TooLarge(String),
}

impl From<RedactError> for crate::Error {
    fn from(error: RedactError) -> Self {
        crate::Error::Invalid {
            field: "redaction patterns".into(),
            reason: error.to_string(),
        }
    }
}

/// How a rule decides whether a match really is a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    /// Every match is redacted.
    Always,
    /// `bearer x`: redacted after an `Authorization` header, otherwise only
    /// when the word looks like a token (so "bearer authentication" stays).
    Bearer,
    /// `key=value`: quotes kept, YAML keys and empty values left alone, kind
    /// named after the key.
    KeyValue,
}

/// The built-in rules, applied in this order: (kind, pattern, filter).
/// `\b` is made ASCII-only when compiled, which keeps matching on the fast
/// DFA engines for non-ASCII text.
const BUILT_IN: &[(&str, &str, Filter)] = &[
    (
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?s:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*)",
        Filter::Always,
    ),
    (
        "url-credentials",
        r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]*:(?P<secret>[^/\s@]+)@",
        Filter::Always,
    ),
    (
        "docker-auth",
        r#""auth"\s*:\s*"(?P<secret>[^"]+)""#,
        Filter::Always,
    ),
    (
        "bearer",
        r#"(?i)(?P<header>authorization\s*[:=]\s*["']?\s*)?\bbearer\s+(?P<secret>[A-Za-z0-9\-._~+/]+=*)"#,
        Filter::Bearer,
    ),
    (
        "basic-auth",
        r#"(?i)\bauthorization\s*[:=]\s*["']?\s*basic\s+(?P<secret>[A-Za-z0-9+/]+=*)"#,
        Filter::Always,
    ),
    (
        "jwt",
        r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        Filter::Always,
    ),
    (
        "vault-token",
        r"\b(?:hv[sbr]\.[A-Za-z0-9_-]{20,}|[sbr]\.[A-Za-z0-9]{24,}\b)",
        Filter::Always,
    ),
    (
        "aws-access-key",
        r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
        Filter::Always,
    ),
    ("gcp-api-key", r"\bAIza[0-9A-Za-z_-]{35}", Filter::Always),
    (
        "github-token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
        Filter::Always,
    ),
    (
        "gitlab-token",
        r"\bglpat-[A-Za-z0-9_-]{20,}",
        Filter::Always,
    ),
    (
        "slack-token",
        r"\bxox[abeprs]-[A-Za-z0-9-]{10,}",
        Filter::Always,
    ),
    (
        "slack-webhook",
        r"(?i)hooks\.slack\.com/services/(?P<secret>[A-Za-z0-9/_-]+)",
        Filter::Always,
    ),
    (
        "api-key",
        r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{32,}",
        Filter::Always,
    ),
    (
        "key-value",
        r#"(?i)(?P<key>[a-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|credentials?))["']?\s*[:=]\s*(?P<secret>"[^"]*"|'[^']*'|[^\s,;&"'{}()\[\]][^\s,;&"'})\]]*)"#,
        Filter::KeyValue,
    ),
];

/// The kind given to matches of user-supplied patterns.
const CUSTOM_KIND: &str = "custom";

/// The placeholder's opening; text that starts with it is already redacted.
const REDACTED_PREFIX: &str = "[REDACTED:";

#[derive(Debug, Clone)]
struct Rule {
    kind: &'static str,
    regex: Regex,
    filter: Filter,
}

/// Replaces likely secrets with `[REDACTED:<kind>]`.
///
/// Built-in kinds: `private-key`, `url-credentials`, `docker-auth`, `bearer`,
/// `basic-auth`, `jwt`, `vault-token`, `aws-access-key`, `gcp-api-key`,
/// `github-token`, `gitlab-token`, `slack-token`, `slack-webhook`, `api-key`,
/// and for `key=value` / `key: value` pairs whose key names a secret:
/// `password`, `secret`, `token`, `api-key`, `private-key`, `credential`.
/// User patterns redact as `custom`.
#[derive(Debug, Clone)]
pub struct Redactor {
    rules: Vec<Rule>,
    candidates: RegexSet,
}

impl Redactor {
    /// The built-in patterns plus `extra` user regexes (Rust `regex` syntax).
    /// A user pattern with a group named `secret` (`(?P<secret>...)`) redacts
    /// only that group. Refuses invalid patterns and patterns that match the
    /// empty string, naming the pattern and its position.
    pub fn new(extra: &[String]) -> Result<Redactor, RedactError> {
        let mut rules = built_in_rules();
        for (index, pattern) in extra.iter().enumerate() {
            let number = index + 1;
            let regex = Regex::new(pattern).map_err(|e| RedactError::InvalidPattern {
                number,
                pattern: pattern.clone(),
                reason: e.to_string(),
            })?;
            if regex.is_match("") {
                return Err(RedactError::MatchesEmpty {
                    number,
                    pattern: pattern.clone(),
                });
            }
            rules.push(Rule {
                kind: CUSTOM_KIND,
                regex,
                filter: Filter::Always,
            });
        }
        Self::from_rules(rules)
    }

    fn from_rules(rules: Vec<Rule>) -> Result<Redactor, RedactError> {
        let candidates = RegexSetBuilder::new(rules.iter().map(|r| r.regex.as_str()))
            .size_limit(64 * 1024 * 1024)
            .build()
            .map_err(|e| RedactError::TooLarge(e.to_string()))?;
        Ok(Redactor { rules, candidates })
    }

    /// How many patterns are in use, built-in and user-supplied.
    pub fn pattern_count(&self) -> usize {
        self.rules.len()
    }

    /// Replaces every likely secret in `text` with `[REDACTED:<kind>]`.
    /// Returns `text` borrowed when nothing was redacted.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let Some(mut current) = self.redact_once(text) else {
            return Cow::Borrowed(text);
        };
        // One rule's replacement can complete another rule's match (a key=value
        // inside a URL's credentials, say). Repeat until nothing changes, so that
        // redacting redacted text changes nothing; the pass limit only guards
        // against a user pattern that keeps matching its own placeholder.
        for _ in 0..MAX_EXTRA_PASSES {
            match self.redact_once(&current) {
                Some(replaced) if replaced != current => current = replaced,
                _ => break,
            }
        }
        Cow::Owned(current)
    }

    /// One pass of every rule whose pattern matches; `None` when nothing changed.
    fn redact_once(&self, text: &str) -> Option<String> {
        let candidates = self.candidates.matches(text);
        if !candidates.matched_any() {
            return None;
        }
        let mut current: Option<String> = None;
        for rule in candidates.iter().filter_map(|i| self.rules.get(i)) {
            let input = current.as_deref().unwrap_or(text);
            if let Some(replaced) = rule.apply(input) {
                current = Some(replaced);
            }
        }
        current
    }
}

/// Passes after the first that [`Redactor::redact`] makes while text keeps changing.
const MAX_EXTRA_PASSES: usize = 4;

impl Default for Redactor {
    /// The built-in patterns only.
    fn default() -> Self {
        let rules = built_in_rules();
        match Self::from_rules(rules.clone()) {
            Ok(redactor) => redactor,
            // The built-in set is tested to compile; never leave a console
            // without redaction even so: fall back to an empty set.
            Err(_) => Redactor {
                rules: Vec::new(),
                candidates: RegexSet::empty(),
            },
        }
    }
}

/// Compiles the built-in rules. A rule that fails to compile is skipped (a
/// unit test guarantees none does).
fn built_in_rules() -> Vec<Rule> {
    BUILT_IN
        .iter()
        .filter_map(|&(kind, pattern, filter)| {
            let ascii_boundaries = pattern.replace(r"\b", r"(?-u:\b)");
            Regex::new(&ascii_boundaries).ok().map(|regex| Rule {
                kind,
                regex,
                filter,
            })
        })
        .collect()
}

impl Rule {
    /// The text with this rule's matches redacted, or `None` when none was.
    fn apply(&self, text: &str) -> Option<String> {
        let mut out = String::new();
        let mut copied_up_to = 0;
        let mut redacted_any = false;
        for caps in self.regex.captures_iter(text) {
            let Some(span) = self.secret_span(text, &caps) else {
                continue;
            };
            out.push_str(&text[copied_up_to..span.start]);
            out.push_str(REDACTED_PREFIX);
            out.push_str(self.kind_of(&caps));
            out.push(']');
            copied_up_to = span.end;
            redacted_any = true;
        }
        if !redacted_any {
            return None;
        }
        out.push_str(&text[copied_up_to..]);
        Some(out)
    }

    /// The byte range to replace, or `None` when this match is not a secret.
    fn secret_span(&self, text: &str, caps: &Captures<'_>) -> Option<Range<usize>> {
        let found = caps.name("secret").or_else(|| caps.get(0))?;
        let mut span = found.range();
        match self.filter {
            Filter::Always => {}
            Filter::Bearer => {
                if caps.name("header").is_none() && !looks_like_token(found.as_str()) {
                    return None;
                }
            }
            Filter::KeyValue => {
                let value = found.as_str();
                let quoted = value.len() >= 2
                    && (value.starts_with('"') && value.ends_with('"')
                        || value.starts_with('\'') && value.ends_with('\''));
                if quoted {
                    span = span.start + 1..span.end - 1;
                } else if value.ends_with(':') {
                    // `secret:   secretName: x` is YAML structure, not a value.
                    return None;
                }
            }
        }
        let secret = text.get(span.clone())?;
        (!secret.is_empty() && !secret.starts_with(REDACTED_PREFIX)).then_some(span)
    }

    fn kind_of(&self, caps: &Captures<'_>) -> &'static str {
        match (self.filter, caps.name("key")) {
            (Filter::KeyValue, Some(key)) => kind_of_key(key.as_str()),
            _ => self.kind,
        }
    }
}

/// Names a key-value secret after its key: `DB_PASSWORD` is a password.
fn kind_of_key(key: &str) -> &'static str {
    let key = key.to_ascii_lowercase();
    if key.contains("pass") {
        "password"
    } else if key.contains("private") {
        "private-key"
    } else if key.contains("secret") {
        "secret"
    } else if key.contains("token") {
        "token"
    } else if key.contains("key") {
        "api-key"
    } else {
        "credential"
    }
}

/// Whether the word after a bare `bearer` is a token rather than English.
fn looks_like_token(word: &str) -> bool {
    word.len() >= 8 && (word.len() >= 20 || word.bytes().any(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> String {
        Redactor::default().redact(text).into_owned()
    }

    #[test]
    fn every_built_in_pattern_compiles() {
        assert_eq!(built_in_rules().len(), BUILT_IN.len());
        assert_eq!(Redactor::default().pattern_count(), BUILT_IN.len());
    }

    #[test]
    fn text_without_secrets_is_borrowed() {
        let line = "pod payments-api-7d9f restarted 14 times: OOMKilled (limit 256Mi)";
        assert!(matches!(Redactor::default().redact(line), Cow::Borrowed(_)));
        let prose = "the bearer authentication failed; rotate the token soon";
        assert_eq!(redact(prose), prose);
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(
            redact("curl -H 'Authorization: Bearer abc' http://svc"),
            "curl -H 'Authorization: Bearer [REDACTED:bearer]' http://svc"
        );
        assert_eq!(
            redact("using bearer 9f8e7d6c5b4a39281706"),
            "using bearer [REDACTED:bearer]"
        );
        assert_eq!(
            redact(r#"{"authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig"}"#),
            r#"{"authorization":"Bearer [REDACTED:bearer]"}"#
        );
    }

    #[test]
    fn vault_and_openbao_tokens() {
        assert_eq!(
            redact("VAULT_TOKEN is hvs.CAESIJlWh0E3mVZkOQ1fKx0mZz3Xq9s7T then"),
            "VAULT_TOKEN is [REDACTED:vault-token] then"
        );
        assert_eq!(
            redact("hvb.AAAAAQJkZmFzZGZhc2RmYXNkZg"),
            "[REDACTED:vault-token]"
        );
        assert_eq!(
            redact("hvr.AAAAAQJkZmFzZGZhc2RmYXNkZg"),
            "[REDACTED:vault-token]"
        );
        assert_eq!(
            redact("legacy s.Xk3v9QmZ2aB7cD4eF6gH8jK1 token"),
            "legacy [REDACTED:vault-token] token"
        );
        assert_eq!(
            redact("batch b.AAAAAQKxYz9w8v7u6t5s4r3q2p1o0n"),
            "batch [REDACTED:vault-token]"
        );
    }

    #[test]
    fn private_keys_with_and_without_end() {
        assert_eq!(
            redact(
                "key: -----BEGIN RSA PRIVATE KEY----- MIIEow... -----END RSA PRIVATE KEY----- done"
            ),
            "key: [REDACTED:private-key] done"
        );
        assert_eq!(
            redact("-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEA"),
            "[REDACTED:private-key]"
        );
        assert_eq!(
            redact("-----BEGIN PRIVATE KEY-----"),
            "[REDACTED:private-key]"
        );
        let certificate = "-----BEGIN CERTIFICATE----- MIIC";
        assert_eq!(redact(certificate), certificate);
    }

    #[test]
    fn cloud_and_forge_tokens() {
        assert_eq!(redact("AKIAIOSFODNN7EXAMPLE"), "[REDACTED:aws-access-key]");
        assert_eq!(
            redact("id=ASIAY34FZKBOKMUTVV7A,"),
            "id=[REDACTED:aws-access-key],"
        );
        assert_eq!(
            redact("key AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW end"),
            "key [REDACTED:gcp-api-key] end"
        );
        assert_eq!(
            redact("ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
            "[REDACTED:github-token]"
        );
        assert_eq!(
            redact("gho_16C7e42F292c6912E7710c838347Ae178B4a"),
            "[REDACTED:github-token]"
        );
        assert_eq!(
            redact("github_pat_11ABCDEFG0123456789_abcdefghijklmnop"),
            "[REDACTED:github-token]"
        );
        assert_eq!(
            redact("xoxb-123456789012-1234567890123-AbCdEfGhIjKl"),
            "[REDACTED:slack-token]"
        );
        assert_eq!(
            redact("ANTHROPIC_API_KEY sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"),
            "ANTHROPIC_API_KEY [REDACTED:api-key]"
        );
    }

    #[test]
    fn redacting_twice_changes_nothing_when_one_secret_hides_in_another() {
        // Found by the idempotence property: a key=value inside URL credentials.
        let redactor = Redactor::default();
        let once = redactor
            .redact("https://u:password=https://u:52;c;SGVsbG8=@")
            .into_owned();
        assert!(once.contains("[REDACTED:"), "{once}");
        assert_eq!(redactor.redact(&once), once);
    }

    #[test]
    fn jwts() {
        let jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl";
        assert_eq!(
            redact(&format!("sa token {jwt} ok")),
            "sa token [REDACTED:jwt] ok"
        );
    }

    #[test]
    fn key_values_keep_the_key_and_quotes() {
        assert_eq!(redact("password=hunter2"), "password=[REDACTED:password]");
        assert_eq!(
            redact("DB_PASSWORD=hunter2 PGHOST=db"),
            "DB_PASSWORD=[REDACTED:password] PGHOST=db"
        );
        assert_eq!(
            redact(r#"{"client_secret": "s3cr3t", "user": "bob"}"#),
            r#"{"client_secret": "[REDACTED:secret]", "user": "bob"}"#
        );
        assert_eq!(redact("token: abc.def"), "token: [REDACTED:token]");
        assert_eq!(
            redact("https://x/cb?access_token=zzz&state=1"),
            "https://x/cb?access_token=[REDACTED:token]&state=1"
        );
        assert_eq!(redact("x-api-key: 12345"), "x-api-key: [REDACTED:api-key]");
    }

    #[test]
    fn key_values_that_are_not_secrets_are_kept() {
        for line in [
            "input_tokens=1200 output_tokens=300",
            "secretName: db-credentials",
            "secret:   secretName: db-credentials",
            r#""password": """#,
            "kind: Secret",
        ] {
            assert_eq!(redact(line), line, "{line}");
        }
    }

    #[test]
    fn url_credentials_and_docker_auth() {
        assert_eq!(
            redact("postgres://app:pa55w0rd@db:5432/x"),
            "postgres://app:[REDACTED:url-credentials]@db:5432/x"
        );
        assert_eq!(
            redact("redis://:sekret@cache:6379"),
            "redis://:[REDACTED:url-credentials]@cache:6379"
        );
        assert_eq!(
            redact(r#"{"auths":{"r.io":{"auth":"dXNlcjpwYXNz"}}}"#),
            r#"{"auths":{"r.io":{"auth":"[REDACTED:docker-auth]"}}}"#
        );
    }

    #[test]
    fn user_patterns_add_rules_and_may_name_the_secret() {
        let redactor = Redactor::new(&[
            r"ACME-[0-9]{6}".to_string(),
            r"pin (?P<secret>\d{4})".to_string(),
        ])
        .expect("valid patterns");
        assert_eq!(
            redactor.redact("ticket ACME-123456 pin 4242"),
            "ticket [REDACTED:custom] pin [REDACTED:custom]"
        );
    }

    #[test]
    fn bad_user_patterns_are_refused_with_a_clear_message() {
        let err = Redactor::new(&["ok".into(), "unclosed(".into()]).expect_err("invalid");
        let message = err.to_string();
        assert!(message.contains("#2"), "{message}");
        assert!(message.contains("unclosed("), "{message}");
        assert!(
            message.contains("not a valid regular expression"),
            "{message}"
        );

        let err = Redactor::new(&["x*".into()]).expect_err("matches empty");
        assert!(err.to_string().contains("matches the empty string"));
        let crate_error: crate::Error = err.into();
        assert!(crate_error.to_string().starts_with("redaction patterns:"));
    }

    #[test]
    fn redacting_twice_changes_nothing_more() {
        let line = "password=hunter2 token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig hvs.CAESIJlWh0E3mVZkOQ1fKx0m";
        let once = redact(line);
        assert_eq!(redact(&once), once);
        assert!(!once.contains("hunter2") && !once.contains("eyJ") && !once.contains("hvs."));
    }
}
