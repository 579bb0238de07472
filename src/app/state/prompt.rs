//! The one-line prompts: the `:` command line, the table filter and the stream search.

/// What a prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// `:` commands, with completion.
    Command,
    /// `/` in the table: filters as you type.
    Filter,
    /// `/` in the reasoning stream: searches on Enter, then n/N.
    Search,
}

impl PromptKind {
    /// The character shown before the input.
    pub fn sigil(self) -> char {
        match self {
            PromptKind::Command => ':',
            PromptKind::Filter | PromptKind::Search => '/',
        }
    }
}

/// An open prompt and what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// What it is for.
    pub kind: PromptKind,
    /// The text typed so far (the cursor is at its end).
    pub input: String,
    /// Completion candidates for the word being typed (command line only).
    pub completions: Vec<String>,
    /// The candidate Tab last filled in.
    pub selected: Option<usize>,
    /// The input as typed before Tab started cycling through candidates.
    pub base: String,
}

impl Prompt {
    /// An empty prompt.
    pub fn new(kind: PromptKind) -> Prompt {
        Prompt::with_input(kind, String::new())
    }

    /// A prompt holding `input`.
    pub fn with_input(kind: PromptKind, input: String) -> Prompt {
        Prompt {
            kind,
            base: input.clone(),
            input,
            completions: Vec::new(),
            selected: None,
        }
    }
}
