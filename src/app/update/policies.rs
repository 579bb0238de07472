//! The policies view and its editor: rows computed from the watched
//! policies and proposals, and the editor's stages (form, YAML, reason,
//! diff, applying). Applying is an [`Effect::ApplyPolicy`]; the result comes
//! back as [`Action::PolicyApplied`](crate::app::Action::PolicyApplied).
//! A conflict (someone changed the policy meanwhile) re-applies this
//! operator's changed fields to the policy as it is now and shows the review
//! again, naming who changed what ([`crate::policy::rebase`]).

use super::{Out, stream};
use crate::app::command::Command;
use crate::app::effect::Effect;
use crate::app::state::{
    EditorStage, FormField, NoticeLevel, PolicyEditor, PolicyForm, PolicyRow, Screen, State,
};
use crate::domain::{Risk, TrustPolicySpec};
use crate::policy::{
    ConflictReview, FieldError, Observation, PhaseRuleError, PolicyApplied, PolicyApplyError,
    PolicyChangeRequest, assess, check_phase_change, diff_yaml, evidence, parse_spec_yaml, rebase,
    spec_yaml, validate,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, BTreeSet};

/// The longest reason kept, in characters.
const MAX_REASON_CHARS: usize = 512;
/// The longest number typed into the form, in digits.
const MAX_NUMBER_DIGITS: usize = 9;

/// `:policies`: opens the view.
pub(crate) fn open(state: &mut State, out: &mut Out) {
    stream::close(state, out);
    state.screens.truncate(1);
    state.screens.push(Screen::Policies);
    state.policy_view.rows = rows(state);
    let last = state.policy_view.rows.len().saturating_sub(1);
    state.policy_view.cursor = state.policy_view.cursor.min(last);
    out.redraw();
}

/// Recomputes the rows while the view is on screen; redraws when they changed.
pub(crate) fn refresh(state: &mut State, out: &mut Out) {
    if state.screen() != &Screen::Policies {
        return;
    }
    let rows = rows(state);
    if rows != state.policy_view.rows {
        state.policy_view.rows = rows;
        let last = state.policy_view.rows.len().saturating_sub(1);
        state.policy_view.cursor = state.policy_view.cursor.min(last);
        out.redraw();
    }
}

/// Every namespace in scope, with its policy, evidence and readiness.
pub fn rows(state: &State) -> Vec<PolicyRow> {
    let mut observations: BTreeMap<&str, Vec<Observation>> = BTreeMap::new();
    for record in state.proposals.all_records() {
        observations
            .entry(record.key.namespace.as_str())
            .or_default()
            .push(Observation::from_record(record));
    }
    let namespaces: BTreeSet<String> = match &state.namespace {
        Some(namespace) => BTreeSet::from([namespace.clone()]),
        None => state
            .known_namespaces
            .iter()
            .cloned()
            .chain(state.policies.keys().cloned())
            .chain(observations.keys().map(|ns| ns.to_string()))
            .filter(|ns| !ns.is_empty())
            .collect(),
    };
    namespaces
        .into_iter()
        .map(|namespace| {
            let record = state.policies.get(&namespace);
            let spec = record.map(|p| p.spec.clone());
            let criteria = spec
                .as_ref()
                .map(|s| s.promotion.clone())
                .unwrap_or_default();
            let phase = spec.as_ref().map(|s| s.phase).unwrap_or_default();
            let counted = evidence(
                observations.get(namespace.as_str()).into_iter().flatten(),
                criteria.observation_window_hours,
                state.now,
            );
            PolicyRow {
                assessment: assess(phase, &criteria, &counted),
                evidence: counted,
                last_changed_by: record.and_then(|p| p.last_change.as_ref().map(|c| c.by.clone())),
                last_change: record.and_then(|p| p.last_change.clone()),
                last_demotion: record.and_then(|p| p.last_demotion.clone()),
                halted_from: record.and_then(|p| p.halted_from),
                namespace,
                spec,
            }
        })
        .collect()
}

