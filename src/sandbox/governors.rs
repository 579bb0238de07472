//! The sandbox's governor replicas: the same code as `kubevigil governor`,
//! several copies in-process, each with its own Lease identity, one leading,
//! each with the alert launcher beside it (its Alertmanager webhook on the
//! replica's HTTP listener; only the leader's accepts alerts).
//! [`Governors::kill_leader`] ends the leader as a crash would (its Lease is
//! not freed) and starts a replacement, as a Deployment would.

use crate::governor::leader::{self, Election, Leadership};
use crate::governor::{Metrics, metrics};
use crate::launcher::{Launcher, LauncherConfig, WEBHOOK_PATH};
use crate::vault::Vault;
use kube::Client;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// One running replica.
struct Replica {
    identity: String,
    leadership: Leadership,
    task: JoinHandle<()>,
    metrics: Metrics,
    metrics_addr: Option<SocketAddr>,
    listener: Option<JoinHandle<()>>,
}

impl Replica {
    fn stop(self, free_lease: bool) -> impl Future<Output = ()> {
        self.task.abort();
        if let Some(listener) = &self.listener {
            listener.abort();
        }
        let leadership = self.leadership;
        async move {
            if free_lease {
                leadership.resign().await;
            } else {
                leadership.abandon();
            }
        }
    }
}

/// A replica as the sandbox reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaInfo {
    /// Its Lease identity.
    pub identity: String,
    /// Whether it leads now.
    pub leading: bool,
    /// Where it serves `/metrics`, `/healthz`, `/readyz` and the launcher's
    /// webhook (loopback).
    pub metrics_addr: Option<SocketAddr>,
}

impl ReplicaInfo {
    /// Its Alertmanager webhook URL (`http://127.0.0.1:PORT/api/v1/alerts`).
    pub fn webhook_url(&self) -> Option<String> {
        self.metrics_addr
            .map(|addr| format!("http://{addr}{WEBHOOK_PATH}"))
    }
}

/// The governor replicas of a sandbox.
pub struct Governors {
    client: Client,
    vault: Option<Arc<Vault>>,
    launcher: LauncherConfig,
    lease_duration: Duration,
    replicas: Mutex<Vec<Replica>>,
    started: Mutex<usize>,
}

impl Governors {
    /// Starts `count` replicas acting with `client` (and `vault`), electing
    /// their leader with Leases of `lease_duration`; their launchers take a
    /// fresh random webhook token ([`Governors::webhook_token`]) and the
    /// default caps.
    pub async fn start(
        client: Client,
        vault: Option<Arc<Vault>>,
        count: usize,
        lease_duration: Duration,
    ) -> Arc<Governors> {
        let token = format!(
            "sandbox-webhook-{}",
            crate::sandbox::agents::job::random_suffix(24)
        );
        let launcher = LauncherConfig::new(token);
        Governors::start_with_launcher(client, vault, launcher, count, lease_duration).await
    }

    /// [`Governors::start`], each replica with a launcher configured by
    /// `launcher` (its webhook token, caps and rate).
    pub async fn start_with_launcher(
        client: Client,
        vault: Option<Arc<Vault>>,
        launcher: LauncherConfig,
        count: usize,
        lease_duration: Duration,
    ) -> Arc<Governors> {
        let governors = Arc::new(Governors {
            client,
            vault,
            launcher,
            lease_duration,
            replicas: Mutex::new(Vec::new()),
            started: Mutex::new(0),
        });
        for _ in 0..count {
            governors.start_one().await;
        }
        governors
    }

    /// Starts one more replica under a new identity (`governor-1`, `governor-2`, ...).
    pub async fn start_one(&self) -> String {
        let number = match self.started.lock() {
            Ok(mut started) => {
                *started += 1;
                *started
            }
            Err(_) => 0,
        };
        let identity = format!("governor-{number}");
        let election = Election::new(identity.clone(), self.lease_duration);
        let leadership = leader::join(self.client.clone(), election);
        let metrics = Metrics::new();
        let launcher = Launcher::new(
            self.client.clone(),
            self.vault.clone(),
            self.launcher.clone(),
            &metrics,
        );
        let listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
        let served = metrics::serve_with(listen, metrics.clone(), launcher.router()).await;
        let (metrics_addr, listener) = match served {
            Ok((addr, task)) => (Some(addr), Some(task)),
            Err(error) => {
                tracing::warn!(%error, "sandbox governor: no metrics listener");
                (None, None)
            }
        };
        let task = tokio::spawn(crate::governor::run_replica_with_launcher(
            self.client.clone(),
            self.vault.clone(),
            metrics.clone(),
            leadership.leading(),
            launcher,
        ));
        let replica = Replica {
            identity: identity.clone(),
            leadership,
            task,
            metrics,
            metrics_addr,
            listener,
        };
        if let Ok(mut replicas) = self.replicas.lock() {
            replicas.push(replica);
        }
        identity
    }

    /// The replicas now.
    pub fn replicas(&self) -> Vec<ReplicaInfo> {
        self.replicas
            .lock()
            .map(|replicas| {
                replicas
                    .iter()
                    .map(|r| ReplicaInfo {
                        identity: r.identity.clone(),
                        leading: r.metrics.is_leader(),
                        metrics_addr: r.metrics_addr,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The webhook token Alertmanager (the sandbox's alert source) presents.
    pub fn webhook_token(&self) -> &str {
        &self.launcher.webhook_token
    }

    /// The leading replica's webhook URL, when one leads.
    pub fn leader_webhook_url(&self) -> Option<String> {
        self.replicas()
            .into_iter()
            .find(|r| r.leading)
            .and_then(|r| r.webhook_url())
    }

    /// The identity of the replica that leads now, if one does.
    pub fn leader(&self) -> Option<String> {
        self.replicas()
            .into_iter()
            .find(|r| r.leading)
            .map(|r| r.identity)
    }

    /// Ends the leading replica as a crash would (its Lease is not freed, so
    /// the others take over once it runs out) and starts a replacement.
    /// Returns the identity killed, or `None` when no replica leads.
    pub async fn kill_leader(&self) -> Option<String> {
        let killed = {
            let mut replicas = self.replicas.lock().ok()?;
            let index = replicas.iter().position(|r| r.metrics.is_leader())?;
            replicas.remove(index)
        };
        let identity = killed.identity.clone();
        killed.stop(false).await;
        tracing::info!(%identity, "sandbox: killed the leading governor");
        self.start_one().await;
        Some(identity)
    }

    /// Kills the leader every `every`, until the task is dropped.
    pub async fn kill_leader_every(self: Arc<Self>, every: Duration) {
        let mut interval = tokio::time::interval(every);
        interval.tick().await;
        loop {
            interval.tick().await;
            self.kill_leader().await;
        }
    }

    /// Stops every replica, freeing the Lease.
    pub async fn shutdown(&self) {
        let replicas = match self.replicas.lock() {
            Ok(mut replicas) => std::mem::take(&mut *replicas),
            Err(_) => Vec::new(),
        };
        for replica in replicas {
            replica.stop(true).await;
        }
    }
}
