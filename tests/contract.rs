//! The agent contract, checked from the outside: the committed CRDs match the
//! Rust types, every example manifest parses into its type and keeps the
//! contract, and the examples in docs/protocol.md are valid.
//!
//! When the CRD files drift from the types, regenerate them with
//! `KUBEVIGIL_BLESS=1 cargo test --test contract`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps, JSONSchemaPropsOrArray,
};
use kubevigil::crds;
use kubevigil::domain::protocol::{EventKind, MAX_LINE_BYTES, parse_line};
use kubevigil::domain::{
    ActionKind, ActionProposal, ActionProposalStatus, Investigation, Phase, Risk, TrustPolicy,
    labels,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_file(relative))
        .unwrap_or_else(|e| panic!("reading {relative}: {e}"))
}

fn parse_yaml<T: DeserializeOwned>(what: &str, yaml: &str) -> T {
    serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{what} does not parse: {e}"))
}

fn example<T: DeserializeOwned>(file: &str) -> T {
    let path = format!("assets/examples/{file}");
    parse_yaml(&path, &read(&path))
}

// ---------------------------------------------------------------- CRDs ----

#[test]
fn committed_crds_match_the_rust_types() {
    let bless = std::env::var("KUBEVIGIL_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, expected) in crds::crd_assets().expect("generating the CRDs") {
        let relative = format!("{}/{name}", crds::ASSET_DIR);
        let path = repo_file(&relative);
        if bless {
            std::fs::create_dir_all(repo_file(crds::ASSET_DIR)).expect("creating assets/crds");
            std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("writing {relative}: {e}"));
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(actual) if actual == expected => {}
            Ok(actual) => stale.push(format!(
                "{relative}: {}",
                first_difference(&actual, &expected)
            )),
            Err(e) => stale.push(format!("{relative}: cannot read it ({e})")),
        }
    }
    assert!(
        stale.is_empty(),
        "the committed CRDs differ from the Rust types in src/domain:\n  {}\n\
         Regenerate them with:\n  KUBEVIGIL_BLESS=1 cargo test --test contract\n\
         then review and commit assets/crds/.",
        stale.join("\n  ")
    );
}

fn first_difference(actual: &str, expected: &str) -> String {
    let mut actual_lines = actual.lines();
    let mut expected_lines = expected.lines();
    for number in 1.. {
        match (actual_lines.next(), expected_lines.next()) {
            (Some(a), Some(e)) if a == e => {}
            (None, None) => break,
            (a, e) => {
                return format!(
                    "line {number}: committed {:?}, generated {:?}",
                    a.unwrap_or("<end of file>"),
                    e.unwrap_or("<end of file>")
                );
            }
        }
    }
    "they differ only in line endings".into()
}

fn committed_crd(name: &str) -> CustomResourceDefinition {
    let path = format!("{}/{name}", crds::ASSET_DIR);
    parse_yaml(&path, &read(&path))
}

fn root_schema(crd: &CustomResourceDefinition) -> &JSONSchemaProps {
    crd.spec
        .versions
        .first()
        .and_then(|v| v.schema.as_ref())
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .expect("the CRD has an openAPIV3Schema")
}

#[test]
fn committed_crds_parse_back_into_the_generated_definitions() {
    assert_eq!(
        committed_crd("actionproposals.kubevigil.io.yaml"),
        crds::action_proposal_crd()
    );
    assert_eq!(
        committed_crd("trustpolicies.kubevigil.io.yaml"),
        crds::trust_policy_crd()
    );
}

