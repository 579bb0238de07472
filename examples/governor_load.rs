//! The governor's memory and CPU with many proposals (docs/performance.md,
//! "Governor").
//!
//! Each run starts the API emulator in this process (loopback only), creates
//! the sandbox's five namespaces and TrustPolicies (one per phase), stores
//! `--proposals` ActionProposals without status (spread over the namespaces,
//! risks and action kinds, so the governor records, auto-approves, vetoes and
//! leaves some pending; one in ten of those bound to be pending expires
//! `--expire-after` seconds after they were stored), then starts
//! `kubevigil governor` as a separate process on a kubeconfig for the
//! emulator (Vault off) and measures that process alone:
//!
//! - the time from its start until every proposal has a status (through a
//!   watch in this process), and the CPU it spent meanwhile;
//! - the time until every proposal due to expire is `Expired`;
//! - its CPU while idle afterwards (utime + stime from `/proc/PID/stat` over
//!   `--idle` seconds);
//! - its resident memory (`VmRSS`, and the peak `VmHWM`, from
//!   `/proc/PID/status`).
//!
//! Then it kills the governor and stops the emulator; every wait is bounded.
//!
//! ```text
//! cargo build --release --bin kubevigil --example governor_load
//! target/release/examples/governor_load --proposals 10000 --runs 3
//! ```
//!
//! The governor binary defaults to `kubevigil` next to this example's
//! directory (`target/release/kubevigil` for a release build); `--kubevigil
//! PATH` picks another.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use futures::StreamExt;
use kube::Api;
use kube::runtime::watcher::{self, Event};
use kubevigil::domain::{ActionProposal, ActionProposalSpec, ProposalState};
use kubevigil::governor::initial_status;
use kubevigil::sandbox::GOVERNOR_USER;
use kubevigil::sandbox::agents::world;
use kubevigil::sandbox::api::{AGENT_USER, ApiConfig, ApiServer};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Clock ticks per second of `/proc/PID/stat` (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;
/// Upper bound for every wait of a run.
const PATIENCE: Duration = Duration::from_secs(600);

struct Options {
    proposals: usize,
    runs: usize,
    idle: Duration,
    expire_after: Duration,
    kubevigil: PathBuf,
}

fn options() -> Result<Options> {
    let mut options = Options {
        proposals: 10_000,
        runs: 1,
        idle: Duration::from_secs(10),
        expire_after: Duration::from_secs(30),
        kubevigil: default_binary()?,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--proposals" => options.proposals = value()?.parse()?,
            "--runs" => options.runs = value()?.parse()?,
            "--idle" => options.idle = Duration::from_secs(value()?.parse()?),
            "--expire-after" => options.expire_after = Duration::from_secs(value()?.parse()?),
            "--kubevigil" => options.kubevigil = PathBuf::from(value()?),
            other => {
                return Err(format!(
                    "unknown argument {other}; takes --proposals N --runs N --idle SECONDS \
                     --expire-after SECONDS --kubevigil PATH"
                )
                .into());
            }
        }
    }
    Ok(options)
}

/// `target/<profile>/kubevigil`, beside `target/<profile>/examples/`.
fn default_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find the target directory")?;
    Ok(profile_dir.join("kubevigil"))
}

/// What the governor does with a proposal, by construction of the mix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Gets a first status and keeps it.
    Status,
    /// Gets `Pending`, then `Expired` at its deadline.
    Expires,
}

/// Proposal `index`: namespaces, risks and action kinds in turn.
fn proposal(index: usize, expires_at: &str) -> (Value, Expect) {
    let namespaces = world::namespaces();
    let (namespace, spec) = &namespaces[index % namespaces.len()];
    let risk = ["low", "medium", "high"][(index / namespaces.len()) % 3];
    let kind = if (index / 15) % 4 == 3 {
        "delete"
    } else {
        "rollout-restart"
    };
    let mut spec_json = json!({
        "investigation": format!("inv-{}", index / 20),
        "summary": format!("restart checkout ({index})"),
        "rationale": "readiness probe fails after the config change; a restart picks up the fixed config map",
        "risk": risk,
        "reversible": true,
        "action": {
            "kind": kind,
            "target": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": namespace, "name": "checkout"}
        }
    });
    // One in ten of the proposals the policy leaves pending expires.
    let judged = serde_json::from_value::<ActionProposalSpec>(spec_json.clone())
        .map(|parsed| initial_status(&parsed, Some(spec), jiff::Timestamp::now()).state);
    let expires = matches!(judged, Ok(ProposalState::Pending))
        && (index / namespaces.len()).is_multiple_of(10);
    if expires {
        spec_json["expiresAt"] = json!(expires_at);
    }
    let object = json!({
        "apiVersion": "kubevigil.io/v1alpha1",
        "kind": "ActionProposal",
        "metadata": {"name": format!("load-{index:06}"), "namespace": namespace},
        "spec": spec_json,
    });
    (
        object,
        if expires {
            Expect::Expires
        } else {
            Expect::Status
        },
    )
}

