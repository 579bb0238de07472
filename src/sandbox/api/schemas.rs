//! The schemas of the served kinds, for the OpenAPI documents: the
//! Kubernetes kinds from k8s-openapi's generated schemas (so `kubectl
//! explain job.spec` shows the real fields), the kubevigil kinds from their
//! CRDs (with `apiVersion`, `kind` and `metadata` added as the API server
//! adds them), and any other served kind as an object with those three
//! fields that keeps whatever else it is given. Every kind's schema carries
//! `x-kubernetes-group-version-kind`, which kubectl looks kinds up by.

use super::resource::ResourceType;
use crate::crds;
use k8s_openapi::api::{
    apps, batch, coordination, core, discovery, events, networking, policy, rbac,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

/// Where the definitions live: `/components/schemas` (OpenAPI v3) or
/// `/definitions` (Swagger 2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// OpenAPI v3.
    V3,
    /// Swagger 2.0.
    V2,
}

impl Dialect {
    fn definitions_path(self) -> &'static str {
        match self {
            Dialect::V3 => "/components/schemas",
            Dialect::V2 => "/definitions",
        }
    }

    /// The `$ref` of a named definition.
    pub(crate) fn reference(self, name: &str) -> String {
        format!("#{}/{name}", self.definitions_path())
    }
}

/// The definition name of a kind, as the API server names it, such as
/// `io.k8s.api.batch.v1.Job` or `io.kubevigil.v1alpha1.ActionProposal`.
pub(crate) fn definition_name(r: &ResourceType) -> String {
    let mut generator = SchemaSettings::openapi3().into_generator();
    typed(&mut generator, r).unwrap_or_else(|| custom_name(r))
}

fn custom_name(r: &ResourceType) -> String {
    let group = if r.group.is_empty() { "core" } else { r.group };
    let reversed: Vec<&str> = group.split('.').rev().collect();
    format!("{}.{}.{}", reversed.join("."), r.version, r.kind)
}

/// The group-version-kind extension value of a kind.
pub(crate) fn gvk(r: &ResourceType) -> Value {
    json!({"group": r.group, "version": r.version, "kind": r.kind})
}

/// The name of the definition a `$ref` schema points at.
fn referenced(schema: &schemars::Schema) -> Option<String> {
    let reference = schema.get("$ref")?.as_str()?;
    Some(reference.rsplit('/').next()?.to_string())
}

/// Registers the k8s-openapi schema of a Kubernetes kind; its definition name.
fn typed(generator: &mut SchemaGenerator, r: &ResourceType) -> Option<String> {
    let schema = match (r.group, r.version, r.kind) {
        ("", "v1", "Namespace") => generator.subschema_for::<core::v1::Namespace>(),
        ("", "v1", "Pod") => generator.subschema_for::<core::v1::Pod>(),
        ("", "v1", "Event") => generator.subschema_for::<core::v1::Event>(),
        ("", "v1", "ServiceAccount") => generator.subschema_for::<core::v1::ServiceAccount>(),
        ("", "v1", "Service") => generator.subschema_for::<core::v1::Service>(),
        ("", "v1", "Secret") => generator.subschema_for::<core::v1::Secret>(),
        ("", "v1", "ConfigMap") => generator.subschema_for::<core::v1::ConfigMap>(),
        ("", "v1", "Node") => generator.subschema_for::<core::v1::Node>(),
        ("", "v1", "Endpoints") => generator.subschema_for::<core::v1::Endpoints>(),
        ("events.k8s.io", "v1", "Event") => generator.subschema_for::<events::v1::Event>(),
        ("batch", "v1", "Job") => generator.subschema_for::<batch::v1::Job>(),
        ("batch", "v1", "CronJob") => generator.subschema_for::<batch::v1::CronJob>(),
        ("coordination.k8s.io", "v1", "Lease") => {
            generator.subschema_for::<coordination::v1::Lease>()
        }
        ("apps", "v1", "Deployment") => generator.subschema_for::<apps::v1::Deployment>(),
        ("apps", "v1", "ReplicaSet") => generator.subschema_for::<apps::v1::ReplicaSet>(),
        ("apps", "v1", "StatefulSet") => generator.subschema_for::<apps::v1::StatefulSet>(),
        ("apps", "v1", "DaemonSet") => generator.subschema_for::<apps::v1::DaemonSet>(),
        ("policy", "v1", "PodDisruptionBudget") => {
            generator.subschema_for::<policy::v1::PodDisruptionBudget>()
        }
        ("rbac.authorization.k8s.io", "v1", "Role") => generator.subschema_for::<rbac::v1::Role>(),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding") => {
            generator.subschema_for::<rbac::v1::RoleBinding>()
        }
        ("rbac.authorization.k8s.io", "v1", "ClusterRole") => {
            generator.subschema_for::<rbac::v1::ClusterRole>()
        }
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding") => {
            generator.subschema_for::<rbac::v1::ClusterRoleBinding>()
        }
        ("networking.k8s.io", "v1", "NetworkPolicy") => {
            generator.subschema_for::<networking::v1::NetworkPolicy>()
        }
        ("networking.k8s.io", "v1", "Ingress") => {
            generator.subschema_for::<networking::v1::Ingress>()
        }
        ("discovery.k8s.io", "v1", "EndpointSlice") => {
            generator.subschema_for::<discovery::v1::EndpointSlice>()
        }
        _ => return None,
    };
    referenced(&schema)
}

