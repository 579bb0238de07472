//! The operator's intents: what a key (or a `:` command) asks the console to do.
//!
//! Every [`Command`] is declared once below: its stable kebab-case name (the
//! key of `[keys]` in the config file, `down = ["j", "down"]`, and what `:`
//! completion offers), the help overlay's description (`message`) and whether
//! it writes to the cluster (`props(write)`), all derived by strum. The
//! declaration order is the order the help overlay lists them.

use serde::{Deserialize, Serialize};
use strum::{EnumMessage, EnumProperty, IntoEnumIterator};

/// One thing the operator can ask for with a key.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
    strum::EnumProperty,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Command {
    /// Open or close the key help overlay.
    #[strum(message = "this help")]
    Help,
    /// Open the `:` command line.
    #[strum(message = "command line (:ns, :ctx, :q ...)")]
    CommandLine,
    /// Filter the table, or search the reasoning stream.
    #[strum(message = "filter the table / search the stream")]
    Filter,
    /// Go back one level: close the overlay, the prompt or the view.
    #[strum(message = "go back / close")]
    Back,
    /// Leave the console at once (ctrl-c, `:q`).
    #[strum(message = "quit kubevigil")]
    Quit,
    /// Ask whether to leave the console (`q` on the investigations table,
    /// where `q` elsewhere means back): `y` or `q` again quits.
    #[strum(message = "quit kubevigil, after asking (y or q again quits)")]
    AskQuit,
    /// Move the cursor one line up.
    #[strum(message = "up")]
    Up,
    /// Move the cursor one line down.
    #[strum(message = "down")]
    Down,
    /// Move the cursor half a page up.
    #[strum(message = "half a page up")]
    HalfPageUp,
    /// Move the cursor half a page down.
    #[strum(message = "half a page down")]
    HalfPageDown,
    /// Move the cursor a page up.
    #[strum(message = "page up")]
    PageUp,
    /// Move the cursor a page down.
    #[strum(message = "page down")]
    PageDown,
    /// Jump to the first line.
    #[strum(message = "first line")]
    Top,
    /// Jump to the last line (in the reasoning stream: resume following).
    #[strum(message = "last line (stream: follow again)")]
    Bottom,
    /// Open what is under the cursor (an investigation, a proposal, a folded tool call).
    #[strum(message = "open / unfold what is under the cursor")]
    Open,
    /// Move the focus to the next pane.
    #[strum(message = "switch pane (stream / proposals)")]
    FocusNext,
    /// Sort the table by the next column.
    #[strum(message = "sort by the next column")]
    SortNext,
    /// Reverse the table's sort order.
    #[strum(message = "reverse the sort order")]
    SortReverse,
    /// Follow the reasoning stream live, or stop following.
    #[strum(message = "follow the stream live on/off")]
    Follow,
    /// Show or hide timestamps in the reasoning stream.
    #[strum(message = "timestamps on/off")]
    Timestamps,
    /// Wrap long reasoning lines, or cut them at the edge.
    #[strum(message = "wrap long lines on/off")]
    Wrap,
    /// Fold or unfold the tool call or result under the cursor.
    #[strum(message = "fold/unfold a tool call or result")]
    ToggleFold,
    /// Jump to the next proposal in the reasoning stream.
    #[strum(message = "jump to the next proposal")]
    NextProposal,
    /// Jump to the next search match.
    #[strum(message = "next search match")]
    SearchNext,
    /// Jump to the previous search match.
    #[strum(message = "previous search match")]
    SearchPrevious,
    /// Fetch the lines dropped from the buffer again from the cluster.
    #[strum(message = "fetch dropped older lines")]
    FetchOlder,
    /// Edit the selected namespace's trust policy (creates one where there is none).
    #[strum(message = "edit the namespace's trust policy", props(write = "true"))]
    EditPolicy,
    /// Create a trust policy for the selected namespace, which has none.
    #[strum(
        message = "create a trust policy (namespace without one)",
        props(write = "true")
    )]
    NewPolicy,
    /// Approve the proposal in focus (asks for confirmation).
    #[strum(message = "approve (confirm with y)", props(write = "true"))]
    Approve,
    /// Veto the proposal in focus, with a reason.
    #[strum(message = "veto, with a reason", props(write = "true"))]
    Veto,
    /// Edit the proposal's action, then approve it.
    #[strum(message = "edit the action, then approve", props(write = "true"))]
    EditApprove,
    /// Copy the proposal's patch or command, or the equivalent `kubectl`
    /// command, to the clipboard (OSC 52): the next key chooses.
    #[serde(rename = "copy")]
    #[strum(
        serialize = "copy",
        message = "copy: c the change, k a kubectl command (OSC 52)"
    )]
    CopySuggestion,
    /// Kill the investigation in focus (asks for its id).
    #[strum(
        message = "kill the investigation (type its id)",
        props(write = "true")
    )]
    Kill,
    /// Halt the namespace of the investigation in focus: suspend its agents, set Shadow.
    #[strum(
        message = "halt the namespace (Shadow, agents suspended)",
        props(write = "true")
    )]
    Halt,
    /// Resume a halted namespace: un-suspend the Jobs the halt suspended,
    /// then (a second confirmation) restore the phase before the halt.
    #[strum(
        message = "resume a halted namespace (agents, then its phase)",
        props(write = "true")
    )]
    Resume,
    /// Move the queued investigation in focus to the front of the launcher's queue.
    #[serde(rename = "bump")]
    #[strum(
        serialize = "bump",
        message = "bump a queued investigation to the front",
        props(write = "true")
    )]
    BumpQueued,
    /// Admit the queued investigation in focus now, past every cap (asks why).
    #[strum(
        message = "admit a queued investigation now (with a reason)",
        props(write = "true")
    )]
    AdmitNow,
    /// Cancel the queued investigation in focus (asks to confirm).
    #[serde(rename = "cancel-queued")]
    #[strum(
        message = "cancel a queued investigation (confirm)",
        props(write = "true")
    )]
    CancelQueued,
    /// Send again the decisions that were not recorded.
    #[serde(rename = "retry")]
    #[strum(
        serialize = "retry",
        message = "retry unrecorded decisions",
        props(write = "true")
    )]
    RetryDecisions,
    /// Read the view's data again from the cluster.
    #[strum(message = "reload from the cluster")]
    Refresh,
    /// Show the investigation's Job and Pod as YAML (managedFields left out).
    #[serde(rename = "yaml")]
    #[strum(
        serialize = "yaml",
        message = "the investigation's Job and Pod as YAML"
    )]
    ShowYaml,
    /// Show the last lines of the investigation's pod log, raw.
    #[serde(rename = "log")]
    #[strum(serialize = "log", message = "the pod's raw log (the last lines)")]
    ShowLog,
    /// Open the document on screen in `$EDITOR` (a read-only copy).
    #[serde(rename = "editor")]
    #[strum(
        serialize = "editor",
        message = "open this document in $EDITOR (a copy: edits are not applied)"
    )]
    OpenInEditor,
    /// Open the document on screen in `$PAGER` (`less` by default).
    #[serde(rename = "pager")]
    #[strum(serialize = "pager", message = "open this document in $PAGER (less)")]
    OpenInPager,
    /// Write the investigation's transcript to `./kubevigil-<id>.md`.
    #[serde(rename = "export")]
    #[strum(
        serialize = "export",
        message = "write the transcript to ./kubevigil-<id>.md (:export)"
    )]
    ExportTranscript,
}

