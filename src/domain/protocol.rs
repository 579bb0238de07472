//! The reasoning protocol: one line of an agent's stdout becomes one event.
//!
//! Wire format (one JSON object per line, every event may carry `"ts"`, RFC 3339):
//! `{"type":"thought","text":"..."}`,
//! `{"type":"tool_call","id":"c1","tool":"kubectl_get","input":{...}}`,
//! `{"type":"tool_result","id":"c1","output":"...","is_error":false}`,
//! `{"type":"hypothesis","text":"...","confidence":0.7}`,
//! `{"type":"proposal","name":"<ActionProposal name>","summary":"..."}`,
//! `{"type":"conclusion","text":"...","resolved":true}`,
//! `{"type":"usage","input_tokens":1200,"output_tokens":300,"cost_usd":0.012,`
//! `"total_input_tokens":5100,"total_output_tokens":900,"total_cost_usd":0.051}`
//! (the `total_*` fields, the investigation's cumulative usage, are optional),
//! `{"type":"error","message":"..."}`.
//! The full reference for agent authors is `docs/protocol.md`.
//!
//! [`parse_line`] never fails: unknown types, malformed JSON, JSON that is not
//! an object, missing required fields, fields of the wrong type and non-UTF-8
//! bytes all become [`EventKind::Text`] holding the line, and lines longer than
//! [`MAX_LINE_BYTES`] are cut with a visible marker. Unknown fields are
//! ignored, so agents may add their own.
//!
//! The parser does **not** sanitize: event strings are exactly what the agent
//! wrote, escape sequences included. The console passes every string through
//! [`crate::sanitize::clean`] when it ingests or renders it.

use jiff::Timestamp;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

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
    /// Tokens used and money spent since the previous usage event, and,
    /// from agents that say so, the investigation's total so far.
    Usage {
        /// Prompt tokens.
        input_tokens: u64,
        /// Completion tokens.
        output_tokens: u64,
        /// Cost in US dollars.
        cost_usd: f64,
        /// The investigation's cumulative usage, when the agent reports it
        /// (`total_cost_usd`, with `total_input_tokens` and `total_output_tokens`).
        total: Option<UsageTotal>,
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

/// An investigation's usage since it started, as a usage event reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UsageTotal {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
}

impl ReasoningEvent {
    /// A plain-text event without a timestamp.
    pub fn text(text: impl Into<String>) -> ReasoningEvent {
        ReasoningEvent {
            ts: None,
            kind: EventKind::Text { text: text.into() },
        }
    }
}

/// Parses one line of an agent's stdout. Never fails; see the module
/// documentation for what becomes [`EventKind::Text`].
///
/// A trailing `\n` or `\r\n` is ignored. `ts` is kept only when it is a valid
/// RFC 3339 timestamp (an invalid `ts` leaves the event intact, without a
/// time). Strings are returned as the agent wrote them: sanitize before
/// display.
pub fn parse_line(line: &[u8]) -> ReasoningEvent {
    let line = strip_line_ending(line);
    if line.len() > MAX_LINE_BYTES {
        return ReasoningEvent::text(truncated(line));
    }
    match std::str::from_utf8(line) {
        Ok(text) => parse_json(text).unwrap_or_else(|| ReasoningEvent::text(text)),
        Err(_) => ReasoningEvent::text(String::from_utf8_lossy(line)),
    }
}

fn strip_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The first [`MAX_LINE_BYTES`] (backed off to a character boundary), then a
/// marker saying how many bytes were cut.
fn truncated(line: &[u8]) -> String {
    let mut cut = MAX_LINE_BYTES.min(line.len());
    // Back off over at most three UTF-8 continuation bytes.
    for _ in 0..3 {
        match line.get(cut) {
            Some(byte) if (0x80..=0xbf).contains(byte) && cut > 0 => cut -= 1,
            _ => break,
        }
    }
    let (kept, dropped) = line.split_at(cut);
    format!(
        "{} … [truncated {} bytes]",
        String::from_utf8_lossy(kept),
        dropped.len()
    )
}

