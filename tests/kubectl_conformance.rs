//! The real `kubectl` against the sandbox's API emulator: the verbs people
//! use every day must behave as on a cluster. get and describe, apply
//! (client-side, server-side, a `kind: List` validated against
//! `/openapi/v2`), patch of all three kinds, delete with cascades,
//! `auth can-i --list`, `explain`, and a watch that goes through a 410 Gone.
//! Each test skips (saying so) when `kubectl` is not on PATH.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use kubevigil::sandbox::api::{ApiConfig, ApiServer};
use serde_json::{Value, json};
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

const NS: &str = "payments";
/// Upper bound for anything a test waits for.
const PATIENCE: Duration = Duration::from_secs(30);

/// A sandbox and a kubectl configured for it (kubeconfig, home and cache in
/// a temporary directory).
struct Kubectl {
    server: ApiServer,
    dir: tempfile::TempDir,
}

fn kubectl_on_path() -> bool {
    let found = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("SKIPPED: kubectl is not on PATH; install kubectl to run the conformance test");
    }
    found
}

impl Kubectl {
    /// `None` (and a message) when kubectl is not installed.
    async fn start(config: ApiConfig) -> Option<Kubectl> {
        if !kubectl_on_path() {
            return None;
        }
        let server = ApiServer::start(config).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("kubeconfig"),
            server.kubeconfig_yaml("oncall-1"),
        )
        .unwrap();
        Some(Kubectl { server, dir })
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new("kubectl");
        command
            .args(args)
            .env("KUBECONFIG", self.dir.path().join("kubeconfig"))
            .env("HOME", self.dir.path())
            .env("KUBECACHEDIR", self.dir.path().join("cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Runs kubectl with `stdin`, within [`PATIENCE`].
    async fn run_with(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self.command(args).spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).await.unwrap();
        drop(input);
        tokio::time::timeout(PATIENCE, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("kubectl {args:?} did not finish"))
            .unwrap()
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, "").await
    }