/// A command on the policies view.
pub(crate) fn command(state: &mut State, command: Command, out: &mut Out) {
    let view = &mut state.policy_view;
    let last = view.rows.len().saturating_sub(1);
    let page = crate::app::geometry::layout::table_page(state).max(1);
    let view = &mut state.policy_view;
    let next = match command {
        Command::Up => view.cursor.saturating_sub(1),
        Command::Down => view.cursor + 1,
        Command::HalfPageUp => view.cursor.saturating_sub((page / 2).max(1)),
        Command::HalfPageDown => view.cursor + (page / 2).max(1),
        Command::PageUp => view.cursor.saturating_sub(page),
        Command::PageDown => view.cursor + page,
        Command::Top => 0,
        Command::Bottom => last,
        Command::EditPolicy | Command::Open => return start_editing(state, false, out),
        Command::NewPolicy => return start_editing(state, true, out),
        _ => return,
    }
    .min(last);
    out.redraw_if(next != view.cursor);
    view.cursor = next;
}

fn start_editing(state: &mut State, create: bool, out: &mut Out) {
    let Some(row) = state.policy_view.selected() else {
        return;
    };
    if state.readonly {
        let text = "read-only: trust policies cannot be changed from this console".to_string();
        return super::notice::notice(state, NoticeLevel::Warning, text, out);
    }
    let namespace = row.namespace.clone();
    let record = state.policies.get(&namespace);
    if create && record.is_some() {
        let text = format!("{namespace} already has a trust policy: e edits it");
        return super::notice::notice(state, NoticeLevel::Warning, text, out);
    }
    let editor = PolicyEditor::new(
        namespace,
        record.map(|p| p.spec.clone()),
        record.and_then(|p| p.resource_version.clone()),
    );
    state.policy_view.editor = Some(editor);
    out.redraw();
}

/// A key while the editor is open.
pub(crate) fn editor_key(state: &mut State, event: KeyEvent, out: &mut Out) {
    let Some(editor) = state.policy_view.editor.as_mut() else {
        return;
    };
    out.redraw();
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    match editor.stage {
        EditorStage::Form => form_key(state, event.code, ctrl, out),
        EditorStage::Yaml => yaml_key(state, event, ctrl),
        EditorStage::Reason => reason_key(state, event.code, ctrl),
        EditorStage::Diff => diff_key(state, event.code, out),
        EditorStage::Applying => {
            if event.code == KeyCode::Esc {
                state.policy_view.editor = None;
            }
        }
    }
}

/// Pasted text goes to the field being typed in.
pub(crate) fn paste(state: &mut State, text: &str, out: &mut Out) {
    let Some(editor) = state.policy_view.editor.as_mut() else {
        return;
    };
    match editor.stage {
        EditorStage::Yaml => {
            let clean: String = text
                .lines()
                .map(|l| crate::sanitize::sanitize(l).into_owned())
                .collect::<Vec<_>>()
                .join("\n");
            editor.yaml.insert_str(clean);
        }
        EditorStage::Reason => {
            let clean = crate::sanitize::sanitize(text);
            let room = MAX_REASON_CHARS.saturating_sub(editor.reason.chars().count());
            editor.reason.extend(clean.chars().take(room));
        }
        _ => return,
    }
    out.redraw();
}

fn form_key(state: &mut State, code: KeyCode, ctrl: bool, out: &mut Out) {
    let Some(editor) = state.policy_view.editor.as_mut() else {
        return;
    };
    let index = FormField::ALL
        .iter()
        .position(|f| *f == editor.focus)
        .unwrap_or(0);
    match code {
        KeyCode::Esc => state.policy_view.editor = None,
        KeyCode::Char('c') if ctrl => state.policy_view.editor = None,
        KeyCode::Up | KeyCode::BackTab | KeyCode::Char('k') => {
            editor.focus = FormField::ALL[index.saturating_sub(1)];
        }
        KeyCode::Down | KeyCode::Tab | KeyCode::Char('j') => {
            editor.focus = FormField::ALL[(index + 1).min(FormField::ALL.len() - 1)];
        }
        KeyCode::Left | KeyCode::Char('h') => cycle(&mut editor.form, editor.focus, false),
        KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => {
            cycle(&mut editor.form, editor.focus, true)
        }
        KeyCode::Char(digit) if digit.is_ascii_digit() => {
            if let Some(text) = editor.form.text_mut(editor.focus)
                && text.len() < MAX_NUMBER_DIGITS
            {
                text.push(digit);
            }
        }
        KeyCode::Backspace => {
            if let Some(text) = editor.form.text_mut(editor.focus) {
                text.pop();
            }
        }
        KeyCode::Char('y') => to_yaml(editor),
        KeyCode::Char('o') => submit(editor, true),
        KeyCode::Enter => submit(editor, false),
        _ => {
            out.redraw_if(false);
        }
    }
}

