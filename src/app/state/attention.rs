//! Calling for attention: which proposals wait for this operator, which of
//! them the console has already called about, and what the terminal's title
//! last said.

use crate::config::NotifyConfig;
use crate::model::records::ProposalKey;
use std::collections::HashSet;

/// What the console remembers to call for attention once per proposal.
#[derive(Debug, Clone, Default)]
pub struct Attention {
    /// The `[notify]` settings.
    pub settings: NotifyConfig,
    /// Proposals already waiting when first seen, or already called about.
    pub(crate) seen: HashSet<ProposalKey>,
    /// Whether the first listing arrived (what it held was not news).
    pub(crate) primed: bool,
    /// How many proposals wait for this operator now.
    pub awaiting: usize,
    /// The count the terminal's title last showed (`None`: never set).
    pub(crate) titled: Option<usize>,
}

/// What the terminal is asked to do to call for attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// Ring the bell.
    pub bell: bool,
    /// Set the title to this (`kubevigil (2 awaiting)`).
    pub title: Option<String>,
    /// A desktop notification: which sequence, and its already sanitized body.
    pub desktop: Option<(crate::config::DesktopNotify, String)>,
}

impl Signal {
    /// Whether the signal asks for nothing.
    pub fn is_empty(&self) -> bool {
        !self.bell && self.title.is_none() && self.desktop.is_none()
    }
}

/// The title for `awaiting` proposals.
pub fn title_for(awaiting: usize) -> String {
    if awaiting == 0 {
        "kubevigil".to_string()
    } else {
        format!("kubevigil ({awaiting} awaiting)")
    }
}
