//! The decision rules ("governor"): how a proposal's status is first set from
//! its namespace's TrustPolicy, how operators' and rules' decisions are
//! appended, and when a proposal expires.
//!
//! The rules are pure functions ([`initial_status`], [`apply_decision`],
//! [`is_expired`]) so the console applies exactly the same logic as the
//! [`run`] loop, which watches the cluster and writes the rule-made decisions.
//! In the sandbox the loop runs in-process; in a real cluster it is the job a
//! `kubevigil governor` Deployment would do (not built yet).

mod decide;
mod error;
mod expiry;
mod initial;
mod runner;
mod write;

pub use decide::apply_decision;
pub use error::DecisionError;
pub use expiry::is_expired;
pub use initial::{ALLOWED_ACTIONS_RULE, AUTONOMOUS_RULE, TIMEOUT_RULE, initial_status};
pub use runner::run;
pub use write::{StatusWriteError, update_status};