/// Left/right on the phase, the ceiling or the unsealed-credentials switch.
fn cycle(form: &mut PolicyForm, field: FormField, forward: bool) {
    const RISKS: [Risk; 3] = [Risk::Low, Risk::Medium, Risk::High];
    match field {
        FormField::Phase => {
            let next = if forward {
                form.phase.next()
            } else {
                form.phase.previous()
            };
            form.phase = next.unwrap_or(form.phase);
        }
        FormField::RiskCeiling => {
            let at = RISKS
                .iter()
                .position(|r| *r == form.risk_ceiling)
                .unwrap_or(0);
            let to = if forward {
                (at + 1).min(RISKS.len() - 1)
            } else {
                at.saturating_sub(1)
            };
            form.risk_ceiling = RISKS[to];
        }
        FormField::UnsealedCredentials => form.allow_unsealed = !form.allow_unsealed,
        _ => {}
    }
}

/// `y` on the form: the whole spec as YAML.
fn to_yaml(editor: &mut PolicyEditor) {
    match editor.form.apply_to(&editor.draft) {
        Ok(spec) => {
            editor.draft = spec;
            let lines: Vec<String> = spec_yaml(&editor.draft)
                .lines()
                .map(str::to_string)
                .collect();
            editor.yaml = ratatui_textarea::TextArea::new(lines);
            editor.errors.clear();
            editor.stage = EditorStage::Yaml;
        }
        Err(error) => editor.errors = vec![error],
    }
}

fn yaml_key(state: &mut State, event: KeyEvent, ctrl: bool) {
    let Some(editor) = state.policy_view.editor.as_mut() else {
        return;
    };
    match event.code {
        KeyCode::Esc => {
            if from_yaml(editor) {
                editor.stage = EditorStage::Form;
            }
        }
        KeyCode::Char('c') if ctrl => {
            editor.errors.clear();
            editor.stage = EditorStage::Form;
        }
        KeyCode::Char('s') if ctrl => {
            if from_yaml(editor) {
                submit(editor, false);
            }
        }
        _ => {
            editor.yaml.input(event);
        }
    }
}

/// Reads the YAML into the draft and the form; false (with the error shown) when it does not parse.
fn from_yaml(editor: &mut PolicyEditor) -> bool {
    let text = editor.yaml.lines().join("\n");
    match parse_spec_yaml(&text) {
        Ok(spec) => {
            editor.form = PolicyForm::from_spec(&spec);
            editor.draft = spec;
            editor.errors.clear();
            true
        }
        Err(error) => {
            editor.errors = vec![error];
            false
        }
    }
}

/// Enter (or `o`, to override the one-phase rule): validate, then ask why.
fn submit(editor: &mut PolicyEditor, override_rule: bool) {
    editor.message = None;
    let spec = match editor.form.apply_to(&editor.draft) {
        Ok(spec) => spec,
        Err(error) => {
            editor.errors = vec![error];
            return;
        }
    };
    let errors = validate(&spec);
    if !errors.is_empty() {
        editor.errors = errors;
        return;
    }
    let skips = check_phase_change(editor.base_phase(), spec.phase, None).is_err();
    if skips && !override_rule {
        if let Err(error) = check_phase_change(editor.base_phase(), spec.phase, None) {
            editor.errors = vec![phase_rule_error(&error)];
        }
        return;
    }
    if Some(&spec) == editor.base.as_ref() {
        editor.errors = vec![FieldError::new("spec", "nothing changed")];
        return;
    }
    editor.errors.clear();
    editor.override_phase_rule = skips && override_rule;
    editor.draft = spec.clone();
    editor.pending = Some(spec);
    editor.stage = EditorStage::Reason;
}

fn phase_rule_error(error: &PhaseRuleError) -> FieldError {
    let text = error.to_string();
    let reason = text.strip_prefix("phase: ").unwrap_or(&text);
    let hint = match error {
        PhaseRuleError::SkipsPhases { .. } => " (o: override)",
        PhaseRuleError::OverrideNeedsReason => "",
    };
    FieldError::new("phase", format!("{reason}{hint}"))
}