fn parse_json(text: &str) -> Option<ReasoningEvent> {
    // serde would also read a JSON array into the struct, by position.
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let wire: Wire<'_> = serde_json::from_str(text).ok()?;
    let kind = wire.event_kind().ok()?;
    let ts = match &wire.ts {
        Some(Field::Str(ts)) => ts.parse::<Timestamp>().ok(),
        _ => None,
    };
    Some(ReasoningEvent { ts, kind })
}

/// Every field any event type uses. Each is a [`Field`] of whatever JSON type
/// was sent, so a field of the wrong type is refused only by the event types
/// that read it; the others ignore it, as they ignore unknown fields.
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<Field<'a>>,
    #[serde(default, borrow)]
    ts: Option<Field<'a>>,
    #[serde(default, borrow)]
    text: Option<Field<'a>>,
    #[serde(default, borrow)]
    id: Option<Field<'a>>,
    #[serde(default, borrow)]
    tool: Option<Field<'a>>,
    #[serde(default, borrow)]
    input: Option<Field<'a>>,
    #[serde(default, borrow)]
    output: Option<Field<'a>>,
    #[serde(default, borrow)]
    is_error: Option<Field<'a>>,
    #[serde(default, borrow)]
    confidence: Option<Field<'a>>,
    #[serde(default, borrow)]
    name: Option<Field<'a>>,
    #[serde(default, borrow)]
    summary: Option<Field<'a>>,
    #[serde(default, borrow)]
    resolved: Option<Field<'a>>,
    #[serde(default, borrow)]
    input_tokens: Option<Field<'a>>,
    #[serde(default, borrow)]
    output_tokens: Option<Field<'a>>,
    #[serde(default, borrow)]
    cost_usd: Option<Field<'a>>,
    #[serde(default, borrow)]
    total_input_tokens: Option<Field<'a>>,
    #[serde(default, borrow)]
    total_output_tokens: Option<Field<'a>>,
    #[serde(default, borrow)]
    total_cost_usd: Option<Field<'a>>,
    #[serde(default, borrow)]
    message: Option<Field<'a>>,
}

/// The line is not a valid event of its type.
struct Invalid;

type Checked<T> = Result<T, Invalid>;

impl Wire<'_> {
    fn event_kind(&self) -> Checked<EventKind> {
        let Some(Field::Str(kind)) = &self.kind else {
            return Err(Invalid);
        };
        Ok(match kind.as_ref() {
            "thought" => EventKind::Thought {
                text: required_str(&self.text)?,
            },
            "tool_call" => EventKind::ToolCall {
                id: required_str(&self.id)?,
                tool: required_str(&self.tool)?,
                input: self
                    .input
                    .as_ref()
                    .map_or_else(|| "{}".to_owned(), Field::to_compact_json),
            },
            "tool_result" => EventKind::ToolResult {
                id: required_str(&self.id)?,
                output: match &self.output {
                    None => String::new(),
                    Some(Field::Str(output)) => output.clone().into_owned(),
                    Some(other) => other.to_compact_json(),
                },
                is_error: optional_bool(&self.is_error)?.unwrap_or(false),
            },
            "hypothesis" => EventKind::Hypothesis {
                text: required_str(&self.text)?,
                confidence: optional_number(&self.confidence)?.and_then(clamp_confidence),
            },
            "proposal" => EventKind::Proposal {
                name: required_str(&self.name)?,
                summary: optional_str(&self.summary)?,
            },
            "conclusion" => EventKind::Conclusion {
                text: required_str(&self.text)?,
                resolved: optional_bool(&self.resolved)?,
            },
            "usage" => EventKind::Usage {
                input_tokens: optional_count(&self.input_tokens)?.unwrap_or(0),
                output_tokens: optional_count(&self.output_tokens)?.unwrap_or(0),
                cost_usd: match optional_number(&self.cost_usd)? {
                    Some(cost) if cost < 0.0 => return Err(Invalid),
                    cost => cost.unwrap_or(0.0),
                },
                total: match optional_number(&self.total_cost_usd)? {
                    Some(cost) if cost < 0.0 => return Err(Invalid),
                    Some(cost) => Some(UsageTotal {
                        input_tokens: optional_count(&self.total_input_tokens)?.unwrap_or(0),
                        output_tokens: optional_count(&self.total_output_tokens)?.unwrap_or(0),
                        cost_usd: cost,
                    }),
                    None => None,
                },
            },
            "error" => EventKind::Error {
                message: required_str(&self.message)?,
            },
            _ => return Err(Invalid),
        })
    }
}

