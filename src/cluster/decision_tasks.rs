//! Runs the console's decision effects as tasks: decisions, kills, halts,
//! reading the audit trail and a proposal's action, the clipboard (OSC 52),
//! and presence. Every result comes back as a [`DecisionEvent`] (a failed copy
//! as a [`CopyFailed`]), in whatever message the console wraps them.

use crate::audit::AuditLog;
use crate::decide::{
    DecideError, Decider, HaltOutcome, Identity, KillOutcome, PRESENCE_NAMESPACE, Revocation,
    may_decide, spawn_presence_task, watch_presence,
};
use crate::vault::Vault;
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use kube::Client;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc::Sender;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod messages;

pub use messages::{CopyFailed, DecisionEffect, DecisionEvent, TaskId};

/// How far back `:audit` reads.
const AUDIT_WINDOW: SignedDuration = SignedDuration::from_hours(24 * 7);

/// The running presence tasks: the viewing channel, the publisher, the watcher.
struct PresenceTasks {
    viewing: watch::Sender<Option<String>>,
    /// `None` for a read-only console, which does not publish.
    publisher: Option<JoinHandle<()>>,
    watcher: JoinHandle<()>,
}

/// What the decision effects keep between runs.
#[derive(Default)]
pub struct DecisionTasks {
    audit: Option<Arc<AuditLog>>,
    presence: Option<PresenceTasks>,
    /// Vault, when the console found it on (minting on approval, revoking).
    vault: Option<Arc<Vault>>,
    /// Set while that Vault is still starting (the sandbox's OpenBao).
    vault_starting: Arc<AtomicBool>,
}

impl Drop for DecisionTasks {
    fn drop(&mut self) {
        self.stop_presence();
    }
}

impl DecisionTasks {
    fn stop_presence(&mut self) {
        if let Some(tasks) = self.presence.take() {
            tasks.watcher.abort();
            // Dropping the sender makes the publisher withdraw the Lease and end.
            drop(tasks.viewing);
            drop(tasks.publisher);
        }
    }

    /// The local audit log (opened once), or why it cannot be opened.
    fn audit(&mut self) -> Result<Arc<AuditLog>, String> {
        if let Some(audit) = &self.audit {
            return Ok(Arc::clone(audit));
        }
        let audit = Arc::new(AuditLog::open_default().map_err(|e| e.to_string())?);
        self.audit = Some(Arc::clone(&audit));
        Ok(audit)
    }

    /// Decides with this Vault (`None`: Vault is off, nothing is minted).
    pub fn set_vault(&mut self, vault: Option<Arc<Vault>>) {
        self.vault = vault;
    }

    /// Shares the flag that says Vault is still starting: a decision made
    /// meanwhile waits (shown as under way) until Vault answers, rather than
    /// fail to mint its credential.
    pub fn set_vault_starting(&mut self, starting: Arc<AtomicBool>) {
        self.vault_starting = starting;
    }

    /// The decider for `identity`'s acts: this console's audit log and
    /// Vault; or why the audit log cannot be opened.
    fn decider(&mut self, client: &Client, identity: &Identity) -> Result<Decider, String> {
        let audit = self.audit()?;
        Ok(Decider::new(client.clone(), identity.clone())
            .with_audit(audit)
            .with_vault(self.vault.clone()))
    }

