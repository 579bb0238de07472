//! Key bindings: built-in bindings per view, overridable from the config file.
//!
//! A binding maps a key chord to a [`Command`] within a [`Scope`]. A key is
//! looked up in the scope of the current view first, then in
//! [`Scope::Global`]. The help overlay is generated from [`Keymap::bindings`],
//! so it always lists every key.

use super::command::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Everywhere, unless the view binds the key itself.
    Global,
    /// The investigations table.
    Investigations,
    /// An investigation's detail: its reasoning stream and proposals.
    Detail,
    /// A proposal's detail (and the views still to come).
    Proposal,
    /// The trust policies view.
    Policies,
    /// A cluster document: an investigation's YAML or raw pod log.
    Document,
}

impl Scope {
    /// Every scope, in help-overlay order.
    pub const ALL: [Scope; 6] = [
        Scope::Global,
        Scope::Investigations,
        Scope::Detail,
        Scope::Proposal,
        Scope::Policies,
        Scope::Document,
    ];

    /// The heading used in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "everywhere",
            Scope::Investigations => "investigations",
            Scope::Detail => "investigation detail",
            Scope::Proposal => "proposal and other views",
            Scope::Policies => "trust policies",
            Scope::Document => "job yaml and pod log",
        }
    }
}

/// A key with its modifiers, normalised so that `G` and `shift-g` are one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    /// The key.
    pub code: KeyCode,
    /// Ctrl and Alt (Shift is folded into the character or `BackTab`).
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    /// A chord, normalised.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c)
                if modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() =>
            {
                KeyCode::Char(c.to_ascii_uppercase())
            }
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        KeyChord { code, modifiers }
    }

    /// The chord of a terminal key event.
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }

    /// A plain key without modifiers.
    pub const fn plain(code: KeyCode) -> KeyChord {
        KeyChord {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    /// Parses a key spec such as `j`, `G`, `ctrl-d`, `shift-tab`, `f1`,
    /// `enter`, `esc`, `pgdn` (see [`crate::config::parse_key_spec`]).
    pub fn parse(spec: &str) -> Result<KeyChord, String> {
        crate::config::parse_key_spec(spec).map(|(code, modifiers)| KeyChord::new(code, modifiers))
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One key bound to one command in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Where the binding applies.
    pub scope: Scope,
    /// The key.
    pub key: KeyChord,
    /// What it does.
    pub command: Command,
}

/// One section of the help overlay: a scope and its commands with their keys.
pub type HelpSection = (Scope, Vec<(Command, Vec<KeyChord>)>);

/// Every key binding in force.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

const DEFAULTS: &[(Scope, Command, &[&str])] = &[
    (Scope::Global, Command::Help, &["?"]),
    (Scope::Global, Command::CommandLine, &[":"]),
    (Scope::Global, Command::Filter, &["/"]),
    (Scope::Global, Command::Back, &["esc"]),
    (Scope::Global, Command::Quit, &["ctrl-c"]),
    (Scope::Global, Command::Up, &["k", "up"]),
    (Scope::Global, Command::Down, &["j", "down"]),
    (Scope::Global, Command::HalfPageUp, &["ctrl-u"]),
    (Scope::Global, Command::HalfPageDown, &["ctrl-d"]),
    (Scope::Global, Command::PageUp, &["pgup", "ctrl-b"]),
    (Scope::Global, Command::PageDown, &["pgdn", "ctrl-f"]),
    (Scope::Global, Command::Top, &["g", "home"]),
    (Scope::Global, Command::Bottom, &["G", "end"]),
    (Scope::Investigations, Command::AskQuit, &["q"]),
    (Scope::Investigations, Command::Open, &["enter"]),
    (Scope::Investigations, Command::SortNext, &["s"]),
    (Scope::Investigations, Command::SortReverse, &["S"]),
    (Scope::Detail, Command::Back, &["q"]),
    (Scope::Detail, Command::Open, &["enter"]),
    (Scope::Detail, Command::ToggleFold, &["space"]),
    (Scope::Detail, Command::FocusNext, &["tab"]),
    (Scope::Detail, Command::Follow, &["f"]),
    (Scope::Detail, Command::Timestamps, &["t"]),
    (Scope::Detail, Command::Wrap, &["w"]),
    (Scope::Detail, Command::NextProposal, &["p"]),
    (Scope::Detail, Command::SearchNext, &["n"]),
    (Scope::Detail, Command::SearchPrevious, &["N"]),
    (Scope::Detail, Command::FetchOlder, &["o"]),
    (Scope::Proposal, Command::Back, &["q"]),
    (Scope::Proposal, Command::Open, &["enter"]),
    (Scope::Proposal, Command::Approve, &["a"]),
    (Scope::Proposal, Command::Veto, &["v"]),
    (Scope::Proposal, Command::EditApprove, &["e"]),
    (Scope::Proposal, Command::CopySuggestion, &["c"]),
    (Scope::Proposal, Command::Refresh, &["r"]),
    (Scope::Detail, Command::Approve, &["a"]),
    (Scope::Detail, Command::Veto, &["v"]),
    (Scope::Detail, Command::EditApprove, &["e"]),
    (Scope::Detail, Command::CopySuggestion, &["c"]),
    (Scope::Detail, Command::Kill, &["K"]),
    (Scope::Detail, Command::Halt, &["H"]),
    (Scope::Detail, Command::Resume, &["U"]),
    (Scope::Investigations, Command::Kill, &["K"]),
    (Scope::Investigations, Command::Halt, &["H"]),
    (Scope::Investigations, Command::Resume, &["U"]),
    (Scope::Investigations, Command::BumpQueued, &["B"]),
    (Scope::Investigations, Command::AdmitNow, &["A"]),
    (Scope::Investigations, Command::CancelQueued, &["C"]),
    (Scope::Detail, Command::BumpQueued, &["B"]),
    (Scope::Detail, Command::AdmitNow, &["A"]),
    (Scope::Detail, Command::CancelQueued, &["C"]),
    (Scope::Global, Command::RetryDecisions, &["R"]),
    (Scope::Policies, Command::Back, &["q"]),
    (Scope::Policies, Command::EditPolicy, &["e"]),
    (Scope::Policies, Command::NewPolicy, &["n"]),
    (Scope::Policies, Command::Resume, &["U"]),
    (Scope::Investigations, Command::ShowYaml, &["y"]),
    (Scope::Investigations, Command::ShowLog, &["l"]),
    (Scope::Investigations, Command::ExportTranscript, &["E"]),
    (Scope::Detail, Command::ShowYaml, &["y"]),
    (Scope::Detail, Command::ShowLog, &["l"]),
    (Scope::Detail, Command::ExportTranscript, &["E"]),
    (Scope::Document, Command::Back, &["q"]),
    (Scope::Document, Command::ShowYaml, &["y"]),
    (Scope::Document, Command::ShowLog, &["l"]),
    (Scope::Document, Command::Refresh, &["r"]),
    (Scope::Document, Command::ExportTranscript, &["E"]),
    (Scope::Global, Command::OpenInEditor, &["ctrl-e"]),
    (Scope::Global, Command::OpenInPager, &["ctrl-o"]),
];

impl Default for Keymap {
    fn default() -> Self {
        Keymap::builtin()
    }
}

impl Keymap {
    /// The built-in bindings.
    pub fn builtin() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .flat_map(|&(scope, command, keys)| {
                keys.iter().filter_map(move |spec| {
                    KeyChord::parse(spec).ok().map(|key| Binding {
                        scope,
                        key,
                        command,
                    })
                })
            })
            .collect();
        Keymap { bindings }
    }

    /// The built-in bindings with the config file's `[keys]` table layered
    /// over them. Each entry replaces every key of that command; unknown
    /// command names and unreadable keys are reported as warnings (and the
    /// built-in keys of that command stay).
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> (Keymap, Vec<String>) {
        let mut keymap = Keymap::builtin();
        let mut warnings = Vec::new();
        for (name, specs) in overrides {
            let Some(command) = Command::from_name(name) else {
                warnings.push(format!(
                    "config [keys]: unknown action `{name}` (ignored); see ? for the action names"
                ));
                continue;
            };
            let mut keys = Vec::new();
            for spec in specs {
                match KeyChord::parse(spec) {
                    Ok(key) => keys.push(key),
                    Err(reason) => {
                        warnings.push(format!("config [keys] {name}: {reason} (ignored)"));
                    }
                }
            }
            if keys.is_empty() {
                if !specs.is_empty() {
                    warnings.push(format!(
                        "config [keys] {name}: no usable key, keeping the built-in keys"
                    ));
                }
                continue;
            }
            keymap.rebind(command, &keys);
        }
        (keymap, warnings)
    }

    /// Replaces every key of `command` with `keys`, in the scopes where the
    /// command was bound (global when it was bound nowhere). A key taken from
    /// another command in the same scope moves to `command`.
    fn rebind(&mut self, command: Command, keys: &[KeyChord]) {
        let mut scopes: Vec<Scope> = self
            .bindings
            .iter()
            .filter(|b| b.command == command)
            .map(|b| b.scope)
            .collect();
        scopes.dedup();
        if scopes.is_empty() {
            scopes.push(Scope::Global);
        }
        self.bindings.retain(|b| {
            b.command != command && !(scopes.contains(&b.scope) && keys.contains(&b.key))
        });
        for scope in scopes {
            for &key in keys {
                self.bindings.push(Binding {
                    scope,
                    key,
                    command,
                });
            }
        }
    }

    /// The command a key runs in `scope`, falling back to the global bindings.
    pub fn lookup(&self, scope: Scope, key: KeyChord) -> Option<Command> {
        let find = |s: Scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == s && b.key == key)
                .map(|b| b.command)
        };
        find(scope).or_else(|| find(Scope::Global))
    }

    /// Every binding, in definition order.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The keys of `command` in `scope` (or globally), for hints such as "press o to fetch".
    pub fn keys_for(&self, scope: Scope, command: Command) -> Vec<KeyChord> {
        let in_scope: Vec<KeyChord> = self
            .bindings
            .iter()
            .filter(|b| b.scope == scope && b.command == command)
            .map(|b| b.key)
            .collect();
        if !in_scope.is_empty() || scope == Scope::Global {
            return in_scope;
        }
        self.bindings
            .iter()
            .filter(|b| b.scope == Scope::Global && b.command == command)
            .map(|b| b.key)
            .collect()
    }

    /// The first key of `command`, as text (`?` when unbound).
    pub fn hint(&self, scope: Scope, command: Command) -> String {
        self.keys_for(scope, command)
            .first()
            .map(std::string::ToString::to_string)
            .unwrap_or_else(|| "?".into())
    }

    /// The help overlay's content: per scope, each command with all its keys.
    pub fn help_sections(&self) -> Vec<HelpSection> {
        Scope::ALL
            .iter()
            .map(|&scope| {
                let commands = Command::all()
                    .filter_map(|command| {
                        let keys: Vec<KeyChord> = self
                            .bindings
                            .iter()
                            .filter(|b| b.scope == scope && b.command == command)
                            .map(|b| b.key)
                            .collect();
                        (!keys.is_empty()).then_some((command, keys))
                    })
                    .collect();
                (scope, commands)
            })
            .filter(|(_, commands): &(Scope, Vec<_>)| !commands.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(spec: &str) -> KeyChord {
        KeyChord::parse(spec).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn specs_parse_and_normalise() {
        assert_eq!(
            key("G"),
            KeyChord::new(KeyCode::Char('g'), KeyModifiers::SHIFT)
        );
        assert_eq!(key("shift-g"), key("G"));
        assert_eq!(key("ctrl-d").modifiers, KeyModifiers::CONTROL);
        assert_eq!(key("shift-tab").code, KeyCode::BackTab);
        assert_eq!(key("f1").code, KeyCode::F(1));
        assert_eq!(key("-").code, KeyCode::Char('-'));
        assert_eq!(key("ctrl--").code, KeyCode::Char('-'));
        assert!(KeyChord::parse("hyper-x").is_err());
        assert!(KeyChord::parse("banana").is_err());
        assert!(KeyChord::parse("f99").is_err());
    }

    #[test]
    fn view_bindings_shadow_global_ones() {
        let keymap = Keymap::builtin();
        assert_eq!(
            keymap.lookup(Scope::Investigations, key("q")),
            Some(Command::AskQuit)
        );
        assert_eq!(keymap.lookup(Scope::Detail, key("q")), Some(Command::Back));
        assert_eq!(keymap.lookup(Scope::Detail, key("j")), Some(Command::Down));
        assert_eq!(
            keymap.lookup(Scope::Detail, key("down")),
            Some(Command::Down)
        );
        assert_eq!(keymap.lookup(Scope::Investigations, key("f")), None);
    }

    #[test]
    fn overrides_replace_keys_and_report_mistakes() {
        let overrides = BTreeMap::from([
            (
                "down".to_string(),
                vec!["n".to_string(), "ctrl-n".to_string()],
            ),
            ("teleport".to_string(), vec!["t".to_string()]),
            ("follow".to_string(), vec!["hyper-f".to_string()]),
        ]);
        let (keymap, warnings) = Keymap::with_overrides(&overrides);
        assert_eq!(
            keymap.lookup(Scope::Investigations, key("n")),
            Some(Command::Down)
        );
        assert_eq!(keymap.lookup(Scope::Investigations, key("j")), None);
        assert_eq!(
            keymap.lookup(Scope::Detail, key("f")),
            Some(Command::Follow)
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings.iter().any(|w| w.contains("teleport")));
        assert!(warnings.iter().any(|w| w.contains("hyper")));
    }

    #[test]
    fn help_lists_every_binding() {
        let keymap = Keymap::builtin();
        let listed: usize = keymap
            .help_sections()
            .iter()
            .flat_map(|(_, commands)| commands.iter().map(|(_, keys)| keys.len()))
            .sum();
        assert_eq!(listed, keymap.bindings().len());
    }
}
