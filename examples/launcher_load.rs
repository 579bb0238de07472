//! The launcher's cost per alert and its memory with 10,000 queued
//! investigations (docs/performance.md, "Launcher").
//!
//! Starts the API emulator in this process (loopback only) with one
//! InvestigationTemplate, then `kubevigil governor` as a separate process
//! (Vault off) with the webhook on (`--webhook-token-file`), a global cap of
//! 20 and a queue bound above `--alerts`, and measures that process alone:
//!
//! - the intake: `--alerts` firing alerts posted to the webhook in batches
//!   of 500 (each a new suspended Job); wall time and the governor's CPU per
//!   alert;
//! - its resident memory (`VmRSS`) before the alerts and once all of them
//!   are Jobs (20 running, the rest queued), and the difference per queued
//!   investigation;
//! - admission with the full queue: `--rounds` times, the 20 running Jobs
//!   are marked Complete and the time until 20 others are admitted is taken
//!   (the governor's CPU per admission beside it).
//!
//! ```text
//! cargo build --release --bin kubevigil --example launcher_load
//! target/release/examples/launcher_load --alerts 10000 --rounds 5
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use k8s_openapi::api::batch::v1::Job;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kubevigil::domain::InvestigationTemplate;
use kubevigil::sandbox::GOVERNOR_USER;
use kubevigil::sandbox::api::{ApiConfig, ApiServer};
use serde_json::{Value, json};
use std::error::Error;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const TICKS_PER_SECOND: f64 = 100.0;
const PATIENCE: Duration = Duration::from_secs(600);
const TOKEN: &str = "launcher-load-token";
const CAP: usize = 20;
const BATCH: usize = 500;

fn default_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find the target directory")?;
    Ok(profile_dir.join("kubevigil"))
}

fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = stat.rsplit_once(')').ok_or("unreadable stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11).ok_or("no utime")?.parse()?;
    let stime: f64 = fields.get(12).ok_or("no stime")?.parse()?;
    Ok((utime + stime) / TICKS_PER_SECOND)
}

fn rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    Ok(status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0)
}

async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: load\r\nConnection: close\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or("no status")?;
    Ok((code, text))
}

fn payload(alerts: &[Value]) -> String {
    json!({"version": "4", "status": "firing", "receiver": "load", "alerts": alerts}).to_string()
}

fn alert(index: usize) -> Value {
    let namespaces = ["payments", "web", "search", "checkout", "ledger"];
    let severities = ["critical", "warning", "info", "high"];
    json!({
        "status": "firing",
        "labels": {
            "alertname": format!("Load{}", index % 13),
            "namespace": namespaces[index % namespaces.len()],
            "severity": severities[index % severities.len()],
        },
        "annotations": {"summary": "load"},
        "startsAt": "2026-12-01T10:00:00Z",
        "fingerprint": format!("{index:016x}"),
    })
}

