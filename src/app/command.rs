//! The operator's intents: what a key (or a `:` command) asks the console to do.
//!
//! Every [`Command`] has a stable kebab-case name, used as the key of
//! `[keys]` in the config file (`down = ["j", "down"]`) and shown in the help
//! overlay.

use serde::{Deserialize, Serialize};

/// One thing the operator can ask for with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Command {
    /// Leave the console.
    Quit,
    /// Go back one level: close the overlay, the prompt or the view.
    Back,
    /// Open or close the key help overlay.
    Help,
    /// Open the `:` command line.
    CommandLine,
    /// Filter the table, or search the reasoning stream.
    Filter,
    /// Move the cursor one line up.
    Up,
    /// Move the cursor one line down.
    Down,
    /// Move the cursor half a page up.
    HalfPageUp,
    /// Move the cursor half a page down.
    HalfPageDown,
    /// Move the cursor a page up.
    PageUp,
    /// Move the cursor a page down.
    PageDown,
    /// Jump to the first line.
    Top,
    /// Jump to the last line (in the reasoning stream: resume following).
    Bottom,
    /// Open what is under the cursor (an investigation, a proposal, a folded tool call).
    Open,
    /// Sort the table by the next column.
    SortNext,
    /// Reverse the table's sort order.
    SortReverse,
    /// Follow the reasoning stream live, or stop following.
    Follow,
    /// Show or hide timestamps in the reasoning stream.
    Timestamps,
    /// Wrap long reasoning lines, or cut them at the edge.
    Wrap,
    /// Fold or unfold the tool call or result under the cursor.
    ToggleFold,
    /// Jump to the next proposal in the reasoning stream.
    NextProposal,
    /// Jump to the next search match.
    SearchNext,
    /// Jump to the previous search match.
    SearchPrevious,
    /// Fetch the lines dropped from the buffer again from the cluster.
    FetchOlder,
    /// Move the focus to the next pane.
    FocusNext,
    /// Edit the selected namespace's trust policy (creates one where there is none).
    EditPolicy,
    /// Create a trust policy for the selected namespace, which has none.
    NewPolicy,
    /// Approve the proposal in focus (asks for confirmation).
    Approve,
    /// Veto the proposal in focus, with a reason.
    Veto,
    /// Edit the proposal's action, then approve it.
    EditApprove,
    /// Copy the proposal's patch or command to the clipboard (OSC 52).
    #[serde(rename = "copy")]
    CopySuggestion,
    /// Kill the investigation in focus (asks for its id).
    Kill,
    /// Halt the namespace of the investigation in focus: suspend its agents, set Shadow.
    Halt,
    /// Resume a halted namespace: un-suspend the Jobs the halt suspended,
    /// then (a second confirmation) restore the phase before the halt.
    Resume,
    /// Move the queued investigation in focus to the front of the launcher's queue.
    #[serde(rename = "bump")]
    BumpQueued,
    /// Admit the queued investigation in focus now, past every cap (asks why).
    AdmitNow,
    /// Cancel the queued investigation in focus (asks to confirm).
    #[serde(rename = "cancel-queued")]
    CancelQueued,
    /// Send again the decisions that were not recorded.
    #[serde(rename = "retry")]
    RetryDecisions,
    /// Read the view's data again from the cluster.
    Refresh,
}

