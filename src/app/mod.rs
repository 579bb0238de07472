//! The console state machine: state, actions, update and keymap.
