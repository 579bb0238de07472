//! Runs the console's decision effects as tasks: decisions, kills, halts,
//! reading the audit trail and a proposal's action, the clipboard (OSC 52),
//! and presence. Every result comes back as an [`Action::Decisions`].

use crate::app::action::Action;
use crate::app::decisions::{DecisionEffect, DecisionEvent};
use crate::audit::AuditLog;
use crate::decide::{
    DecideError, HaltOutcome, KillOutcome, PRESENCE_NAMESPACE, PendingDecision, Revocation,
    decide_request, halt_namespace_with_vault, kill_investigation_with_vault, may_decide,
    spawn_presence_task, watch_presence,
};
use crate::vault::Vault;
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use kube::Client;
use std::io::Write;
use std::sync::Arc;
use tokio::sync::mpsc::Sender;
use tokio::sync::watch;
use tokio::task::JoinHandle;

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

    fn vault(&self) -> Option<Arc<Vault>> {
        self.vault.clone()
    }

    /// Runs one effect against `client`; results go to `tx`.
    pub fn run(&mut self, effect: DecisionEffect, client: &Client, tx: &Sender<Action>) {
        let client = client.clone();
        let tx = tx.clone();
        match effect {
            DecisionEffect::Decide {
                id,
                request,
                retry,
                after,
            } => {
                let audit = self.audit();
                let vault = self.vault();
                tokio::spawn(async move {
                    if let Some(wait) = after {
                        tokio::time::sleep(wait).await;
                    }
                    let result = match audit {
                        Ok(audit) => {
                            record(&client, &request, retry, &audit, vault.as_deref()).await
                        }
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
                    let _ = tx.send(Action::Decisions(event)).await;
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
                self.spawn_stop(doing, tx, event, |audit, vault| async move {
                    kill_investigation_with_vault(
                        &client,
                        &identity,
                        &namespace,
                        &job,
                        None,
                        &audit,
                        vault.as_deref(),
                    )
                    .await
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
                self.spawn_stop(doing, tx, event, |audit, vault| async move {
                    halt_namespace_with_vault(
                        &client,
                        &identity,
                        &namespace,
                        reason,
                        &audit,
                        vault.as_deref(),
                    )
                    .await
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
                self.spawn_stop(doing, tx, event, move |audit, _vault| async move {
                    crate::decide::resume_namespace(
                        &client,
                        &identity,
                        &namespace,
                        restore_phase,
                        &audit,
                    )
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
                self.spawn_stop(doing, tx, event, move |audit, _vault| async move {
                    crate::decide::change_queued(
                        &client, &identity, &namespace, &job, change, &audit,
                    )
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
                    let _ = tx
                        .send(Action::Decisions(DecisionEvent::AuditLoaded(result)))
                        .await;
                });
            }
            DecisionEffect::Copy { text } => {
                let mut stdout = std::io::stdout();
                let written = stdout
                    .write_all(osc52(&text).as_bytes())
                    .and_then(|()| stdout.flush());
                if let Err(error) = written {
                    let _ = tx.try_send(Action::Notice(format!("could not copy: {error}")));
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
                        if tx.send(Action::Decisions(event)).await.is_err() {
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
                    let _ = tx
                        .send(Action::Decisions(DecisionEvent::MayDecide(may)))
                        .await;
                });
            }
        }
    }

    /// Runs a kill or halt as a task: `stop` does it with the audit log and
    /// Vault, the Vault revocations that failed are added to its warnings, and
    /// `event` turns the result into what is sent back. Without an audit log
    /// nothing is done and the failure names what was being `doing`.
    fn spawn_stop<O, Stop, Done, Event>(
        &mut self,
        doing: String,
        tx: Sender<Action>,
        event: Event,
        stop: Stop,
    ) where
        O: Warned + Send + 'static,
        Stop: FnOnce(Arc<AuditLog>, Option<Arc<Vault>>) -> Done + Send + 'static,
        Done: Future<Output = Result<(O, Revocation), DecideError>> + Send + 'static,
        Event: FnOnce(Result<O, DecideError>) -> DecisionEvent + Send + 'static,
    {
        let audit = self.audit();
        let vault = self.vault();
        tokio::spawn(async move {
            let result = match audit {
                Ok(audit) => stop(audit, vault).await.map(|(mut outcome, revocation)| {
                    outcome
                        .warnings_mut()
                        .extend(revocation_warnings(revocation));
                    outcome
                }),
                Err(error) => Err(no_audit(doing, &error)),
            };
            let _ = tx.send(Action::Decisions(event(result))).await;
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

/// Makes a decision, first time or again. With Vault on, a decision that
/// completes the approvals of a LimitedWrite proposal mints the agent's write
/// credential, and a veto revokes what was minted.
async fn record(
    client: &Client,
    request: &PendingDecision,
    retry: bool,
    audit: &AuditLog,
    vault: Option<&Vault>,
) -> Result<crate::decide::DecisionOutcome, DecideError> {
    decide_request(client, request, audit, vault, retry).await
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
