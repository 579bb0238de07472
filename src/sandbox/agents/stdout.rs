//! Where an agent's stdout goes: what a kubelet would capture as the pod log.

/// The container runtime's side of pod logs.
pub trait Stdout: Send + Sync {
    /// Appends one line to the log of `pod` in `namespace`.
    fn write_line(&self, namespace: &str, pod: &str, line: &str);
}
