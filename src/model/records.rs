//! What the console keeps of cluster objects: trimmed copies whose agent-written
//! text has already been sanitized and redacted (at ingest, once), so views
//! never see raw agent output.

use crate::domain::{
    ActionKind, Investigation, Phase, ProposalState, ProposedAction, Risk, Verdict,
};
use crate::model::highlight::{HighlightKey, Syntax};
pub use crate::model::lines::TextLines;
use jiff::Timestamp;
use ratatui::text::Line;
use std::sync::Arc;

/// An investigation Job, trimmed to what the console shows.
#[derive(Debug, Clone, PartialEq)]
pub struct InvestigationRecord {
    /// The contract fields, with label and annotation text sanitized.
    pub investigation: Investigation,
    /// The container limits, such as `cpu 500m, memory 512Mi` (shared:
    /// most investigations come from a few templates).
    pub resources: Option<Arc<str>>,
    /// The service account the agent runs as (shared, as `resources`).
    pub service_account: Option<Arc<str>>,
}

impl InvestigationRecord {
    /// The records of `batch` copied into allocations made by the calling
    /// thread, the originals freed only after all are copied. Records are
    /// made where the watch decodes Jobs, amid the decoded Jobs' much larger
    /// short-lived allocations; glibc keeps each thread's allocations in
    /// that thread's arena, so 100,000 small strings left among freed Jobs
    /// would pin tens of MiB of pages that `malloc_trim` cannot return. The
    /// console copies each batch on the thread that keeps it (all copies
    /// first: a copy made right after freeing an original would reuse the
    /// original's place through the thread's cache), and the watch
    /// thread's arena empties.
    pub fn rehome(batch: Vec<InvestigationRecord>) -> Vec<InvestigationRecord> {
        let copies = batch.iter().map(InvestigationRecord::copied).collect();
        drop(batch);
        copies
    }

    /// A deep copy: new allocations for every text (the shared ones stay shared).
    fn copied(&self) -> InvestigationRecord {
        let inv = &self.investigation;
        InvestigationRecord {
            investigation: Investigation {
                id: inv.id.as_str().to_owned(),
                namespace: inv.namespace.clone(),
                job_name: inv.job_name.clone(),
                target_namespace: inv.target_namespace.clone(),
                trigger: inv.trigger.clone(),
                severity: inv.severity.clone(),
                vault_accessor: inv.vault_accessor.clone(),
                state: inv.state,
                started: inv.started,
                deadline: inv.deadline,
                queue: inv.queue.as_ref().map(|mark| Box::new((**mark).clone())),
                phase: inv.phase,
            },
            resources: self.resources.clone(),
            service_account: self.service_account.clone(),
        }
    }
}

/// Identifies a proposal: its namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProposalKey {
    /// Namespace of the ActionProposal.
    pub namespace: String,
    /// Name of the ActionProposal.
    pub name: String,
}

impl ProposalKey {
    /// A key from its parts.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> ProposalKey {
        ProposalKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// A block of text the operator reviews (a patch, a command, a diff), kept
/// with what is needed to show it highlighted or, until then, plain.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// The text, sanitized and redacted line by line, invisible characters revealed.
    pub text: Arc<str>,
    /// The language it is highlighted as.
    pub syntax: Syntax,
    /// The highlight cache key.
    pub key: HighlightKey,
    /// The text as plain lines, shown until the highlight arrives.
    pub plain: Arc<Vec<Line<'static>>>,
    /// Whether invisible characters (bidi controls, zero-width) were revealed.
    pub had_invisible: bool,
}

/// One decision on a proposal, sanitized.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRecord {
    /// Who decided.
    pub by: String,
    /// Whether `by` was verified with SelfSubjectReview.
    pub verified: bool,
    /// When.
    pub at: Timestamp,
    /// What.
    pub verdict: Verdict,
    /// Why.
    pub reason: Option<String>,
    /// Whether a rule decided rather than a person.
    pub by_rule: bool,
    /// Whether the approver edited the action.
    pub edited: bool,
    /// The short digest of the action decided on (approvals count only for
    /// the digest that runs), when the decision names one.
    pub action_digest: Option<String>,
}

