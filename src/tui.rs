//! The terminal guard and the input task.
