//! Untrusted text to terminal-safe text. (Filled in by the sanitizer work.)
