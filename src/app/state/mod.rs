//! Everything the console knows, in one value. Only
//! [`update`](super::update::update) changes it; views only read it.

mod attention;
mod connection;
mod deciding;
mod deeplink;
mod detail;
mod documents;
mod focus;
mod id_index;
mod order;
mod policies;
mod prompt;
mod proposals;
mod queue;
mod reasoning;
mod rights;
mod row;
mod sorting;
mod table;
mod vault_status;

pub use attention::{Attention, Signal, title_for};
pub use connection::{Connection, Reload, host_port};
pub use deciding::{
    AuditView, DecisionsState, Delivery, DialogScroll, EditedAction, Modal, Shown, TrackedDecision,
};
pub use deeplink::DeepLink;
pub use detail::{Detail, DetailFocus, OlderLines, StreamStatus};
pub use documents::{DocumentContent, DocumentKind, DocumentView};
pub use focus::{proposal_in_focus, row_in_focus};
pub use policies::{EditorStage, FormField, PolicyEditor, PolicyForm, PolicyRow, PolicyView};
pub use prompt::{Prompt, PromptKind};
pub use proposals::ProposalStore;
pub use queue::{QueueDialog, QueueOp, QueuePositions};
pub use reasoning::{ReasoningBuffer, UsageTotals};
pub use rights::{Permissions, Withheld, right_of};
pub use row::Row;
pub use table::{Column, InvestigationTable, Loading};
pub use vault_status::{VaultStatus, VaultView, WatchedToken};

use super::keymap::{Keymap, Scope};
use crate::config::theme::Theme;
use crate::domain::Phase;
use crate::model::highlight::{HighlightCache, HighlightKey};
use crate::model::records::Source;
use crate::model::records::{PolicyRecord, ProposalKey};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// How many highlighted payloads are kept.
pub const HIGHLIGHT_CACHE_ENTRIES: usize = 64;

/// One level of the view stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// The investigations table (always the bottom of the stack).
    Investigations,
    /// The open investigation ([`State::detail`]).
    Detail,
    /// A proposal.
    Proposal {
        /// Which one.
        key: ProposalKey,
        /// The first line shown.
        scroll: usize,
    },
    /// The approvals inbox ([`DecisionsState::inbox`]).
    Approvals,
    /// The audit trail ([`DecisionsState::audit`]).
    Audit,
    /// The trust policies of every namespace in scope ([`State::policy_view`]).
    Policies,
    /// A cluster document of an investigation ([`State::document`]): its
    /// Job and Pod as YAML, or its pod's raw log.
    Document {
        /// The first line shown.
        scroll: usize,
    },
}

impl Screen {
    /// The keymap scope of the screen.
    pub fn scope(&self) -> Scope {
        match self {
            Screen::Investigations => Scope::Investigations,
            Screen::Detail => Scope::Detail,
            Screen::Proposal { .. } => Scope::Proposal,
            Screen::Approvals | Screen::Audit => Scope::Proposal,
            Screen::Policies => Scope::Policies,
            Screen::Document { .. } => Scope::Document,
        }
    }
}

/// The connection state of one watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceState {
    /// Listing for the first time.
    Connecting,
    /// Receiving events.
    Live,
    /// Disconnected, retrying.
    Reconnecting {
        /// Since when.
        since: Timestamp,
        /// The last error.
        error: String,
    },
    /// The user may not list the resource.
    Forbidden {
        /// The namespace the watch was scoped to (`None`: all namespaces).
        namespace: Option<String>,
    },
}

/// Who the console acts as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The user name, once known.
    pub user: Option<String>,
    /// Whether the API server confirmed it.
    pub verified: bool,
}

/// How serious a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    /// Something the operator asked for was done (a decision recorded, a kill).
    Info,
    /// Worth knowing (a config warning).
    Warning,
    /// Something failed.
    Error,
}

/// A message for the operator, shown above the footer until dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// How serious it is.
    pub level: NoticeLevel,
    /// What it says.
    pub text: String,
    /// The watcher generation it is about: it goes when the watchers restart
    /// (another namespace or context). `None`: it stays until dismissed.
    pub epoch: Option<u64>,
}

