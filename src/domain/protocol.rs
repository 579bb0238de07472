//! The reasoning protocol: one line of an agent's stdout becomes one event.
//! (Filled in by the protocol work.)
