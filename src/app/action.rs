//! Everything that can happen to the console, as one enum: every source
//! (terminal input, kube watchers, log streams, timers, the highlighter) is a
//! task that sends [`Action`]s into one channel, and
//! [`update`](super::update::update) applies them one at a time.
//!
//! [`Command`] (the operator's intents) is serde-serializable with its config
//! names. `Action` itself carries crossterm key events, domain records and
//! ratatui lines, none of which implement serde, so it does not derive it.

use super::command::Command;
use crate::cluster::decision_tasks::{CopyFailed, DecisionEvent};
use crate::cluster::logs::StreamEvent;
use crate::cluster::vault_watch::VaultEvent;
use crate::cluster::watch::WatchEvent;
use crate::model::highlight::HighlightResult;
use crate::model::records::{
    InvestigationRecord, LogEntry, PolicyRecord, ProposalKey, ProposalRecord, Source, StreamId,
};
use crossterm::event::{KeyEvent, MouseEvent};
use jiff::Timestamp;

/// One thing that happened.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key was pressed in the terminal.
    Key(KeyEvent),
    /// Text was pasted into the terminal (bracketed paste).
    Paste(String),
    /// The mouse wheel turned or the left button was pressed (only when
    /// `mouse` is on in the config).
    Mouse(MouseEvent),
    /// The terminal now has this many columns and rows.
    Resize(u16, u16),
    /// The clock moved on: countdowns and ages may need redrawing.
    Tick(Timestamp),
    /// Run a command as if its key had been pressed.
    Command(Command),
    /// Run a `:` command line (without the colon), as if typed.
    RunCommandLine(String),
    /// Who the console acts as, from SelfSubjectReview or the kubeconfig.
    Identity {
        /// The user name.
        user: String,
        /// Whether the API server confirmed it (SelfSubjectReview).
        verified: bool,
    },
    /// A watcher (re)listed everything: these (and the pages of the listing
    /// sent before, [`Action::InvestigationsPage`]) are all the
    /// investigations there are.
    InvestigationsListed {
        /// The watcher generation (ignored when stale).
        epoch: u64,
        /// Every investigation.
        records: Vec<InvestigationRecord>,
    },
    /// A page of a listing under way: its rows show at once; the listing
    /// ends with [`Action::InvestigationsListed`] (its last rows), which
    /// removes the rows the listing did not see.
    InvestigationsPage {
        /// The watcher generation.
        epoch: u64,
        /// The page's investigations.
        records: Vec<InvestigationRecord>,
        /// Whether it is the first page of a new listing.
        first: bool,
        /// How many investigations there are, when the server said.
        total: Option<u64>,
    },
    /// Investigations added, changed or deleted since the last batch.
    InvestigationsChanged {
        /// The watcher generation.
        epoch: u64,
        /// Added or changed.
        applied: Vec<InvestigationRecord>,
        /// Ids of deleted investigations.
        deleted: Vec<String>,
    },
    /// A watcher (re)listed every proposal.
    ProposalsListed {
        /// The watcher generation.
        epoch: u64,
        /// Every proposal.
        records: Vec<ProposalRecord>,
    },
    /// Proposals added, changed or deleted since the last batch.
    ProposalsChanged {
        /// The watcher generation.
        epoch: u64,
        /// Added or changed.
        applied: Vec<ProposalRecord>,
        /// Deleted.
        deleted: Vec<ProposalKey>,
    },
    /// A watcher (re)listed every trust policy.
    PoliciesListed {
        /// The watcher generation.
        epoch: u64,
        /// Every policy.
        records: Vec<PolicyRecord>,
    },
    /// Trust policies added, changed or deleted since the last batch.
    PoliciesChanged {
        /// The watcher generation.
        epoch: u64,
        /// Added or changed.
        applied: Vec<PolicyRecord>,
        /// Namespaces whose policy was deleted.
        deleted: Vec<String>,
    },
    /// A watcher lost its connection and is retrying with backoff.
    SourceDisconnected {
        /// The watcher generation.
        epoch: u64,
        /// Which watcher.
        source: Source,
        /// When it went down.
        since: Timestamp,
        /// The error, for the notice line.
        error: String,
    },
    /// The user may not list or watch a resource (HTTP 403); the console keeps going.
    SourceForbidden {
        /// The watcher generation.
        epoch: u64,
        /// Which watcher.
        source: Source,
        /// The namespace the watch was scoped to (`None`: all namespaces).
        namespace: Option<String>,
    },
    /// A watcher is receiving again.
    SourceConnected {
        /// The watcher generation.
        epoch: u64,
        /// Which watcher.
        source: Source,
    },
    /// A log stream found its pod and is following its log.
    StreamStarted {
        /// The stream.
        stream: StreamId,
        /// The pod followed.
        pod: String,
    },
    /// A log stream is waiting for the investigation's pod to appear.
    StreamWaiting {
        /// The stream.
        stream: StreamId,
        /// Why it waits, for the status line.
        reason: String,
    },
    /// A batch of reasoning lines, parsed and sanitized.
    LogLines {
        /// The stream.
        stream: StreamId,
        /// The lines, oldest first.
        entries: Vec<LogEntry>,
    },
    /// A log stream ended (the pod finished, or it failed).
    StreamEnded {
        /// The stream.
        stream: StreamId,
        /// Why, when it failed.
        error: Option<String>,
    },
    /// Older lines, fetched again from the cluster after the buffer dropped them.
    OlderLines {
        /// The stream they belong to.
        stream: StreamId,
        /// The lines, oldest first, or why they could not be fetched.
        result: Result<Vec<LogEntry>, String>,
    },
    /// The highlighter finished a payload.
    Highlighted(HighlightResult),
    /// What the user may do in a namespace (SelfSubjectAccessReviews answered).
    Rights {
        /// The watcher generation it was asked for.
        epoch: u64,
        /// The namespace.
        namespace: String,
        /// The answers.
        rights: crate::decide::Rights,
    },
    /// The kubeconfig was read again after a 401 ([`Effect::ReloadCredentials`](super::Effect::ReloadCredentials)).
    CredentialsReloaded {
        /// The watcher generation it was done for.
        epoch: u64,
        /// Why the kubeconfig could not be used, if it could not.
        error: Option<String>,
    },
    /// The console now talks to another kube context.
    ContextSwitched {
        /// The context's name.
        context: String,
        /// Whether the context is read-only by config.
        readonly: bool,
        /// The user from the new context's kubeconfig entry, until verified.
        kubeconfig_user: Option<String>,
        /// The context's namespace, the new scope (`None`: all namespaces).
        namespace: Option<String>,
        /// Every context of the kubeconfig as read again, for `:ctx` completion.
        contexts: Vec<String>,
        /// The context's API server as `host:port`.
        server: Option<String>,
    },
    /// The cluster answered a trust policy change ([`Effect::ApplyPolicy`](super::Effect::ApplyPolicy)).
    PolicyApplied(Box<Result<crate::policy::PolicyApplied, crate::policy::PolicyApplyError>>),
    /// Something the operator should read (an effect failed, a context could not be loaded).
    Notice(String),
    /// A decision, kill, halt, audit read or presence update came back.
    Decisions(crate::cluster::decision_tasks::DecisionEvent),
    /// A Vault lookup came back: the operator's identity or a token.
    Vault(crate::cluster::vault_watch::VaultEvent),
    /// The newest event and the cost so far of investigations on the table.
    Peeked(Vec<crate::model::records::Peek>),
    /// A cluster document came back (the Job and Pod as YAML, the raw log), or why not.
    DocumentFetched(crate::cluster::objects::DocumentFetched),
    /// The editor or pager the console was suspended for has exited: the
    /// console is back (redrawn in full); an error says why it failed.
    ExternalClosed {
        /// Which program it was.
        program: super::effect::ExternalProgram,
        /// `Ok` when it ran and exited cleanly; why not otherwise.
        result: Result<(), String>,
    },
    /// A transcript was written (the path) or not (why).
    TranscriptExported(Result<String, String>),
}