/// The definitions of a Kubernetes kind with a k8s-openapi schema, and the
/// name of its own definition; `None` for other kinds.
pub(crate) fn typed_definitions(r: &ResourceType) -> Option<(String, Map<String, Value>)> {
    let mut generator = SchemaSettings::openapi3().into_generator();
    let name = typed(&mut generator, r)?;
    Some((name, generator.take_definitions(true)))
}

/// The CRD's `openAPIV3Schema` of a kubevigil kind.
fn crd_schema(r: &ResourceType) -> Option<Value> {
    let crd = match (r.group, r.plural) {
        ("kubevigil.io", "actionproposals") => crds::action_proposal_crd(),
        ("kubevigil.io", "trustpolicies") => crds::trust_policy_crd(),
        ("kubevigil.io", "investigationtemplates") => crds::investigation_template_crd(),
        _ => return None,
    };
    let versions = &crd.spec.versions;
    let version = versions
        .iter()
        .find(|v| v.name == r.version)
        .or(versions.first())?;
    let schema = version.schema.as_ref()?.open_api_v3_schema.as_ref()?;
    serde_json::to_value(schema).ok()
}

const API_VERSION: &str = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND: &str = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const METADATA: &str = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// Adds `apiVersion`, `kind` and `metadata` to an object schema.
fn with_type_meta(mut schema: Value, object_meta: &str) -> Value {
    let map = super::object::ensure_map(&mut schema);
    map.entry("type").or_insert(json!("object"));
    let properties = super::object::ensure_map(map.entry("properties").or_insert(json!({})));
    properties.insert(
        "apiVersion".into(),
        json!({"type": "string", "description": API_VERSION}),
    );
    properties.insert(
        "kind".into(),
        json!({"type": "string", "description": KIND}),
    );
    properties.insert(
        "metadata".into(),
        json!({"allOf": [{"$ref": object_meta}], "description": METADATA}),
    );
    schema
}

/// The definitions for `kinds` and everything they refer to, by name.
pub(crate) fn definitions<'a>(
    kinds: impl IntoIterator<Item = &'a ResourceType>,
    dialect: Dialect,
) -> Map<String, Value> {
    let mut generator = SchemaSettings::openapi3()
        .with(|s| s.definitions_path = dialect.definitions_path().into())
        .into_generator();
    let object_meta = referenced(&generator.subschema_for::<ObjectMeta>()).unwrap_or_default();
    let object_meta = dialect.reference(&object_meta);
    let mut roots = Vec::new();
    let mut custom = Vec::new();
    for r in kinds {
        match typed(&mut generator, r) {
            Some(name) => roots.push((name, gvk(r))),
            None => {
                let schema = crd_schema(r).unwrap_or_else(|| {
                    json!({
                        "type": "object",
                        "description": format!("{} (served by the kubevigil sandbox, schema not modelled).", r.kind),
                        "x-kubernetes-preserve-unknown-fields": true,
                    })
                });
                custom.push((custom_name(r), gvk(r), with_type_meta(schema, &object_meta)));
            }
        }
    }
    let mut definitions = generator.take_definitions(true);
    for (name, gvk) in roots {
        if let Some(schema) = definitions.get_mut(&name) {
            schema["x-kubernetes-group-version-kind"] = json!([gvk]);
            // k8s-openapi marks metadata required; the API server does not.
            if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
                required.retain(|field| field != "metadata");
            }
        }
    }
    for (name, gvk, mut schema) in custom {
        schema["x-kubernetes-group-version-kind"] = json!([gvk]);
        definitions.insert(name, schema);
    }
    definitions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::resource::{self, JOBS};

    #[test]
    fn jobs_have_the_kubernetes_schema_and_its_references() {
        let jobs = resource::get(JOBS);
        assert_eq!(definition_name(jobs), "io.k8s.api.batch.v1.Job");
        let definitions = definitions([jobs], Dialect::V3);
        let job = &definitions["io.k8s.api.batch.v1.Job"];
        assert_eq!(job["x-kubernetes-group-version-kind"][0]["kind"], "Job");
        for field in ["apiVersion", "kind", "metadata", "spec", "status"] {
            assert!(job["properties"].get(field).is_some(), "{field}");
        }
        assert!(definitions.contains_key("io.k8s.api.batch.v1.JobSpec"));
        assert!(definitions.contains_key("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
        let v2 = super::definitions([jobs], Dialect::V2)["io.k8s.api.batch.v1.Job"].clone();
        assert!(
            v2.to_string()
                .contains("#/definitions/io.k8s.api.batch.v1.JobSpec")
        );
    }

    #[test]
    fn custom_kinds_gain_type_meta() {
        let proposals =
            resource::get(resource::lookup("kubevigil.io", "v1alpha1", "actionproposals").unwrap());
        let definitions = definitions([proposals], Dialect::V3);
        let proposal = &definitions["io.kubevigil.v1alpha1.ActionProposal"];
        assert!(proposal["properties"].get("spec").is_some());
        assert_eq!(proposal["properties"]["kind"]["type"], "string");
        assert!(
            proposal["properties"]["metadata"]
                .to_string()
                .contains("ObjectMeta")
        );
    }
}
