//! A launcher for tests: the API emulator, one leading governor replica's
//! launcher (its webhook on a loopback listener), an InvestigationTemplate,
//! and plain HTTP/1.1 to post webhooks with.

#![allow(dead_code)]

use k8s_openapi::api::batch::v1::Job;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use kubevigil::domain::{InvestigationTemplate, labels};
use kubevigil::governor::{Metrics, metrics};
use kubevigil::launcher::{Launcher, LauncherConfig, WEBHOOK_PATH};
use kubevigil::sandbox::api::{AGENT_USER, ApiServer, GOVERNOR_USER};
use kubevigil::vault::Vault;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// The webhook's bearer token in tests.
pub const TOKEN: &str = "webhook-test-token-0123456789";
/// Where the test template lives.
pub const TEMPLATE_NAMESPACE: &str = "kubevigil-system";
/// The image of the test template.
pub const IMAGE: &str = "registry.example/sre-agent:1.0";

/// A running launcher and what it runs against.
pub struct Harness {
    pub server: ApiServer,
    /// The governor's client.
    pub client: Client,
    /// An agent's client (creates policies, completes Jobs).
    pub agent: Client,
    pub launcher: Launcher,
    pub metrics: Metrics,
    /// The webhook's listener.
    pub addr: SocketAddr,
    /// Says whether the replica leads.
    pub leading: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    listener: tokio::task::JoinHandle<()>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.task.abort();
        self.listener.abort();
    }
}

/// The config tests start from: the test token, a fast rate.
pub fn config() -> LauncherConfig {
    let mut config = LauncherConfig::new(TOKEN);
    config.alert_rate = "1000/1m".parse().expect("rate");
    config.retry_after_seconds = 1;
    config
}

impl Harness {
    /// Starts the emulator, applies the default template and starts a
    /// leading launcher with `config`; returns once it accepts alerts.
    pub async fn start(config: LauncherConfig, vault: Option<Arc<Vault>>) -> Harness {
        let server = super::world::emulator().await;
        Self::start_on(server, config, vault).await
    }

    /// [`Harness::start`] on an emulator already running.
    pub async fn start_on(
        server: ApiServer,
        config: LauncherConfig,
        vault: Option<Arc<Vault>>,
    ) -> Harness {
        let client = server.client(GOVERNOR_USER).expect("governor client");
        Self::start_with_client(server, client, config, vault).await
    }

