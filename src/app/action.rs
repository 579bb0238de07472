//! Everything that can happen to the console, as one enum: every source
//! (terminal input, kube watchers, log streams, timers, the highlighter) is a
//! task that sends [`Action`]s into one channel, and
//! [`update`](super::update::update) applies them one at a time.
//!
//! [`Command`] (the operator's intents) is serde-serializable with its config
//! names. `Action` itself carries crossterm key events, domain records and
//! ratatui lines, none of which implement serde, so it does not derive it.

use super::command::Command;
use crate::model::highlight::HighlightResult;
use crate::model::records::{
    InvestigationRecord, LogEntry, PolicyRecord, ProposalKey, ProposalRecord,
};
use crossterm::event::KeyEvent;
use jiff::Timestamp;

/// Which watcher a connection-state action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// Investigation Jobs (`batch/v1`).
    Investigations,
    /// ActionProposals.
    Proposals,
    /// TrustPolicies.
    Policies,
}

impl Source {
    /// Every watched source.
    pub const ALL: [Source; 3] = [Source::Investigations, Source::Proposals, Source::Policies];

    /// The resource's plural name, as RBAC names it.
    pub fn resource(self) -> &'static str {
        match self {
            Source::Investigations => "jobs",
            Source::Proposals => "actionproposals",
            Source::Policies => "trustpolicies",
        }
    }
}

/// Identifies one log stream; actions of a stream that was stopped are ignored.
pub type StreamId = u64;

/// One thing that happened.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key was pressed in the terminal.
    Key(KeyEvent),
    /// Text was pasted into the terminal (bracketed paste).
    Paste(String),
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
    /// A watcher (re)listed everything: these are all the investigations there are.
    InvestigationsListed {
        /// The watcher generation (ignored when stale).
        epoch: u64,
        /// Every investigation.
        records: Vec<InvestigationRecord>,
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
    Decisions(super::decisions::DecisionEvent),
    /// A Vault lookup came back: the operator's identity or a token.
    Vault(super::vault::VaultEvent),
    /// The newest reasoning line of investigations on the table (`None`: no
    /// pod or log to read yet).
    Peeked(Vec<(String, Option<String>)>),
}