/// The action that runs if the proposal is approved, in canonical form
/// ([`crate::domain::canonical`]): the edited action after an edit.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    /// `patch (json) apps/v1 Deployment web/storefront`.
    pub headline: String,
    /// `2 operations`, `3 arguments`.
    pub count_label: String,
    /// How many operations it holds.
    pub operations: usize,
    /// `sha256:<hex>` of the canonical action.
    pub digest: String,
    /// The first 12 hex digits of the digest.
    pub short_digest: String,
    /// Why it cannot be approved (its payload does not parse), sanitized.
    pub problem: Option<String>,
    /// The edit that made it the action that runs, when there was one.
    pub edit: Option<EditRecord>,
}

/// An approver's edit of the action.
#[derive(Debug, Clone, PartialEq)]
pub struct EditRecord {
    /// Who edited it.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// The short digest of the action as the agent proposed it.
    pub proposed_digest: String,
    /// A unified diff from the proposed to the edited canonical lines.
    pub diff: Vec<String>,
}

/// Why an approved proposal has no usable write credential, sanitized.
#[derive(Debug, Clone, PartialEq)]
pub struct NoCredentialRecord {
    /// The cause.
    pub reason: crate::domain::NoCredentialReason,
    /// What happened.
    pub message: String,
}

/// An ActionProposal, trimmed and sanitized.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRecord {
    /// Namespace and name.
    pub key: ProposalKey,
    /// The object's uid: a decision is bound to it, so it never lands on
    /// another proposal of the same name.
    pub uid: Option<String>,
    /// The investigation id it belongs to.
    pub investigation: String,
    /// One line saying what it does.
    pub summary: String,
    /// Why, line by line.
    pub rationale: Vec<String>,
    /// How much harm a wrong action could do.
    pub risk: Risk,
    /// Whether the action can be undone.
    pub reversible: bool,
    /// The kind of write.
    pub kind: ActionKind,
    /// The object written to, as `apps/v1/Deployment payments/api`.
    pub target: String,
    /// The namespace of the object written to.
    pub target_namespace: String,
    /// The patch type, for patches.
    pub patch_type: Option<String>,
    /// The replica count, for scale.
    pub replicas: Option<i32>,
    /// The action that runs if approved, in canonical form.
    pub action: ActionRecord,
    /// The action that runs if approved, as written (the edited action after
    /// an edit): NOT sanitized, never shown as is. The edit box starts from
    /// it (sanitized) and an edit is validated against it.
    pub effective_action: ProposedAction,
    /// The canonical lines of the action that runs (all of them, never cut),
    /// as a payload to highlight.
    pub change: Option<Payload>,
    /// The preview diff.
    pub diff: Option<Payload>,
    /// The server-side dry-run result.
    pub dry_run: Option<Payload>,
    /// A one-line description of the rollback, when the agent gave one.
    pub rollback: Option<String>,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// When it was created.
    pub created: Option<Timestamp>,
    /// Its state.
    pub state: ProposalState,
    /// Decisions so far, oldest first.
    pub decisions: Vec<DecisionRecord>,
    /// Approvals still required.
    pub approvals_required: Option<u32>,
    /// The phase it was judged under.
    pub phase: Option<Phase>,
    /// What the agent reported after executing.
    pub execution: Option<String>,
    /// The write credential minted for it, once approved with Vault on.
    pub credential: Option<CredentialRecord>,
    /// Why it has no usable write credential, when its status says so.
    pub no_credential: Option<NoCredentialRecord>,
}

/// The write credential minted for a proposal, as its status records it:
/// never the token itself, only what identifies and describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRecord {
    /// Accessor of the wrapped token (sanitized), for lookup and revocation.
    pub accessor: String,
    /// Lifetime of the wrapped token, in seconds.
    pub ttl_seconds: u64,
    /// When it was minted.
    pub minted_at: Option<Timestamp>,
    /// Whether it was revoked (veto, expiry, kill).
    pub revoked: bool,
    /// Whether the wrapping token is age-encrypted to the agent.
    pub encrypted: bool,
}

impl ProposalRecord {
    /// The payloads to highlight: the change, the diff and the dry run.
    pub fn payloads(&self) -> impl Iterator<Item = &Payload> {
        [&self.change, &self.diff, &self.dry_run]
            .into_iter()
            .flatten()
    }
}

