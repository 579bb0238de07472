//! How the governor names a proposal it tracks.

/// A proposal's namespace and name.
pub(super) type ProposalKey = (String, String);
