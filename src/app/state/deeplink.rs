//! Deep links: what the console was asked to open once it is in view
//! (`kubevigil --investigation ID`, `--proposal NS/NAME`, `:open`).

use std::fmt;
use std::str::FromStr;

/// Something to open as soon as the cluster's data shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeepLink {
    /// An investigation, by id.
    Investigation(String),
    /// A proposal, by namespace and name.
    Proposal {
        /// The proposal's namespace.
        namespace: String,
        /// The proposal's name.
        name: String,
    },
}

impl DeepLink {
    /// A proposal link from `NAMESPACE/NAME`.
    pub fn proposal(text: &str) -> Result<DeepLink, String> {
        match text.trim().split_once('/') {
            Some((namespace, name))
                if valid_name(namespace) && valid_name(name) && !name.contains('/') =>
            {
                Ok(DeepLink::Proposal {
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                })
            }
            _ => Err(format!(
                "`{}` is not NAMESPACE/NAME",
                crate::sanitize::sanitize(text)
            )),
        }
    }

    /// An investigation link; ids are label values.
    pub fn investigation(text: &str) -> Result<DeepLink, String> {
        let id = text.trim();
        let valid = !id.is_empty()
            && id.len() <= 63
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if valid {
            Ok(DeepLink::Investigation(id.to_string()))
        } else {
            Err(format!(
                "`{}` is not an investigation id",
                crate::sanitize::sanitize(id)
            ))
        }
    }
}

/// `ID` opens an investigation, `NAMESPACE/NAME` a proposal.
impl FromStr for DeepLink {
    type Err = String;

    fn from_str(text: &str) -> Result<DeepLink, String> {
        if text.contains('/') {
            DeepLink::proposal(text)
        } else {
            DeepLink::investigation(text)
        }
    }
}

impl fmt::Display for DeepLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeepLink::Investigation(id) => write!(f, "investigation {id}"),
            DeepLink::Proposal { namespace, name } => write!(f, "proposal {namespace}/{name}"),
        }
    }
}

fn valid_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_parse_as_the_command_line_spells_them() {
        assert_eq!(
            "oom-7f3a9c".parse(),
            Ok(DeepLink::Investigation("oom-7f3a9c".into()))
        );
        assert_eq!(
            "payments/raise-mem-7f3a".parse(),
            Ok(DeepLink::Proposal {
                namespace: "payments".into(),
                name: "raise-mem-7f3a".into()
            })
        );
        assert!("a b".parse::<DeepLink>().is_err());
        assert!("Payments/x".parse::<DeepLink>().is_err());
        assert!("payments/".parse::<DeepLink>().is_err());
        assert!("a/b/c".parse::<DeepLink>().is_err());
    }
}