    /// Runs one effect against `client`; results go to `tx`.
    pub fn run<M>(&mut self, effect: DecisionEffect, client: &Client, tx: &Sender<M>)
    where
        M: From<DecisionEvent> + From<CopyFailed> + Send + 'static,
    {
        let client = client.clone();
        let tx = tx.clone();
        match effect {
            DecisionEffect::Decide {
                id,
                request,
                retry,
                after,
            } => {
                let decider = self.decider(&client, &request.identity);
                let starting = self
                    .vault
                    .clone()
                    .filter(|_| self.vault_starting.load(Ordering::Relaxed));
                tokio::spawn(async move {
                    if let Some(wait) = after {
                        tokio::time::sleep(wait).await;
                    }
                    if let Some(vault) = starting {
                        wait_until_answering(&vault).await;
                    }
                    let result = match decider {
                        // With Vault on, a decision that completes the
                        // approvals of a LimitedWrite proposal mints the
                        // agent's write credential, and a veto revokes it.
                        Ok(decider) if retry => decider.retry(&request).await,
                        Ok(decider) => decider.decide(&request).await,
                        Err(error) => Err(DecideError::Rejected {
                            doing: request.describe(),
                            message: format!(
                                "the local audit log cannot be opened ({error}); nothing was sent"
                            ),
                        }),
                    };
                    let event = DecisionEvent::Decided {
                        id,
                        result: result.map(Box::new),
                    };
                    let _ = tx.send(M::from(event)).await;
                });
            }
            DecisionEffect::Kill {
                id,
                identity,
                namespace,
                job,
            } => {
                let doing = format!("kill {namespace}/{job}");
                let event = move |result| DecisionEvent::Killed { id, result };
                let decider = self.decider(&client, &identity);
                self.spawn_stop(doing, tx, event, decider, |decider| async move {
                    decider.kill(&namespace, &job, None).await
                });
            }
            DecisionEffect::Halt {
                id,
                identity,
                namespace,
                reason,
            } => {
                let doing = format!("halt {namespace}");
                let event = move |result| DecisionEvent::Halted { id, result };
                let decider = self.decider(&client, &identity);
                self.spawn_stop(doing, tx, event, decider, |decider| async move {
                    decider.halt(&namespace, reason).await
                });
            }
            DecisionEffect::Resume {
                id,
                identity,
                namespace,
                restore_phase,
            } => {
                let doing = format!("resume {namespace}");
                let event = move |result| DecisionEvent::Resumed { id, result };
                let decider = self.decider(&client, &identity);
                self.spawn_stop(doing, tx, event, decider, move |decider| async move {
                    decider
                        .resume(&namespace, restore_phase)
                        .await
                        .map(|outcome| (outcome, Revocation::default()))
                });
            }
            DecisionEffect::Queue {
                id,
                identity,
                namespace,
                job,
                change,
            } => {
                let doing = format!("{change} {namespace}/{job}");
                let event = move |result| DecisionEvent::QueueChanged { id, result };
                let decider = self.decider(&client, &identity);
                self.spawn_stop(doing, tx, event, decider, move |decider| async move {
                    decider
                        .change_queued(&namespace, &job, change)
                        .await
                        .map(|outcome| (outcome, Revocation::default()))
                });
            }
            DecisionEffect::LoadAudit { namespace } => {
                tokio::spawn(async move {
                    let since = Timestamp::now()
                        .checked_sub(AUDIT_WINDOW)
                        .unwrap_or(Timestamp::UNIX_EPOCH);
                    let result =
                        crate::audit::collect_from_cluster(&client, namespace.as_deref(), since)
                            .await
                            .map_err(|e| format!("could not read the audit trail: {e}"));
                    let _ = tx.send(M::from(DecisionEvent::AuditLoaded(result))).await;
                });
            }
            DecisionEffect::Copy { text } => {
                let mut stdout = std::io::stdout();
                let written = stdout
                    .write_all(osc52(&text).as_bytes())
                    .and_then(|()| stdout.flush());
                if let Err(error) = written {
                    let _ = tx.try_send(M::from(CopyFailed(format!("could not copy: {error}"))));
                }
            }
            DecisionEffect::StartPresence {
                identity,
                viewing,
                publish,
            } => {
                self.stop_presence();
                let (sender, receiver) = watch::channel(viewing);
                let console_id = format!("console-{}", std::process::id());
                let publisher = publish.then(|| {
                    spawn_presence_task(
                        client.clone(),
                        PRESENCE_NAMESPACE.to_string(),
                        identity,
                        console_id,
                        receiver,
                    )
                });
                let watcher = tokio::spawn(async move {
                    // Presence and the governor's leader, both from Leases in
                    // kubevigil-system.
                    let present = watch_presence(client.clone(), PRESENCE_NAMESPACE)
                        .map(DecisionEvent::Presence);
                    let leader = crate::governor::leader::watch_leader(client, PRESENCE_NAMESPACE)
                        .map(DecisionEvent::GovernorLeader);
                    let mut events = std::pin::pin!(futures::stream::select(present, leader));
                    while let Some(event) = events.next().await {
                        if tx.send(M::from(event)).await.is_err() {
                            return;
                        }
                    }
                });
                self.presence = Some(PresenceTasks {
                    viewing: sender,
                    publisher,
                    watcher,
                });
            }
            DecisionEffect::SetViewing(viewing) => {
                if let Some(tasks) = &self.presence {
                    tasks.viewing.send_replace(viewing);
                }
            }
            DecisionEffect::CheckMayDecide { namespace } => {
                tokio::spawn(async move {
                    let may = may_decide(&client, namespace.as_deref().unwrap_or_default()).await;
                    let _ = tx.send(M::from(DecisionEvent::MayDecide(may))).await;
                });
            }
        }
    }

