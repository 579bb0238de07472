//! The decision dialogs drawn over the view, composed and measured (`ui::confirm`
//! draws them): approve (with the typed name for
//! high risk), veto with its reason (saying, for an approved proposal not run
//! yet, that its credential is revoked), edit before approving, kill and halt.
//!
//! The approve and veto dialogs show all of the action that runs: what is
//! decided on (the proposal, the action's headline, its count of operations
//! and its digest) stays on screen, and the change below it (every line,
//! long lines wrapped with a `↪` on their continuation rows) scrolls when it
//! does not fit. `update` reads the same [`geometry`]: `y` confirms only once
//! every row has been on screen, and a dialog too small to show what is
//! decided on offers no confirming key and asks for a larger terminal.

mod queue;

use super::{format, layout, text};
use crate::app::state::{DialogScroll, EditedAction, Modal, State};
use crate::domain::{Phase, ProposalState};
use crate::model::records::{ProposalKey, ProposalRecord};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui_textarea::TextArea;

/// What vetoing an approved proposal not executed yet does, in words.
pub const VETO_AFTER_APPROVAL: &str = "withdraws the approval before the agent runs it: with Vault, \
     the minted write credential is revoked, so the agent's write fails; refused if the agent \
     already reported a result";

/// The fewest rows the scrolling part of the approve and veto dialogs may
/// have when it does not fit whole: with fewer, the dialog is too small.
pub const MIN_SCROLL_ROWS: usize = 3;

/// Marks the continuation rows of a wrapped line of the change.
pub const CONTINUED: &str = "↪ ";

/// The scroll keys of the approve dialog, as its hints name them.
const SCROLL_KEYS: &str = "j/k ↑/↓ pgup/pgdn space scroll";

/// What the view and `update` agree on about the open dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialogGeometry {
    /// The dialog's rectangle on screen.
    pub area: Rect,
    /// Columns inside its border.
    pub inner_width: u16,
    /// Where its scrolling part is on screen.
    pub body: Rect,
    /// Rows of its scrolling part (the change and what goes with it), wrapped.
    pub body_rows: usize,
    /// How many of those rows are on screen at once.
    pub view_rows: usize,
    /// Too small to show what is decided on: its confirming key is not offered.
    pub too_small: bool,
    /// The terminal rows the dialog needs at this width.
    pub rows_needed: u16,
}

impl DialogGeometry {
    /// Whether the scrolling part does not fit whole.
    pub fn scrolls(&self) -> bool {
        self.view_rows < self.body_rows
    }

    /// The largest scroll offset.
    pub fn max_offset(&self) -> usize {
        self.body_rows.saturating_sub(self.view_rows)
    }
}

/// How many rows of the scrolling part have never been on screen, for a
/// dialog scrolled as `scroll` says.
pub fn unseen_rows(scroll: &DialogScroll, geometry: &DialogGeometry) -> usize {
    let offset = scroll.offset.min(geometry.max_offset());
    let on_screen = offset + geometry.view_rows;
    let seen = if scroll.measured == Some((geometry.inner_width, geometry.body_rows)) {
        scroll.seen.max(on_screen)
    } else {
        on_screen
    };
    geometry.body_rows.saturating_sub(seen)
}

/// One dialog's content, wrapped to its width.
pub struct Content<'s> {
    /// The title on its top border.
    pub title: String,
    /// What is decided on: always on screen.
    pub head: Vec<Line<'static>>,
    /// What scrolls: the change and what goes with it.
    pub body: Vec<Line<'static>>,
    /// Rows right above the field.
    pub prompt: Vec<Line<'static>>,
    /// The text field, if any, and its rows.
    pub field: Option<(&'s TextArea<'static>, u16)>,
    /// The fewest body rows on screen when the body does not fit whole.
    pub min_body: usize,
    /// "what you approve", for the too-small notice.
    pub decides: &'static str,
    /// The confirming key ("y", "enter"), for the too-small notice.
    pub confirm_key: &'static str,
    /// What cancels, for the too-small notice.
    pub cancel: &'static str,
}

/// A built dialog: its content, its bottom rows and where it all goes.
pub struct Built<'s> {
    /// What the dialog says.
    pub content: Content<'s>,
    /// Its bottom rows (errors, hints), wrapped.
    pub below: Vec<Line<'static>>,
    /// Where it all goes.
    pub geometry: DialogGeometry,
}

fn fact(state: &State, label: &str, value: String, style: Style) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<10}"), state.theme.dim),
        Span::styled(value, style),
    ])
}

