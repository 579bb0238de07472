//! Label and annotation keys that make up the Job side of the agent contract.

/// Label on an investigation Job (and its pods): the investigation id.
pub const INVESTIGATION: &str = "kubevigil.io/investigation";
/// Label or annotation: the namespace being investigated, whose TrustPolicy governs.
pub const TARGET_NAMESPACE: &str = "kubevigil.io/target-namespace";
/// Annotation: the alert that started the investigation.
pub const TRIGGER: &str = "kubevigil.io/trigger";
/// Label or annotation: the severity of the triggering alert.
pub const SEVERITY: &str = "kubevigil.io/severity";
/// Annotation: accessor of the investigation's Vault token.
pub const VAULT_ACCESSOR: &str = "kubevigil.io/vault-accessor";
/// Annotation on a TrustPolicy: the last change made to it (who, what, why) as JSON.
pub const LAST_CHANGE: &str = "kubevigil.io/last-change";
/// Label selector that matches every investigation Job.
pub const INVESTIGATION_SELECTOR: &str = "kubevigil.io/investigation";