#[test]
fn crds_are_well_formed_for_the_api_server() {
    for (name, crd) in [
        ("actionproposals", crds::action_proposal_crd()),
        ("trustpolicies", crds::trust_policy_crd()),
    ] {
        let spec = &crd.spec;
        assert_eq!(spec.group, "kubevigil.io");
        assert_eq!(spec.names.plural, name);
        assert_eq!(
            crd.metadata.name.as_deref(),
            Some(format!("{name}.kubevigil.io").as_str()),
            "a CRD must be named <plural>.<group>"
        );
        assert_eq!(spec.scope, "Namespaced");
        assert_eq!(spec.versions.len(), 1);
        let version = &spec.versions[0];
        assert_eq!(version.name, "v1alpha1");
        assert!(version.served && version.storage);
        assert!(
            version
                .subresources
                .as_ref()
                .is_some_and(|s| s.status.is_some()),
            "{name}: decisions and results are written through the status subresource"
        );
        for column in version.additional_printer_columns.iter().flatten() {
            assert!(
                column.json_path.starts_with('.'),
                "{name}: column {}",
                column.name
            );
        }
        let mut problems = Vec::new();
        check_structural(name, root_schema(&crd), true, &mut problems);
        assert!(problems.is_empty(), "{name}:\n  {}", problems.join("\n  "));
    }
}

/// The rules of a structural schema that matter for these types, plus a
/// description on every field (what `kubectl explain` shows).
fn check_structural(
    path: &str,
    schema: &JSONSchemaProps,
    is_root: bool,
    problems: &mut Vec<String>,
) {
    let open = schema.x_kubernetes_preserve_unknown_fields == Some(true)
        || schema.x_kubernetes_int_or_string == Some(true);
    if schema.type_.is_none() && !open {
        problems.push(format!("{path}: no type"));
    }
    if schema.any_of.is_some()
        || schema.one_of.is_some()
        || schema.all_of.is_some()
        || schema.not.is_some()
    {
        problems.push(format!(
            "{path}: anyOf/oneOf/allOf/not are not structural here"
        ));
    }
    if !is_root && schema.description.as_deref().is_none_or(str::is_empty) {
        problems.push(format!("{path}: no description"));
    }
    let properties = schema.properties.clone().unwrap_or_default();
    for required in schema.required.iter().flatten() {
        if !properties.contains_key(required) {
            problems.push(format!(
                "{path}: requires {required}, which is not a property"
            ));
        }
    }
    for (name, child) in &properties {
        check_structural(&format!("{path}.{name}"), child, false, problems);
    }
    if let Some(JSONSchemaPropsOrArray::Schema(item)) = &schema.items {
        let mut item_problems = Vec::new();
        check_structural(&format!("{path}[]"), item, false, &mut item_problems);
        // Items of a list need no description of their own.
        problems.extend(
            item_problems
                .into_iter()
                .filter(|p| !p.ends_with("no description")),
        );
    }
}

#[test]
fn crds_enforce_what_the_types_cannot() {
    let yaml = crds::crds_yaml().expect("yaml");
    assert!(
        yaml.contains("rule: self == oldSelf"),
        "proposal spec immutable"
    );
    assert!(
        yaml.contains("rule: size(self) >= size(oldSelf)"),
        "decisions append-only"
    );
    assert!(
        yaml.contains("rule: self.metadata.name == 'default'"),
        "one policy per namespace"
    );
}

// ------------------------------------------------------------ examples ----

#[test]
fn every_example_file_is_checked() {
    let checked: BTreeSet<&str> = [
        "investigation-job.yaml",
        "actionproposal.yaml",
        "trustpolicy-shadow.yaml",
        "trustpolicy-readonlyassist.yaml",
        "trustpolicy-limitedwrite.yaml",
        "trustpolicy-autonomous.yaml",
    ]
    .into();
    let present: BTreeSet<String> = std::fs::read_dir(repo_file("assets/examples"))
        .expect("assets/examples")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    let present: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    assert_eq!(present, checked, "add a test for each new example");
}

