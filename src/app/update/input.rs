//! Keys: to the open prompt when there is one, to the help overlay while it
//! is open, otherwise through the keymap to a command.

use super::{Out, command_line, commands, stream};
use crate::app::command::Command;
use crate::app::keymap::{KeyChord, Scope};
use crate::app::state::{PromptKind, Screen, State};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Handles one key press.
pub(super) fn key(state: &mut State, event: KeyEvent, out: &mut Out) {
    if event.kind == KeyEventKind::Release {
        return;
    }
    if state.policy_view.editor.is_some() && state.screen() == &Screen::Policies {
        super::policies::editor_key(state, event, out);
        return;
    }
    if state.decisions.modal.is_some() {
        super::decision_modal::key(state, event, out);
        return;
    }
    if state.prompt.is_some() {
        prompt_key(state, event, out);
        return;
    }
    let chord = KeyChord::from_event(&event);
    if state.asking_quit {
        state.asking_quit = false;
        out.redraw();
        if matches!(chord.code, KeyCode::Char('y' | 'Y' | 'q'))
            || state.keymap.lookup(Scope::Global, chord) == Some(Command::Quit)
        {
            commands::run(state, Command::Quit, out);
        }
        return;
    }
    if state.copy_choice.is_some() {
        super::deciding::choice_key(state, chord.code, out);
        return;
    }
    if state.help.is_some() {
        help_key(state, chord, out);
        return;
    }
    let scope = state.screen().scope();
    if let Some(command) = state.keymap.lookup(scope, chord) {
        if state.readonly && command.is_write() {
            return;
        }
        if let Some(why) = state.withheld(command) {
            let text = why.explain(state.identity.user.as_deref());
            return super::notice::notice(
                state,
                crate::app::state::NoticeLevel::Warning,
                text,
                out,
            );
        }
        commands::run(state, command, out);
    }
}

/// Pasted text goes to the open prompt; elsewhere it is ignored.
pub(super) fn paste(state: &mut State, text: &str, out: &mut Out) {
    if state.policy_view.editor.is_some() && state.screen() == &Screen::Policies {
        super::policies::paste(state, text, out);
        return;
    }
    if state.decisions.modal.is_some() {
        super::decision_modal::paste(state, text, out);
        return;
    }
    let clean: String = crate::sanitize::sanitize(text).chars().take(512).collect();
    if clean.is_empty() || state.prompt.is_none() {
        return;
    }
    if let Some(prompt) = state.prompt.as_mut() {
        prompt.input.push_str(&clean);
    }
    edited(state, out);
}

fn help_key(state: &mut State, chord: KeyChord, out: &mut Out) {
    let Some(scroll) = state.help else {
        return;
    };
    let max = crate::app::geometry::help::max_scroll(state);
    let next = match state.keymap.lookup(Scope::Global, chord) {
        Some(Command::Help | Command::Back) => {
            state.help = None;
            out.redraw();
            return;
        }
        Some(Command::Quit) => {
            commands::run(state, Command::Quit, out);
            return;
        }
        Some(Command::Down) => scroll + 1,
        Some(Command::Up) => scroll.saturating_sub(1),
        Some(Command::PageDown | Command::HalfPageDown) => scroll + 10,
        Some(Command::PageUp | Command::HalfPageUp) => scroll.saturating_sub(10),
        Some(Command::Top) => 0,
        Some(Command::Bottom) => max,
        _ if chord.code == KeyCode::Char('q') => {
            state.help = None;
            out.redraw();
            return;
        }
        _ => return,
    };
    let next = next.min(max);
    out.redraw_if(next != scroll);
    state.help = Some(next);
}

fn prompt_key(state: &mut State, event: KeyEvent, out: &mut Out) {
    let Some(prompt) = state.prompt.as_mut() else {
        return;
    };
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let alt = event.modifiers.contains(KeyModifiers::ALT);
    match event.code {
        KeyCode::Esc => cancel(state, out),
        KeyCode::Char('c') if ctrl => cancel(state, out),
        KeyCode::Enter => submit(state, out),
        KeyCode::Tab if prompt.kind == PromptKind::Command => {
            command_line::complete(state, true, out);
        }
        KeyCode::BackTab if prompt.kind == PromptKind::Command => {
            command_line::complete(state, false, out);
        }
        KeyCode::Backspace => {
            if prompt.input.pop().is_none() {
                cancel(state, out);
            } else {
                edited(state, out);
            }
        }
        KeyCode::Char('u') if ctrl && !prompt.input.is_empty() => {
            prompt.input.clear();
            edited(state, out);
        }
        KeyCode::Char('w') if ctrl => {
            let trimmed = prompt.input.trim_end().len();
            let cut = prompt.input[..trimmed]
                .rfind(' ')
                .map(|i| i + 1)
                .unwrap_or(0);
            if cut != prompt.input.len() {
                prompt.input.truncate(cut);
                edited(state, out);
            }
        }
        KeyCode::Char(c) if !ctrl && !alt && prompt.input.chars().count() < 512 => {
            prompt.input.push(c);
            edited(state, out);
        }
        _ => {}
    }
}

/// The prompt's text changed: recompute completions or the live filter.
fn edited(state: &mut State, out: &mut Out) {
    let Some(prompt) = state.prompt.as_mut() else {
        return;
    };
    prompt.base = prompt.input.clone();
    prompt.selected = None;
    out.redraw();
    match prompt.kind {
        PromptKind::Command => {
            let input = prompt.input.clone();
            let candidates = command_line::completions(state, &input);
            if let Some(prompt) = state.prompt.as_mut() {
                prompt.completions = candidates;
            }
        }
        PromptKind::Filter => {
            let input = prompt.input.clone();
            if state.table.set_filter(&input) {
                let page = crate::app::geometry::layout::table_page(state);
                state.table.refresh(page);
            }
        }
        PromptKind::Search => {}
    }
}

fn cancel(state: &mut State, out: &mut Out) {
    let Some(prompt) = state.prompt.take() else {
        return;
    };
    out.redraw();
    if prompt.kind == PromptKind::Filter && state.table.set_filter("") {
        let page = crate::app::geometry::layout::table_page(state);
        state.table.refresh(page);
    }
}

fn submit(state: &mut State, out: &mut Out) {
    let Some(prompt) = state.prompt.take() else {
        return;
    };
    out.redraw();
    match prompt.kind {
        PromptKind::Command => command_line::execute(state, &prompt.input, out),
        PromptKind::Filter => {}
        PromptKind::Search => {
            let query = prompt.input.trim().to_lowercase();
            state.stream_settings.search = (!query.is_empty()).then_some(query);
            if state.stream_settings.search.is_some() {
                stream::search(state, true, true, out);
            }
        }
    }
}