    /// stdout of a kubectl run that must succeed.
    async fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, "").await
    }

    async fn ok_with(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run_with(args, stdin).await;
        assert!(
            output.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// stderr of a kubectl run that must fail.
    async fn fails(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run_with(args, stdin).await;
        assert!(
            !output.status.success(),
            "kubectl {args:?} should have failed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    async fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&args).await).unwrap()
    }
}

fn job_yaml(name: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  namespace: {NS}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: agent\n        image: agent:1\n"
    )
}

fn deployment_yaml(replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: storefront\n  namespace: {NS}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: storefront}}\n  template:\n    metadata:\n      labels: {{app: storefront}}\n    spec:\n      containers:\n      - name: web\n        image: storefront:1.4\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_describe_show_objects_with_their_server_defaults() {
    let Some(k) = Kubectl::start(ApiConfig::default()).await else {
        return;
    };
    let created = k.ok_with(&["apply", "-f", "-"], &job_yaml("inv-1")).await;
    assert!(created.contains("job.batch/inv-1 created"), "{created}");
    let table = k.ok(&["get", "jobs", "-n", NS]).await;
    assert!(table.contains("inv-1"), "{table}");
    let counts = k
        .ok(&[
            "get",
            "job",
            "inv-1",
            "-n",
            NS,
            "-o",
            "jsonpath={.spec.completions}/{.spec.parallelism}/{.spec.backoffLimit}/{.spec.completionMode}/{.spec.suspend}",
        ])
        .await;
    assert_eq!(counts, "1/1/6/NonIndexed/false");
    let described = k.ok(&["describe", "job", "inv-1", "-n", NS]).await;
    for line in ["Name:", "inv-1", "Parallelism:", "Completions:", "agent:1"] {
        assert!(
            described.contains(line),
            "{line} missing from:\n{described}"
        );
    }
    let phase = k
        .ok(&["get", "namespace", NS, "-o", "jsonpath={.status.phase}"])
        .await;
    assert_eq!(phase, "Active");

    // Seeded objects (the sandbox's world) are defaulted like created ones.
    k.server.seed(vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "seeded"}}),
        json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "peer", "namespace": "seeded"},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "agent", "image": "agent:latest"}]}}}}),
    ]);
    let phase = k
        .ok(&[
            "get",
            "namespace",
            "seeded",
            "-o",
            "jsonpath={.status.phase}",
        ])
        .await;
    assert_eq!(phase, "Active");
    let peer = k.json(&["get", "job", "peer", "-n", "seeded"]).await;
    assert_eq!(peer["spec"]["completions"], 1);
    assert_eq!(peer["spec"]["parallelism"], 1);
    assert_eq!(
        peer["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
        "Always"
    );
    assert!(peer["spec"]["selector"]["matchLabels"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_client_side_server_side_and_a_list_validated_by_openapi_v2() {
    let Some(k) = Kubectl::start(ApiConfig::default()).await else {
        return;
    };
    let first = k.ok_with(&["apply", "-f", "-"], &deployment_yaml(2)).await;
    assert!(
        first.contains("deployment.apps/storefront created"),
        "{first}"
    );
    let again = k.ok_with(&["apply", "-f", "-"], &deployment_yaml(3)).await;
    assert!(again.contains("configured"), "{again}");
    let deployment = k.json(&["get", "deployment", "storefront", "-n", NS]).await;
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(deployment["spec"]["strategy"]["type"], "RollingUpdate");
    assert!(
        deployment["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .is_string()
    );

    let config_map = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  namespace: {NS}\ndata:\n  checkout: \"on\"\n"
    );
    let applied = k
        .ok_with(&["apply", "--server-side", "-f", "-"], &config_map)
        .await;
    assert!(
        applied.contains("configmap/flags serverside-applied"),
        "{applied}"
    );
    let stored = k
        .json(&[
            "get",
            "configmap",
            "flags",
            "-n",
            NS,
            "--show-managed-fields",
        ])
        .await;
    assert_eq!(stored["data"]["checkout"], "on");
    assert_eq!(stored["metadata"]["managedFields"][0]["manager"], "kubectl");

    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {{name: storefront, namespace: {NS}}}\n  spec:\n    selector: {{app: storefront}}\n    ports: [{{port: 80}}]\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: limits, namespace: {NS}}}\n  data: {{rps: \"100\"}}\n"
    );
    let applied = k.ok_with(&["apply", "-f", "-"], &list).await;
    assert!(applied.contains("service/storefront created"), "{applied}");
    assert!(applied.contains("configmap/limits created"), "{applied}");
    let service = k.json(&["get", "service", "storefront", "-n", NS]).await;
    assert_eq!(service["spec"]["type"], "ClusterIP");
    assert_eq!(service["spec"]["ports"][0]["targetPort"], 80);

    // A single object: kubectl leaves validation to the server (fieldValidation=Strict).
    let typo = deployment_yaml(3).replace("  replicas:", "  replicaz:");
    let refused = k.fails(&["apply", "-f", "-"], &typo).await;
    assert!(
        refused.contains("strict decoding error: unknown field \"spec.replicaz\""),
        "{refused}"
    );
    let typo = config_map
        .replace("flags", "flags-2")
        .replace("\ndata:", "\ndatta:");
    let refused = k.fails(&["apply", "--server-side", "-f", "-"], &typo).await;
    assert!(refused.contains("unknown field \"datta\""), "{refused}");

    let misspelt = list.replace("data:", "datta:");
    let refused = k.fails(&["apply", "-f", "-"], &misspelt).await;
    assert!(refused.contains("unknown field \"datta\""), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_json_merge_and_strategic_and_invalid_labels_get_422() {
    let Some(k) = Kubectl::start(ApiConfig::default()).await else {
        return;
    };
    k.ok_with(&["apply", "-f", "-"], &deployment_yaml(1)).await;
    let target = ["patch", "deployment", "storefront", "-n", NS];
    let patch = |kind: &'static str, body: &'static str| {
        let mut args = target.to_vec();
        args.extend(["--type", kind, "-p", body]);
        args
    };
    let out = k
        .ok(&patch(
            "json",
            r#"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
        ))
        .await;
    assert!(out.contains("deployment.apps/storefront patched"), "{out}");
    k.ok(&patch("merge", r#"{"metadata":{"labels":{"tier":"web"}}}"#))
        .await;
    k.ok(&patch(
        "strategic",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"proxy","image":"envoy:1"}]}}}}"#,
    ))
    .await;
    let deployment = k.json(&["get", "deployment", "storefront", "-n", NS]).await;
    assert_eq!(deployment["spec"]["replicas"], 4);
    assert_eq!(deployment["metadata"]["labels"]["tier"], "web");
    let names: Vec<&str> = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "strategic merge keeps web and adds proxy: {names:?}"
    );
    assert!(names.contains(&"web") && names.contains(&"proxy"));

    let refused = k
        .fails(
            &patch(
                "merge",
                r#"{"metadata":{"labels":{"tier":"x\u001b[31my"}}}"#,
            ),
            "",
        )
        .await;
    assert!(
        refused.contains("metadata.labels: Invalid value: \"x\\x1b[31my\""),
        "{refused}"
    );
    let raw = k
        .run(&[
            "patch",
            "deployment",
            "storefront",
            "-n",
            NS,
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"labels":{"tier":"x\u001b"}}}"#,
            "-v=8",
        ])
        .await;
    let log = String::from_utf8_lossy(&raw.stderr);
    assert!(log.contains(r#"\"field\":\"metadata.labels\""#), "{log}");
    assert!(!log.contains("<nil>"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_cascades_to_pods_or_orphans_them() {
    let Some(k) = Kubectl::start(ApiConfig::default()).await else {
        return;
    };
    for name in ["doomed", "orphaning"] {
        k.ok_with(&["apply", "-f", "-"], &job_yaml(name)).await;
        let job = k.json(&["get", "job", name, "-n", NS]).await;
        k.server.seed(vec![json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{name}-pod"), "namespace": NS,
                "labels": {"job-name": name},
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name,
                    "uid": job["metadata"]["uid"], "controller": true}]},
            "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}
        })]);
    }
    let deleted = k.ok(&["delete", "job", "doomed", "-n", NS]).await;
    assert!(
        deleted.contains("job.batch \"doomed\" deleted"),
        "{deleted}"
    );
    let pods = k.ok(&["get", "pods", "-n", NS, "-o", "name"]).await;
    assert!(!pods.contains("pod/doomed-pod"), "{pods}");
    assert!(pods.contains("pod/orphaning-pod"), "{pods}");

    k.ok(&["delete", "job", "orphaning", "-n", NS, "--cascade=orphan"])
        .await;
    let orphan = k.json(&["get", "pod", "orphaning-pod", "-n", NS]).await;
    assert!(
        orphan["metadata"].get("ownerReferences").is_none(),
        "{orphan}"
    );
    let jobs = k.ok(&["get", "jobs", "-n", NS, "-o", "name"]).await;
    assert_eq!(jobs.trim(), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_can_i_list_shows_each_users_rules() {
    let Some(k) = Kubectl::start(ApiConfig::default()).await else {
        return;
    };
    let operator = k.ok(&["auth", "can-i", "--list", "-n", NS]).await;
    assert!(operator.contains("*.*"), "{operator}");
    let dev_home = k
        .ok(&[
            "--context",
            "payments-dev",
            "auth",
            "can-i",
            "--list",
            "-n",
            NS,
        ])
        .await;
    assert!(dev_home.contains("*.*"), "{dev_home}");
    let dev_away = k
        .ok(&[
            "--context",
            "payments-dev",
            "auth",
            "can-i",
            "--list",
            "-n",
            "default",
        ])
        .await;
    assert!(!dev_away.contains("*.*"), "{dev_away}");
    assert!(
        dev_away.contains("selfsubjectrulesreviews.authorization.k8s.io"),
        "{dev_away}"
    );
    let viewer = k
        .ok(&["--context", "viewer", "auth", "can-i", "--list", "-n", NS])
        .await;
    assert!(viewer.contains("[get list watch]"), "{viewer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_shows_type_meta_and_the_kinds_fields() {
    let Some(k) = Kubectl::start(ApiConfig::default()).await else {
        return;
    };
    let job = k.ok(&["explain", "job"]).await;
    for field in [
        "apiVersion\t<string>",
        "kind\t<string>",
        "metadata\t<ObjectMeta>",
        "spec\t<JobSpec>",
    ] {
        assert!(job.contains(field), "{field} missing from:\n{job}");
    }
    let backoff = k.ok(&["explain", "job.spec.backoffLimit"]).await;
    assert!(backoff.contains("<integer>"), "{backoff}");
    let proposal = k.ok(&["explain", "actionproposals.spec"]).await;
    assert!(proposal.contains("action"), "{proposal}");
    let proposal = k.ok(&["explain", "actionproposals"]).await;
    assert!(proposal.contains("metadata\t<ObjectMeta>"), "{proposal}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_goes_through_a_410_gone() {
    // A short history and short watches, no bookmarks: the wait's watch ends,
    // its version has been forgotten, the server answers 410 Gone and
    // kubectl's informer lists again and goes on watching from the new version.
    let config = ApiConfig {
        watch_history: 2,
        max_watch: Duration::from_secs(5),
        bookmark_interval: Duration::from_secs(3600),
        ..ApiConfig::default()
    };
    let Some(k) = Kubectl::start(config).await else {
        return;
    };
    k.ok_with(&["apply", "-f", "-"], &job_yaml("watched")).await;
    let list_path = format!("/apis/batch/v1/namespaces/{NS}/jobs");
    let before: Value = serde_json::from_str(&k.ok(&["get", "--raw", &list_path]).await).unwrap();
    let old_version = before["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();

    let wait = k
        .command(&[
            "wait",
            "job/watched",
            "-n",
            NS,
            "--for=jsonpath={.metadata.labels.stage}=done",
            "--timeout=60s",
            "-v=6",
        ])
        .spawn()
        .unwrap();
    let watching = k
        .command(&["get", "jobs", "-n", NS, "-w", "-o", "name"])
        .spawn()
        .unwrap();
    // Both have listed and are watching well before this, even on a loaded
    // machine (kubectl takes a while to start), and their watches (5 s at
    // most) are still open: the wait's version must be one the four applies
    // below make the server forget, and `get -w` sees them as they happen
    // (or, started late, lists them).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for name in ["other-1", "other-2", "other-3", "other-4"] {
        k.ok_with(&["apply", "-f", "-"], &job_yaml(name)).await;
    }
    let gone = k
        .ok(&[
            "get",
            "--raw",
            &format!(
                "/apis/batch/v1/namespaces/{NS}/jobs?watch=true&resourceVersion={old_version}"
            ),
        ])
        .await;
    assert!(
        gone.contains("\"code\":410") && gone.contains("Expired"),
        "{gone}"
    );
    // Long enough for the wait's watch to end and be resumed from the forgotten version.
    tokio::time::sleep(Duration::from_secs(6)).await;
    k.ok(&["label", "job", "watched", "-n", NS, "stage=done"])
        .await;
    let waited = tokio::time::timeout(PATIENCE, wait.wait_with_output())
        .await
        .expect("kubectl wait finished")
        .unwrap();
    let log = String::from_utf8_lossy(&waited.stderr);
    assert!(waited.status.success(), "{log}");
    assert!(
        String::from_utf8_lossy(&waited.stdout).contains("job.batch/watched condition met"),
        "{log}"
    );
    assert!(
        log.contains("too old resource version"),
        "the wait's watch was not resumed from a forgotten version: {log}"
    );
    // `kubectl get -w` printed every change while its watch was open, and
    // (as against a real API server) ends quietly when the server ends it.
    let watched = tokio::time::timeout(PATIENCE, watching.wait_with_output())
        .await
        .expect("kubectl get -w ended with its watch")
        .unwrap();
    assert!(watched.status.success());
    let printed = String::from_utf8_lossy(&watched.stdout);
    for name in ["watched", "other-1", "other-4"] {
        assert!(printed.contains(&format!("job.batch/{name}")), "{printed}");
    }
}
