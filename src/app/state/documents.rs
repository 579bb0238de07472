//! A cluster document on screen (`y`: the investigation's Job and Pod as
//! YAML; `l`: its pod's raw log), fetched by the runner and kept here,
//! sanitized, while [`super::Screen::Document`] is in the stack.

use crate::model::records::Payload;

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// The Job and its Pod as YAML (managedFields left out, as kubectl does).
    Yaml,
    /// The pod's log, the last lines, raw (not parsed as reasoning).
    Log,
}

impl DocumentKind {
    /// What the title calls it.
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Yaml => "yaml",
            DocumentKind::Log => "log",
        }
    }
}

/// Where the document stands.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentContent {
    /// Asked for; not here yet.
    Loading,
    /// Here: the text (sanitized, redacted) and notes about it.
    Loaded {
        /// The text, highlighted when it is YAML.
        payload: Payload,
        /// What the reader should know (a pod that could not be read, how
        /// many lines of the log these are), sanitized.
        notes: Vec<String>,
    },
    /// The cluster refused or failed, in words (a 403 names the right).
    Failed(String),
}

/// The document open on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentView {
    /// The request whose answer is accepted (older answers are dropped).
    pub request: u64,
    /// Which document.
    pub kind: DocumentKind,
    /// The investigation it belongs to.
    pub investigation: String,
    /// The Job's namespace.
    pub namespace: String,
    /// The Job's name.
    pub job_name: String,
    /// The content.
    pub content: DocumentContent,
}

impl DocumentView {
    /// The title row's name: `job payments/inv-1 · yaml`.
    pub fn title(&self) -> String {
        format!(
            "{} {}/{} · {}",
            match self.kind {
                DocumentKind::Yaml => "job and pod",
                DocumentKind::Log => "pod log of",
            },
            self.namespace,
            self.job_name,
            self.kind.label()
        )
    }

    /// The text as a file (for `$EDITOR`, `$PAGER`), once loaded.
    pub fn text(&self) -> Option<String> {
        match &self.content {
            DocumentContent::Loaded { payload, notes } => {
                let mut text = String::new();
                for note in notes {
                    let mark = match self.kind {
                        DocumentKind::Yaml => "# ",
                        DocumentKind::Log => "",
                    };
                    text.push_str(&format!("{mark}{note}\n"));
                }
                text.push_str(&payload.text);
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                Some(text)
            }
            _ => None,
        }
    }
}
