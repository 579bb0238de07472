//! Kubernetes IO for the console: watchers and log streams that send actions.
//!
//! Every task here trims what it receives and sanitizes agent-written text
//! before it sends an [`Action`](crate::app::action::Action), so the state
//! machine and the views only ever hold inert text.

pub mod decisions;
pub mod identity;
pub mod logline;
pub mod logs;
pub mod peek;
pub mod trim;
pub mod vault;
pub mod watch;

#[cfg(test)]
mod sandbox_tests;
