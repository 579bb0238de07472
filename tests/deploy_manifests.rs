//! The manifests that deploy the governor (assets/deploy/, with its RBAC in
//! assets/rbac/): every one is accepted by `kubectl apply --dry-run=server`
//! against the sandbox's API, the Deployment is what the issue asks for (two
//! replicas, probes, limits, a locked-down securityContext), and the
//! Prometheus alert rules pass `promtool check rules`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::promtool::check_rules;
use k8s_openapi::api::apps::v1::Deployment;
use kubevigil::sandbox::{Sandbox, SandboxOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifests() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![
        root.join("assets/rbac/00-namespaces.yaml"),
        root.join("assets/rbac/kubevigil-governor.yaml"),
    ];
    let mut deploy: Vec<PathBuf> = std::fs::read_dir(root.join("assets/deploy"))
        .expect("assets/deploy")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    deploy.sort();
    assert!(deploy.len() >= 2, "{deploy:?}");
    files.extend(deploy);
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_manifest_passes_a_server_side_dry_run() {
    let sandbox = Sandbox::start(SandboxOptions {
        scenarios: false,
        governor_replicas: 1,
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandbox starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox
        .write_kubeconfig(&kubeconfig, "oncall-1")
        .expect("kubeconfig");
    for file in manifests() {
        let output = tokio::task::spawn_blocking({
            let kubeconfig = kubeconfig.clone();
            let file = file.clone();
            move || {
                Command::new("kubectl")
                    .arg("--kubeconfig")
                    .arg(&kubeconfig)
                    .args(["apply", "--dry-run=server", "-f"])
                    .arg(&file)
                    .output()
                    .expect("run kubectl")
            }
        })
        .await
        .expect("kubectl ends");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success(),
            "{}: kubectl apply --dry-run=server failed:\n{said}",
            file.display()
        );
        assert!(said.contains("(server dry run)"), "{said}");
    }
    // A dry run creates nothing.
    let deployments: kube::Api<Deployment> = kube::Api::namespaced(
        sandbox.api().client("oncall-1").expect("client"),
        "kubevigil-system",
    );
    assert!(
        deployments
            .get_opt("kubevigil-governor")
            .await
            .expect("read")
            .is_none()
    );
    sandbox.shutdown().await;
}

#[test]
fn the_deployment_runs_two_locked_down_replicas_with_probes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("assets/deploy/governor.yaml")).expect("read");
    let deployment: Deployment = text
        .split("\n---\n")
        .filter_map(|doc| serde_saphyr::from_str::<serde_json::Value>(doc).ok())
        .find(|doc| doc["kind"] == "Deployment")
        .map(|doc| serde_json::from_value(doc).expect("a Deployment"))
        .expect("a Deployment in governor.yaml");
    let spec = deployment.spec.expect("spec");
    assert_eq!(spec.replicas, Some(2));
    let pod = spec.template.spec.expect("pod spec");
    assert_eq!(
        pod.service_account_name.as_deref(),
        Some("kubevigil-governor")
    );
    let pod_security = pod.security_context.expect("pod securityContext");
    assert_eq!(pod_security.run_as_non_root, Some(true));
    assert_eq!(
        pod_security.seccomp_profile.map(|p| p.type_),
        Some("RuntimeDefault".to_string())
    );
    let container = &pod.containers[0];
    let security = container
        .security_context
        .clone()
        .expect("container securityContext");
    assert_eq!(security.read_only_root_filesystem, Some(true));
    assert_eq!(security.allow_privilege_escalation, Some(false));
    let path = |probe: &Option<k8s_openapi::api::core::v1::Probe>| {
        probe
            .as_ref()
            .and_then(|p| p.http_get.as_ref())
            .and_then(|h| h.path.clone())
    };
    assert_eq!(path(&container.liveness_probe).as_deref(), Some("/healthz"));
    assert_eq!(path(&container.readiness_probe).as_deref(), Some("/readyz"));
    let resources = container.resources.clone().expect("resources");
    assert!(resources.requests.is_some() && resources.limits.is_some());
    let env: Vec<String> = container
        .env
        .iter()
        .flatten()
        .filter(|e| {
            e.value_from
                .as_ref()
                .is_some_and(|v| v.secret_key_ref.is_some())
        })
        .map(|e| e.name.clone())
        .collect();
    assert!(env.contains(&"VAULT_ADDR".to_string()) && env.contains(&"VAULT_TOKEN".to_string()));
}

#[test]
fn the_alert_rules_pass_promtool() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/deploy/prometheus/alerts.yaml");
    let (ok, said) = check_rules(&rules);
    assert!(ok, "promtool check rules:\n{said}");
    let text = std::fs::read_to_string(&rules).expect("read");
    for alert in [
        "KubevigilGovernorNoLeader",
        "KubevigilCredentialMintFailures",
        "KubevigilNamespaceDemoted",
    ] {
        assert!(text.contains(alert), "{alert}");
    }
}
