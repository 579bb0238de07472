//! What the console knows, as plain data above the contract types and below
//! the services: the trimmed, sanitized records of cluster objects and the
//! keys and cache of highlighted payloads. Nothing here does IO or draws;
//! services (cluster, policy) build these and the console keeps them.

pub mod highlight;
pub mod intern;
pub mod lines;
pub mod records;
