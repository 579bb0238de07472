//! The decision rules ("governor"): how a proposal's status is first set from
//! its namespace's TrustPolicy, how operators' and rules' decisions are
//! appended, and when a proposal expires.
//!
//! The rules are pure functions in [`rules`] ([`initial_status`],
//! [`apply_decision`], [`is_expired`]), apart from the IO, so the console
//! applies exactly the same logic as the [`run`] loop (`runner.rs`), which
//! watches the cluster and writes the rule-made decisions.
//! In the sandbox the loop runs in-process (two replicas); on a real cluster
//! `kubevigil governor` runs it (a Deployment of two replicas, see
//! `assets/deploy/`). The replicas elect a leader through a Lease
//! ([`leader`]); only the leader acts ([`run_replica`]), every replica
//! serves metrics and health ([`metrics`]). With Vault the leader also mints
//! the credentials of rule approvals and revokes those of expired and vetoed
//! proposals ([`run_with_vault`]).

mod credentials;
pub mod demotion;
pub mod external;
mod key;
pub mod leader;
pub mod metrics;
pub mod rules;
mod runner;
mod write;

pub use credentials::GOVERNOR_IDENTITY;
pub use metrics::Metrics;
pub use rules::{
    ALLOWED_ACTIONS_RULE, AUTONOMOUS_RULE, CANONICAL_FORM_RULE, DecisionError, TIMEOUT_RULE,
    apply_decision, awaits_execution, initial_status, is_expired,
};
pub use runner::{run, run_replica, run_replica_with_launcher, run_with_vault};
pub use write::{StatusWriteError, update_status};