/// utime + stime of process `pid`, in seconds.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which ends with the last ')'.
    let rest = stat.rsplit_once(')').ok_or("unreadable stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: f64 = fields.get(11).ok_or("no utime")?.parse()?;
    let stime: f64 = fields.get(12).ok_or("no stime")?.parse()?;
    Ok((utime + stime) / TICKS_PER_SECOND)
}

/// `VmRSS` and `VmHWM` of process `pid`, in MiB.
fn memory_mib(pid: u32) -> Result<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Figures {
    first_status_s: f64,
    per_second: f64,
    cpu_first_status_s: f64,
    /// This process (the emulator and the watch) meanwhile.
    emulator_cpu_s: f64,
    expired_after_deadline_s: f64,
    idle_cpu_percent: f64,
    rss_idle_mib: f64,
    hwm_mib: f64,
}

/// Proposal states seen through a watch, by name.
struct Seen {
    states: HashMap<String, Option<ProposalState>>,
}

impl Seen {
    fn apply(&mut self, proposal: &ActionProposal) {
        let name = proposal.metadata.name.clone().unwrap_or_default();
        let state = proposal.status.as_ref().map(|s| s.state);
        self.states.insert(name, state);
    }

    fn with_status(&self) -> usize {
        self.states.values().filter(|s| s.is_some()).count()
    }

    fn expired(&self) -> usize {
        self.states
            .values()
            .filter(|s| **s == Some(ProposalState::Expired))
            .count()
    }

    fn count(&self, state: ProposalState) -> usize {
        self.states.values().filter(|s| **s == Some(state)).count()
    }
}

async fn run(options: &Options, run_index: usize) -> Result<Figures> {
    let api = ApiServer::start(ApiConfig::default()).await?;
    let client = api.client(AGENT_USER)?;
    world::create(&client).await?;
    api.seed(vec![json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": kubevigil::governor::leader::DEFAULT_LEASE_NAMESPACE}
    })]);

    let deadline = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::try_from(options.expire_after)?)?;
    let deadline_instant = Instant::now() + options.expire_after;
    let mut objects = Vec::with_capacity(options.proposals);
    let mut expiring = 0;
    for index in 0..options.proposals {
        let (object, expect) = proposal(index, &deadline.to_string());
        expiring += usize::from(expect == Expect::Expires);
        objects.push(object);
    }
    api.seed(objects);

    // Watch the proposals from this process before the governor starts.
    let proposals: Api<ActionProposal> = Api::all(client.clone());
    let mut seen = Seen {
        states: HashMap::new(),
    };
    let mut events = Box::pin(watcher::watcher(proposals, watcher::Config::default()));
    loop {
        match tokio::time::timeout(PATIENCE, events.next()).await? {
            Some(Ok(Event::InitApply(p))) => seen.apply(&p),
            Some(Ok(Event::InitDone)) => break,
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
            None => return Err("watch ended".into()),
        }
    }
    if seen.states.len() != options.proposals {
        return Err(format!("listed {} proposals", seen.states.len()).into());
    }

    let dir = tempfile::tempdir()?;
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, api.kubeconfig_yaml(GOVERNOR_USER))?;
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let log = std::fs::File::create(dir.path().join("governor.log"))?;
    let started = Instant::now();
    let mut governor = tokio::process::Command::new(&options.kubevigil)
        .arg("governor")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--metrics-addr")
        .arg(format!("127.0.0.1:{metrics_port}"))
        .arg("--identity")
        .arg(format!("governor-load-{run_index}"))
        .env_remove("VAULT_ADDR")
        .env_remove("VAULT_TOKEN")
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let pid = governor.id().ok_or("the governor exited at once")?;
    let cpu_at_start = cpu_seconds(pid)?;
    let own_cpu_at_start = cpu_seconds(std::process::id())?;

    let mut first_status = None;
    let mut all_expired = None;
    let give_up = started + PATIENCE;
    while first_status.is_none() || all_expired.is_none() {
        let event = tokio::time::timeout_at(give_up.into(), events.next())
            .await
            .map_err(|_| {
                format!(
                    "gave up after {PATIENCE:?}: {} with status, {} expired of {expiring}",
                    seen.with_status(),
                    seen.expired()
                )
            })?;
        match event {
            Some(Ok(Event::Apply(p) | Event::InitApply(p))) => seen.apply(&p),
            Some(Ok(_)) => {}
            Some(Err(error)) => eprintln!("watch: {error}"),
            None => return Err("watch ended".into()),
        }
        if first_status.is_none() && seen.with_status() == options.proposals {
            first_status = Some((
                started.elapsed(),
                cpu_seconds(pid)? - cpu_at_start,
                cpu_seconds(std::process::id())? - own_cpu_at_start,
            ));
        }
        if all_expired.is_none() && seen.expired() == expiring {
            all_expired = Some(Instant::now());
        }
    }
    let (first_status_time, cpu_first_status, emulator_cpu) =
        first_status.ok_or("no first status")?;
    let expired_at = all_expired.ok_or("no expiry")?;
    let expired_after_deadline = expired_at
        .checked_duration_since(deadline_instant)
        .map_or(0.0, |late| late.as_secs_f64());
    println!(
        "run {run_index}: states Recorded {} Pending {} AutoApproved {} Vetoed {} Expired {}",
        seen.count(ProposalState::Recorded),
        seen.count(ProposalState::Pending),
        seen.count(ProposalState::AutoApproved),
        seen.count(ProposalState::Vetoed),
        seen.count(ProposalState::Expired),
    );

    // Idle: nothing changes any more; let the last writes settle first.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_start = cpu_seconds(pid)?;
    let idle_clock = Instant::now();
    tokio::time::sleep(options.idle).await;
    let idle_cpu = cpu_seconds(pid)? - idle_start;
    let idle_percent = 100.0 * idle_cpu / idle_clock.elapsed().as_secs_f64();
    let (rss, hwm) = memory_mib(pid)?;

    governor.start_kill()?;
    let _ = tokio::time::timeout(Duration::from_secs(10), governor.wait()).await;
    drop(events);
    api.shutdown().await;

    let seconds = first_status_time.as_secs_f64();
    Ok(Figures {
        first_status_s: seconds,
        per_second: options.proposals as f64 / seconds,
        cpu_first_status_s: cpu_first_status,
        emulator_cpu_s: emulator_cpu,
        expired_after_deadline_s: expired_after_deadline,
        idle_cpu_percent: idle_percent,
        rss_idle_mib: rss,
        hwm_mib: hwm,
    })
}

