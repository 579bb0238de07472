//! What the API server refuses with 422 Invalid: for every kind, labels and
//! annotations that break the API server's rules (see
//! [`super::metadata_validation`]); for the kubevigil kinds, what the CRDs'
//! schemas and validation rules would refuse: objects that do not decode as
//! the contract types (the cause names the field, such as `spec.risk`), an
//! ActionProposal whose spec changes or whose decisions shrink, and a
//! TrustPolicy not named `default` or asking for other than 1 or 2 approvals.

use super::resource::ResourceType;
use super::status::StatusError;
use crate::domain::{ActionProposal, TrustPolicy};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes `object` as `T`; on failure, the path of the offending field
/// (`spec.risk`, or `spec.action` for a missing `action`) and why.
fn decode<T: DeserializeOwned>(object: &Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize::<_, T>(object.clone()).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner().to_string();
        let missing = inner
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(missing)) => missing.to_string(),
            (".", None) => "metadata".to_string(),
            (path, Some(missing)) => format!("{path}.{missing}"),
            (path, None) => path.to_string(),
        };
        (field, inner)
    })
}

/// Checks a new object (and the old one, on update) of a kubevigil kind.
pub(crate) fn validate(
    resource: &ResourceType,
    old: Option<&Value>,
    new: &Value,
) -> Result<(), StatusError> {
    let name = super::object::name(new);
    let invalid = |field: &str, why: String| StatusError::invalid(resource, name, field, why);
    super::metadata_validation::validate(new).map_err(|e| invalid(e.field, e.detail))?;
    let undecodable =
        |(field, why): (String, String)| invalid(&field, format!("Invalid value: {why}"));
    match (resource.group, resource.plural) {
        ("kubevigil.io", "actionproposals") => {
            decode::<ActionProposal>(new).map_err(undecodable)?;
            let Some(old) = old else {
                return Ok(());
            };
            if old.get("spec") != new.get("spec") {
                return Err(invalid(
                    "spec",
                    "Invalid value: \"object\": spec is immutable: create a new ActionProposal to propose something else".into(),
                ));
            }
            let decisions = |o: &Value| {
                o.pointer("/status/decisions")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len)
            };
            if decisions(new) < decisions(old) {
                return Err(invalid(
                    "status.decisions",
                    "Invalid value: \"array\": decisions are append-only".into(),
                ));
            }
            Ok(())
        }
        ("kubevigil.io", "trustpolicies") => {
            decode::<TrustPolicy>(new).map_err(undecodable)?;
            if name != crate::domain::policy::POLICY_NAME {
                return Err(invalid(
                    "metadata.name",
                    "Invalid value: \"object\": a TrustPolicy must be named default (there is one per namespace)".into(),
                ));
            }
            let approvals = new
                .pointer("/spec/requiredApprovals")
                .and_then(Value::as_i64);
            if let Some(approvals) = approvals.filter(|a| !(1..=2).contains(a)) {
                return Err(invalid(
                    "spec.requiredApprovals",
                    format!(
                        "Invalid value: {approvals}: spec.requiredApprovals in body should be between 1 and 2"
                    ),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::{get, lookup};
    use serde_json::json;

    fn proposal() -> Value {
        json!({"apiVersion": "kubevigil.io/v1alpha1", "kind": "ActionProposal",
            "metadata": {"name": "p", "namespace": "n"},
            "spec": {"investigation": "i", "summary": "s", "risk": "low", "reversible": true,
                "action": {"kind": "scale", "replicas": 2, "target": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "n", "name": "d"}}},
            "status": {"state": "Pending", "decisions": [{"by": "a", "at": "2025-01-01T00:00:00Z", "verdict": "Approve"}]}})
    }

    #[test]
    fn proposals_keep_their_spec_and_decisions() {
        let proposals = get(lookup("kubevigil.io", "v1alpha1", "actionproposals").unwrap());
        assert!(validate(proposals, None, &proposal()).is_ok());
        let mut changed = proposal();
        changed["spec"]["risk"] = json!("critical");
        let error = validate(proposals, Some(&proposal()), &changed).unwrap_err();
        assert_eq!(error.code, 422);
        assert!(
            error.message.contains("spec is immutable"),
            "{}",
            error.message
        );
        let mut shrunk = proposal();
        shrunk["status"]["decisions"] = json!([]);
        assert!(validate(proposals, Some(&proposal()), &shrunk).is_err());
        let mut nonsense = proposal();
        nonsense["spec"]["risk"] = json!("apocalyptic");
        let error = validate(proposals, None, &nonsense).unwrap_err();
        assert_eq!(error.details.unwrap()["causes"][0]["field"], "spec.risk");
        let mut labelled = proposal();
        labelled["metadata"]["labels"] = json!({"team": "pay\u{1b}ments"});
        let error = validate(proposals, None, &labelled).unwrap_err();
        assert_eq!(
            error.details.unwrap()["causes"][0]["field"],
            "metadata.labels"
        );
    }

    #[test]
    fn policies_are_named_default_with_one_or_two_approvals() {
        let policies = get(lookup("kubevigil.io", "v1alpha1", "trustpolicies").unwrap());
        let policy = |name: &str, approvals: i64| {
            json!({"apiVersion": "kubevigil.io/v1alpha1", "kind": "TrustPolicy",
                "metadata": {"name": name, "namespace": "n"},
                "spec": {"phase": "LimitedWrite", "requiredApprovals": approvals}})
        };
        assert!(validate(policies, None, &policy("default", 2)).is_ok());
        let error = validate(policies, None, &policy("other", 2)).unwrap_err();
        assert_eq!(
            error.details.unwrap()["causes"][0]["field"],
            "metadata.name"
        );
        let error = validate(policies, None, &policy("default", 5)).unwrap_err();
        assert_eq!(
            error.details.unwrap()["causes"][0]["field"],
            "spec.requiredApprovals"
        );
    }
}
