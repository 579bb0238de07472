//! Simulated agents that keep the contract through the API, as a real agent would.
//!
//! The launcher creates and admits each investigation's Job; the
//! [`runtime`] runs its Pod: the agent unwraps its identity, prints JSON-lines reasoning to
//! the pod's log (what a kubelet would capture from stdout), reads its
//! namespace's TrustPolicy before each proposal, creates ActionProposals owned
//! by its Job, waits for the decision by watching the proposal, executes or
//! revises or concludes, and marks its Job finished. Incidents are data:
//! one script a file under [`scenarios`], played by [`run_admitted`].

mod agent;
mod credential;
mod evidence;
mod execute;
mod identity;
pub mod job;
mod jobctl;
pub mod kubectl;
mod life;
mod outcome;
mod pace;
mod proposal;
mod runner;
pub mod runtime;
pub mod scenarios;
pub mod script;
pub mod seed;
pub mod stage;
mod stdout;
pub mod world;

pub use credential::{KubernetesCredential, kubernetes_credential_path};
pub use job::InvestigationRef;
pub use outcome::Outcome;
pub use runner::{AgentSettings, run_admitted};
pub use runtime::{AgentRuntime, Expectations, Expected};
pub use stdout::Stdout;

use crate::governor::StatusWriteError;
use thiserror::Error;

/// Why a simulated agent failed.
#[derive(Debug, Error)]
pub enum AgentError {
    /// A Kubernetes API call failed.
    #[error("kubernetes: {0}")]
    Kube(#[from] kube::Error),
    /// Writing a proposal's status failed.
    #[error("{0}")]
    Status(#[from] StatusWriteError),
    /// The launcher did not start the investigation (its alert was refused).
    #[error("launch: {0}")]
    Launch(String),
}