impl From<WatchEvent> for Action {
    fn from(event: WatchEvent) -> Action {
        match event {
            WatchEvent::InvestigationsListed { epoch, records } => {
                Action::InvestigationsListed { epoch, records }
            }
            WatchEvent::InvestigationsPage {
                epoch,
                records,
                first,
                total,
            } => Action::InvestigationsPage {
                epoch,
                records,
                first,
                total,
            },
            WatchEvent::InvestigationsChanged {
                epoch,
                applied,
                deleted,
            } => Action::InvestigationsChanged {
                epoch,
                applied,
                deleted,
            },
            WatchEvent::ProposalsListed { epoch, records } => {
                Action::ProposalsListed { epoch, records }
            }
            WatchEvent::ProposalsChanged {
                epoch,
                applied,
                deleted,
            } => Action::ProposalsChanged {
                epoch,
                applied,
                deleted,
            },
            WatchEvent::PoliciesListed { epoch, records } => {
                Action::PoliciesListed { epoch, records }
            }
            WatchEvent::PoliciesChanged {
                epoch,
                applied,
                deleted,
            } => Action::PoliciesChanged {
                epoch,
                applied,
                deleted,
            },
            WatchEvent::SourceDisconnected {
                epoch,
                source,
                since,
                error,
            } => Action::SourceDisconnected {
                epoch,
                source,
                since,
                error,
            },
            WatchEvent::SourceForbidden {
                epoch,
                source,
                namespace,
            } => Action::SourceForbidden {
                epoch,
                source,
                namespace,
            },
            WatchEvent::SourceConnected { epoch, source } => {
                Action::SourceConnected { epoch, source }
            }
        }
    }
}

impl From<StreamEvent> for Action {
    fn from(event: StreamEvent) -> Action {
        match event {
            StreamEvent::Started { stream, pod } => Action::StreamStarted { stream, pod },
            StreamEvent::Waiting { stream, reason } => Action::StreamWaiting { stream, reason },
            StreamEvent::Lines { stream, entries } => Action::LogLines { stream, entries },
            StreamEvent::Ended { stream, error } => Action::StreamEnded { stream, error },
        }
    }
}

impl From<VaultEvent> for Action {
    fn from(event: VaultEvent) -> Action {
        Action::Vault(event)
    }
}

impl From<DecisionEvent> for Action {
    fn from(event: DecisionEvent) -> Action {
        Action::Decisions(event)
    }
}

impl From<CopyFailed> for Action {
    fn from(failed: CopyFailed) -> Action {
        Action::Notice(failed.0)
    }
}
