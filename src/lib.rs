//! kubevigil: a terminal console for supervising autonomous AI troubleshooting
//! agents that run as Kubernetes Jobs.
//!
//! The library holds everything but the terminal edge: the agent contract
//! ([`domain`]), the text sanitizer ([`sanitize`]), the embedded sandbox
//! ([`sandbox`]) and the console itself.

pub mod crds;
pub mod domain;
pub mod error;
pub mod sanitize;

pub use error::{Error, Result};
