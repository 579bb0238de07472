//! Commands, per screen.

use super::{Out, command_line, scroll, stream};
use crate::app::command::Command;
use crate::app::effect::{Effect, ExternalProgram};
use crate::app::state::{DetailFocus, DocumentKind, Prompt, PromptKind, Screen, State};
use crate::model::records::EntryKind;

/// Runs one command on the current screen.
pub(super) fn run(state: &mut State, command: Command, out: &mut Out) {
    match command {
        Command::Quit => {
            state.quitting = true;
            out.push(Effect::Quit);
        }
        Command::AskQuit => {
            state.asking_quit = true;
            out.redraw();
        }
        Command::Help => {
            state.help = match state.help {
                Some(_) => None,
                None => Some(0),
            };
            out.redraw();
        }
        Command::CommandLine => {
            let mut prompt = Prompt::new(PromptKind::Command);
            prompt.completions = command_line::completions(state, "");
            state.prompt = Some(prompt);
            out.redraw();
        }
        Command::Filter => open_filter(state, out),
        Command::Back => back(state, out),
        Command::ShowYaml => super::documents::open(state, DocumentKind::Yaml, out),
        Command::ShowLog => super::documents::open(state, DocumentKind::Log, out),
        Command::OpenInEditor => super::external::open(state, ExternalProgram::Editor, out),
        Command::OpenInPager => super::external::open(state, ExternalProgram::Pager, out),
        Command::ExportTranscript => super::export::start(state, None, out),
        Command::Refresh if matches!(state.screen(), Screen::Document { .. }) => {
            super::documents::refresh(state, out);
        }
        Command::Approve
        | Command::Veto
        | Command::EditApprove
        | Command::CopySuggestion
        | Command::Kill
        | Command::Halt
        | Command::Resume
        | Command::RetryDecisions
        | Command::Refresh => super::deciding::command(state, command, out),
        Command::BumpQueued | Command::AdmitNow | Command::CancelQueued => {
            super::queue::command(state, command, out);
        }
        _ => match state.screen().clone() {
            Screen::Investigations => table(state, command, out),
            Screen::Detail => detail(state, command, out),
            Screen::Proposal { .. } => proposal(state, command, out),
            Screen::Approvals | Screen::Audit => {
                super::deciding::screen_command(state, command, out);
            }
            Screen::Policies => super::policies::command(state, command, out),
            Screen::Document { .. } => super::documents::command(state, command, out),
        },
    }
}

fn open_filter(state: &mut State, out: &mut Out) {
    let prompt = match state.screen() {
        Screen::Investigations => {
            Prompt::with_input(PromptKind::Filter, state.table.filter().to_string())
        }
        Screen::Detail => Prompt::new(PromptKind::Search),
        Screen::Audit => {
            super::deciding::open_audit_filter(state, out);
            return;
        }
        _ => return,
    };
    state.prompt = Some(prompt);
    out.redraw();
}

fn back(state: &mut State, out: &mut Out) {
    match state.screen().clone() {
        Screen::Investigations => {
            if state.table.filter().is_empty() {
                super::notice::dismiss_one(state, out);
            } else {
                state.table.set_filter("");
                let page = crate::app::geometry::layout::table_page(state);
                state.table.refresh(page);
                out.redraw();
            }
        }
        Screen::Detail => {
            if let Some(detail) = state.detail.as_mut()
                && detail.older.is_some()
            {
                detail.older = None;
                out.redraw();
                return;
            }
            if state.stream_settings.search.is_some() {
                state.stream_settings.search = None;
                out.redraw();
                return;
            }
            pop(state, out);
        }
        Screen::Proposal { .. } => pop(state, out),
        Screen::Approvals | Screen::Audit => pop(state, out),
        Screen::Policies | Screen::Document { .. } => pop(state, out),
    }
}

/// Leaves the screen on top; stops the log stream when the detail view is left.
pub(super) fn pop(state: &mut State, out: &mut Out) {
    if state.screens.len() <= 1 {
        return;
    }
    state.screens.pop();
    if !state.screens.contains(&Screen::Detail) {
        stream::close(state, out);
    }
    if !state
        .screens
        .iter()
        .any(|s| matches!(s, Screen::Document { .. }))
    {
        state.document = None;
    }
    out.redraw();
}

fn table(state: &mut State, command: Command, out: &mut Out) {
    let page = crate::app::geometry::layout::table_page(state);
    let selected = state.table.selected();
    let last = state.table.visible_len().saturating_sub(1);
    let target = match command {
        Command::Up => selected.saturating_sub(1),
        Command::Down => selected + 1,
        Command::HalfPageUp => selected.saturating_sub((page / 2).max(1)),
        Command::HalfPageDown => selected + (page / 2).max(1),
        Command::PageUp => selected.saturating_sub(page.max(1)),
        Command::PageDown => selected + page.max(1),
        Command::Top => 0,
        Command::Bottom => last,
        Command::Open => {
            stream::open(state, out);
            return;
        }
        Command::SortNext => {
            state.table.sort = state.table.sort.next();
            state.table.reverse = false;
            state.table.refresh(page);
            out.redraw();
            return;
        }
        Command::SortReverse => {
            state.table.reverse = !state.table.reverse;
            state.table.refresh(page);
            out.redraw();
            return;
        }
        _ => return,
    };
    let moved = state.table.select(target, page);
    out.redraw_if(moved);
}

