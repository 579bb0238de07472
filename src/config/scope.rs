//! The namespace scope as the operator spells it, on the command line (`-n`)
//! and in the console (`:ns`).
//!
//! `all` (also `*` and `-A`) means every namespace, as in k9s. A namespace
//! that is really named `all` is spelled `namespace/all` (or `ns/all`), as
//! kubectl names objects; any namespace can be spelled that way.

use std::fmt;
use std::str::FromStr;

/// The words that mean "every namespace".
pub const ALL_NAMESPACES: [&str; 3] = ["all", "*", "-A"];

/// The prefixes that make the rest a namespace's name, whatever it is.
const LITERAL_PREFIXES: [&str; 2] = ["namespace/", "ns/"];

/// What to watch: every namespace, or one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamespaceScope {
    /// Every namespace.
    All,
    /// One namespace.
    Namespace(String),
}

impl NamespaceScope {
    /// The namespace, or `None` for every namespace (the console's form).
    pub fn into_namespace(self) -> Option<String> {
        match self {
            NamespaceScope::All => None,
            NamespaceScope::Namespace(ns) => Some(ns),
        }
    }
}

impl FromStr for NamespaceScope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if ALL_NAMESPACES.contains(&text) {
            return Ok(NamespaceScope::All);
        }
        let name = LITERAL_PREFIXES
            .iter()
            .find_map(|prefix| text.strip_prefix(prefix))
            .unwrap_or(text);
        if is_dns_label(name) {
            Ok(NamespaceScope::Namespace(name.to_string()))
        } else if name.is_empty() {
            Err("a namespace name is needed (all: every namespace)".into())
        } else {
            Err(format!(
                "{name:?} is not a namespace name (lowercase letters, digits and '-', at most 63)"
            ))
        }
    }
}

impl fmt::Display for NamespaceScope {
    /// How the scope is written so that it reads back the same:
    /// `all`, `payments`, `namespace/all`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NamespaceScope::All => f.write_str("all"),
            NamespaceScope::Namespace(ns) if ALL_NAMESPACES.contains(&ns.as_str()) => {
                write!(f, "namespace/{ns}")
            }
            NamespaceScope::Namespace(ns) => f.write_str(ns),
        }
    }
}

/// The header's words for the scope: `all namespaces`, or `ns NAME`, so a
/// namespace named `all` (`ns all`) never reads like every namespace.
pub fn scope_label(namespace: Option<&str>) -> String {
    match namespace {
        None => "all namespaces".to_string(),
        Some(ns) => format!("ns {ns}"),
    }
}

/// Whether `name` is a valid namespace name (an RFC 1123 label).
pub fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NamespaceScope, String> {
        text.parse()
    }

    #[test]
    fn all_means_every_namespace_and_a_prefix_names_the_namespace_all() {
        for all in ["all", "*", "-A", " all "] {
            assert_eq!(parse(all), Ok(NamespaceScope::All), "{all}");
        }
        for literal in ["namespace/all", "ns/all"] {
            assert_eq!(parse(literal), Ok(NamespaceScope::Namespace("all".into())));
        }
        assert_eq!(
            parse("payments"),
            Ok(NamespaceScope::Namespace("payments".into()))
        );
        assert_eq!(
            parse("ns/payments"),
            Ok(NamespaceScope::Namespace("payments".into()))
        );
    }

    #[test]
    fn names_that_cannot_be_namespaces_are_refused() {
        for bad in [
            "",
            "Payments",
            "a_b",
            "-x",
            "namespace/",
            "ns/*",
            &"a".repeat(64),
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_written_form_reads_back_and_the_labels_differ() {
        for scope in [
            NamespaceScope::All,
            NamespaceScope::Namespace("all".into()),
            NamespaceScope::Namespace("payments".into()),
        ] {
            assert_eq!(parse(&scope.to_string()), Ok(scope.clone()));
        }
        assert_eq!(scope_label(None), "all namespaces");
        assert_eq!(scope_label(Some("all")), "ns all");
        assert_ne!(scope_label(None), scope_label(Some("all")));
    }
}