fn required_str(field: &Option<Field<'_>>) -> Checked<String> {
    optional_str(field)?.ok_or(Invalid)
}

fn optional_str(field: &Option<Field<'_>>) -> Checked<Option<String>> {
    match field {
        None => Ok(None),
        Some(Field::Str(s)) => Ok(Some(s.clone().into_owned())),
        Some(_) => Err(Invalid),
    }
}

fn optional_bool(field: &Option<Field<'_>>) -> Checked<Option<bool>> {
    match field {
        None => Ok(None),
        Some(Field::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Invalid),
    }
}

fn optional_number(field: &Option<Field<'_>>) -> Checked<Option<f64>> {
    match field {
        None => Ok(None),
        Some(Field::UInt(n)) => Ok(Some(*n as f64)),
        Some(Field::Int(n)) => Ok(Some(*n as f64)),
        Some(Field::Float(n)) => Ok(Some(*n)),
        Some(_) => Err(Invalid),
    }
}

/// A non-negative whole number; `12.0` is accepted, `-1` and `1.5` are not.
fn optional_count(field: &Option<Field<'_>>) -> Checked<Option<u64>> {
    match field {
        None => Ok(None),
        Some(Field::UInt(n)) => Ok(Some(*n)),
        Some(Field::Float(n)) if *n >= 0.0 && n.fract() == 0.0 && *n < u64::MAX as f64 => {
            Ok(Some(*n as u64))
        }
        Some(_) => Err(Invalid),
    }
}

/// Confidence is a probability: clamped to 0..=1, and NaN means "not given".
fn clamp_confidence(confidence: f64) -> Option<f64> {
    (!confidence.is_nan()).then(|| confidence.clamp(0.0, 1.0))
}

/// One JSON value of any type, borrowing strings from the line when it can.
enum Field<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    UInt(u64),
    Int(i64),
    Float(f64),
    Json(Value),
}

impl Field<'_> {
    /// The value as compact JSON text.
    fn to_compact_json(&self) -> String {
        match self {
            Field::Str(s) => Value::String(s.clone().into_owned()).to_string(),
            Field::Bool(b) => b.to_string(),
            Field::UInt(n) => n.to_string(),
            Field::Int(n) => n.to_string(),
            Field::Float(n) => Value::from(*n).to_string(),
            Field::Json(value) => value.to_string(),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor(PhantomData))
    }
}

