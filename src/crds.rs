//! The CustomResourceDefinitions of the contract, as YAML for `kubectl apply`.

use crate::domain::{ActionProposal, TrustPolicy};
use crate::{Error, Result};
use kube::CustomResourceExt;

/// Both CRDs as one multi-document YAML stream, ready for `kubectl apply -f -`.
pub fn crds_yaml() -> Result<String> {
    Ok(format!(
        "{}---\n{}",
        action_proposal_yaml()?,
        trust_policy_yaml()?
    ))
}

/// The ActionProposal CRD as YAML.
pub fn action_proposal_yaml() -> Result<String> {
    to_yaml(&ActionProposal::crd())
}

/// The TrustPolicy CRD as YAML.
pub fn trust_policy_yaml() -> Result<String> {
    to_yaml(&TrustPolicy::crd())
}

fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Serialization(e.to_string()))
}
