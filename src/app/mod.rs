//! The console state machine: state, actions, update, keymap. The runtime
//! loop that connects them to the terminal and the cluster is
//! [`crate::console`]; the drawing is [`crate::ui`].
//!
//! One event funnel: every source (terminal input, kube watchers, log
//! streams, timers, the highlighter) is a task sending [`Action`]s into one
//! channel. The loop drains a batch, calls [`update::update`] for each action
//! (the only place the [`State`] changes), executes the [`Effect`]s, and draws
//! one frame if something changed (frame rate capped, synchronized output).

pub mod action;
pub mod command;
pub mod effect;
pub mod fixtures;
pub mod geometry;
pub mod keymap;
pub mod state;
pub mod update;

pub use action::Action;
pub use command::Command;
pub use effect::Effect;
pub use state::State;
pub use update::update;
