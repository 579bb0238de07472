//! The `:` command line: what it accepts, completion, and running a line.

use super::{Out, data, stream};
use crate::app::command::COMMANDS;
use crate::app::effect::Effect;
use crate::app::state::{NoticeLevel, State};

/// Completion candidates for the word being typed in `input`.
pub fn completions(state: &State, input: &str) -> Vec<String> {
    let trimmed = input.trim_start();
    match trimmed.split_once(' ') {
        None => COMMANDS
            .iter()
            .map(|(name, _, _)| *name)
            .filter(|name| name.starts_with(trimmed))
            .map(String::from)
            .collect(),
        Some((command, argument)) => {
            let argument = argument.trim_start();
            let candidates: Vec<String> = match resolve(command) {
                Some("ns") => std::iter::once("all".to_string())
                    .chain(state.known_namespaces.iter().cloned())
                    .collect(),
                Some("ctx") => state.contexts.clone(),
                _ => Vec::new(),
            };
            candidates
                .into_iter()
                .filter(|c| c.starts_with(argument) && c != argument)
                .collect()
        }
    }
}

/// The command a typed word names: exact, or a unique prefix.
fn resolve(word: &str) -> Option<&'static str> {
    if word.is_empty() {
        return None;
    }
    if let Some((name, _, _)) = COMMANDS.iter().find(|(name, _, _)| *name == word) {
        return Some(name);
    }
    if matches!(word, "quit" | "q!" | "qa") {
        return Some("q");
    }
    if matches!(word, "namespace" | "namespaces") {
        return Some("ns");
    }
    if matches!(word, "context" | "contexts") {
        return Some("ctx");
    }
    let mut matching = COMMANDS
        .iter()
        .filter(|(name, _, _)| name.starts_with(word));
    match (matching.next(), matching.next()) {
        (Some((name, _, _)), None) => Some(name),
        _ => None,
    }
}

/// Tab (`forward`) or shift-Tab: fills in the next (previous) candidate.
pub(super) fn complete(state: &mut State, forward: bool, out: &mut Out) {
    let Some(prompt) = state.prompt.as_ref() else {
        return;
    };
    let (base, selected) = (prompt.base.clone(), prompt.selected);
    let candidates = completions(state, &base);
    if candidates.is_empty() {
        return;
    }
    let index = match (selected, forward) {
        (None, true) => 0,
        (None, false) => candidates.len() - 1,
        (Some(i), true) => (i + 1) % candidates.len(),
        (Some(i), false) => (i + candidates.len() - 1) % candidates.len(),
    };
    let Some(choice) = candidates.get(index) else {
        return;
    };
    let head = match base.rfind(' ') {
        Some(space) => &base[..=space],
        None => "",
    };
    let mut input = format!("{head}{choice}");
    let (new_base, selected, shown) = if candidates.len() == 1 {
        // One candidate: accept it and move on to its argument, if it takes one.
        let takes_argument = head.is_empty()
            && COMMANDS
                .iter()
                .any(|(n, arg, _)| n == choice && !arg.is_empty());
        if takes_argument {
            input.push(' ');
        }
        let next = completions(state, &input);
        (input.clone(), None, next)
    } else {
        (base.clone(), Some(index), candidates.clone())
    };
    if let Some(prompt) = state.prompt.as_mut() {
        prompt.input = input;
        prompt.base = new_base;
        prompt.selected = selected;
        prompt.completions = shown;
    }
    out.redraw();
}

/// Runs a command line (without the colon).
pub(super) fn execute(state: &mut State, line: &str, out: &mut Out) {
    let line = line.trim();
    if line.is_empty() {
        return;
    }
    let (word, argument) = match line.split_once(char::is_whitespace) {
        Some((word, argument)) => (word, argument.trim()),
        None => (line, ""),
    };
    match resolve(word) {
        Some("investigations") => {
            stream::close(state, out);
            state.screens.truncate(1);
            out.redraw();
        }
        Some("open") => match argument.parse() {
            Ok(link) => super::deeplink::open(state, link, out),
            Err(reason) => super::notice::notice(
                state,
                NoticeLevel::Warning,
                format!(":open {reason} (usage: :open ID, or :open NAMESPACE/PROPOSAL)"),
                out,
            ),
        },
        Some("approvals") => super::deciding::open_approvals(state, out),
        Some("policies") => super::policies::open(state, out),
        Some("audit") => super::deciding::open_audit(state, out),
        Some("discard") => super::deciding::discard_failed(state, out),
        Some("notices") => super::notice::recall(state, out),
        Some("ns") => namespace(state, argument, out),
        Some("ctx") => context(state, argument, out),
        Some("export") => super::export::start(state, Some(argument), out),
        Some("help") => {
            state.help = Some(0);
            out.redraw();
        }
        Some("q") => {
            // What the quit key does (`commands` opens this line: no call back).
            state.quitting = true;
            out.push(Effect::Quit);
        }
        _ => super::notice::notice(
            state,
            NoticeLevel::Warning,
            format!("unknown command :{word} (Tab lists the commands)"),
            out,
        ),
    }
}

fn namespace(state: &mut State, argument: &str, out: &mut Out) {
    if argument.is_empty() {
        super::notice::notice(
            state,
            NoticeLevel::Warning,
            "usage: :ns NAME, or :ns all (a namespace named all: :ns namespace/all)".into(),
            out,
        );
        return;
    }
    let wanted = match argument.parse::<crate::config::NamespaceScope>() {
        Ok(scope) => scope.into_namespace(),
        Err(reason) => {
            super::notice::notice(state, NoticeLevel::Warning, format!(":ns {reason}"), out);
            return;
        }
    };
    if wanted == state.namespace {
        return;
    }
    state.namespace = wanted;
    if let Some(ns) = &state.namespace {
        state.known_namespaces.insert(ns.clone());
    }
    data::restart_watchers(state, out);
}

fn context(state: &mut State, argument: &str, out: &mut Out) {
    if argument.is_empty() {
        let known = if state.contexts.is_empty() {
            "none known".to_string()
        } else {
            state.contexts.join(", ")
        };
        super::notice::notice(
            state,
            NoticeLevel::Warning,
            format!("usage: :ctx NAME ({known})"),
            out,
        );
        return;
    }
    // The current context too: the kubeconfig is read again and the console
    // reconnects (new credentials).
    if !state.contexts.iter().any(|c| c == argument) {
        super::notice::notice(
            state,
            NoticeLevel::Warning,
            format!("no context named {argument} in the kubeconfig"),
            out,
        );
        return;
    }
    out.push(Effect::SwitchContext {
        context: argument.to_string(),
    });
}