impl Command {
    /// Every command, in the order the help overlay lists them.
    pub fn all() -> impl Iterator<Item = Command> {
        Command::iter()
    }

    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Finds a command by its config name; `_` and `-` are interchangeable.
    pub fn from_name(name: &str) -> Option<Command> {
        let wanted = name.trim().replace('_', "-").to_ascii_lowercase();
        wanted.parse().ok()
    }

    /// What the command does, as the help overlay says it.
    pub fn description(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }

    /// Whether the command writes to the cluster (read-only mode removes it).
    pub fn is_write(self) -> bool {
        self.get_str("write").is_some()
    }
}

/// The commands the command line accepts: (name, argument, what it does).
/// A unique prefix is enough (`:inv`).
pub const COMMANDS: [(&str, &str, &str); 12] = [
    ("investigations", "", "the investigations table"),
    (
        "open",
        "ID|NS/PROPOSAL",
        "open an investigation by id, or a proposal by namespace/name",
    ),
    ("approvals", "", "proposals waiting for a decision"),
    ("policies", "", "trust policies per namespace"),
    ("audit", "", "the audit trail"),
    ("discard", "", "forget refused decisions (never recorded)"),
    (
        "notices",
        "",
        "every notice since the start again (esc: one at a time)",
    ),
    (
        "ns",
        "NAME|all",
        "watch one namespace, or all (namespace/all: one named all)",
    ),
    (
        "ctx",
        "NAME",
        "switch kube context (reads the kubeconfig again)",
    ),
    (
        "export",
        "[md|jsonl] [PATH]",
        "write the investigation's transcript to a file (never overwrites)",
    ),
    ("help", "", "the key help"),
    ("q", "", "quit"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_accept_underscores() {
        for command in Command::all() {
            assert_eq!(Command::from_name(command.name()), Some(command));
        }
        assert_eq!(
            Command::from_name("half_page_down"),
            Some(Command::HalfPageDown)
        );
        assert_eq!(Command::from_name("teleport"), None);
        assert_eq!(Command::from_name("copy-suggestion"), None);
        assert_eq!(Command::all().count(), 45);
    }

    #[test]
    fn descriptions_and_write_flags_come_from_the_declaration() {
        assert_eq!(Command::Approve.description(), "approve (confirm with y)");
        assert!(Command::all().all(|c| !c.description().is_empty()));
        let writes: Vec<&str> = Command::all()
            .filter(|c| c.is_write())
            .map(Command::name)
            .collect();
        assert_eq!(
            writes,
            [
                "edit-policy",
                "new-policy",
                "approve",
                "veto",
                "edit-approve",
                "kill",
                "halt",
                "resume",
                "bump",
                "admit-now",
                "cancel-queued",
                "retry"
            ]
        );
    }

    #[test]
    fn serde_uses_the_config_names() {
        for command in Command::all() {
            let json = serde_json::to_string(&command).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", command.name()));
        }
    }
}