/// A namespace's TrustPolicy, trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRecord {
    /// The namespace it governs.
    pub namespace: String,
    /// Its phase.
    pub phase: Phase,
    /// Distinct approvals needed.
    pub required_approvals: u32,
    /// The whole spec, for the policies view and editor.
    pub spec: crate::domain::TrustPolicySpec,
    /// The resourceVersion, the precondition of an edit.
    pub resource_version: Option<String>,
    /// The last change recorded on it (who, what, why), sanitized.
    pub last_change: Option<crate::domain::change::LastChange>,
    /// The governor's last demotion of it (reason sanitized).
    pub last_demotion: Option<crate::domain::policy::DemotionRecord>,
    /// The phase before a halt, while the namespace is halted (in Shadow).
    pub halted_from: Option<Phase>,
}

/// One line of an agent's reasoning stream, parsed and sanitized. Kept
/// small (72 bytes besides its text): a buffer holds up to 10,000 of them
/// per stream.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Position in the pod log, counting from 0.
    pub seq: u64,
    /// When the kubelet logged it, in nanoseconds since the epoch.
    logged_at: CompactTime,
    /// When the agent says it happened (falls back to `logged_at`).
    ts: CompactTime,
    /// What it says.
    pub kind: EntryKind,
}

impl LogEntry {
    /// Line `seq`, logged by the kubelet at `logged_at`, which the agent says
    /// happened at `ts`.
    pub fn new(
        seq: u64,
        logged_at: Option<Timestamp>,
        ts: Option<Timestamp>,
        kind: EntryKind,
    ) -> LogEntry {
        LogEntry {
            seq,
            logged_at: CompactTime::new(logged_at),
            ts: CompactTime::new(ts),
            kind,
        }
    }

    /// When the kubelet logged it.
    pub fn logged_at(&self) -> Option<Timestamp> {
        self.logged_at.get()
    }

    /// When the agent says it happened (falls back to [`LogEntry::logged_at`]).
    pub fn ts(&self) -> Option<Timestamp> {
        self.ts.get()
    }
}

/// An optional instant in 8 bytes (an `Option<Timestamp>` takes 24):
/// nanoseconds since the Unix epoch, `i64::MIN` for none. Instants outside
/// 1678-2262 are kept as none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CompactTime(i64);

impl CompactTime {
    const NONE: CompactTime = CompactTime(i64::MIN);

    fn new(at: Option<Timestamp>) -> CompactTime {
        at.and_then(|at| i64::try_from(at.as_nanosecond()).ok())
            .filter(|&n| n != i64::MIN)
            .map_or(CompactTime::NONE, CompactTime)
    }

    fn get(self) -> Option<Timestamp> {
        if self == CompactTime::NONE {
            return None;
        }
        Timestamp::from_nanosecond(i128::from(self.0)).ok()
    }
}

/// A tool call in the reasoning stream.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCallEntry {
    /// Pairs the call with its result.
    pub id: Box<str>,
    /// The tool's name.
    pub tool: Box<str>,
    /// The input on one line.
    pub input: Box<str>,
    /// The input pretty-printed, line by line (shown unfolded).
    pub input_lines: TextLines,
}

/// The sanitized content of a reasoning event (see
/// [`crate::domain::protocol::EventKind`]). Multi-line fields are split into
/// lines before sanitizing, because the sanitizer turns line breaks into spaces,
/// and kept as one [`TextLines`]. Texts are `Box<str>`: a buffer holds up to
/// 10,000 entries per stream, so an entry is kept small.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    /// A step of thinking.
    Thought(Box<str>),
    /// A tool call (boxed: its four texts would double every entry's size).
    ToolCall(Box<ToolCallEntry>),
    /// A tool result.
    ToolResult {
        /// The call it answers.
        id: Box<str>,
        /// The output, line by line.
        lines: TextLines,
        /// Whether the tool failed.
        is_error: bool,
    },
    /// A hypothesis.
    Hypothesis {
        /// The hypothesis.
        text: Box<str>,
        /// Confidence from 0 to 1.
        confidence: Option<f64>,
    },
    /// A proposal was created.
    Proposal {
        /// The ActionProposal's name.
        name: Box<str>,
        /// Its summary.
        summary: Option<Box<str>>,
    },
    /// The conclusion.
    Conclusion {
        /// What was concluded.
        text: Box<str>,
        /// Whether the problem is resolved.
        resolved: Option<bool>,
    },
    /// Tokens and cost since the previous usage event.
    Usage {
        /// Prompt tokens.
        input_tokens: u64,
        /// Completion tokens.
        output_tokens: u64,
        /// US dollars.
        cost_usd: f64,
        /// The investigation's total cost so far, when the agent reports it.
        total_cost_usd: Option<f64>,
    },
    /// An error the agent reported.
    Error(Box<str>),
    /// Anything else the agent printed.
    Text(Box<str>),
}

