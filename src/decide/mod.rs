//! Deciding, safely: approve, veto and edit proposals under the trust phases,
//! the kill switch and halt, and pairing presence. The console calls these
//! from its IO tasks; all IO goes through a `kube::Client`.
//!
//! - [`whoami`]: who is deciding (SelfSubjectReview, else the kubeconfig user, unverified).
//! - [`Decider`]: the one context every act goes through (the cluster, who
//!   acts, the local audit log, Vault when on), used by the console and the
//!   governor alike:
//!   - [`Decider::decide`] / [`Decider::retry`]: one decision
//!     ([`PendingDecision`]), written as a status replace guarded by the
//!     proposal's resourceVersion; the rules are the governor's
//!     ([`crate::governor::apply_decision`]). Recorded three ways: the status, an
//!     Event on the proposal, a line in the local [`AuditLog`](crate::audit::AuditLog).
//!     With Vault, an approval mints the write credential and a veto revokes it.
//!   - [`Decider::kill`], [`Decider::halt`], [`Decider::resume`]: stopping
//!     agents and letting them go on (with Vault, revoking first).
//!   - [`Decider::mint`], [`Decider::revoke`], [`Decider::note_no_credential`]:
//!     the credential work on its own (the governor's rule approvals).
//! - [`validate_edit`], [`edit_text`], [`describe_edit`]: editing before approving.
//! - [`publish_presence`], [`spawn_presence_task`], [`watch_presence`]: who is here.
//!
//! Failures are [`DecideError`]s whose messages are written for the operator;
//! a decision that could not reach the cluster comes back as a
//! [`PendingDecision`] to keep on screen and retry.

mod credential;
mod decider;
mod decision;
mod edit;
mod error;
pub(crate) mod failure;
mod halt;
mod identity;
mod kill;
mod offered;
mod outcome;
mod pending;
mod presence;
mod queue;
pub(crate) mod record;
mod resume;
mod revoke;
mod write;

pub use credential::CredentialError;
pub use decider::Decider;
pub use edit::{describe_edit, edit_text, validate_edit};
pub use error::{DecideError, OPERATOR_ROLE};
pub use halt::{HALTED_FROM, SUSPENDED_BY_HALT};
pub use identity::{Identity, Right, Rights, may_decide, rights, whoami};
pub use offered::check_offered;
pub use outcome::{DecisionOutcome, HaltOutcome, KillOutcome};
pub use pending::PendingDecision;
pub use presence::{
    CONSOLE_ANNOTATION, LEASE_DURATION_SECONDS, PRESENCE_LABEL, PRESENCE_NAMESPACE, Presence,
    RENEW_INTERVAL, VIEWING_ANNOTATION, lease_name, presence_from_lease, publish_presence,
    spawn_presence_task, viewing_investigation, viewing_proposal, watch_presence,
    withdraw_presence,
};
pub use queue::{QueueChange, QueueOutcome};
pub use record::REPORTING_COMPONENT;
pub use resume::{ResumeOutcome, phase_before_halt};
pub use revoke::Revocation;