#[test]
fn the_example_job_keeps_the_contract() {
    let job: Job = example("investigation-job.yaml");
    let investigation = Investigation::from_job(&job).expect("the example Job is an investigation");
    assert_eq!(investigation.id, "inv-7f3a9c");
    assert_eq!(&*investigation.target_namespace, "payments");
    assert_eq!(&*investigation.severity, "critical");
    assert!(investigation.trigger.starts_with("KubePodCrashLooping"));
    assert!(investigation.vault_accessor.is_some());

    let spec = job.spec.as_ref().expect("spec");
    assert_eq!(spec.backoff_limit, Some(0));
    assert_eq!(spec.active_deadline_seconds, Some(900));
    assert_eq!(spec.ttl_seconds_after_finished, Some(3600));

    let template_labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref());
    assert_eq!(
        template_labels
            .and_then(|l| l.get(labels::INVESTIGATION))
            .map(String::as_str),
        Some("inv-7f3a9c"),
        "pods carry the investigation label too"
    );

    let pod = spec.template.spec.as_ref().expect("pod spec");
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    let account = pod
        .service_account_name
        .as_deref()
        .expect("a service account");
    assert!(
        Phase::ALL
            .iter()
            .any(|p| account.ends_with(&p.to_string().to_ascii_lowercase())),
        "the service account {account} names its trust phase"
    );
    let pod_security = pod.security_context.as_ref().expect("pod securityContext");
    assert_eq!(pod_security.run_as_non_root, Some(true));
    assert_eq!(
        pod_security
            .seccomp_profile
            .as_ref()
            .map(|s| s.type_.as_str()),
        Some("RuntimeDefault")
    );

    assert!(!pod.containers.is_empty());
    for container in &pod.containers {
        let name = &container.name;
        let resources = container.resources.as_ref().expect("resources");
        for (what, quantities) in [
            ("requests", &resources.requests),
            ("limits", &resources.limits),
        ] {
            let quantities = quantities
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no {what}"));
            assert!(quantities.contains_key("cpu"), "{name}: cpu {what}");
            assert!(quantities.contains_key("memory"), "{name}: memory {what}");
        }
        let security = container
            .security_context
            .as_ref()
            .expect("container securityContext");
        assert_eq!(security.allow_privilege_escalation, Some(false), "{name}");
        assert_eq!(security.read_only_root_filesystem, Some(true), "{name}");
        assert_eq!(security.run_as_non_root, Some(true), "{name}");
        let dropped = security
            .capabilities
            .as_ref()
            .and_then(|c| c.drop.clone())
            .unwrap_or_default();
        assert_eq!(
            dropped,
            vec!["ALL".to_string()],
            "{name}: drop ALL capabilities"
        );
        assert_eq!(
            security.seccomp_profile.as_ref().map(|s| s.type_.as_str()),
            Some("RuntimeDefault"),
            "{name}"
        );
    }
}

#[test]
fn the_example_proposal_is_complete_and_owned_by_the_example_job() {
    let job: Job = example("investigation-job.yaml");
    let proposal: ActionProposal = example("actionproposal.yaml");
    let spec = &proposal.spec;

    assert_eq!(
        Some(&spec.investigation),
        job.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::INVESTIGATION))
    );
    assert_eq!(
        proposal.metadata.namespace, job.metadata.namespace,
        "in the Job's namespace"
    );
    let owner = proposal
        .metadata
        .owner_references
        .as_ref()
        .and_then(|o| o.first())
        .expect("an owner reference");
    assert_eq!(
        (owner.api_version.as_str(), owner.kind.as_str()),
        ("batch/v1", "Job")
    );
    assert_eq!(Some(&owner.name), job.metadata.name.as_ref());
    assert!(!owner.uid.is_empty());
    assert_eq!(
        owner.block_owner_deletion, None,
        "needs jobs/finalizers rights where enforced"
    );

    assert_eq!(spec.action.kind, ActionKind::Patch);
    assert_eq!(spec.risk, Risk::Medium);
    assert!(spec.reversible);
    assert!(
        spec.expires_at.is_some(),
        "a proposal without expiresAt never expires"
    );
    for (what, action) in [
        ("action", Some(&spec.action)),
        ("rollback", spec.rollback.as_ref()),
    ] {
        let action = action.unwrap_or_else(|| panic!("no {what}"));
        let patch = action
            .patch
            .as_deref()
            .unwrap_or_else(|| panic!("{what}: no patch"));
        serde_json::from_str::<Value>(patch)
            .unwrap_or_else(|e| panic!("{what} patch is not JSON: {e}"));
        assert_eq!(action.patch_type.as_deref(), Some("strategic"));
        assert_eq!(action.target.name, "payments-api");
    }
    let diff = spec
        .preview
        .as_ref()
        .and_then(|p| p.diff.as_deref())
        .expect("a diff preview");
    assert!(diff.starts_with("--- ") && diff.contains("\n+++ ") && diff.contains("\n@@ "));
    assert!(diff.contains("\n-            memory: 256Mi\n+            memory: 512Mi\n"));
    let recipient = spec
        .credential_recipient
        .as_deref()
        .expect("a credential recipient");
    assert!(
        recipient.starts_with("age1") && recipient.len() == 62,
        "{recipient}"
    );
    assert!(
        proposal.status.is_none(),
        "agents do not write the first status"
    );
}