struct FieldVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for FieldVisitor<'a> {
    type Value = Field<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Field<'a>, E> {
        Ok(Field::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Field<'a>, E> {
        Ok(Field::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Field<'a>, E> {
        Ok(Field::Str(Cow::Owned(v)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Field<'a>, E> {
        Ok(Field::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Field<'a>, E> {
        Ok(Field::UInt(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Field<'a>, E> {
        Ok(Field::Int(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Field<'a>, E> {
        Ok(Field::Float(v))
    }

    fn visit_unit<E>(self) -> Result<Field<'a>, E> {
        Ok(Field::Json(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<'a>, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Field::Json)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<'a>, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(Field::Json)
    }
}

/// The line an agent prints for `event` (no trailing newline): the inverse of
/// [`parse_line`]. Absent optional fields are left out; `ts` follows `type`.
/// A [`EventKind::Text`] is printed as its text with line breaks turned into
/// spaces. A tool call's `input` that is not valid JSON is sent as a string.
pub fn to_line(event: &ReasoningEvent) -> String {
    let mut out = WireOut {
        ts: event.ts.map(|ts| ts.to_string()),
        ..WireOut::default()
    };
    match &event.kind {
        EventKind::Text { text } => return text.replace(['\r', '\n'], " "),
        EventKind::Thought { text } => {
            out.kind = "thought";
            out.text = Some(text);
        }
        EventKind::ToolCall { id, tool, input } => {
            out.kind = "tool_call";
            out.id = Some(id);
            out.tool = Some(tool);
            out.input =
                Some(serde_json::from_str(input).unwrap_or_else(|_| Value::String(input.clone())));
        }
        EventKind::ToolResult {
            id,
            output,
            is_error,
        } => {
            out.kind = "tool_result";
            out.id = Some(id);
            out.output = Some(output);
            out.is_error = Some(*is_error);
        }
        EventKind::Hypothesis { text, confidence } => {
            out.kind = "hypothesis";
            out.text = Some(text);
            out.confidence = confidence.filter(|c| !c.is_nan());
        }
        EventKind::Proposal { name, summary } => {
            out.kind = "proposal";
            out.name = Some(name);
            out.summary = summary.as_deref();
        }
        EventKind::Conclusion { text, resolved } => {
            out.kind = "conclusion";
            out.text = Some(text);
            out.resolved = *resolved;
        }
        EventKind::Usage {
            input_tokens,
            output_tokens,
            cost_usd,
            total,
        } => {
            out.kind = "usage";
            out.input_tokens = Some(*input_tokens);
            out.output_tokens = Some(*output_tokens);
            out.cost_usd = Some(*cost_usd).filter(|c| c.is_finite());
            if let Some(total) = total.filter(|t| t.cost_usd.is_finite()) {
                out.total_input_tokens = Some(total.input_tokens);
                out.total_output_tokens = Some(total.output_tokens);
                out.total_cost_usd = Some(total.cost_usd);
            }
        }
        EventKind::Error { message } => {
            out.kind = "error";
            out.message = Some(message);
        }
    }
    // Serializing plain strings, numbers and a JSON value cannot fail.
    serde_json::to_string(&out).unwrap_or_default()
}

#[derive(Serialize, Default)]
struct WireOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_error: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(line: &str) -> EventKind {
        parse_line(line.as_bytes()).kind
    }

    fn is_text_of(line: &str) -> bool {
        kind(line)
            == EventKind::Text {
                text: line.to_string(),
            }
    }

    #[test]
    fn every_event_type_parses() {
        assert_eq!(
            kind(r#"{"type":"thought","text":"pods restart every 4 minutes"}"#),
            EventKind::Thought {
                text: "pods restart every 4 minutes".into()
            }
        );
        assert_eq!(
            kind(
                r#"{"type":"tool_call","id":"c1","tool":"kubectl_get","input":{"resource": "pods", "n": 3}}"#
            ),
            EventKind::ToolCall {
                id: "c1".into(),
                tool: "kubectl_get".into(),
                input: r#"{"n":3,"resource":"pods"}"#.into()
            }
        );
        assert_eq!(
            kind(r#"{"type":"tool_result","id":"c1","output":"3 pods","is_error":true}"#),
            EventKind::ToolResult {
                id: "c1".into(),
                output: "3 pods".into(),
                is_error: true
            }
        );
        assert_eq!(
            kind(r#"{"type":"hypothesis","text":"memory leak","confidence":0.7}"#),
            EventKind::Hypothesis {
                text: "memory leak".into(),
                confidence: Some(0.7)
            }
        );
        assert_eq!(
            kind(r#"{"type":"proposal","name":"raise-mem-7f3a","summary":"raise limit"}"#),
            EventKind::Proposal {
                name: "raise-mem-7f3a".into(),
                summary: Some("raise limit".into())
            }
        );
        assert_eq!(
            kind(r#"{"type":"conclusion","text":"fixed","resolved":true}"#),
            EventKind::Conclusion {
                text: "fixed".into(),
                resolved: Some(true)
            }
        );
        assert_eq!(
            kind(r#"{"type":"usage","input_tokens":1200,"output_tokens":300,"cost_usd":0.012}"#),
            EventKind::Usage {
                input_tokens: 1200,
                output_tokens: 300,
                cost_usd: 0.012,
                total: None
            }
        );
        assert_eq!(
            kind(
                r#"{"type":"usage","input_tokens":10,"output_tokens":3,"cost_usd":0.001,"total_input_tokens":5100,"total_output_tokens":900,"total_cost_usd":0.051}"#
            ),
            EventKind::Usage {
                input_tokens: 10,
                output_tokens: 3,
                cost_usd: 0.001,
                total: Some(UsageTotal {
                    input_tokens: 5100,
                    output_tokens: 900,
                    cost_usd: 0.051
                })
            }
        );
        assert_eq!(
            kind(r#"{"type":"error","message":"rate limited"}"#),
            EventKind::Error {
                message: "rate limited".into()
            }
        );
    }

    #[test]
    fn optional_fields_take_their_defaults() {
        assert_eq!(
            kind(r#"{"type":"tool_call","id":"c2","tool":"list_nodes"}"#),
            EventKind::ToolCall {
                id: "c2".into(),
                tool: "list_nodes".into(),
                input: "{}".into()
            }
        );
        assert_eq!(
            kind(r#"{"type":"tool_result","id":"c2"}"#),
            EventKind::ToolResult {
                id: "c2".into(),
                output: String::new(),
                is_error: false
            }
        );
        assert_eq!(
            kind(r#"{"type":"usage"}"#),
            EventKind::Usage {
                input_tokens: 0,
                output_tokens: 0,
                cost_usd: 0.0,
                total: None
            }
        );
        assert_eq!(
            kind(r#"{"type":"hypothesis","text":"t","confidence":null}"#),
            EventKind::Hypothesis {
                text: "t".into(),
                confidence: None
            }
        );
    }

    #[test]
    fn any_json_input_and_output_are_kept_as_compact_json() {
        for (input, stored) in [
            (r#"["get", "pods"]"#, r#"["get","pods"]"#),
            (r#""pods""#, r#""pods""#),
            ("42", "42"),
            ("true", "true"),
        ] {
            let line = format!(r#"{{"type":"tool_call","id":"c","tool":"t","input":{input}}}"#);
            let EventKind::ToolCall { input, .. } = kind(&line) else {
                panic!("{line} should be a tool call");
            };
            assert_eq!(input, stored);
        }
        assert_eq!(
            kind(r#"{"type":"tool_result","id":"c","output":{"items": []}}"#),
            EventKind::ToolResult {
                id: "c".into(),
                output: r#"{"items":[]}"#.into(),
                is_error: false
            }
        );
    }

    #[test]
    fn confidence_is_clamped() {
        let confidence = |value: &str| match kind(&format!(
            r#"{{"type":"hypothesis","text":"t","confidence":{value}}}"#
        )) {
            EventKind::Hypothesis { confidence, .. } => confidence,
            other => panic!("not a hypothesis: {other:?}"),
        };
        assert_eq!(confidence("1.7"), Some(1.0));
        assert_eq!(confidence("70"), Some(1.0));
        assert_eq!(confidence("-0.2"), Some(0.0));
        assert_eq!(confidence("0"), Some(0.0));
        assert_eq!(clamp_confidence(f64::NAN), None);
    }

    #[test]
    fn malformed_events_become_the_line_as_text() {
        for line in [
            r#"{"type":"thought"}"#,                              // missing text
            r#"{"type":"thought","text":42}"#,                    // wrong type
            r#"{"type":"tool_call","id":"c1","input":{}}"#,       // missing tool
            r#"{"type":"tool_call","id":7,"tool":"t"}"#,          // id not a string
            r#"{"type":"tool_result","output":"x"}"#,             // missing id
            r#"{"type":"tool_result","id":"c","is_error":"no"}"#, // wrong type
            r#"{"type":"hypothesis","confidence":0.5}"#,          // missing text
            r#"{"type":"hypothesis","text":"t","confidence":"high"}"#,
            r#"{"type":"proposal","summary":"s"}"#, // missing name
            r#"{"type":"proposal","name":"n","summary":["s"]}"#,
            r#"{"type":"conclusion","text":"t","resolved":"yes"}"#,
            r#"{"type":"usage","input_tokens":-5}"#,
            r#"{"type":"usage","output_tokens":1.5}"#,
            r#"{"type":"usage","cost_usd":-1}"#,
            r#"{"type":"usage","cost_usd":"0.01"}"#,
            r#"{"type":"error"}"#,
            r#"{"type":"error","message":null}"#,
            r#"{"type":"thought","text":"a","text":"b"}"#, // duplicate field
            r#"{"type":"meditation","text":"om"}"#,        // unknown type
            r#"{"type":3,"text":"t"}"#,
            r#"{"text":"no type"}"#,
            r#"{"type":"thought","text":"unterminated"#,
            r#"["thought","array, not object"]"#,
            r#""just a string""#,
            "42",
            "null",
            "",
            "plain log output from the agent's runtime",
        ] {
            assert!(
                is_text_of(line),
                "{line} should be Text, got {:?}",
                kind(line)
            );
        }
    }

    #[test]
    fn unrelated_fields_of_any_type_are_ignored() {
        assert_eq!(
            kind(r#"{"type":"thought","text":"t","confidence":"high","extra":{"a":[1]}}"#),
            EventKind::Thought { text: "t".into() }
        );
    }

    #[test]
    fn hostile_strings_pass_through_unsanitized() {
        // The console sanitizes; the parser must not lose what was sent.
        let event = kind(r#"{"type":"thought","text":"\u001b]52;c;SGVsbG8=\u0007hi"}"#);
        assert_eq!(
            event,
            EventKind::Thought {
                text: "\x1b]52;c;SGVsbG8=\x07hi".into()
            }
        );
        let raw = "\x1b[2J\x1b[H{\"type\":\"thought\",\"text\":\"x\"}";
        assert!(is_text_of(raw));
    }

    #[test]
    fn non_utf8_lines_become_lossy_text() {
        let line = b"{\"type\":\"thought\",\"text\":\"caf\xe9\"}";
        assert_eq!(
            parse_line(line).kind,
            EventKind::Text {
                text: "{\"type\":\"thought\",\"text\":\"caf\u{fffd}\"}".into()
            }
        );
        assert_eq!(
            parse_line(b"\xff\xfe binary").kind,
            EventKind::Text {
                text: "\u{fffd}\u{fffd} binary".into()
            }
        );
    }

    #[test]
    fn line_endings_are_ignored() {
        assert_eq!(
            parse_line(b"{\"type\":\"error\",\"message\":\"m\"}\r\n").kind,
            EventKind::Error {
                message: "m".into()
            }
        );
        assert_eq!(parse_line(b"plain\n"), ReasoningEvent::text("plain"));
    }

    #[test]
    fn over_long_lines_are_truncated_with_a_marker() {
        let long = format!(
            r#"{{"type":"thought","text":"{}"}}"#,
            "x".repeat(MAX_LINE_BYTES + 12_000)
        );
        let EventKind::Text { text } = kind(&long) else {
            panic!("a truncated line is Text");
        };
        let dropped = long.len() - MAX_LINE_BYTES;
        assert!(
            text.ends_with(&format!(" … [truncated {dropped} bytes]")),
            "{}",
            &text[text.len() - 40..]
        );
        assert!(text.starts_with(r#"{"type":"thought","text":"xxx"#));

        // A line exactly at the limit is kept whole.
        let exact = "y".repeat(MAX_LINE_BYTES);
        assert!(is_text_of(&exact));
    }

    #[test]
    fn truncation_never_splits_a_character() {
        // "é" is two bytes; put one across the limit.
        let mut line = "a".repeat(MAX_LINE_BYTES - 1);
        line.push_str(&"é".repeat(10));
        let EventKind::Text { text } = kind(&line) else {
            panic!("Text");
        };
        assert!(!text.contains('\u{fffd}'));
        let kept = text.split(" … [truncated").next().unwrap_or_default();
        assert_eq!(kept.len(), MAX_LINE_BYTES - 1);
        assert!(text.ends_with(&format!("[truncated {} bytes]", line.len() - kept.len())));
    }

    #[test]
    fn timestamps_present_absent_and_bad() {
        let at = |line: &str| parse_line(line.as_bytes()).ts.map(|t| t.to_string());
        assert_eq!(
            at(r#"{"type":"thought","text":"t","ts":"2026-11-27T02:00:01.250Z"}"#),
            Some("2026-11-27T02:00:01.25Z".into())
        );
        assert_eq!(
            at(r#"{"type":"thought","text":"t","ts":"2026-11-27T03:00:00+01:00"}"#),
            Some("2026-11-27T02:00:00Z".into())
        );
        assert_eq!(at(r#"{"type":"thought","text":"t"}"#), None);
        for bad in [
            r#""yesterday""#,
            r#""2026-13-45T99:00:00Z""#,
            "1764208800",
            "{}",
        ] {
            let line = format!(r#"{{"type":"thought","text":"t","ts":{bad}}}"#);
            let event = parse_line(line.as_bytes());
            assert_eq!(event.ts, None, "{line}");
            assert_eq!(
                event.kind,
                EventKind::Thought { text: "t".into() },
                "a bad ts keeps the event"
            );
        }
    }

    #[test]
    fn to_line_round_trips_every_event_type() {
        let ts: Timestamp = "2026-11-27T02:00:00.5Z".parse().expect("timestamp");
        let kinds = [
            EventKind::Thought {
                text: "quote \" backslash \\ newline \n tab \t \u{1b}[31m".into(),
            },
            EventKind::ToolCall {
                id: "c1".into(),
                tool: "kubectl_get".into(),
                input: r#"{"namespace":"payments","resource":"pods"}"#.into(),
            },
            EventKind::ToolResult {
                id: "c1".into(),
                output: "NAME READY\napi-0 0/1".into(),
                is_error: false,
            },
            EventKind::Hypothesis {
                text: "leak".into(),
                confidence: Some(0.35),
            },
            EventKind::Hypothesis {
                text: "unsure".into(),
                confidence: None,
            },
            EventKind::Proposal {
                name: "raise-mem".into(),
                summary: None,
            },
            EventKind::Conclusion {
                text: "done".into(),
                resolved: Some(false),
            },
            EventKind::Usage {
                input_tokens: 1200,
                output_tokens: 300,
                cost_usd: 0.0126,
                total: Some(UsageTotal {
                    input_tokens: 4000,
                    output_tokens: 700,
                    cost_usd: 0.05,
                }),
            },
            EventKind::Error {
                message: "boom".into(),
            },
            EventKind::Text {
                text: "plain output".into(),
            },
        ];
        for kind in kinds {
            for ts in [None, Some(ts)] {
                let event = ReasoningEvent {
                    ts: if matches!(kind, EventKind::Text { .. }) {
                        None
                    } else {
                        ts
                    },
                    kind: kind.clone(),
                };
                let line = to_line(&event);
                assert!(!line.contains('\n'), "one line: {line}");
                assert_eq!(parse_line(line.as_bytes()), event, "{line}");
            }
        }
    }

    #[test]
    fn to_line_writes_type_first_and_leaves_out_absent_fields() {
        let line = to_line(&ReasoningEvent {
            ts: None,
            kind: EventKind::Proposal {
                name: "p".into(),
                summary: None,
            },
        });
        assert_eq!(line, r#"{"type":"proposal","name":"p"}"#);
        let text = to_line(&ReasoningEvent::text("two\nlines"));
        assert_eq!(text, "two lines");
        let nan = to_line(&ReasoningEvent {
            ts: None,
            kind: EventKind::Hypothesis {
                text: "h".into(),
                confidence: Some(f64::NAN),
            },
        });
        assert_eq!(nan, r#"{"type":"hypothesis","text":"h"}"#);
    }

    #[test]
    fn a_tool_input_that_is_not_json_is_sent_as_a_string() {
        let line = to_line(&ReasoningEvent {
            ts: None,
            kind: EventKind::ToolCall {
                id: "c".into(),
                tool: "sh".into(),
                input: "ls -la".into(),
            },
        });
        assert_eq!(
            parse_line(line.as_bytes()).kind,
            EventKind::ToolCall {
                id: "c".into(),
                tool: "sh".into(),
                input: r#""ls -la""#.into()
            }
        );
    }
}
