//! Syntax highlighting of proposal payloads, cached and off the UI path.