fn reason_key(state: &mut State, code: KeyCode, ctrl: bool) {
    let Some(editor) = state.policy_view.editor.as_mut() else {
        return;
    };
    match code {
        KeyCode::Esc => {
            editor.errors.clear();
            editor.stage = EditorStage::Form;
        }
        KeyCode::Enter => {
            if editor.override_phase_rule && editor.reason.trim().is_empty() {
                editor.errors = vec![phase_rule_error(&PhaseRuleError::OverrideNeedsReason)];
                return;
            }
            let Some(spec) = editor.pending.as_ref() else {
                editor.stage = EditorStage::Form;
                return;
            };
            editor.diff = diff_yaml(editor.base.as_ref(), spec);
            if let Some(conflict) = editor.conflict.as_mut() {
                conflict.refresh(spec);
            }
            editor.errors.clear();
            editor.review_scroll = 0;
            editor.review_seen = 0;
            editor.stage = EditorStage::Diff;
        }
        KeyCode::Backspace => {
            editor.reason.pop();
        }
        KeyCode::Char('u') if ctrl => editor.reason.clear(),
        KeyCode::Char(c) if !ctrl && editor.reason.chars().count() < MAX_REASON_CHARS => {
            editor.reason.push(c);
        }
        _ => {}
    }
}

fn diff_key(state: &mut State, code: KeyCode, out: &mut Out) {
    let extent = crate::app::geometry::review::review_extent(state);
    let Some(editor) = state.policy_view.editor.as_mut() else {
        return;
    };
    let page = extent.rows.max(1);
    let scroll = editor.review_scroll.min(extent.max_scroll());
    let to = match code {
        KeyCode::Char('y') => return confirm(state, out),
        KeyCode::Char('n') | KeyCode::Esc => {
            editor.stage = EditorStage::Form;
            return;
        }
        KeyCode::Down | KeyCode::Char('j') => scroll + 1,
        KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => scroll + page,
        KeyCode::PageUp => scroll.saturating_sub(page),
        KeyCode::End | KeyCode::Char('G') => extent.max_scroll(),
        KeyCode::Home | KeyCode::Char('g') => 0,
        _ => return,
    };
    editor.review_scroll = to.min(extent.max_scroll());
    editor.review_seen = editor.review_seen.max(editor.review_scroll + extent.rows);
}

/// Whether `y` may apply: every line of the review has been on screen (a
/// change someone else made meanwhile could be among them). The scroll
/// marker says how much is left; a terminal too small to show any of it
/// gets an error.
fn review_seen(state: &mut State) -> bool {
    let extent = crate::app::geometry::review::review_extent(state);
    let Some(editor) = state.policy_view.editor.as_mut() else {
        return false;
    };
    let scroll = editor.review_scroll.min(extent.max_scroll());
    editor.review_seen = editor.review_seen.max(scroll + extent.rows);
    if extent.rows == 0 {
        editor.errors = vec![FieldError::new(
            "review",
            "the terminal is too small to show the change: make it larger",
        )];
    }
    editor.review_seen >= extent.lines && extent.rows > 0
}

/// `y` on the diff: send the change, once all of the review was on screen.
fn confirm(state: &mut State, out: &mut Out) {
    if !review_seen(state) {
        return;
    }
    let Some(user) = state.identity.user.clone() else {
        if let Some(editor) = state.policy_view.editor.as_mut() {
            editor.message = Some("who you are is not known yet; try again in a moment".into());
        }
        return;
    };
    let verified = state.identity.verified;
    let context = state.context.clone();
    let Some(editor) = state.policy_view.editor.as_mut() else {
        return;
    };
    let Some(spec) = editor.pending.clone() else {
        return;
    };
    let request = PolicyChangeRequest {
        namespace: editor.namespace.clone(),
        base: editor.base.clone(),
        base_resource_version: editor.base_resource_version.clone(),
        spec,
        actor: crate::decide::Identity {
            user,
            groups: Vec::new(),
            verified,
        },
        reason: Some(editor.reason.trim().to_string()).filter(|r| !r.is_empty()),
        override_phase_rule: editor.override_phase_rule,
        context: Some(context),
    };
    editor.stage = EditorStage::Applying;
    editor.message = None;
    out.push(Effect::ApplyPolicy(Box::new(request)));
}