#[test]
fn each_trust_policy_example_is_its_phase() {
    let mut namespaces = BTreeSet::new();
    for (file, phase) in [
        ("trustpolicy-shadow.yaml", Phase::Shadow),
        ("trustpolicy-readonlyassist.yaml", Phase::ReadOnlyAssist),
        ("trustpolicy-limitedwrite.yaml", Phase::LimitedWrite),
        ("trustpolicy-autonomous.yaml", Phase::Autonomous),
    ] {
        let policy: TrustPolicy = example(file);
        assert_eq!(policy.spec.phase, phase, "{file}");
        assert_eq!(policy.metadata.name.as_deref(), Some("default"), "{file}");
        let namespace = policy.metadata.namespace.clone().expect("a namespace");
        assert!(
            namespaces.insert(namespace),
            "{file}: one policy per namespace"
        );
        assert!((1..=2).contains(&policy.spec.required_approvals), "{file}");
        assert!(!policy.spec.allowed_actions.is_empty(), "{file}");
    }
    let limited: TrustPolicy = example("trustpolicy-limitedwrite.yaml");
    assert_eq!(limited.spec.required_approvals, 2);
    let autonomous: TrustPolicy = example("trustpolicy-autonomous.yaml");
    assert_eq!(autonomous.spec.autonomous_risk_ceiling, Risk::Low);
    assert!(
        !autonomous
            .spec
            .allowed_actions
            .contains(&ActionKind::Delete)
    );
}

// ---------------------------------------------------------------- docs ----

fn protocol_doc() -> String {
    read("docs/protocol.md")
}

