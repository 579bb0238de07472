//! One reasoning event as a transcript line: its kind and its text, the
//! way the console's stream shows it (never raw JSON of the event itself).

use crate::domain::protocol::{EventKind, ReasoningEvent};

/// The kind of `event` as a short word, such as `thought` or `tool_call`.
pub(super) fn kind_name(event: &ReasoningEvent) -> &'static str {
    match &event.kind {
        EventKind::Thought { .. } => "thought",
        EventKind::ToolCall { .. } => "tool_call",
        EventKind::ToolResult { .. } => "tool_result",
        EventKind::Hypothesis { .. } => "hypothesis",
        EventKind::Proposal { .. } => "proposal",
        EventKind::Conclusion { .. } => "conclusion",
        EventKind::Usage { .. } => "usage",
        EventKind::Error { .. } => "error",
        EventKind::Text { .. } => "text",
    }
}

/// What `event` says, in one text (line breaks kept), unsanitized.
pub(super) fn text(event: &ReasoningEvent) -> String {
    match &event.kind {
        EventKind::Thought { text } | EventKind::Text { text } => text.clone(),
        EventKind::ToolCall { id, tool, input } => format!("{tool} {input} (call {id})"),
        EventKind::ToolResult {
            id,
            output,
            is_error,
        } => {
            let failed = if *is_error { " FAILED" } else { "" };
            format!("(call {id}){failed} {output}")
        }
        EventKind::Hypothesis { text, confidence } => match confidence {
            Some(c) => format!("{text} (confidence {:.0}%)", c * 100.0),
            None => text.clone(),
        },
        EventKind::Proposal { name, summary } => match summary {
            Some(summary) => format!("{name}: {summary}"),
            None => name.clone(),
        },
        EventKind::Conclusion { text, resolved } => match resolved {
            Some(true) => format!("{text} (resolved)"),
            Some(false) => format!("{text} (not resolved)"),
            None => text.clone(),
        },
        EventKind::Usage {
            input_tokens,
            output_tokens,
            cost_usd,
            total,
        } => match total {
            Some(total) => format!(
                "{input_tokens} tokens in, {output_tokens} out, ${cost_usd:.4} (total ${:.4})",
                total.cost_usd
            ),
            None => format!("{input_tokens} tokens in, {output_tokens} out, ${cost_usd:.4}"),
        },
        EventKind::Error { message } => message.clone(),
    }
}

/// Tokens and dollars the log accounts for: the newest running total an
/// agent reported, else the sum of its usage events.
pub(super) fn usage_total(events: &[ReasoningEvent]) -> Option<(u64, u64, f64)> {
    let mut total = None;
    for event in events {
        if let EventKind::Usage {
            input_tokens,
            output_tokens,
            cost_usd,
            total: reported,
        } = &event.kind
        {
            let sum = total.get_or_insert((0u64, 0u64, 0.0f64));
            *sum = match reported {
                Some(r) => (r.input_tokens, r.output_tokens, r.cost_usd),
                None => (
                    sum.0.saturating_add(*input_tokens),
                    sum.1.saturating_add(*output_tokens),
                    sum.2 + cost_usd,
                ),
            };
        }
    }
    total
}