impl Command {
    /// Every command, in the order the help overlay lists them.
    pub const ALL: [Command; 39] = [
        Command::Help,
        Command::CommandLine,
        Command::Filter,
        Command::Back,
        Command::Quit,
        Command::Up,
        Command::Down,
        Command::HalfPageUp,
        Command::HalfPageDown,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::Open,
        Command::FocusNext,
        Command::SortNext,
        Command::SortReverse,
        Command::Follow,
        Command::Timestamps,
        Command::Wrap,
        Command::ToggleFold,
        Command::NextProposal,
        Command::SearchNext,
        Command::SearchPrevious,
        Command::FetchOlder,
        Command::EditPolicy,
        Command::NewPolicy,
        Command::Approve,
        Command::Veto,
        Command::EditApprove,
        Command::CopySuggestion,
        Command::Kill,
        Command::Halt,
        Command::Resume,
        Command::BumpQueued,
        Command::AdmitNow,
        Command::CancelQueued,
        Command::RetryDecisions,
        Command::Refresh,
    ];

    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Back => "back",
            Command::Help => "help",
            Command::CommandLine => "command-line",
            Command::Filter => "filter",
            Command::Up => "up",
            Command::Down => "down",
            Command::HalfPageUp => "half-page-up",
            Command::HalfPageDown => "half-page-down",
            Command::PageUp => "page-up",
            Command::PageDown => "page-down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::Open => "open",
            Command::SortNext => "sort-next",
            Command::SortReverse => "sort-reverse",
            Command::Follow => "follow",
            Command::Timestamps => "timestamps",
            Command::Wrap => "wrap",
            Command::ToggleFold => "toggle-fold",
            Command::NextProposal => "next-proposal",
            Command::SearchNext => "search-next",
            Command::SearchPrevious => "search-previous",
            Command::FetchOlder => "fetch-older",
            Command::FocusNext => "focus-next",
            Command::EditPolicy => "edit-policy",
            Command::NewPolicy => "new-policy",
            Command::Approve => "approve",
            Command::Veto => "veto",
            Command::EditApprove => "edit-approve",
            Command::CopySuggestion => "copy",
            Command::Kill => "kill",
            Command::Halt => "halt",
            Command::Resume => "resume",
            Command::BumpQueued => "bump",
            Command::AdmitNow => "admit-now",
            Command::CancelQueued => "cancel-queued",
            Command::RetryDecisions => "retry",
            Command::Refresh => "refresh",
        }
    }

    /// Finds a command by its config name; `_` and `-` are interchangeable.
    pub fn from_name(name: &str) -> Option<Command> {
        let wanted = name.trim().replace('_', "-").to_ascii_lowercase();
        Self::ALL.into_iter().find(|c| c.name() == wanted)
    }

    /// What the command does, as the help overlay says it.
    pub fn description(self) -> &'static str {
        match self {
            Command::Quit => "quit kubevigil",
            Command::Back => "go back / close",
            Command::Help => "this help",
            Command::CommandLine => "command line (:ns, :ctx, :q ...)",
            Command::Filter => "filter the table / search the stream",
            Command::Up => "up",
            Command::Down => "down",
            Command::HalfPageUp => "half a page up",
            Command::HalfPageDown => "half a page down",
            Command::PageUp => "page up",
            Command::PageDown => "page down",
            Command::Top => "first line",
            Command::Bottom => "last line (stream: follow again)",
            Command::Open => "open / unfold what is under the cursor",
            Command::SortNext => "sort by the next column",
            Command::SortReverse => "reverse the sort order",
            Command::Follow => "follow the stream live on/off",
            Command::Timestamps => "timestamps on/off",
            Command::Wrap => "wrap long lines on/off",
            Command::ToggleFold => "fold/unfold a tool call or result",
            Command::NextProposal => "jump to the next proposal",
            Command::SearchNext => "next search match",
            Command::SearchPrevious => "previous search match",
            Command::FetchOlder => "fetch dropped older lines",
            Command::FocusNext => "switch pane (stream / proposals)",
            Command::EditPolicy => "edit the namespace's trust policy",
            Command::NewPolicy => "create a trust policy (namespace without one)",
            Command::Approve => "approve (confirm with y)",
            Command::Veto => "veto, with a reason",
            Command::EditApprove => "edit the action, then approve",
            Command::CopySuggestion => "copy the patch/command (OSC 52)",
            Command::Kill => "kill the investigation (type its id)",
            Command::Halt => "halt the namespace (Shadow, agents suspended)",
            Command::Resume => "resume a halted namespace (agents, then its phase)",
            Command::BumpQueued => "bump a queued investigation to the front",
            Command::AdmitNow => "admit a queued investigation now (with a reason)",
            Command::CancelQueued => "cancel a queued investigation (confirm)",
            Command::RetryDecisions => "retry unrecorded decisions",
            Command::Refresh => "reload from the cluster",
        }
    }

    /// Whether the command writes to the cluster (read-only mode removes it).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Command::Approve
                | Command::Veto
                | Command::EditApprove
                | Command::Kill
                | Command::Halt
                | Command::Resume
                | Command::RetryDecisions
                | Command::EditPolicy
                | Command::NewPolicy
                | Command::BumpQueued
                | Command::AdmitNow
                | Command::CancelQueued
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_accept_underscores() {
        for command in Command::ALL {
            assert_eq!(Command::from_name(command.name()), Some(command));
        }
        assert_eq!(
            Command::from_name("half_page_down"),
            Some(Command::HalfPageDown)
        );
        assert_eq!(Command::from_name("teleport"), None);
    }

    #[test]
    fn serde_uses_the_config_names() {
        for command in Command::ALL {
            let json = serde_json::to_string(&command).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", command.name()));
        }
    }
}