/// The fenced code blocks of `markdown` in `language`.
fn code_blocks(markdown: &str, language: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None if line.trim_start() == format!("```{language}") => current = Some(String::new()),
            Some(_) if line.trim_start() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn every_event_line_in_the_docs_parses_and_every_type_is_shown() {
    let doc = protocol_doc();
    let mut shown = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with(r#"{"type":""#)) {
        let event = parse_line(line.as_bytes());
        let name = match event.kind {
            EventKind::Thought { .. } => "thought",
            EventKind::ToolCall { .. } => "tool_call",
            EventKind::ToolResult { .. } => "tool_result",
            EventKind::Hypothesis { .. } => "hypothesis",
            EventKind::Proposal { .. } => "proposal",
            EventKind::Conclusion { .. } => "conclusion",
            EventKind::Usage { .. } => "usage",
            EventKind::Error { .. } => "error",
            EventKind::Text { .. } => panic!("docs/protocol.md shows an invalid event: {line}"),
        };
        shown.insert(name);
    }
    let all = [
        "thought",
        "tool_call",
        "tool_result",
        "hypothesis",
        "proposal",
        "conclusion",
        "usage",
        "error",
    ];
    assert_eq!(
        shown,
        all.into_iter().collect(),
        "an example line for every event type"
    );
}

#[test]
fn the_docs_state_the_real_limits_and_keys() {
    let doc = protocol_doc();
    assert!(
        doc.contains(&format!("**{MAX_LINE_BYTES} bytes**")),
        "line limit"
    );
    for key in [
        labels::INVESTIGATION,
        labels::TARGET_NAMESPACE,
        labels::TRIGGER,
        labels::SEVERITY,
        labels::VAULT_ACCESSOR,
    ] {
        assert!(doc.contains(&format!("`{key}`")), "{key} is documented");
    }
    for phase in Phase::ALL {
        assert!(
            doc.contains(&format!("| **{phase}** |")),
            "{phase} in the phase table"
        );
    }
}

/// Keys in `value` that the schema does not know: misspelt fields in the docs.
fn unknown_fields(path: &str, value: &Value, schema: &JSONSchemaProps, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let Some(properties) = &schema.properties else {
                return;
            };
            for (key, child) in map {
                match properties.get(key) {
                    Some(child_schema) => {
                        unknown_fields(&format!("{path}.{key}"), child, child_schema, found);
                    }
                    None => found.push(format!("{path}.{key}")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(JSONSchemaPropsOrArray::Schema(item)) = &schema.items {
                for (i, child) in items.iter().enumerate() {
                    unknown_fields(&format!("{path}[{i}]"), child, item, found);
                }
            }
        }
        _ => {}
    }
}

fn check_against_schema(what: &str, object: &Value, crd: &CustomResourceDefinition) {
    let root = root_schema(crd);
    let mut found = Vec::new();
    for part in ["spec", "status"] {
        if let (Some(value), Some(schema)) = (
            object.get(part),
            root.properties.as_ref().and_then(|p| p.get(part)),
        ) {
            unknown_fields(part, value, schema, &mut found);
        }
    }
    assert!(
        found.is_empty(),
        "{what} uses fields the CRD does not have: {found:?}"
    );
}

#[test]
fn the_resource_examples_in_the_docs_are_valid() {
    let doc = protocol_doc();
    let mut kinds = Vec::new();
    for block in code_blocks(&doc, "yaml") {
        if !block.contains("apiVersion: kubevigil.io/v1alpha1") {
            continue;
        }
        let object: Value = parse_yaml("a docs YAML block", &block);
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match kind.as_str() {
            "ActionProposal" => {
                let proposal: ActionProposal = parse_yaml("the docs ActionProposal", &block);
                check_against_schema(
                    "a docs ActionProposal",
                    &object,
                    &crds::action_proposal_crd(),
                );
                if let Some(status) = &proposal.status {
                    let last_edit = status
                        .decisions
                        .iter()
                        .rev()
                        .find_map(|d| d.edited_action.as_ref())
                        .expect("the decided example shows an edited action");
                    assert!(
                        last_edit
                            .patch
                            .as_deref()
                            .is_some_and(|p| p.contains("384Mi"))
                    );
                }
            }
            "TrustPolicy" => {
                let _: TrustPolicy = parse_yaml("the docs TrustPolicy", &block);
                check_against_schema("a docs TrustPolicy", &object, &crds::trust_policy_crd());
            }
            other => panic!("unexpected kind {other:?} in docs/protocol.md"),
        }
        kinds.push(kind);
    }
    assert_eq!(kinds, ["ActionProposal", "ActionProposal", "TrustPolicy"]);
}

#[test]
fn the_status_patches_in_the_docs_are_valid() {
    let doc = protocol_doc();
    let patches: Vec<String> = code_blocks(&doc, "json")
        .into_iter()
        .filter(|b| b.contains(r#""status""#))
        .collect();
    assert_eq!(patches.len(), 2, "an Executed and a Failed example");
    for patch in patches {
        let value: Value = serde_json::from_str(&patch).expect("a JSON status patch");
        assert!(
            value.pointer("/metadata/resourceVersion").is_some(),
            "status patches carry a resourceVersion precondition"
        );
        assert!(
            value.pointer("/status/decisions").is_none(),
            "a merge patch must not resend decisions"
        );
        let status: ActionProposalStatus =
            serde_json::from_value(value["status"].clone()).expect("a valid status");
        assert!(matches!(
            status.state.to_string().as_str(),
            "Executed" | "Failed"
        ));
        assert!(status.execution.is_some());
        check_against_schema("a docs status patch", &value, &crds::action_proposal_crd());
    }
}
