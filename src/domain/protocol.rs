//! The reasoning protocol: one line of an agent's stdout becomes one event.
//!
//! Wire format (one JSON object per line, every event may carry `"ts"`, RFC 3339):
//! `{"type":"thought","text":"..."}`,
//! `{"type":"tool_call","id":"c1","tool":"kubectl_get","input":{...}}`,
//! `{"type":"tool_result","id":"c1","output":"...","is_error":false}`,
//! `{"type":"hypothesis","text":"...","confidence":0.7}`,
//! `{"type":"proposal","name":"<ActionProposal name>","summary":"..."}`,
//! `{"type":"conclusion","text":"...","resolved":true}`,
//! `{"type":"usage","input_tokens":1200,"output_tokens":300,"cost_usd":0.012}`,
//! `{"type":"error","message":"..."}`.
//! Anything else (unknown types, malformed JSON, non-UTF-8) becomes [`EventKind::Text`].
//! The parser (`parse_line`) is defined below.

use jiff::Timestamp;

/// Longest line kept whole, in bytes; longer lines are truncated with a visible marker.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// One reasoning event: what an agent printed on one line.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasoningEvent {
    /// When the agent says it happened, if it said.
    pub ts: Option<Timestamp>,
    /// What happened.
    pub kind: EventKind,
}

/// The kinds of reasoning event.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A step of the agent's thinking.
    Thought {
        /// The thought.
        text: String,
    },
    /// The agent called a tool.
    ToolCall {
        /// Pairs the call with its result.
        id: String,
        /// The tool's name.
        tool: String,
        /// The input, as compact JSON text.
        input: String,
    },
    /// A tool answered.
    ToolResult {
        /// The id of the call this answers.
        id: String,
        /// What the tool returned.
        output: String,
        /// Whether the tool failed.
        is_error: bool,
    },
    /// A candidate explanation, with how sure the agent is.
    Hypothesis {
        /// The hypothesis.
        text: String,
        /// Confidence from 0 to 1, when given.
        confidence: Option<f64>,
    },
    /// The agent created an ActionProposal.
    Proposal {
        /// The ActionProposal's name.
        name: String,
        /// Its summary, when given.
        summary: Option<String>,
    },
    /// The agent's conclusion.
    Conclusion {
        /// What it concluded.
        text: String,
        /// Whether it believes the problem is resolved.
        resolved: Option<bool>,
    },
    /// Tokens used and money spent since the previous usage event.
    Usage {
        /// Prompt tokens.
        input_tokens: u64,
        /// Completion tokens.
        output_tokens: u64,
        /// Cost in US dollars.
        cost_usd: f64,
    },
    /// The agent reports an error.
    Error {
        /// What went wrong.
        message: String,
    },
    /// Anything that is not a known event: shown as plain text, never dropped.
    Text {
        /// The line, decoded lossily.
        text: String,
    },
}
