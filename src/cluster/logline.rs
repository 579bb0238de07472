//! One pod-log line (with the kubelet's timestamp prefix) to a sanitized
//! reasoning entry.

use crate::domain::protocol::{EventKind, parse_line};
use crate::model::records::{EntryKind, LogEntry, TextLines, ToolCallEntry};
use crate::sanitize::{Redactor, clean};
use jiff::Timestamp;

/// The most lines of tool output kept per result.
pub const MAX_RESULT_LINES: usize = 400;

/// Splits the RFC 3339 timestamp the kubelet puts before each line when
/// logs are asked for with `timestamps=true`.
pub fn split_timestamp(raw: &[u8]) -> (Option<Timestamp>, &[u8]) {
    let Some(space) = raw.iter().take(40).position(|&b| b == b' ') else {
        return (None, raw);
    };
    let (head, rest) = raw.split_at(space);
    match std::str::from_utf8(head)
        .ok()
        .and_then(|h| h.parse::<Timestamp>().ok())
    {
        Some(at) => (Some(at), rest.get(1..).unwrap_or_default()),
        None => (None, raw),
    }
}

fn lines_of(text: &str, redactor: &Redactor, limit: usize) -> TextLines {
    let mut total = 0;
    let mut joined = String::with_capacity(text.len().min(64 * 1024));
    for line in text.lines() {
        if total < limit {
            if total > 0 {
                joined.push('\n');
            }
            joined.push_str(&clean(line, redactor));
        }
        total += 1;
    }
    if total > limit {
        joined.push('\n');
        joined.push_str(&format!("… {} more lines", total - limit));
    }
    if total == 0 {
        TextLines::default()
    } else {
        TextLines::from_joined(joined)
    }
}

fn pretty_json(compact: &str, redactor: &Redactor) -> TextLines {
    match serde_json::from_str::<serde_json::Value>(compact) {
        Ok(value @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
            let pretty =
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| compact.to_string());
            lines_of(&pretty, redactor, MAX_RESULT_LINES)
        }
        _ => TextLines::new([clean(compact, redactor)]),
    }
}

/// The entry for one raw log line at position `seq`.
pub fn entry(seq: u64, raw: &[u8], redactor: &Redactor) -> LogEntry {
    let (logged_at, line) = split_timestamp(raw);
    let event = parse_line(line);
    let text = |s: &str| clean(s, redactor).into_boxed_str();
    let kind = match event.kind {
        EventKind::Thought { text: t } => EntryKind::Thought(text(&t)),
        EventKind::ToolCall { id, tool, input } => EntryKind::ToolCall(Box::new(ToolCallEntry {
            id: text(&id),
            tool: text(&tool),
            input_lines: pretty_json(&input, redactor),
            input: text(&input),
        })),
        EventKind::ToolResult {
            id,
            output,
            is_error,
        } => EntryKind::ToolResult {
            id: text(&id),
            lines: lines_of(&output, redactor, MAX_RESULT_LINES),
            is_error,
        },
        EventKind::Hypothesis {
            text: t,
            confidence,
        } => EntryKind::Hypothesis {
            text: text(&t),
            confidence,
        },
        EventKind::Proposal { name, summary } => EntryKind::Proposal {
            name: text(&name),
            summary: summary.as_deref().map(text),
        },
        EventKind::Conclusion { text: t, resolved } => EntryKind::Conclusion {
            text: text(&t),
            resolved,
        },
        EventKind::Usage {
            input_tokens,
            output_tokens,
            cost_usd,
            total,
        } => EntryKind::Usage {
            input_tokens,
            output_tokens,
            cost_usd: if cost_usd.is_finite() {
                cost_usd.max(0.0)
            } else {
                0.0
            },
            total_cost_usd: total
                .map(|t| t.cost_usd)
                .filter(|c| c.is_finite() && *c >= 0.0),
        },
        EventKind::Error { message } => EntryKind::Error(text(&message)),
        EventKind::Text { text: t } => EntryKind::Text(text(&t)),
    };
    LogEntry::new(seq, logged_at, event.ts.or(logged_at), kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kubelet_timestamp_is_split_off() {
        let (at, rest) = split_timestamp(
            b"2026-11-27T02:00:01.123456789Z {\"type\":\"thought\",\"text\":\"hi\"}",
        );
        assert!(at.is_some());
        assert!(rest.starts_with(b"{"));
        let (at, rest) = split_timestamp(b"no timestamp here");
        assert!(at.is_none());
        assert_eq!(rest, b"no timestamp here");
    }

    #[test]
    fn hostile_lines_become_inert_entries() {
        let redactor = Redactor::default();
        let raw = "2026-11-27T02:00:01Z {\"type\":\"thought\",\"text\":\"\\u001b[2J\\u001b]52;c;aGk=\\u0007\\u001b]0;x\\u0007ok\"}";
        let entry = entry(7, raw.as_bytes(), &redactor);
        let EntryKind::Thought(text) = &entry.kind else {
            panic!("a thought: {entry:?}");
        };
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(text.ends_with("ok"));
        assert_eq!(entry.seq, 7);
    }

    #[test]
    fn tool_output_keeps_its_lines() {
        let redactor = Redactor::default();
        let raw = br#"{"type":"tool_result","id":"c1","output":"NAME READY\napi-0 0/1"}"#;
        let entry = entry(0, raw, &redactor);
        assert_eq!(
            entry.kind,
            EntryKind::ToolResult {
                id: "c1".into(),
                lines: TextLines::new(["NAME READY", "api-0 0/1"]),
                is_error: false
            }
        );
    }
}
