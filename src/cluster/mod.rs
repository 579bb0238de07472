//! Kubernetes IO for the console: watchers and log streams that send actions.
