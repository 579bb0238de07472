//! The Kubernetes API emulator.
