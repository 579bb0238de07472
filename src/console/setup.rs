//! The console's starting state, from the options and the environment.

use super::ConsoleOptions;
use crate::app::keymap::Keymap;
use crate::app::state::{State, StateOptions};
use crate::config::theme::detect_color_depth;
use crate::sanitize::Redactor;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// What setup produced besides the state.
pub struct Prepared {
    /// The starting state.
    pub state: State,
    /// The redactor built from the config's patterns (built-in only on error).
    pub redactor: Redactor,
}

/// The theme (for the terminal's `background`, when it said), keymap and
/// redactor from the config, with every problem as a notice.
pub fn prepare(
    options: &ConsoleOptions,
    size: (u16, u16),
    background: Option<crate::config::theme::Background>,
) -> Prepared {
    let loaded = &options.config;
    let config = &loaded.config;
    let mut notices: Vec<String> = loaded.warnings.clone();
    // Theme problems are already among the config warnings.
    let theme = loaded.theme_for(background);
    let depth = detect_color_depth(&|name| std::env::var(name).ok());
    let theme = theme.adapted(depth);
    let (keymap, key_warnings) = Keymap::with_overrides(&config.keys);
    notices.extend(key_warnings);
    let redactor = match Redactor::new(&config.redaction_patterns) {
        Ok(redactor) => redactor,
        Err(error) => {
            notices.push(format!(
                "config redaction_patterns: {error}; using the built-in patterns only"
            ));
            Redactor::default()
        }
    };
    let contexts = options
        .kubeconfig
        .as_ref()
        .map(|k| k.contexts.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    let readonly = options.readonly || config.context_readonly(&options.context);
    let mut state = State::new(StateOptions {
        context: options.context.clone(),
        namespace: options.namespace.clone(),
        readonly,
        theme,
        keymap,
        log_buffer_lines: config.log_buffer_lines,
        contexts,
        notices,
        now: Timestamp::now(),
        time_zone: TimeZone::system(),
        size,
    });
    state.connection.server = options
        .kubeconfig
        .as_ref()
        .and_then(|k| crate::config::kubeconfig::context_server(k, &options.context))
        .map(|server| crate::app::state::host_port(&server));
    state.pending_link = options.open.clone();
    state.sandbox = options.sandbox;
    Prepared { state, redactor }
}

/// The user a kubeconfig context names.
pub fn context_user(
    kubeconfig: Option<&kube::config::Kubeconfig>,
    context: &str,
) -> Option<String> {
    kubeconfig?
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone())
        .filter(|u| !u.is_empty())
}
