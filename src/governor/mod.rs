//! The decision rules ("governor"): how a proposal's status is first set from
//! its namespace's TrustPolicy, how operators' and rules' decisions are
//! appended, and when a proposal expires.
//!
//! The rules are pure functions ([`initial_status`], [`apply_decision`],
//! [`is_expired`]) so the console applies exactly the same logic as the
//! [`run`] loop, which watches the cluster and writes the rule-made decisions.
//! In the sandbox the loop runs in-process (two replicas); on a real cluster
//! `kubevigil governor` runs it (a Deployment of two replicas, see
//! `assets/deploy/`). The replicas elect a leader through a Lease
//! ([`leader`]); only the leader acts ([`run_replica`]), every replica
//! serves metrics and health ([`metrics`]). With Vault the leader also mints
//! the credentials of rule approvals and revokes those of expired and vetoed
//! proposals ([`run_with_vault`]).

mod credentials;
mod decide;
pub mod demotion;
mod error;
mod expiry;
pub mod external;
mod initial;
pub mod leader;
pub mod metrics;
mod runner;
mod write;

pub use credentials::GOVERNOR_IDENTITY;
pub use decide::{apply_decision, awaits_execution};
pub use error::DecisionError;
pub use expiry::is_expired;
pub use initial::{
    ALLOWED_ACTIONS_RULE, AUTONOMOUS_RULE, CANONICAL_FORM_RULE, TIMEOUT_RULE, initial_status,
};
pub use metrics::Metrics;
pub use runner::{run, run_replica, run_replica_with_launcher, run_with_vault};
pub use write::{StatusWriteError, update_status};
