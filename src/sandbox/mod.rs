//! The embedded sandbox: a Kubernetes API emulator on loopback and simulated agents.

pub mod agents;
pub mod api;
