//! Kubernetes IO for the console: watchers, log streams, peeks and the Vault
//! lookups, each reporting its own events ([`watch::WatchEvent`],
//! [`logs::StreamEvent`], [`vault_watch::VaultEvent`]) that the console
//! converts into its messages; nothing here imports the console.
//!
//! Every task here trims what it receives and sanitizes agent-written text
//! (into [`crate::model::records`]) before it sends it, so the state machine
//! and the views only ever hold inert text.

pub mod decision_tasks;
pub mod guarded;
mod heap;
pub mod identity;
pub mod logline;
pub mod logs;
pub mod objects;
pub mod peek;
pub mod trim;
pub mod vault_watch;
pub mod watch;

#[cfg(test)]
mod sandbox_tests;
