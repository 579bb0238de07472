//! The CustomResourceDefinitions of the contract, as YAML for `kubectl apply`.
//!
//! The schemas are generated from the Rust types in [`crate::domain`], then
//! finished here with what the types cannot say: readable descriptions, an
//! `Age` column, and validation the API server enforces on its own (an
//! ActionProposal's spec is immutable and its decisions only grow; a
//! TrustPolicy is named `default` and needs one or two approvals).
//!
//! The same YAML is committed under `assets/crds/`; `tests/contract.rs` fails
//! when the two drift apart (`KUBEVIGIL_BLESS=1 cargo test --test contract`
//! rewrites the files).

use crate::domain::{ActionProposal, InvestigationTemplate, TrustPolicy};
use crate::{Error, Result};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, JSONSchemaProps,
    JSONSchemaPropsOrArray, ValidationRule,
};
use kube::CustomResourceExt;

/// The directory, relative to the crate root, that holds the CRD files.
pub const ASSET_DIR: &str = "assets/crds";

/// The comment on top of each committed CRD file.
const GENERATED_HEADER: &str = "# Generated from the Rust types in src/domain by src/crds.rs. Do not edit:\n\
     # regenerate with `KUBEVIGIL_BLESS=1 cargo test --test contract`.\n";

/// Every CRD as one multi-document YAML stream, ready for `kubectl apply -f -`.
pub fn crds_yaml() -> Result<String> {
    Ok(format!(
        "{}---\n{}---\n{}",
        action_proposal_yaml()?,
        trust_policy_yaml()?,
        investigation_template_yaml()?
    ))
}

/// The InvestigationTemplate CRD as YAML.
pub fn investigation_template_yaml() -> Result<String> {
    to_yaml(&investigation_template_crd())
}

/// The ActionProposal CRD as YAML.
pub fn action_proposal_yaml() -> Result<String> {
    to_yaml(&action_proposal_crd())
}

/// The TrustPolicy CRD as YAML.
pub fn trust_policy_yaml() -> Result<String> {
    to_yaml(&trust_policy_crd())
}

/// Each CRD as the file it is committed as under [`ASSET_DIR`]:
/// `(file name, contents)`, the contents starting with a "generated" comment.
pub fn crd_assets() -> Result<Vec<(&'static str, String)>> {
    Ok(vec![
        (
            "actionproposals.kubevigil.io.yaml",
            format!("{GENERATED_HEADER}{}", action_proposal_yaml()?),
        ),
        (
            "trustpolicies.kubevigil.io.yaml",
            format!("{GENERATED_HEADER}{}", trust_policy_yaml()?),
        ),
        (
            "investigationtemplates.kubevigil.io.yaml",
            format!("{GENERATED_HEADER}{}", investigation_template_yaml()?),
        ),
    ])
}

/// The ActionProposal CRD: the generated schema with its spec made immutable
/// and its decisions append-only.
pub fn action_proposal_crd() -> CustomResourceDefinition {
    let mut crd = ActionProposal::crd();
    finish(
        &mut crd,
        "A write an AI agent proposes during an investigation, waiting for a decision \
         (the kubevigil.io agent contract; see docs/protocol.md).",
    );
    if let Some(root) = root_schema(&mut crd) {
        if let Some(spec) = property(root, "spec") {
            spec.x_kubernetes_validations = Some(vec![validation(
                "self == oldSelf",
                "spec is immutable: create a new ActionProposal to propose something else",
            )]);
        }
        if let Some(decisions) = property(root, "status").and_then(|s| property(s, "decisions")) {
            decisions.x_kubernetes_validations = Some(vec![validation(
                "size(self) >= size(oldSelf)",
                "decisions are append-only",
            )]);
        }
    }
    crd
}

/// The TrustPolicy CRD: the generated schema, named `default` only, with one
/// or two required approvals.
pub fn trust_policy_crd() -> CustomResourceDefinition {
    let mut crd = TrustPolicy::crd();
    finish(
        &mut crd,
        "How far one namespace trusts its AI agents. One per namespace, named `default`; \
         a namespace without one is in Shadow.",
    );
    if let Some(root) = root_schema(&mut crd) {
        root.x_kubernetes_validations = Some(vec![validation(
            "self.metadata.name == 'default'",
            "a TrustPolicy must be named default (there is one per namespace)",
        )]);
        if let Some(approvals) =
            property(root, "spec").and_then(|s| property(s, "requiredApprovals"))
        {
            approvals.minimum = Some(1.0);
            approvals.maximum = Some(2.0);
        }
    }
    crd
}

/// The InvestigationTemplate CRD: the generated schema, with a positive
/// deadline and an image that is not empty.
pub fn investigation_template_crd() -> CustomResourceDefinition {
    let mut crd = InvestigationTemplate::crd();
    finish(
        &mut crd,
        "Which Alertmanager alerts start an investigation, in which namespace, and the Job \
         that runs its agent (the kubevigil launcher; see docs/launcher.md).",
    );
    if let Some(job) = root_schema(&mut crd)
        .and_then(|root| property(root, "spec"))
        .and_then(|spec| property(spec, "job"))
    {
        if let Some(deadline) = property(job, "activeDeadlineSeconds") {
            deadline.minimum = Some(1.0);
        }
        if let Some(image) = property(job, "image") {
            image.min_length = Some(1);
        }
    }
    crd
}

