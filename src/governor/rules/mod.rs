//! The decision rules as pure functions, with no IO: a proposal's first
//! status under its namespace's TrustPolicy ([`initial_status`]), a decision
//! appended under the rules ([`apply_decision`]), and when a proposal has
//! expired ([`is_expired`]). The console's decisions (`crate::decide`) and
//! the governor's runner apply exactly these.

mod decide;
mod error;
mod expiry;
pub(in crate::governor) mod initial;

pub use decide::{apply_decision, awaits_execution};
pub use error::DecisionError;
pub use expiry::is_expired;
pub(super) use initial::rule_decision;
pub use initial::{
    ALLOWED_ACTIONS_RULE, AUTONOMOUS_RULE, CANONICAL_FORM_RULE, TIMEOUT_RULE, initial_status,
};