/// What approving will do, in words.
pub fn approval_effect(record: &ProposalRecord) -> String {
    let still = record.approvals_required.unwrap_or(1);
    if still > 1 {
        let more = still - 1;
        let plural = if more == 1 { "" } else { "s" };
        return format!("records your approval; {more} more approval{plural} needed");
    }
    "approves it: with Vault configured, a single-use write credential is minted for the \
     agent; the agent executes it and reports the result"
        .to_string()
}

fn dialog_width(screen: Rect) -> u16 {
    screen
        .width
        .saturating_sub(4)
        .min(100)
        .max(screen.width.min(20))
}

/// `lines` wrapped at `width`, continuation rows indented by two.
pub fn wrapped(lines: Vec<Line<'static>>, width: u16) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|l| text::wrap(l, width, 2))
        .collect()
}

/// One line of the change (or of a diff), indented by two columns and
/// wrapped at `width`: nothing is cut, every continuation row starts with
/// [`CONTINUED`].
pub fn change_rows(line: Line<'static>, width: u16, marker: Style) -> Vec<Line<'static>> {
    let room = width.saturating_sub(2).max(4);
    text::wrap(line, room, 2)
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let mut spans = vec![Span::raw("  ")];
            if i == 0 {
                spans.extend(row.spans);
            } else {
                spans.push(Span::styled(CONTINUED, marker));
                // The indent `wrap` put there is replaced by the marker.
                let mut rest = row.spans.into_iter().peekable();
                if rest
                    .peek()
                    .is_some_and(|s| !s.content.is_empty() && s.content.trim().is_empty())
                {
                    rest.next();
                }
                spans.extend(rest);
            }
            Line::from(spans).style(row.style)
        })
        .collect()
}

fn diff_style(state: &State, line: &str) -> Style {
    let theme = &state.theme;
    if line.starts_with("@@") {
        theme.diff_hunk
    } else if line.starts_with('+') && !line.starts_with("+++") {
        theme.diff_add
    } else if line.starts_with('-') && !line.starts_with("---") {
        theme.diff_remove
    } else {
        theme.base
    }
}

fn diff_rows(state: &State, diff: &[String], width: u16) -> Vec<Line<'static>> {
    diff.iter()
        .flat_map(|l| {
            let clean = crate::sanitize::sanitize(l).into_owned();
            let style = diff_style(state, &clean);
            change_rows(Line::styled(clean, style), width, state.theme.dim)
        })
        .collect()
}

/// What is decided on: the proposal, the action (headline, count, digest),
/// the edit that made it the action that runs, and why it cannot be approved.
fn head_lines(
    state: &State,
    key: &ProposalKey,
    record: &ProposalRecord,
    edited: Option<&EditedAction>,
    shown_digest: &str,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = vec![
        fact(
            state,
            "proposal",
            format!("{}/{}", key.namespace, key.name),
            theme.accent,
        ),
        fact(state, "target", record.target.clone(), theme.base),
    ];
    let problem = match edited {
        Some(edit) => {
            let canonical = &edit.canonical;
            lines.push(fact(
                state,
                "action",
                format!(
                    "{} · {} · sha256:{}",
                    crate::sanitize::sanitize(&canonical.headline),
                    canonical.count_label(edit.action.kind),
                    canonical.short_digest()
                ),
                theme.base,
            ));
            lines.push(fact(
                state,
                "edited",
                format!(
                    "by you, from the action that runs now (sha256:{})",
                    crate::domain::canonical::short_digest(shown_digest)
                ),
                theme.warn,
            ));
            canonical
                .problem
                .as_deref()
                .map(|p| crate::sanitize::sanitize(p).into_owned())
        }
        None => {
            let action = &record.action;
            lines.push(fact(
                state,
                "action",
                format!(
                    "{} · {} · sha256:{}",
                    action.headline, action.count_label, action.short_digest
                ),
                theme.base,
            ));
            if let Some(edit) = &action.edit {
                lines.push(fact(
                    state,
                    "edited",
                    format!(
                        "by {} at {}: the edited action runs (proposed: sha256:{})",
                        edit.by,
                        format::clock(edit.at, &state.time_zone),
                        edit.proposed_digest
                    ),
                    theme.warn,
                ));
            }
            action.problem.clone()
        }
    };
    if let Some(problem) = problem {
        lines.push(Line::styled(
            format!("✖ NOT APPROVABLE, shown as written: {problem}"),
            theme.error,
        ));
    }
    lines
}