    /// Runs a kill, halt or resume as a task: `stop` does it with `decider`,
    /// the Vault revocations that failed are added to its warnings, and
    /// `event` turns the result into what is sent back. Without an audit log
    /// (`decider` is why not) nothing is done and the failure names what was
    /// being `doing`.
    fn spawn_stop<O, Stop, Done, Event, M>(
        &mut self,
        doing: String,
        tx: Sender<M>,
        event: Event,
        decider: Result<Decider, String>,
        stop: Stop,
    ) where
        O: Warned + Send + 'static,
        Stop: FnOnce(Decider) -> Done + Send + 'static,
        Done: Future<Output = Result<(O, Revocation), DecideError>> + Send + 'static,
        Event: FnOnce(Result<O, DecideError>) -> DecisionEvent + Send + 'static,
        M: From<DecisionEvent> + Send + 'static,
    {
        tokio::spawn(async move {
            let result = match decider {
                Ok(decider) => stop(decider).await.map(|(mut outcome, revocation)| {
                    outcome
                        .warnings_mut()
                        .extend(revocation_warnings(revocation));
                    outcome
                }),
                Err(error) => Err(no_audit(doing, &error)),
            };
            let _ = tx.send(M::from(event(result))).await;
        });
    }
}

/// An outcome that carries warnings for the operator (kill, halt).
trait Warned {
    /// The warnings, to add to.
    fn warnings_mut(&mut self) -> &mut Vec<String>;
}

impl Warned for KillOutcome {
    fn warnings_mut(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

impl Warned for crate::decide::ResumeOutcome {
    fn warnings_mut(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

impl Warned for crate::decide::QueueOutcome {
    fn warnings_mut(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

impl Warned for HaltOutcome {
    fn warnings_mut(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

/// Vault revocations that failed during a kill or halt, as notices: the kill
/// or halt itself stands, but the operator must know a credential may live on.
fn revocation_warnings(revocation: Revocation) -> Vec<String> {
    revocation
        .failures
        .into_iter()
        .map(|failure| format!("Vault revocation failed: {failure}"))
        .collect()
}

fn no_audit(doing: String, error: &str) -> DecideError {
    DecideError::Rejected {
        doing,
        message: format!("the local audit log cannot be opened ({error}); nothing was done"),
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard.
pub fn osc52(text: &str) -> String {
    format!("\u{1b}]52;c;{}\u{7}", base64(text.as_bytes()))
}

/// Standard base64 with padding, as OSC 52 expects.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Waits until a starting Vault answers (30 s at most: then the decision
/// goes ahead and a failure to mint is noted on the proposal as usual).
async fn wait_until_answering(vault: &Vault) {
    let patience = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while tokio::time::Instant::now() < patience && !vault.is_healthy().await {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(osc52("hi"), "\u{1b}]52;c;aGk=\u{7}");
    }
}
