//! Why a decision, kill, halt or presence update did not happen, in words an
//! operator can act on.

use super::PendingDecision;
use crate::domain::{Phase, Verdict};
use crate::governor::DecisionError;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use thiserror::Error;

/// The ClusterRole an operator needs to decide, kill and halt (named in
/// [`DecideError::Forbidden`] messages).
pub const OPERATOR_ROLE: &str = "kubevigil-operator";

/// Why a decision (or kill, halt, presence update) failed. Every message is
/// fit to show the operator as is.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DecideError {
    /// Someone (or a rule) decided the proposal first; nothing was overwritten.
    #[error("{}", conflict_message(decided_by, *verdict, *at))]
    Conflict {
        /// Who decided: a user, the approvers joined with "and", or `rule:<name>`.
        decided_by: String,
        /// What they decided.
        verdict: Verdict,
        /// When.
        at: Timestamp,
    },
    /// The namespace's trust phase does not offer this decision.
    #[error("{message}")]
    NotOffered {
        /// The phase in force.
        phase: Phase,
        /// What the screen should say, such as "approving is not offered in
        /// ReadOnlyAssist: copy the suggestion instead".
        message: String,
    },
    /// The decision rules refused it (a veto without a reason, a second
    /// approval by the same person).
    #[error("{0}")]
    Refused(DecisionError),
    /// The proposal's time ran out before it was approved; timeout means deny.
    #[error("this proposal expired at {}: timeout means deny, so it can no longer be approved", clock(*expired_at))]
    Expired {
        /// When it expired.
        expired_at: Timestamp,
    },
    /// The user lacks a Kubernetes right (HTTP 403). Nothing was changed.
    #[error("{user} may not {verb} {resource} in {namespace}: ask for the {OPERATOR_ROLE} role")]
    Forbidden {
        /// Who was refused.
        user: String,
        /// The verb refused (`update`, `delete`, `patch`, `create`, `get`).
        verb: String,
        /// The resource refused, such as `actionproposals/status`.
        resource: String,
        /// The namespace.
        namespace: String,
        /// The decision, kept for a retry once the right is granted.
        pending: Option<Box<PendingDecision>>,
    },
    /// The cluster could not be reached or failed (connection refused, time-out,
    /// 5xx). The decision is not recorded; keep it visibly pending and retry.
    #[error(
        "could not reach the cluster to {doing} ({cause}); it is kept pending, retry when the cluster answers"
    )]
    Unreachable {
        /// What was being done, such as "approve payments/raise-mem".
        doing: String,
        /// The failure, as the client reported it.
        cause: String,
        /// The decision, to retry with [`PendingDecision::retry`].
        pending: Option<Box<PendingDecision>>,
    },
    /// The object is gone (deleted, or its investigation killed).
    #[error("{resource} {namespace}/{name} does not exist (any more)")]
    NotFound {
        /// The resource, such as `actionproposals`.
        resource: String,
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
    /// The edited action is not valid YAML or JSON of the right shape.
    #[error("line {line}: {reason}")]
    InvalidEdit {
        /// The 1-based line at fault.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The proposal was deleted and recreated under the same name since the
    /// operator looked at it: the decision was meant for the old one.
    #[error(
        "{namespace}/{name} was replaced by a new proposal of the same name since you looked at it; nothing was written, look at the new one"
    )]
    Replaced {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
    /// The action that would run is not the one the operator was shown (an
    /// edit landed meanwhile); nothing was written.
    #[error(
        "the action of {name} changed since you looked at it (you saw {shown}, now {now} would run{by}); nothing was written, look again"
    )]
    ActionChanged {
        /// The proposal.
        name: String,
        /// The short digest the operator was shown.
        shown: String,
        /// The short digest of the action that would run now.
        now: String,
        /// ` after an edit by X`, or empty.
        by: String,
    },
    /// The proposal kept changing while the decision was being written;
    /// nothing was written. Look again and decide again.
    #[error(
        "{name} kept changing while your decision was written; nothing was written, look again"
    )]
    Contended {
        /// The proposal.
        name: String,
    },
    /// The cluster refused the request for another reason (validation,
    /// expired credentials).
    #[error("the cluster refused to {doing}: {message}")]
    Rejected {
        /// What was being done.
        doing: String,
        /// The server's message.
        message: String,
    },
}

impl DecideError {
    /// The decision to keep pending and retry, when the failure leaves one.
    pub fn pending(&self) -> Option<&PendingDecision> {
        match self {
            DecideError::Forbidden { pending, .. } | DecideError::Unreachable { pending, .. } => {
                pending.as_deref()
            }
            _ => None,
        }
    }

    /// Whether trying the same thing again later may work (the cluster was unreachable).
    pub fn is_retryable(&self) -> bool {
        matches!(self, DecideError::Unreachable { .. })
    }
}

impl From<DecisionError> for DecideError {
    fn from(error: DecisionError) -> Self {
        DecideError::Refused(error)
    }
}

/// "oncall-2 already approved this at 02:14:07", or the like for rules and kills.
pub(crate) fn conflict_message(decided_by: &str, verdict: Verdict, at: Timestamp) -> String {
    let when = clock(at);
    match verdict {
        Verdict::Expire => format!("this expired at {when}: nobody decided in time ({decided_by})"),
        Verdict::Kill => format!("{decided_by} already killed this investigation at {when}"),
        Verdict::Approve => format!("{decided_by} already approved this at {when}"),
        Verdict::Veto => format!("{decided_by} already vetoed this at {when}"),
    }
}

/// The wall-clock time of `at` in the local time zone, as HH:MM:SS.
pub(crate) fn clock(at: Timestamp) -> String {
    at.to_zoned(TimeZone::system())
        .strftime("%H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_who_and_what() {
        let at: Timestamp = "2026-11-27T02:14:07Z".parse().expect("timestamp");
        let conflict = DecideError::Conflict {
            decided_by: "oncall-2".into(),
            verdict: Verdict::Approve,
            at,
        };
        assert_eq!(
            conflict.to_string(),
            format!("oncall-2 already approved this at {}", clock(at))
        );
        let forbidden = DecideError::Forbidden {
            user: "viewer".into(),
            verb: "update".into(),
            resource: "actionproposals/status".into(),
            namespace: "payments".into(),
            pending: None,
        };
        assert_eq!(
            forbidden.to_string(),
            "viewer may not update actionproposals/status in payments: ask for the kubevigil-operator role"
        );
        assert_eq!(
            DecideError::InvalidEdit {
                line: 3,
                reason: "not valid YAML: x".into()
            }
            .to_string(),
            "line 3: not valid YAML: x"
        );
    }
}