/// The risk and the phase it is judged under.
fn judgement_lines(state: &State, record: &ProposalRecord) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let phase = super::focus::governing_phase(state, record);
    let mut phase_text = phase.to_string();
    if record.state == ProposalState::AutoApproved {
        phase_text.push_str(" · approved by rule");
    } else if phase == Phase::LimitedWrite || phase == Phase::Autonomous {
        phase_text.push_str(&format!(
            " · {} approvals",
            super::focus::approvals_progress(record)
        ));
    }
    vec![
        Line::from(vec![
            Span::styled(format!("{:<10}", "risk"), theme.dim),
            Span::styled(
                format!(" {} ", record.risk.to_string().to_uppercase()),
                theme.risk(record.risk),
            ),
            Span::raw(" "),
            if record.reversible {
                Span::styled("reversible", theme.ok)
            } else {
                Span::styled("IRREVERSIBLE", theme.error)
            },
        ]),
        fact(state, "phase", phase_text, theme.phase(phase)),
    ]
}

/// The scrolling part: the summary, risk and phase, the edit's diff, then
/// every line of the change.
fn body_lines(
    state: &State,
    record: &ProposalRecord,
    edited: Option<&EditedAction>,
    width: u16,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = wrapped(
        vec![Line::styled(record.summary.clone(), theme.title)],
        width,
    );
    lines.extend(wrapped(judgement_lines(state, record), width));
    let (diff_title, diff, change, count, problem) = match edited {
        Some(edit) => (
            Some("your edit, from the action that runs now:".to_string()),
            Some(edit.diff.as_slice()),
            edit.canonical
                .lines
                .iter()
                .map(|l| Line::raw(crate::sanitize::sanitize(l).into_owned()))
                .collect::<Vec<_>>(),
            edit.canonical.count_label(edit.action.kind),
            edit.canonical.problem.is_some(),
        ),
        None => (
            record
                .action
                .edit
                .as_ref()
                .map(|e| format!("{}'s edit, from the action as proposed:", e.by)),
            record.action.edit.as_ref().map(|e| e.diff.as_slice()),
            record
                .change
                .as_ref()
                .map(|p| p.plain.iter().cloned().collect())
                .unwrap_or_default(),
            record.action.count_label.clone(),
            record.action.problem.is_some(),
        ),
    };
    if let (Some(title), Some(diff)) = (diff_title, diff) {
        lines.extend(wrapped(vec![Line::styled(title, theme.title)], width));
        lines.extend(diff_rows(state, diff, width));
    }
    if !change.is_empty() {
        let title = if problem {
            "the payload as written (it does not parse):".to_string()
        } else {
            format!("the change that runs ({count}, every line):")
        };
        lines.extend(wrapped(vec![Line::styled(title, theme.title)], width));
        for line in change {
            lines.extend(change_rows(line, width, theme.dim));
        }
    }
    lines
}

fn error_lines(state: &State, error: &Option<String>) -> Vec<Line<'static>> {
    error
        .iter()
        .map(|e| Line::styled(format!("✖ {e}"), state.theme.error))
        .collect()
}

/// A key hint line.
pub fn hint(state: &State, text: &str) -> Line<'static> {
    Line::styled(text.to_string(), state.theme.key_hint)
}

fn gone(state: &State, key: &ProposalKey) -> Vec<Line<'static>> {
    vec![Line::styled(
        format!("{} is no longer in the cluster", key.name),
        state.theme.warn,
    )]
}

fn content<'s>(state: &'s State, modal: &'s Modal, width: u16, rows: u16) -> Option<Content<'s>> {
    match modal {
        Modal::Approve { .. } => approve(state, modal, width),
        Modal::Veto { .. } => veto(state, modal, width),
        Modal::Edit { .. } => edit(state, modal, width, rows),
        Modal::Kill { .. } => kill(state, modal, width),
        Modal::Halt { .. } => halt(state, modal, width),
        Modal::Resume { .. } => resume(state, modal, width),
        Modal::AuditFilter => None,
        Modal::Queue(dialog) => Some(Content {
            title: queue::dialog_title(dialog),
            head: wrapped(queue::dialog_head(state, dialog), width),
            body: Vec::new(),
            prompt: Vec::new(),
            field: Some((&dialog.reason, 2)),
            min_body: 0,
            decides: queue::dialog_decides(dialog),
            confirm_key: "enter",
            cancel: "esc cancels",
        }),
    }
}