/// Min, median and max.
fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (values[0], values[n / 2], values[n - 1])
}

#[tokio::main]
async fn main() -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let options = options()?;
    if !options.kubevigil.exists() {
        return Err(format!(
            "{} not found: build it (cargo build --release --bin kubevigil) or pass --kubevigil",
            options.kubevigil.display()
        )
        .into());
    }
    println!(
        "governor: {} ({} proposals, idle {} s, expiry {} s after storing)",
        options.kubevigil.display(),
        options.proposals,
        options.idle.as_secs(),
        options.expire_after.as_secs()
    );
    let mut all = Vec::new();
    for run_index in 1..=options.runs.max(1) {
        let figures = run(&options, run_index).await?;
        println!(
            "run {run_index}: first status for all {:.2} s ({:.0} proposals/s), governor CPU {:.2} s \
             ({:.0} us/proposal), emulator CPU {:.2} s; expiries done {:.2} s after the deadline; idle CPU {:.2}% of one core; \
             VmRSS {:.1} MiB, VmHWM {:.1} MiB",
            figures.first_status_s,
            figures.per_second,
            figures.cpu_first_status_s,
            1e6 * figures.cpu_first_status_s / options.proposals as f64,
            figures.emulator_cpu_s,
            figures.expired_after_deadline_s,
            figures.idle_cpu_percent,
            figures.rss_idle_mib,
            figures.hwm_mib,
        );
        all.push(figures);
    }
    if all.len() > 1 {
        let show = |label: &str, pick: fn(&Figures) -> f64| {
            let mut values: Vec<f64> = all.iter().map(pick).collect();
            let (min, median, max) = spread(&mut values);
            println!("{label:<32} min {min:>9.2}  median {median:>9.2}  max {max:>9.2}");
        };
        show("first status for all (s)", |f| f.first_status_s);
        show("proposals/s", |f| f.per_second);
        show("CPU to first status (s)", |f| f.cpu_first_status_s);
        show("emulator CPU meanwhile (s)", |f| f.emulator_cpu_s);
        show("expiries after deadline (s)", |f| {
            f.expired_after_deadline_s
        });
        show("idle CPU (% of one core)", |f| f.idle_cpu_percent);
        show("VmRSS idle (MiB)", |f| f.rss_idle_mib);
        show("VmHWM peak (MiB)", |f| f.hwm_mib);
    }
    Ok(())
}