impl EntryKind {
    /// Whether the entry folds (tool calls and results).
    pub fn is_foldable(&self) -> bool {
        matches!(self, EntryKind::ToolCall(_) | EntryKind::ToolResult { .. })
    }

    /// The entry's main text on one line, as the table's "last line" column shows it.
    pub fn headline(&self) -> String {
        match self {
            EntryKind::Thought(text) | EntryKind::Error(text) | EntryKind::Text(text) => {
                text.to_string()
            }
            EntryKind::ToolCall(call) => format!("{} {}", call.tool, call.input),
            EntryKind::ToolResult { lines, .. } => lines.first().unwrap_or_default().to_string(),
            EntryKind::Hypothesis { text, .. } | EntryKind::Conclusion { text, .. } => {
                text.to_string()
            }
            EntryKind::Proposal { name, summary } => match summary {
                Some(s) => format!("{name}: {s}"),
                None => name.to_string(),
            },
            EntryKind::Usage { cost_usd, .. } => format!("usage ${cost_usd:.4}"),
        }
    }

    /// The entry in one line as the stream shows it: the kind's mark and what
    /// it says, never a tool's raw input or output (a tool call is its name,
    /// a result its size); `None` for usage, which the COST column shows.
    pub fn glance(&self) -> Option<String> {
        Some(match self {
            EntryKind::Thought(text) | EntryKind::Text(text) => text.to_string(),
            EntryKind::Error(text) => format!("✖ {text}"),
            EntryKind::ToolCall(call) => format!("⚙ {}", call.tool),
            EntryKind::ToolResult { id, lines, .. } => {
                let n = lines.len();
                format!("↳ result {id} ({n} line{})", if n == 1 { "" } else { "s" })
            }
            EntryKind::Hypothesis { text, .. } => format!("◆ {text}"),
            EntryKind::Conclusion { text, .. } => format!("✔ {text}"),
            EntryKind::Proposal { name, summary } => match summary {
                Some(summary) => format!("⚑ {name}: {summary}"),
                None => format!("⚑ {name}"),
            },
            EntryKind::Usage { .. } => return None,
        })
    }

    /// Whether `needle` (lowercase) occurs in the entry's text, case-insensitively.
    pub fn contains(&self, needle: &str) -> bool {
        let hit = |text: &str| text.to_ascii_lowercase().contains(needle);
        match self {
            EntryKind::Thought(t) | EntryKind::Error(t) | EntryKind::Text(t) => hit(t),
            EntryKind::ToolCall(call) => hit(&call.tool) || hit(&call.input),
            EntryKind::ToolResult { lines, .. } => lines.iter().any(hit),
            EntryKind::Hypothesis { text, .. } | EntryKind::Conclusion { text, .. } => hit(text),
            EntryKind::Proposal { name, summary } => {
                hit(name) || summary.as_deref().is_some_and(hit)
            }
            EntryKind::Usage {
                input_tokens,
                output_tokens,
                cost_usd,
                ..
            } => hit(&format!(
                "usage +{input_tokens} in +{output_tokens} out tokens ${cost_usd}"
            )),
        }
    }
}

/// Which watcher a connection-state message is about.
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

/// An investigation whose last reasoning line the table wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeekTarget {
    /// The investigation id (pod label `kubevigil.io/investigation`).
    pub investigation: String,
    /// The Job's namespace.
    pub namespace: String,
}

/// What a peek at the tail of an investigation's log found.
#[derive(Debug, Clone, PartialEq)]
pub struct Peek {
    /// The investigation id.
    pub investigation: String,
    /// The newest event, as the stream shows it in one line (`None`: no pod
    /// or log to read yet, or nothing but usage in the tail).
    pub line: Option<String>,
    /// The investigation's total cost so far, from the newest usage event in
    /// the tail that carries it.
    pub cost: Option<f64>,
}

/// The longest last reasoning line a row keeps for the LAST LINE column.
pub const LAST_LINE_CHARS: usize = 160;
