//! The console's Vault tasks: which Vault the console uses (found once, at
//! start), the operator's identity for the header, and the open
//! investigation's token for the detail view. Results come back as
//! [`VaultEvent`]s, in whatever message the console wraps them
//! (`From<VaultEvent>`).

use crate::config::VaultConfig;
use crate::vault::{Vault, VaultSettings};
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

mod messages;

pub use messages::{TOKEN_REFRESH, TokenLookup, VaultEffect, VaultEvent, VaultFailure};

/// How often the operator's identity is looked up again while Vault answers,
/// so the header notices Vault going away.
const IDENTITY_REFRESH: Duration = Duration::from_secs(60);
/// How often it is tried again while Vault does not answer.
const IDENTITY_RETRY: Duration = Duration::from_secs(15);
/// How often it is tried while a server said to be starting has not answered yet.
const STARTING_RETRY: Duration = Duration::from_millis(100);
/// How long a server said to be starting may take before its silence is a failure.
const STARTING_PATIENCE: Duration = Duration::from_secs(30);

/// The Vault the console uses, as found at start.
#[derive(Debug, Clone)]
pub enum ConsoleVault {
    /// No Vault configured.
    Off,
    /// Configured, but unusable as configured: why.
    Misconfigured(String),
    /// A client (no request made yet).
    On(Arc<Vault>),
}

impl ConsoleVault {
    /// `known` settings (the sandbox's OpenBao) when given, otherwise Vault as
    /// the bao and vault CLIs find it ([`crate::vault::settings_from_env`]):
    /// `BAO_*`/`VAULT_*` variables, a token helper or `~/.vault-token`, then
    /// the config file.
    pub fn find(known: Option<VaultSettings>, config: &VaultConfig) -> ConsoleVault {
        let found = match known {
            Some(settings) => Vault::connect(settings).map(Some),
            None => Vault::from_env(config),
        };
        match found {
            Ok(Some(vault)) => ConsoleVault::On(Arc::new(vault)),
            Ok(None) => ConsoleVault::Off,
            Err(error) => ConsoleVault::Misconfigured(error.to_string()),
        }
    }

    /// The client, when Vault is on.
    pub fn client(&self) -> Option<Arc<Vault>> {
        match self {
            ConsoleVault::On(vault) => Some(Arc::clone(vault)),
            _ => None,
        }
    }
}

/// The running identity and token lookups.
pub struct VaultTasks {
    vault: ConsoleVault,
    /// The server is still starting (until it first answers).
    starting: Arc<AtomicBool>,
    identity: Option<JoinHandle<()>>,
    token: Option<JoinHandle<()>>,
}

impl Drop for VaultTasks {
    fn drop(&mut self) {
        for task in [self.identity.take(), self.token.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}

impl VaultTasks {
    /// Tasks for `vault`; nothing runs until an effect asks.
    pub fn new(vault: ConsoleVault) -> VaultTasks {
        VaultTasks {
            vault,
            starting: Arc::new(AtomicBool::new(false)),
            identity: None,
            token: None,
        }
    }

    /// The client, when Vault is on.
    pub fn client(&self) -> Option<Arc<Vault>> {
        self.vault.client()
    }

    /// Says the server is still starting (the sandbox's OpenBao, started
    /// beside the console): the identity lookup then reports
    /// [`VaultEvent::Starting`] and tries again every 100 ms, without
    /// reporting failures, until it answers (30 s at most).
    pub fn still_starting(self) -> VaultTasks {
        self.starting.store(true, Ordering::Relaxed);
        self
    }

    /// The flag [`VaultTasks::still_starting`] sets; cleared once the server answers.
    pub fn starting_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.starting)
    }

    /// Runs one effect; results go to `tx`.
    pub fn run<M: From<VaultEvent> + Send + 'static>(
        &mut self,
        effect: VaultEffect,
        tx: &Sender<M>,
    ) {
        match effect {
            VaultEffect::LookupIdentity => {
                if let Some(task) = self.identity.take() {
                    task.abort();
                }
                let tx = tx.clone();
                self.identity = Some(match &self.vault {
                    ConsoleVault::Off => tokio::spawn(send(tx, VaultEvent::Off)),
                    ConsoleVault::Misconfigured(why) => {
                        tokio::spawn(send(tx, VaultEvent::Misconfigured(why.clone())))
                    }
                    ConsoleVault::On(vault) => tokio::spawn(watch_identity(
                        Arc::clone(vault),
                        Arc::clone(&self.starting),
                        tx,
                    )),
                });
            }
            VaultEffect::WatchToken { accessor } => {
                if let Some(task) = self.token.take() {
                    task.abort();
                }
                if let (Some(accessor), Some(vault)) = (accessor, self.vault.client()) {
                    self.token = Some(tokio::spawn(watch_token(vault, accessor, tx.clone())));
                }
            }
        }
    }
}

async fn send<M: From<VaultEvent>>(tx: Sender<M>, event: VaultEvent) {
    let _ = tx.send(M::from(event)).await;
}

/// Looks up the operator's identity now and again, for as long as the
/// console runs; first says so when the server's certificate goes unchecked.
/// While the server is `starting`, says so and asks often, keeping quiet
/// about the refusals until it answers or [`STARTING_PATIENCE`] ran out.
async fn watch_identity<M: From<VaultEvent>>(
    vault: Arc<Vault>,
    starting: Arc<AtomicBool>,
    tx: Sender<M>,
) {
    if vault.settings().skip_verify {
        let event = VaultEvent::TlsUnverified {
            addr: vault.addr().to_string(),
        };
        if tx.send(M::from(event)).await.is_err() {
            return;
        }
    }
    if starting.load(Ordering::Relaxed) {
        let event = VaultEvent::Starting {
            addr: vault.addr().to_string(),
        };
        if tx.send(M::from(event)).await.is_err() {
            return;
        }
        let patience = tokio::time::Instant::now() + STARTING_PATIENCE;
        while tokio::time::Instant::now() < patience && !vault.is_healthy().await {
            tokio::time::sleep(STARTING_RETRY).await;
        }
        starting.store(false, Ordering::Relaxed);
    }
    loop {
        let result = vault.identity().await.map_err(|e| VaultFailure::from(&e));
        let wait = if result.is_ok() {
            IDENTITY_REFRESH
        } else {
            IDENTITY_RETRY
        };
        let event = VaultEvent::Identity {
            addr: vault.addr().to_string(),
            result,
        };
        if tx.send(M::from(event)).await.is_err() {
            return;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Looks up `accessor` every [`TOKEN_REFRESH`] until the token is gone.
async fn watch_token<M: From<VaultEvent>>(vault: Arc<Vault>, accessor: String, tx: Sender<M>) {
    loop {
        let lookup = match vault.lookup_accessor(&accessor).await {
            Ok(info) => TokenLookup::Found(info),
            Err(error) if error.is_unknown_token() => TokenLookup::Gone,
            Err(error) => TokenLookup::Failed(error.to_string()),
        };
        let gone = lookup == TokenLookup::Gone;
        let event = VaultEvent::Token {
            accessor: accessor.clone(),
            at: Timestamp::now(),
            lookup,
        };
        if tx.send(M::from(event)).await.is_err() || gone {
            return;
        }
        tokio::time::sleep(TOKEN_REFRESH).await;
    }
}
