//! What [`update`](super::update::update) asks the runtime to do: all IO
//! happens here, outside the state machine.

use crate::model::highlight::{HighlightKey, Syntax};
use crate::model::records::{PeekTarget, StreamId};
use std::sync::Arc;

/// One piece of work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Something visible changed: draw a frame (at most one per batch, frame rate capped).
    Redraw,
    /// Restore the terminal and leave.
    Quit,
    /// Call for attention: ring the bell, set the title, notify the desktop.
    Attention(crate::app::state::Signal),
    /// (Re)start the watchers for investigations, proposals and policies,
    /// stopping any running ones.
    StartWatchers {
        /// Watch this namespace only (`None`: all namespaces).
        namespace: Option<String>,
        /// The generation the watchers tag their actions with.
        epoch: u64,
    },
    /// Ask the API server who we are (SelfSubjectReview), falling back to the kubeconfig user.
    ResolveIdentity,
    /// Ask what the user may do in each namespace (SelfSubjectAccessReviews).
    CheckRights {
        /// The watcher generation the answers are for.
        epoch: u64,
        /// The namespaces.
        namespaces: Vec<String>,
    },
    /// The API server rejected the credentials (401): read the kubeconfig
    /// again (rotated tokens, token files, exec plugins), build a new client
    /// for the same context and restart the watchers with it.
    ReloadCredentials {
        /// The context to rebuild the client of.
        context: String,
        /// The namespace the watchers watch (`None`: all).
        namespace: Option<String>,
        /// The watcher generation, kept.
        epoch: u64,
    },
    /// Build a client for another kube context and switch to it.
    SwitchContext {
        /// The context's name in the kubeconfig.
        context: String,
    },
    /// Follow an investigation's pod log.
    StartLogStream(crate::cluster::logs::StreamTarget),
    /// Stop following a pod log.
    StopLogStream {
        /// The stream.
        stream: StreamId,
    },
    /// Fetch lines the buffer dropped, again, from the pod log.
    FetchOlder {
        /// The stream they belong to.
        stream: StreamId,
        /// What to fetch.
        request: crate::cluster::logs::OlderRequest,
    },
    /// Highlight a payload off the UI path; the result comes back as an action.
    Highlight {
        /// The cache key.
        key: HighlightKey,
        /// The text.
        text: Arc<str>,
        /// The language.
        syntax: Syntax,
    },
    /// Start or stop the one-second clock (only while something on screen counts down).
    SetTicking(bool),
    /// Create or change a namespace's trust policy (resourceVersion precondition)
    /// and record it; the result comes back as `Action::PolicyApplied`.
    ApplyPolicy(Box<crate::policy::PolicyChangeRequest>),
    /// Decide, kill, halt, read the audit trail, copy, or publish presence.
    Decisions(crate::cluster::decision_tasks::DecisionEffect),
    /// Look up the operator's Vault identity or watch a token.
    Vault(crate::cluster::vault_watch::VaultEffect),
    /// Read the newest reasoning line of these investigations (the table's
    /// LAST LINE column); the lines come back as `Action::Peeked`.
    PeekLastLines(Vec<PeekTarget>),
    /// Fetch a cluster document (the Job and Pod as YAML, the raw pod log);
    /// the answer comes back as `Action::DocumentFetched`.
    FetchDocument(crate::cluster::objects::DocumentRequest),
    /// Suspend the console, open a document in the operator's editor or
    /// pager, and restore the console after; `Action::ExternalClosed` says
    /// how it went.
    External(ExternalDocument),
    /// Write an investigation's transcript to a file;
    /// `Action::TranscriptExported` says where.
    ExportTranscript(ExportRequest),
}

/// The program a document is opened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalProgram {
    /// `$VISUAL`, else `$EDITOR`, else `vi`: a read-only copy, edits are not applied.
    Editor,
    /// `$PAGER`, else `less`.
    Pager,
}

impl ExternalProgram {
    /// `$EDITOR` or `$PAGER`, as the notices name it.
    pub fn label(self) -> &'static str {
        match self {
            ExternalProgram::Editor => "$EDITOR",
            ExternalProgram::Pager => "$PAGER",
        }
    }
}

/// A document to open outside the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalDocument {
    /// The editor or the pager.
    pub program: ExternalProgram,
    /// A name for the temporary file (`job-payments-inv-1.yaml`), plain characters only.
    pub file_name: String,
    /// The text (sanitized: it came from the screen).
    pub text: String,
}

/// A transcript to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// The investigation id.
    pub investigation: String,
    /// Its namespace.
    pub namespace: String,
    /// Markdown or JSON lines.
    pub format: crate::transcript::TranscriptFormat,
    /// Where to write: the path given, which must not exist yet; `None`:
    /// `./kubevigil-<id>.<ext>`, or with `-1`, `-2`... added when taken.
    pub path: Option<String>,
    /// The cluster's server (`host:port`), named in the transcript.
    pub server: Option<String>,
}