/// The cluster answered a change.
pub(crate) fn applied(
    state: &mut State,
    result: Result<PolicyApplied, PolicyApplyError>,
    out: &mut Out,
) {
    out.redraw();
    match result {
        Ok(applied) => {
            let verb = if applied.created {
                "created"
            } else {
                "changed"
            };
            let mut text = format!(
                "trust policy of {} {verb}: {}",
                applied.namespace, applied.change.what
            );
            for warning in &applied.warnings {
                text.push_str(&format!(" (warning: {warning})"));
            }
            let editing_it = state
                .policy_view
                .editor
                .as_ref()
                .is_some_and(|e| e.namespace == applied.namespace);
            if editing_it {
                state.policy_view.editor = None;
            }
            state.policy_view.last_result = Some(crate::sanitize::sanitize(&text).into_owned());
        }
        Err(error) => {
            let text = crate::sanitize::sanitize(&error.to_string()).into_owned();
            // Only the editor that sent the change (still waiting for it) takes the answer.
            let elsewhere = matches!(&error, PolicyApplyError::Conflict { namespace, .. }
                if state.policy_view.editor.as_ref().is_some_and(|e| &e.namespace != namespace));
            let editor = state
                .policy_view
                .editor
                .as_mut()
                .filter(|e| e.stage == EditorStage::Applying && !elsewhere);
            let Some(editor) = editor else {
                return super::notice::notice(state, NoticeLevel::Error, text, out);
            };
            match error {
                PolicyApplyError::Conflict {
                    changed_by,
                    at,
                    current,
                    current_resource_version,
                    deleted,
                    ..
                } if current.is_some() || deleted => {
                    let now = Reloaded {
                        by: changed_by,
                        at,
                        deleted,
                        spec: current.map(|c| *c),
                        resource_version: current_resource_version,
                    };
                    rebase_onto(editor, now, text);
                }
                PolicyApplyError::Conflict { .. } => {
                    // The policy as it is now could not be read: keep the edit
                    // and its precondition; applying again reads it again.
                    editor.message = Some(format!(
                        "{text}; the policy as it is now could not be read: enter tries again"
                    ));
                    editor.stage = EditorStage::Form;
                }
                _ => {
                    editor.message = Some(text);
                    editor.stage = EditorStage::Form;
                }
            }
        }
    }
}

/// The policy as a conflict found it.
struct Reloaded {
    by: Option<String>,
    at: Option<jiff::Timestamp>,
    deleted: bool,
    spec: Option<TrustPolicySpec>,
    resource_version: Option<String>,
}

/// After a conflict: start from the policy as it is now, re-apply only the
/// fields this operator changed (from the policy they started editing from),
/// and show the new review, which names who changed what meanwhile and every
/// field both changed. Nothing someone else changed is reverted unless it is
/// in that review and the operator confirms it again.
fn rebase_onto(editor: &mut PolicyEditor, now: Reloaded, text: String) {
    let started = editor.base.clone().unwrap_or_default();
    let edited = editor
        .pending
        .clone()
        .unwrap_or_else(|| editor.draft.clone());
    let current = now.spec.clone().unwrap_or_default();
    let rebased = match rebase(&started, &edited, &current) {
        Ok(rebased) => rebased,
        Err(error) => {
            editor.message = Some(text);
            editor.errors = vec![error];
            editor.stage = EditorStage::Form;
            return;
        }
    };
    editor.conflict = Some(ConflictReview::new(
        now.by.as_deref(),
        now.at,
        now.deleted,
        &rebased,
    ));
    editor.base = now.spec;
    editor.base_resource_version = now.resource_version;
    editor.draft = rebased.spec.clone();
    editor.form = PolicyForm::from_spec(&rebased.spec);
    editor.pending = None;
    editor.diff.clear();
    editor.review_scroll = 0;
    editor.review_seen = 0;
    editor.stage = EditorStage::Form;
    let onto = if now.deleted {
        "the defaults (there is no policy now)"
    } else {
        "the policy as it is now"
    };
    editor.message = Some(format!("{text}. Your changes were re-applied to {onto}"));
    if rebased.mine.is_empty() && !now.deleted {
        editor.errors = vec![FieldError::new(
            "spec",
            "nothing left to change: the policy as it is now already has your changes",
        )];
        return;
    }
    let errors = validate(&rebased.spec);
    if !errors.is_empty() {
        editor.errors = errors;
        return;
    }
    let skips = check_phase_change(editor.base_phase(), rebased.spec.phase, None);
    match skips {
        Err(error) if !editor.override_phase_rule => {
            editor.errors = vec![phase_rule_error(&error)];
            return;
        }
        Err(_) => {}
        Ok(()) => editor.override_phase_rule = false,
    }
    editor.errors.clear();
    editor.diff = diff_yaml(editor.base.as_ref(), &rebased.spec);
    editor.pending = Some(rebased.spec);
    editor.stage = EditorStage::Diff;
}