/// The approve dialog: what runs, all of the change, and for high or critical risk the typed name.
fn approve<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Approve {
        key,
        shown,
        edited,
        typed,
        ..
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let record = state.proposals.get(key);
    let edited = edited.as_deref();
    let (head, mut body) = match record {
        Some(record) => (
            wrapped(head_lines(state, key, record, edited, &shown.digest), width),
            body_lines(state, record, edited, width),
        ),
        None => (gone(state, key), Vec::new()),
    };
    let approvable = match edited {
        Some(edit) => edit.canonical.problem.is_none(),
        None => record.is_some_and(|r| r.action.problem.is_none()),
    };
    if let Some(record) = record.filter(|_| approvable) {
        body.extend(wrapped(
            vec![fact(
                state,
                "approving",
                approval_effect(record),
                theme.warn,
            )],
            width,
        ));
    }
    let mut prompt = Vec::new();
    let field = typed.as_ref().map(|area| {
        // The proposal's own risk (high or critical) is named.
        let risk = record.map(|r| format!("{} risk: ", r.risk));
        prompt.push(Line::styled(
            format!(
                "{}type the proposal's name ({}) to approve:",
                risk.unwrap_or_default(),
                key.name
            ),
            theme.error,
        ));
        (area, 1)
    });
    Some(Content {
        title: if edited.is_some() {
            " approve the edited proposal? ".into()
        } else {
            " approve this proposal? ".into()
        },
        head,
        body,
        prompt: wrapped(prompt, width),
        field,
        min_body: MIN_SCROLL_ROWS,
        decides: "what you approve",
        confirm_key: if typed.is_some() { "enter" } else { "y" },
        cancel: if typed.is_some() {
            "esc cancels"
        } else {
            "any other key closes"
        },
    })
}

/// The veto dialog: what is vetoed, all of the change, the reason.
fn veto<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Veto {
        key, shown, reason, ..
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let record = state.proposals.get(key);
    let (head, body) = match record {
        Some(record) => (
            wrapped(head_lines(state, key, record, None, &shown.digest), width),
            body_lines(state, record, None, width),
        ),
        None => (gone(state, key), Vec::new()),
    };
    let approved = record.is_some_and(crate::model::records::ProposalRecord::awaits_execution);
    // What the veto does keeps its rows when the dialog is short.
    let mut prompt = Vec::new();
    if approved {
        prompt.push(Line::from(vec![
            Span::styled(format!("{:<10}", "vetoing"), theme.dim),
            Span::styled(VETO_AFTER_APPROVAL, theme.warn),
        ]));
    }
    prompt.push(Line::styled(
        "reason (required; written to the proposal, the agent reads it and revises):",
        theme.title,
    ));
    Some(Content {
        title: if approved {
            " veto this approved proposal before it runs ".into()
        } else {
            " veto this proposal ".into()
        },
        head,
        body,
        prompt: wrapped(prompt, width),
        field: Some((reason, 3)),
        min_body: MIN_SCROLL_ROWS,
        decides: "what you veto",
        confirm_key: "enter",
        cancel: "esc cancels",
    })
}

