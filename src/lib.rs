//! kubevigil: a terminal console for supervising autonomous AI troubleshooting
//! agents that run as Kubernetes Jobs.
//!
//! The library holds everything but the process edge (`main.rs`): the agent
//! contract ([`domain`]), the text sanitizer ([`sanitize`]), the console
//! ([`app`], [`ui`], [`tui`], [`console`], [`cluster`], [`config`]) and the embedded
//! sandbox ([`sandbox`]).

#![warn(missing_docs)]

pub mod app;
pub mod audit;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod console;
pub mod crds;
pub mod decide;
pub mod domain;
pub mod error;
pub mod governor;
pub mod launch;
pub mod launcher;
pub mod model;
pub mod policy;
pub mod sandbox;
pub mod sanitize;
pub mod transcript;
pub mod tui;
pub mod ui;
pub mod vault;

pub use error::{Error, Result};