/// A gauge of the governor's /metrics.
async fn gauge(addr: SocketAddr, name: &str) -> Result<i64> {
    let (_, text) = http(addr, "GET", "/metrics", "").await?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1))
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> Result<bool>) -> Result<Duration> {
    let started = Instant::now();
    while !check().await? {
        if started.elapsed() > PATIENCE {
            return Err(format!("timed out: {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(started.elapsed())
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut alerts = 10_000;
    let mut rounds = 5;
    let mut binary = default_binary()?;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--alerts" => alerts = value.parse()?,
            "--rounds" => rounds = value.parse()?,
            "--kubevigil" => binary = PathBuf::from(value),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let api = ApiServer::start(ApiConfig::default()).await?;
    let client = api.client(GOVERNOR_USER)?;
    let template: InvestigationTemplate = serde_json::from_value(json!({
        "apiVersion": "kubevigil.io/v1alpha1", "kind": "InvestigationTemplate",
        "metadata": {"name": "default", "namespace": "kubevigil-system"},
        "spec": {"job": {"image": "registry.example/sre-agent:1.0"}}
    }))?;
    Api::<InvestigationTemplate>::namespaced(client.clone(), "kubevigil-system")
        .create(&PostParams::default(), &template)
        .await?;
    let dir = tempfile::tempdir()?;
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, api.kubeconfig_yaml(GOVERNOR_USER))?;
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let log = std::fs::File::create(dir.path().join("governor.log"))?;
    let mut governor = tokio::process::Command::new(&binary)
        .arg("governor")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--metrics-addr")
        .arg(addr.to_string())
        .arg("--webhook-token-file")
        .arg(&token)
        .args(["--max-investigations", &CAP.to_string()])
        .args(["--queue-bound", &(alerts + 1).to_string()])
        .args(["--alert-rate", "1000000/1m"])
        .env_remove("VAULT_ADDR")
        .env_remove("BAO_ADDR")
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let pid = governor.id().ok_or("the governor exited at once")?;
    wait_for("the webhook accepts", async || {
        Ok(matches!(
            http(addr, "POST", "/api/v1/alerts", &payload(&[])).await,
            Ok((200, _))
        ))
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = rss_mib(pid)?;

    let all: Vec<Value> = (0..alerts).map(alert).collect();
    let cpu0 = cpu_seconds(pid)?;
    let started = Instant::now();
    for batch in all.chunks(BATCH) {
        let (code, text) = http(addr, "POST", "/api/v1/alerts", &payload(batch)).await?;
        if code != 200 {
            return Err(format!("webhook answered {code}: {text}").into());
        }
    }
    let intake = started.elapsed();
    let intake_cpu = cpu_seconds(pid)? - cpu0;
    wait_for("everything is queued or running", async || {
        Ok(
            gauge(addr, "kubevigil_launcher_queued").await? == (alerts - CAP) as i64
                && gauge(addr, "kubevigil_launcher_running").await? == CAP as i64,
        )
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_full = rss_mib(pid)?;

    let jobs: Api<Job> = Api::all(client.clone());
    let mut admissions = Vec::new();
    let mut admission_cpu = 0.0;
    for _ in 0..rounds {
        let running: Vec<Job> = jobs
            .list(&ListParams::default().labels("kubevigil.io/admission=admitted"))
            .await?
            .items
            .into_iter()
            .filter(|j| !kubevigil::domain::queue::is_finished(j))
            .collect();
        let queued_before = gauge(addr, "kubevigil_launcher_queued").await?;
        let cpu = cpu_seconds(pid)?;
        let now = jiff::Timestamp::now().to_string();
        let started = Instant::now();
        for job in &running {
            let patch = json!({"status": {"conditions": [{"type": "Complete", "status": "True",
                "lastTransitionTime": now, "lastProbeTime": now}], "succeeded": 1}});
            Api::<Job>::namespaced(
                client.clone(),
                job.metadata.namespace.as_deref().unwrap_or_default(),
            )
            .patch_status(
                job.metadata.name.as_deref().unwrap_or_default(),
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await?;
        }
        wait_for("twenty more admitted", async || {
            Ok(gauge(addr, "kubevigil_launcher_queued").await?
                <= queued_before - running.len() as i64
                && gauge(addr, "kubevigil_launcher_running").await? == CAP as i64)
        })
        .await?;
        admissions.push(started.elapsed().as_secs_f64() / running.len().max(1) as f64);
        admission_cpu += cpu_seconds(pid)? - cpu;
    }
    let rss_after = rss_mib(pid)?;
    governor.kill().await?;
    let per_admission_ms = admissions.iter().sum::<f64>() / admissions.len().max(1) as f64 * 1000.0;
    println!("alerts:                         {alerts} (cap {CAP}, batches of {BATCH})");
    println!(
        "intake:                         {:.2} s wall, {:.3} ms/alert wall, {:.3} ms/alert governor CPU",
        intake.as_secs_f64(),
        intake.as_secs_f64() * 1000.0 / alerts as f64,
        intake_cpu * 1000.0 / alerts as f64
    );
    println!(
        "admission with {} queued:      {per_admission_ms:.2} ms/Job wall (complete -> admitted), {:.2} ms/Job governor CPU",
        alerts - CAP,
        admission_cpu * 1000.0 / (rounds * CAP) as f64
    );
    println!(
        "governor VmRSS:                 {rss_before:.1} MiB before, {rss_full:.1} MiB with {} queued ({:.2} KiB per queued Job), {rss_after:.1} MiB after {rounds} rounds",
        alerts - CAP,
        (rss_full - rss_before) * 1024.0 / (alerts - CAP) as f64
    );
    Ok(())
}