/// The edit box on the action that runs now.
fn edit<'s>(state: &'s State, modal: &'s Modal, width: u16, rows: u16) -> Option<Content<'s>> {
    let Modal::Edit { key, text, .. } = modal else {
        return None;
    };
    let theme = &state.theme;
    let record = state.proposals.get(key);
    let mut head = vec![
        Line::styled(
            record
                .map(|r| r.summary.clone())
                .unwrap_or_else(|| key.name.clone()),
            theme.title,
        ),
        Line::styled(
            "edit the patch or command (YAML or JSON); the kind and the target stay",
            theme.dim,
        ),
    ];
    if let Some(edit) = record.and_then(|r| r.action.edit.as_ref()) {
        head.push(Line::styled(
            format!(
                "you edit the action that runs now: edited by {} at {}",
                edit.by,
                format::clock(edit.at, &state.time_zone)
            ),
            theme.warn,
        ));
    }
    Some(Content {
        title: format!(" edit {} before approving ", key.name),
        head: wrapped(head, width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: Some((text, rows.saturating_sub(12).clamp(1, 16))),
        min_body: 0,
        decides: "the edit",
        confirm_key: "ctrl-s",
        cancel: "esc cancels",
    })
}

/// The kill dialog: what is deleted, the typed investigation id.
fn kill<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Kill {
        namespace,
        job,
        investigation,
        typed,
        ..
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let head = vec![
        Line::styled(
            format!(
                "deletes Job {namespace}/{job} and its pods, and expires its pending and approved-but-not-executed proposals"
            ),
            theme.warn,
        ),
        Line::styled(
            format!("type the investigation id ({investigation}) to confirm:"),
            theme.title,
        ),
    ];
    Some(Content {
        title: format!(" kill investigation {investigation} "),
        head: wrapped(head, width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: Some((typed, 1)),
        min_body: 0,
        decides: "what this kills",
        confirm_key: "enter",
        cancel: "esc cancels",
    })
}

/// The halt dialog: what stops, then the optional reason.
fn halt<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Halt {
        namespace,
        reason,
        typed,
        ..
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let mut head = vec![Line::styled(
        format!(
            "sets {namespace}'s TrustPolicy to Shadow, suspends its running investigations and expires its pending and approved-but-not-executed proposals"
        ),
        theme.warn,
    )];
    if reason.is_some() {
        head.push(Line::styled(
            "reason (recorded with the halt):",
            theme.title,
        ));
    } else {
        head.push(Line::styled(
            format!("type the namespace's name ({namespace}) to confirm:"),
            theme.title,
        ));
    }
    Some(Content {
        title: format!(" halt namespace {namespace} "),
        head: wrapped(head, width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: Some(reason.as_ref().map_or((&**typed, 1), |area| (area, 2))),
        min_body: 0,
        decides: "what this halts",
        confirm_key: "enter",
        cancel: "esc cancels",
    })
}

/// The resume dialog: what comes back, then the phase step.
fn resume<'s>(state: &'s State, modal: &'s Modal, width: u16) -> Option<Content<'s>> {
    let Modal::Resume {
        namespace,
        halted_from,
        phase_step,
    } = modal
    else {
        return None;
    };
    let theme = &state.theme;
    let head = if *phase_step {
        vec![
            Line::styled(
                format!(
                    "also restore {namespace}'s phase to {} (its phase before the halt)?",
                    halted_from.map(|p| p.to_string()).unwrap_or_default()
                ),
                theme.warn,
            ),
            Line::styled(
                "what was expired by the halt stays expired; new proposals are judged under the restored phase",
                theme.title,
            ),
        ]
    } else {
        vec![Line::styled(
            format!(
                "un-suspends the investigations the halt suspended in {namespace}; the phase stays Shadow unless you confirm it next"
            ),
            theme.warn,
        )]
    };
    Some(Content {
        title: format!(" resume namespace {namespace} "),
        head: wrapped(head, width),
        body: Vec::new(),
        prompt: Vec::new(),
        field: None,
        min_body: 0,
        decides: "what this resumes",
        confirm_key: "y",
        cancel: "any other key closes",
    })
}

/// The rows under the field: why the last key did not confirm, and the keys.
fn below_lines(
    state: &State,
    modal: &Modal,
    geometry: Option<&DialogGeometry>,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let scrolls = geometry.is_some_and(DialogGeometry::scrolls);
    match modal {
        Modal::Approve {
            key,
            edited,
            scroll,
            typed,
            error,
            ..
        } => {
            let mut lines = error_lines(state, error);
            if typed.is_some() {
                lines.push(hint(
                    state,
                    if scrolls {
                        "enter approves · pgup/pgdn scroll · esc cancels"
                    } else {
                        "enter approves · esc cancels"
                    },
                ));
                return lines;
            }
            let problem = match edited {
                Some(edit) => edit.canonical.problem.is_some(),
                None => state
                    .proposals
                    .get(key)
                    .is_none_or(|r| r.action.problem.is_some()),
            };
            let unseen = geometry.map_or(0, |g| unseen_rows(scroll, g));
            if problem {
                lines.push(Line::styled(
                    "this cannot be approved: close it and veto (v), so the agent revises it",
                    theme.error,
                ));
                lines.push(hint(
                    state,
                    if scrolls {
                        "j/k ↑/↓ pgup/pgdn space scroll · any other key closes"
                    } else {
                        "any other key closes"
                    },
                ));
            } else if unseen > 0 {
                let plural = if unseen == 1 { "" } else { "s" };
                lines.push(Line::styled(
                    format!("scroll to the end to approve: {unseen} more line{plural}"),
                    theme.warn,
                ));
                lines.push(hint(
                    state,
                    &format!("{SCROLL_KEYS} · any other key cancels"),
                ));
            } else if scrolls {
                lines.push(hint(
                    state,
                    &format!("press y to approve · {SCROLL_KEYS} · any other key cancels"),
                ));
            } else {
                lines.push(hint(state, "press y to approve · any other key cancels"));
            }
            lines
        }
        Modal::Veto { error, .. } => {
            let mut lines = error_lines(state, error);
            lines.push(hint(
                state,
                if scrolls {
                    "enter vetoes · pgup/pgdn scroll the change · esc cancels"
                } else {
                    "enter vetoes · esc cancels"
                },
            ));
            lines
        }
        Modal::Edit { error, .. } => {
            let mut lines = error_lines(state, error);
            lines.push(hint(
                state,
                "ctrl-s checks it and asks to approve · esc cancels",
            ));
            lines
        }
        Modal::Kill { error, .. } => {
            let mut lines = error_lines(state, error);
            lines.push(hint(state, "enter kills · esc cancels"));
            lines
        }
        Modal::Halt { reason, error, .. } => {
            let mut lines = error_lines(state, error);
            lines.push(hint(
                state,
                if reason.is_some() {
                    "enter halts · esc cancels"
                } else {
                    "enter continues to the reason · esc cancels"
                },
            ));
            lines
        }
        Modal::Resume { phase_step, .. } => vec![hint(
            state,
            if *phase_step {
                "y restores the phase · n resumes the Jobs only · any other key cancels"
            } else {
                "press y to resume the Jobs · any other key cancels"
            },
        )],
        Modal::AuditFilter => Vec::new(),
        Modal::Queue(dialog) => {
            let mut lines = error_lines(state, &dialog.error);
            lines.push(hint(state, queue::dialog_hint(dialog)));
            lines
        }
    }
}

fn arrange(screen: Rect, content: &Content<'_>, below: &[Line<'static>]) -> DialogGeometry {
    let width = dialog_width(screen);
    let inner_width = width.saturating_sub(2);
    let field_rows = content
        .field
        .as_ref()
        .map_or(0, |(_, rows)| usize::from(*rows));
    let fixed = content.head.len() + content.prompt.len() + field_rows + below.len();
    let available = usize::from(screen.height.saturating_sub(2));
    let body_rows = content.body.len();
    let view_rows = body_rows.min(available.saturating_sub(fixed));
    let too_small = fixed > available || (view_rows < body_rows && view_rows < content.min_body);
    let needed = fixed + body_rows.min(content.min_body) + 2;
    let rows = if too_small {
        screen.height
    } else {
        u16::try_from(fixed + view_rows + 2).unwrap_or(u16::MAX)
    };
    let view_rows = if too_small { 0 } else { view_rows };
    let area = layout::centered(screen, width, rows.min(screen.height));
    let head_rows = u16::try_from(content.head.len()).unwrap_or(u16::MAX);
    let body = Rect::new(
        area.x.saturating_add(1),
        area.y.saturating_add(1).saturating_add(head_rows),
        inner_width,
        u16::try_from(view_rows).unwrap_or(u16::MAX),
    )
    .intersection(screen);
    DialogGeometry {
        area,
        inner_width,
        body,
        body_rows,
        view_rows,
        too_small,
        rows_needed: u16::try_from(needed).unwrap_or(u16::MAX),
    }
}

/// The open dialog composed for `screen`, and where it goes.
pub fn build<'s>(state: &'s State, modal: &'s Modal, screen: Rect) -> Option<Built<'s>> {
    let width = dialog_width(screen).saturating_sub(2);
    let content = content(state, modal, width, screen.height)?;
    // The hints say how much is left to see, which depends on the rows they
    // leave: settle them (they rarely change their own height).
    let mut below = wrapped(below_lines(state, modal, None), width);
    let mut geometry = arrange(screen, &content, &below);
    for _ in 0..3 {
        below = wrapped(below_lines(state, modal, Some(&geometry)), width);
        let next = arrange(screen, &content, &below);
        if next == geometry {
            break;
        }
        geometry = next;
    }
    Some(Built {
        content,
        below,
        geometry,
    })
}

/// Where the open dialog goes and how much of its scrolling part shows, as
/// the view draws it; `None` when no dialog is open.
pub fn geometry(state: &State) -> Option<DialogGeometry> {
    let modal = state.decisions.modal.as_ref()?;
    build(state, modal, layout::screen(state)).map(|b| b.geometry)
}

/// How far the open dialog's scrolling part is scrolled.
pub fn scroll_offset(modal: &Modal) -> usize {
    match modal {
        Modal::Approve { scroll, .. } | Modal::Veto { scroll, .. } => scroll.offset,
        _ => 0,
    }
}
