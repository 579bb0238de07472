//! A real Alertmanager for tests: `alertmanager` (or Debian's
//! `prometheus-alertmanager`) from PATH, else installed with
//! `apt-get install -y prometheus-alertmanager` (after an `apt-get update`
//! when the first try fails), once per process. [`Alertmanager::start`]
//! runs it on a free loopback port, clustering off, with one webhook
//! receiver pointing at the launcher (`http_config.authorization`), every
//! alert in a group of its own and short group timers; killed on drop.

#![allow(dead_code)]

use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The Alertmanager binary, installing the Debian package when missing.
pub fn binary() -> PathBuf {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if let Some(found) = on_path() {
                return found;
            }
            let install = || {
                Command::new("apt-get")
                    .args(["install", "-y", "prometheus-alertmanager"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if !install() {
                let _ = Command::new("apt-get")
                    .arg("update")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                assert!(
                    install(),
                    "apt-get install -y prometheus-alertmanager failed"
                );
            }
            on_path().expect("alertmanager after installing prometheus-alertmanager")
        })
        .clone()
}

fn on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["alertmanager", "prometheus-alertmanager"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running Alertmanager.
pub struct Alertmanager {
    child: Child,
    /// Its API's address.
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alertmanager {
    /// Starts Alertmanager with a webhook receiver posting to
    /// `http://<webhook><path>` with `token` as the bearer credentials;
    /// returns once it answers ready.
    pub async fn start(webhook: SocketAddr, path: &str, token: &str) -> Alertmanager {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = format!(
            r"route:
  receiver: kubevigil
  group_by: ['...']
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: kubevigil
    webhook_configs:
      - url: http://{webhook}{path}
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"
        );
        let config_path = dir.path().join("alertmanager.yml");
        std::fs::write(&config_path, config).expect("write the config");
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = std::fs::File::create(dir.path().join("alertmanager.log")).expect("log");
        let child = Command::new(binary())
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--cluster.listen-address=")
            .arg("--log.level=debug")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start alertmanager");
        let am = Alertmanager { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                let ready = super::launcher::request(addr, "GET", "/-/ready", None, None);
                let ready = tokio::time::timeout(Duration::from_secs(2), ready).await;
                if matches!(ready, Ok(ref r) if r.code == 200) {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "alertmanager never became ready:\n{}",
                am.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        am
    }

    /// Posts `alerts` to its API (`POST /api/v2/alerts`); returns the status code.
    pub async fn fire(&self, alerts: &[Value]) -> u16 {
        let body = serde_json::to_string(alerts).expect("json");
        super::launcher::post_json(self.addr, "/api/v2/alerts", None, &body)
            .await
            .code
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("alertmanager.log")).unwrap_or_default()
    }
}

/// An alert as Alertmanager's API takes it (no status, no fingerprint: it
/// computes them), firing since `starts_at`.
pub fn api_alert(alertname: &str, namespace: &str, severity: &str, starts_at: &str) -> Value {
    serde_json::json!({
        "labels": {"alertname": alertname, "namespace": namespace, "severity": severity},
        "annotations": {"summary": format!("{alertname} in {namespace}")},
        "startsAt": starts_at,
        "generatorURL": "http://prometheus.example/graph",
    })
}

/// `alert` ended at `ends_at` (in the past: resolved).
pub fn ended(mut alert: Value, ends_at: &str) -> Value {
    alert["endsAt"] = Value::String(ends_at.to_string());
    alert
}