    /// [`Harness::start_on`] with the launcher acting as `client`.
    pub async fn start_with_client(
        server: ApiServer,
        client: Client,
        config: LauncherConfig,
        vault: Option<Arc<Vault>>,
    ) -> Harness {
        let agent = server.client(AGENT_USER).expect("agent client");
        apply_template(
            &agent,
            "default",
            json!({
                "matchers": [r#"alertname=~".+""#],
                "job": {
                    "image": IMAGE,
                    "args": ["--output=jsonl"],
                    "activeDeadlineSeconds": 600,
                    "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}},
                }
            }),
        )
        .await;
        let metrics = Metrics::new();
        let launcher = Launcher::new(client.clone(), vault, config, &metrics);
        let (addr, listener) = metrics::serve_with(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics.clone(),
            launcher.router(),
        )
        .await
        .expect("listen");
        let (leading, receiver) = watch::channel(true);
        let runner = launcher.clone();
        let task = tokio::spawn(async move { runner.run(receiver).await });
        let harness = Harness {
            server,
            client,
            agent,
            launcher,
            metrics,
            addr,
            leading,
            task,
            listener,
        };
        harness
            .wait(
                "the launcher accepts alerts",
                Duration::from_secs(20),
                || async { harness.launcher.is_accepting() },
            )
            .await;
        harness
    }

    /// Posts `payload` to the webhook with the right token.
    pub async fn post(&self, payload: &Value) -> Response {
        post_json(self.addr, WEBHOOK_PATH, Some(TOKEN), &payload.to_string()).await
    }

    /// The launcher's Jobs in every namespace.
    pub async fn jobs(&self) -> Vec<Job> {
        Api::<Job>::all(self.client.clone())
            .list(&ListParams::default().labels(labels::ADMISSION))
            .await
            .expect("list Jobs")
            .items
    }

    /// Waits until `check` holds, panicking with `what` after `timeout`.
    pub async fn wait<F, Fut>(&self, what: &str, timeout: Duration, check: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = bool>,
    {
        let deadline = Instant::now() + timeout;
        while !check().await {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Marks the Job finished (`Complete`), as the job controller would.
    pub async fn complete(&self, namespace: &str, name: &str) {
        let api = Api::<Job>::namespaced(self.client.clone(), namespace);
        let now = jiff::Timestamp::now().to_string();
        let patch = json!({"status": {
            "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": now, "lastProbeTime": now}],
            "succeeded": 1, "completionTime": now
        }});
        api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("complete the Job");
    }

    /// The scraped metrics text.
    pub fn metrics_text(&self) -> String {
        self.metrics.encode_prometheus()
    }
}

/// Creates or replaces the InvestigationTemplate `name` with `spec`.
pub async fn apply_template(client: &Client, name: &str, spec: Value) {
    let api = Api::<InvestigationTemplate>::namespaced(client.clone(), TEMPLATE_NAMESPACE);
    let template: InvestigationTemplate = serde_json::from_value(json!({
        "apiVersion": "kubevigil.io/v1alpha1",
        "kind": "InvestigationTemplate",
        "metadata": {"name": name, "namespace": TEMPLATE_NAMESPACE},
        "spec": spec,
    }))
    .expect("a template");
    match api.create(&PostParams::default(), &template).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {
            api.patch(
                name,
                &PatchParams::apply("tests").force(),
                &Patch::Apply(&template),
            )
            .await
            .expect("update the template");
        }
        Err(error) => panic!("create the template: {error}"),
    }
}

/// One alert of a webhook payload.
pub fn alert(
    alertname: &str,
    fingerprint: &str,
    namespace: &str,
    severity: &str,
    starts_at: &str,
) -> Value {
    json!({
        "status": "firing",
        "labels": {"alertname": alertname, "namespace": namespace, "severity": severity},
        "annotations": {"summary": format!("{alertname} in {namespace}")},
        "startsAt": starts_at,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint,
    })
}

/// `alert` resolved.
pub fn resolved(mut alert: Value) -> Value {
    alert["status"] = json!("resolved");
    alert["endsAt"] = json!(jiff::Timestamp::now().to_string());
    alert
}

/// A version 4 webhook payload around `alerts`.
pub fn payload(alerts: Vec<Value>) -> Value {
    json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"test\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "kubevigil",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
    })
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Response {
    pub code: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Response {
    /// The JSON body.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// `POST path` with a JSON body over HTTP/1.1 (`Connection: close`).
pub async fn post_json(addr: SocketAddr, path: &str, token: Option<&str>, body: &str) -> Response {
    request(addr, "POST", path, token, Some(body)).await
}

/// One HTTP/1.1 request (`Connection: close`), read to the end.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("send");
    if let Some(body) = body {
        stream
            .write_all(body.as_bytes())
            .await
            .expect("send the body");
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("a response");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let retry_after = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("retry-after: ")
                .or_else(|| l.strip_prefix("Retry-After: "))
        })
        .map(str::to_string);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Response {
        code,
        retry_after,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A label of a Job.
pub fn label<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

/// An annotation of a Job.
pub fn annotation<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// Whether the Job is admitted (and so unsuspended).
pub fn is_admitted(job: &Job) -> bool {
    label(job, labels::ADMISSION) == Some(labels::ADMISSION_ADMITTED)
        && job.spec.as_ref().and_then(|s| s.suspend) == Some(false)
}
