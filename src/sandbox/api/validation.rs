//! What the CRDs' schemas and validation rules would refuse, for the two
//! kubevigil kinds: objects that do not decode as the contract types, an
//! ActionProposal whose spec changes or whose decisions shrink, and a
//! TrustPolicy not named `default` or asking for other than 1 or 2 approvals.

use super::resource::ResourceType;
use super::status::StatusError;
use crate::domain::{ActionProposal, TrustPolicy};
use serde_json::Value;

/// Checks a new object (and the old one, on update) of a kubevigil kind.
pub(crate) fn validate(
    resource: &ResourceType,
    old: Option<&Value>,
    new: &Value,
) -> Result<(), StatusError> {
    let name = super::object::name(new);
    let invalid = |field: &str, why: String| StatusError::invalid(resource, name, field, why);
    match (resource.group, resource.plural) {
        ("kubevigil.io", "actionproposals") => {
            serde_json::from_value::<ActionProposal>(new.clone())
                .map_err(|e| invalid("<nil>", format!("Invalid value: {e}")))?;
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
            serde_json::from_value::<TrustPolicy>(new.clone())
                .map_err(|e| invalid("<nil>", format!("Invalid value: {e}")))?;
            if name != crate::domain::policy::POLICY_NAME {
                return Err(invalid(
                    "<nil>",
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
        assert!(validate(proposals, None, &nonsense).is_err());
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
        assert!(validate(policies, None, &policy("other", 2)).is_err());
        let error = validate(policies, None, &policy("default", 5)).unwrap_err();
        assert_eq!(
            error.details.unwrap()["causes"][0]["field"],
            "spec.requiredApprovals"
        );
    }
}