/// Sets the root description, adds an `Age` column, and turns rustdoc links
/// in every description into plain code spans.
fn finish(crd: &mut CustomResourceDefinition, description: &str) {
    for version in &mut crd.spec.versions {
        version
            .additional_printer_columns
            .get_or_insert_with(Vec::new)
            .push(CustomResourceColumnDefinition {
                name: "Age".into(),
                type_: "date".into(),
                json_path: ".metadata.creationTimestamp".into(),
                ..Default::default()
            });
        if let Some(root) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        {
            root.description = Some(description.to_owned());
            plain_descriptions(root);
        }
    }
}

fn root_schema(crd: &mut CustomResourceDefinition) -> Option<&mut JSONSchemaProps> {
    crd.spec
        .versions
        .first_mut()?
        .schema
        .as_mut()?
        .open_api_v3_schema
        .as_mut()
}

fn property<'a>(schema: &'a mut JSONSchemaProps, name: &str) -> Option<&'a mut JSONSchemaProps> {
    schema.properties.as_mut()?.get_mut(name)
}

fn validation(rule: &str, message: &str) -> ValidationRule {
    ValidationRule {
        rule: rule.to_owned(),
        message: Some(message.to_owned()),
        ..Default::default()
    }
}

fn plain_descriptions(schema: &mut JSONSchemaProps) {
    if let Some(description) = schema.description.as_mut() {
        *description = without_rustdoc_links(description);
    }
    for child in schema.properties.iter_mut().flat_map(|p| p.values_mut()) {
        plain_descriptions(child);
    }
    match schema.items.as_mut() {
        Some(JSONSchemaPropsOrArray::Schema(item)) => plain_descriptions(item),
        Some(JSONSchemaPropsOrArray::Schemas(items)) => {
            items.iter_mut().for_each(plain_descriptions);
        }
        None => {}
    }
}

/// "[`TrustPolicy`](super::TrustPolicy) is in [`Phase::Shadow`]" becomes
/// "`TrustPolicy` is in `Shadow`".
fn without_rustdoc_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        let Some(len) = rest[start + 2..].find("`]") else {
            break;
        };
        let path = &rest[start + 2..start + 2 + len];
        let name = path.rsplit("::").next().unwrap_or(path);
        out.push_str(&rest[..start]);
        out.push('`');
        out.push_str(name);
        out.push('`');
        rest = &rest[start + 2 + len + 2..];
        if rest.starts_with('(')
            && let Some(close) = rest.find(')')
        {
            rest = &rest[close + 1..];
        }
    }
    out.push_str(rest);
    out
}

fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Serialization(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustdoc_links_become_code_spans() {
        assert_eq!(
            without_rustdoc_links(
                "A namespace without a\n[`TrustPolicy`](super::TrustPolicy) is in [`Phase::Shadow`]."
            ),
            "A namespace without a\n`TrustPolicy` is in `Shadow`."
        );
        assert_eq!(without_rustdoc_links("no links [here]"), "no links [here]");
        assert_eq!(without_rustdoc_links("odd [`unclosed"), "odd [`unclosed");
    }

    #[test]
    fn proposals_are_immutable_and_decisions_append_only() {
        let mut crd = action_proposal_crd();
        let root = root_schema(&mut crd).expect("a schema");
        let spec = property(root, "spec").expect("spec");
        let rules = spec.x_kubernetes_validations.clone().unwrap_or_default();
        assert_eq!(rules[0].rule, "self == oldSelf");
        let decisions = property(root, "status")
            .and_then(|s| property(s, "decisions"))
            .expect("decisions");
        assert!(decisions.x_kubernetes_validations.is_some());
    }

    #[test]
    fn trust_policies_need_one_or_two_approvals() {
        let mut crd = trust_policy_crd();
        let root = root_schema(&mut crd).expect("a schema");
        let approvals = property(root, "spec")
            .and_then(|s| property(s, "requiredApprovals"))
            .expect("requiredApprovals");
        assert_eq!(
            (approvals.minimum, approvals.maximum),
            (Some(1.0), Some(2.0))
        );
    }

    #[test]
    fn yaml_has_both_documents_and_no_rustdoc_syntax() {
        let yaml = crds_yaml().expect("yaml");
        assert!(yaml.contains("name: actionproposals.kubevigil.io"));
        assert!(yaml.contains("name: trustpolicies.kubevigil.io"));
        assert!(yaml.contains("name: investigationtemplates.kubevigil.io"));
        assert!(
            !yaml.contains("[`"),
            "rustdoc links leak into kubectl explain"
        );
        assert!(!yaml.contains("Auto-generated derived type"));
    }
}