/// How the reasoning stream is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSettings {
    /// Show each line's time.
    pub timestamps: bool,
    /// Wrap long lines.
    pub wrap: bool,
    /// The search, lowercase.
    pub search: Option<String>,
}

/// What the console starts with.
#[derive(Debug, Clone)]
pub struct StateOptions {
    /// The kube context name.
    pub context: String,
    /// The namespace watched (`None`: all).
    pub namespace: Option<String>,
    /// Read-only mode.
    pub readonly: bool,
    /// The theme, adapted to the terminal.
    pub theme: Theme,
    /// The key bindings.
    pub keymap: Keymap,
    /// Lines kept per reasoning stream.
    pub log_buffer_lines: usize,
    /// The contexts of the kubeconfig, for `:ctx` completion.
    pub contexts: Vec<String>,
    /// Notices to show from the start (config warnings).
    pub notices: Vec<String>,
    /// The time now.
    pub now: Timestamp,
    /// The zone times are shown in.
    pub time_zone: TimeZone,
    /// The terminal size (columns, rows).
    pub size: (u16, u16),
}

/// The console's whole state.
#[derive(Debug)]
pub struct State {
    /// The kube context name.
    pub context: String,
    /// Who the console acts as.
    pub identity: Identity,
    /// The namespace watched (`None`: all).
    pub namespace: Option<String>,
    /// Read-only mode.
    pub readonly: bool,
    /// The theme.
    pub theme: Theme,
    /// The key bindings.
    pub keymap: Keymap,
    /// The time now (moved by ticks and batches).
    pub now: Timestamp,
    /// The zone times are shown in.
    pub time_zone: TimeZone,
    /// The terminal size (columns, rows).
    pub size: (u16, u16),
    /// The watcher generation: actions of older watchers are ignored.
    pub epoch: u64,
    /// Each watcher's connection state.
    pub sources: BTreeMap<Source, SourceState>,
    /// The investigations.
    pub table: InvestigationTable,
    /// The proposals.
    pub proposals: ProposalStore,
    /// Trust policies by namespace.
    pub policies: BTreeMap<String, PolicyRecord>,
    /// The view stack; the last is on screen.
    pub screens: Vec<Screen>,
    /// The open investigation, while [`Screen::Detail`] is in the stack.
    pub detail: Option<Detail>,
    /// How reasoning is shown.
    pub stream_settings: StreamSettings,
    /// The open prompt.
    pub prompt: Option<Prompt>,
    /// Whether the help overlay is open, and its scroll.
    pub help: Option<usize>,
    /// Messages for the operator, newest last.
    pub notices: Vec<Notice>,
    /// Highlighted payloads.
    pub highlights: HighlightCache,
    /// Payloads sent to the highlighter and not back yet.
    pub highlight_pending: HashSet<HighlightKey>,
    /// Contexts of the kubeconfig.
    pub contexts: Vec<String>,
    /// Namespaces seen, for `:ns` completion.
    pub known_namespaces: BTreeSet<String>,
    /// Lines kept per reasoning stream.
    pub log_buffer_lines: usize,
    /// Whether the one-second clock runs.
    pub ticking: bool,
    /// A digest of every time-dependent text on screen, to redraw only when one changes.
    pub clock_digest: u64,
    /// The id the next log stream gets.
    pub next_stream: u64,
    /// Set once quitting.
    pub quitting: bool,
    /// Deciding: the open dialog, unrecorded decisions, presence, inbox and audit.
    pub decisions: DecisionsState,
    /// The policies view and its editor.
    pub policy_view: PolicyView,
    /// Vault: the operator's identity and the open investigation's token.
    pub vault: VaultView,
    /// The cluster's server and what was done about rejected credentials.
    pub connection: Connection,
    /// What the user may do per namespace (SelfSubjectAccessReviews).
    pub permissions: Permissions,
    /// What the console called for attention about.
    pub attention: Attention,
    /// What to open as soon as the data shows it (a deep link).
    pub pending_link: Option<DeepLink>,
    /// `q` on the investigations table asked whether to quit; the next key answers.
    pub asking_quit: bool,
    /// The cluster is the embedded sandbox (`kubevigil demo`): the header says SANDBOX.
    pub sandbox: bool,
    /// Every notice shown since the console started (the newest last,
    /// bounded), for `:notices`.
    pub notice_history: Vec<Notice>,
    /// The cluster document open, while [`Screen::Document`] is in the stack.
    pub document: Option<DocumentView>,
    /// The id the next document request gets.
    pub next_request: u64,
    /// `c` asked which form of this proposal's action to copy; the next key answers.
    pub copy_choice: Option<ProposalKey>,
}