fn detail(state: &mut State, command: Command, out: &mut Out) {
    let focus = state.detail.as_ref().map(|d| d.focus);
    // The proposals pane takes the keys only while it is on screen.
    let pane_shown =
        crate::app::geometry::layout::detail(crate::app::geometry::layout::body(state), state)
            .proposals
            .is_some();
    if focus == Some(DetailFocus::Proposals) && pane_shown && proposals_pane(state, command, out) {
        return;
    }
    match command {
        Command::Up
        | Command::Down
        | Command::HalfPageUp
        | Command::HalfPageDown
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom => scroll::stream_move(state, command, out),
        Command::Follow => scroll::toggle_follow(state, out),
        Command::Timestamps => {
            state.stream_settings.timestamps = !state.stream_settings.timestamps;
            scroll::stream_into_view(state);
            out.redraw();
        }
        Command::Wrap => {
            state.stream_settings.wrap = !state.stream_settings.wrap;
            scroll::stream_into_view(state);
            out.redraw();
        }
        Command::ToggleFold => toggle_fold(state, out),
        Command::Open => open_entry(state, out),
        Command::NextProposal => {
            stream::jump_to(state, |e| matches!(e.kind, EntryKind::Proposal { .. }), out);
        }
        Command::SearchNext => stream::search(state, true, false, out),
        Command::SearchPrevious => stream::search(state, false, false, out),
        Command::FetchOlder => stream::fetch_older(state, out),
        Command::FocusNext => focus_next(state, out),
        _ => {}
    }
}

fn focus_next(state: &mut State, out: &mut Out) {
    let has_proposals =
        crate::app::geometry::layout::detail(crate::app::geometry::layout::body(state), state)
            .proposals
            .is_some();
    let Some(detail) = state.detail.as_mut() else {
        return;
    };
    let next = match detail.focus {
        DetailFocus::Reasoning if has_proposals => DetailFocus::Proposals,
        _ => DetailFocus::Reasoning,
    };
    out.redraw_if(next != detail.focus);
    detail.focus = next;
}

/// Keys for the proposals pane; returns whether the key was handled there.
fn proposals_pane(state: &mut State, command: Command, out: &mut Out) -> bool {
    let Some(detail) = state.detail.as_ref() else {
        return false;
    };
    let proposals = state.proposals.for_investigation(&detail.investigation);
    let last = proposals.len().saturating_sub(1);
    let cursor = detail.proposal_cursor.min(last);
    let next = match command {
        Command::Up => cursor.saturating_sub(1),
        Command::Down => (cursor + 1).min(last),
        Command::Top | Command::PageUp | Command::HalfPageUp => 0,
        Command::Bottom | Command::PageDown | Command::HalfPageDown => last,
        Command::Open => {
            if let Some(key) = proposals.get(cursor).map(|p| p.key.clone()) {
                stream::open_proposal(state, key, out);
            }
            return true;
        }
        _ => return false,
    };
    if let Some(detail) = state.detail.as_mut() {
        out.redraw_if(detail.proposal_cursor != next);
        detail.proposal_cursor = next;
    }
    true
}

fn toggle_fold(state: &mut State, out: &mut Out) {
    let Some(detail) = state.detail.as_mut() else {
        return;
    };
    let buffer = detail.active_buffer_mut();
    let Some(seq) = buffer.cursor_seq() else {
        return;
    };
    if !buffer.get(seq).is_some_and(|e| e.kind.is_foldable()) {
        return;
    }
    if !buffer.expanded.remove(&seq) {
        buffer.expanded.insert(seq);
    }
    scroll::stream_into_view(state);
    out.redraw();
}

fn open_entry(state: &mut State, out: &mut Out) {
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    let buffer = detail.active_buffer();
    let Some(entry) = buffer.cursor_seq().and_then(|seq| buffer.get(seq)) else {
        return;
    };
    match &entry.kind {
        EntryKind::ToolCall(_) | EntryKind::ToolResult { .. } => toggle_fold(state, out),
        EntryKind::Proposal { name, .. } => {
            let key =
                crate::model::records::ProposalKey::new(detail.namespace.clone(), name.to_string());
            if state.proposals.get(&key).is_some() {
                stream::open_proposal(state, key, out);
            } else {
                super::notice::notice(
                    state,
                    crate::app::state::NoticeLevel::Warning,
                    format!("proposal {} is not (or no longer) in the cluster", key.name),
                    out,
                );
            }
        }
        _ => {}
    }
}

fn proposal(state: &mut State, command: Command, out: &mut Out) {
    let Some(Screen::Proposal {
        scroll: current, ..
    }) = state.screens.last().cloned()
    else {
        return;
    };
    let (page, max) = scroll::proposal_bounds(state);
    let Some(next) = super::scroll::scrolled_to(command, current, page, max) else {
        return;
    };
    if let Some(Screen::Proposal { scroll, .. }) = state.screens.last_mut() {
        out.redraw_if(*scroll != next);
        *scroll = next;
    }
}
