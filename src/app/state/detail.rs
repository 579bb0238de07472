//! The open investigation: its log stream, its reasoning buffer and the
//! fetched older lines.

use super::reasoning::ReasoningBuffer;
use crate::model::records::StreamId;

/// Where the log stream of the open investigation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamStatus {
    /// Looking for the pod.
    Connecting,
    /// Waiting for the pod to exist or start.
    Waiting(String),
    /// Following the pod's log.
    Live,
    /// The log ended (the agent finished).
    Ended,
    /// The stream failed.
    Failed(String),
}

/// Which pane of the detail view has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailFocus {
    /// The reasoning stream.
    Reasoning,
    /// The list of the investigation's proposals.
    Proposals,
}

/// Older lines fetched again from the cluster.
#[derive(Debug, Clone)]
pub enum OlderLines {
    /// The fetch is under way.
    Loading,
    /// The lines, in a buffer of their own.
    Loaded(ReasoningBuffer),
    /// The fetch failed.
    Failed(String),
}

/// The investigation open in the detail view.
#[derive(Debug, Clone)]
pub struct Detail {
    /// The investigation id.
    pub investigation: String,
    /// The Job's namespace.
    pub namespace: String,
    /// The stream whose actions are accepted.
    pub stream: StreamId,
    /// The pod followed, once found.
    pub pod: Option<String>,
    /// The stream's state.
    pub status: StreamStatus,
    /// The reasoning lines.
    pub buffer: ReasoningBuffer,
    /// Which pane has the keys.
    pub focus: DetailFocus,
    /// The cursor in the proposals pane.
    pub proposal_cursor: usize,
    /// Older lines fetched with the fetch-older key, shown instead of the stream while open.
    pub older: Option<OlderLines>,
}

impl Detail {
    /// A detail view for an investigation, before its stream starts.
    pub fn new(
        investigation: String,
        namespace: String,
        stream: StreamId,
        capacity: usize,
    ) -> Detail {
        Detail {
            investigation,
            namespace,
            stream,
            pod: None,
            status: StreamStatus::Connecting,
            buffer: ReasoningBuffer::new(capacity),
            focus: DetailFocus::Reasoning,
            proposal_cursor: 0,
            older: None,
        }
    }

    /// The buffer the keys act on: the older lines while they are shown.
    pub fn active_buffer(&self) -> &ReasoningBuffer {
        match &self.older {
            Some(OlderLines::Loaded(buffer)) => buffer,
            _ => &self.buffer,
        }
    }

    /// The buffer the keys act on, to change it.
    pub fn active_buffer_mut(&mut self) -> &mut ReasoningBuffer {
        match &mut self.older {
            Some(OlderLines::Loaded(buffer)) => buffer,
            _ => &mut self.buffer,
        }
    }
}