impl State {
    /// A fresh state, before any cluster data arrives.
    pub fn new(options: StateOptions) -> State {
        let mut sources = BTreeMap::new();
        for source in Source::ALL {
            sources.insert(source, SourceState::Connecting);
        }
        let mut known_namespaces = BTreeSet::new();
        if let Some(ns) = &options.namespace {
            known_namespaces.insert(ns.clone());
        }
        State {
            context: options.context,
            identity: Identity::default(),
            namespace: options.namespace,
            readonly: options.readonly,
            theme: options.theme,
            keymap: options.keymap,
            now: options.now,
            time_zone: options.time_zone,
            size: options.size,
            epoch: 1,
            sources,
            table: InvestigationTable::default(),
            proposals: ProposalStore::default(),
            policies: BTreeMap::new(),
            screens: vec![Screen::Investigations],
            detail: None,
            stream_settings: StreamSettings {
                timestamps: false,
                wrap: true,
                search: None,
            },
            prompt: None,
            help: None,
            notices: options
                .notices
                .iter()
                .map(|text| Notice {
                    level: NoticeLevel::Warning,
                    text: text.clone(),
                    epoch: None,
                })
                .collect(),
            highlights: HighlightCache::new(HIGHLIGHT_CACHE_ENTRIES),
            highlight_pending: HashSet::new(),
            contexts: options.contexts,
            known_namespaces,
            log_buffer_lines: options.log_buffer_lines.max(1),
            ticking: false,
            clock_digest: 0,
            next_stream: 1,
            quitting: false,
            decisions: DecisionsState::default(),
            policy_view: PolicyView::default(),
            vault: VaultView::default(),
            connection: Connection::default(),
            permissions: Permissions::default(),
            attention: Attention::default(),
            pending_link: None,
            asking_quit: false,
            sandbox: false,
            document: None,
            next_request: 1,
            copy_choice: None,
            notice_history: options
                .notices
                .into_iter()
                .map(|text| Notice {
                    level: NoticeLevel::Warning,
                    text,
                    epoch: None,
                })
                .collect(),
        }
    }

    /// The screen on top of the stack.
    pub fn screen(&self) -> &Screen {
        self.screens.last().unwrap_or(&Screen::Investigations)
    }

    /// The trust phase of a namespace (Shadow without a policy).
    pub fn phase_of(&self, namespace: &str) -> Phase {
        self.policies
            .get(namespace)
            .map(|p| p.phase)
            .unwrap_or_default()
    }

    /// Whether investigation data may be out of date (its watcher is disconnected).
    pub fn investigations_stale(&self) -> bool {
        matches!(
            self.sources.get(&Source::Investigations),
            Some(SourceState::Reconnecting { .. })
        )
    }

    /// Why the watchers fail, in words, while one is reconnecting (the
    /// investigations' watcher first).
    pub fn connection_error(&self) -> Option<&str> {
        let first = self.sources.get(&Source::Investigations).into_iter();
        first.chain(self.sources.values()).find_map(|s| match s {
            SourceState::Reconnecting { error, .. } => Some(error.as_str()),
            _ => None,
        })
    }

    /// The earliest time a watcher went down, if one is reconnecting.
    pub fn reconnecting_since(&self) -> Option<Timestamp> {
        self.sources
            .values()
            .filter_map(|s| match s {
                SourceState::Reconnecting { since, .. } => Some(*since),
                _ => None,
            })
            .min()
    }
}
