//! The detail view's log stream: opening and closing it, ingesting lines,
//! search, jumps and fetching dropped lines again.

use super::{Out, scroll};
use crate::app::effect::Effect;
use crate::app::state::{Column, Detail, OlderLines, ReasoningBuffer, Screen, State, StreamStatus};
use crate::cluster::logs::{OlderRequest, StreamTarget};
use crate::model::records::StreamId;
use crate::model::records::{LogEntry, ProposalKey};

/// Extra lines asked for when fetching older lines, for lines logged meanwhile.
const FETCH_MARGIN: u64 = 1024;

/// Opens the investigation under the table's cursor and starts following its log.
pub(super) fn open(state: &mut State, out: &mut Out) {
    let Some(row) = state.table.selected_row() else {
        return;
    };
    let inv = &row.record.investigation;
    let (id, namespace, job_name) = (
        inv.id.clone(),
        inv.namespace.to_string(),
        inv.job_name.to_string(),
    );
    close(state, out);
    let stream = state.next_stream;
    state.next_stream += 1;
    state.detail = Some(Detail::new(
        id.clone(),
        namespace.clone(),
        stream,
        state.log_buffer_lines,
    ));
    state.screens.truncate(1);
    state.screens.push(Screen::Detail);
    out.push(Effect::StartLogStream(StreamTarget {
        stream,
        investigation: id,
        namespace,
        job_name,
    }));
    out.redraw();
}

/// Stops the log stream and forgets the detail view.
pub(super) fn close(state: &mut State, out: &mut Out) {
    if let Some(detail) = state.detail.take() {
        out.push(Effect::StopLogStream {
            stream: detail.stream,
        });
    }
    state.stream_settings.search = None;
}

fn detail_of(state: &mut State, stream: StreamId) -> Option<&mut Detail> {
    state.detail.as_mut().filter(|d| d.stream == stream)
}

fn detail_on_screen(state: &State) -> bool {
    matches!(state.screen(), Screen::Detail)
}

/// The stream found its pod.
pub(super) fn started(state: &mut State, stream: StreamId, pod: String, out: &mut Out) {
    let Some(detail) = detail_of(state, stream) else {
        return;
    };
    detail.pod = Some(crate::sanitize::sanitize(&pod).into_owned());
    detail.status = StreamStatus::Live;
    let visible = detail_on_screen(state);
    out.redraw_if(visible);
}

/// The stream waits for its pod.
pub(super) fn waiting(state: &mut State, stream: StreamId, reason: String, out: &mut Out) {
    let Some(detail) = detail_of(state, stream) else {
        return;
    };
    let status = StreamStatus::Waiting(crate::sanitize::sanitize(&reason).into_owned());
    if detail.status == status {
        return;
    }
    detail.status = status;
    let visible = detail_on_screen(state);
    out.redraw_if(visible);
}

/// The stream ended.
pub(super) fn ended(state: &mut State, stream: StreamId, error: Option<String>, out: &mut Out) {
    let Some(detail) = detail_of(state, stream) else {
        return;
    };
    detail.status = match error {
        Some(error) => StreamStatus::Failed(crate::sanitize::sanitize(&error).into_owned()),
        None => StreamStatus::Ended,
    };
    let visible = detail_on_screen(state);
    out.redraw_if(visible);
}

/// A batch of lines arrived.
pub(super) fn lines(state: &mut State, stream: StreamId, entries: Vec<LogEntry>, out: &mut Out) {
    if entries.is_empty() {
        return;
    }
    let Some(detail) = detail_of(state, stream) else {
        return;
    };
    detail.status = StreamStatus::Live;
    detail.buffer.push(entries);
    let id = detail.investigation.clone();
    let usage = detail.buffer.usage;
    let last_line = detail
        .buffer
        .last_seq()
        .and_then(|seq| detail.buffer.get(seq))
        .map(|entry| {
            entry
                .kind
                .headline()
                .chars()
                .take(crate::model::records::LAST_LINE_CHARS)
                .collect::<String>()
        });
    state.table.update_row(&id, |row| {
        if usage.events > 0 {
            row.cost = Some(usage.cost_usd);
        }
        if last_line.is_some() {
            row.last_line = last_line.map(String::into_boxed_str);
        }
    });
    if matches!(state.table.sort, Column::Cost | Column::LastLine) {
        let page = crate::app::geometry::layout::table_page(state);
        state.table.refresh(page);
    }
    if state.detail.as_ref().is_some_and(|d| !d.buffer.follow) {
        scroll::stream_into_view(state);
    }
    let visible = detail_on_screen(state);
    out.redraw_if(visible);
}

/// Older lines came back from the cluster.
pub(super) fn older(
    state: &mut State,
    stream: StreamId,
    result: Result<Vec<LogEntry>, String>,
    out: &mut Out,
) {
    let Some(detail) = detail_of(state, stream) else {
        return;
    };
    if !matches!(detail.older, Some(OlderLines::Loading)) {
        return;
    }
    detail.older = Some(match result {
        Ok(entries) if entries.is_empty() => {
            OlderLines::Failed("the cluster no longer has those lines".into())
        }
        Ok(entries) => OlderLines::Loaded(ReasoningBuffer::fixed(entries)),
        Err(error) => OlderLines::Failed(crate::sanitize::sanitize(&error).into_owned()),
    });
    let visible = detail_on_screen(state);
    out.redraw_if(visible);
}

/// Asks the cluster again for the lines the buffer dropped (or, while older
/// lines are shown, for the lines before those).
pub(super) fn fetch_older(state: &mut State, out: &mut Out) {
    let capacity = state.log_buffer_lines;
    let Some(detail) = state.detail.as_mut() else {
        return;
    };
    let Some(pod) = detail.pod.clone() else {
        return;
    };
    let live_last = detail.buffer.last_seq().unwrap_or(0);
    let source = match &detail.older {
        Some(OlderLines::Loaded(buffer)) => buffer,
        Some(OlderLines::Loading) => return,
        _ => &detail.buffer,
    };
    let (Some(first), Some(first_entry)) = (source.first_seq(), source.first()) else {
        return;
    };
    let missing = first;
    if missing == 0 {
        return;
    }
    let count = usize::try_from(missing).unwrap_or(usize::MAX).min(capacity);
    let before = first_entry.logged_at();
    let tail_lines = live_last.saturating_sub(first) + 1 + count as u64 + FETCH_MARGIN;
    let first_seq = first - count as u64;
    detail.older = Some(OlderLines::Loading);
    out.push(Effect::FetchOlder {
        stream: detail.stream,
        request: OlderRequest {
            namespace: detail.namespace.clone(),
            pod,
            before,
            count,
            tail_lines,
            first_seq,
        },
    });
    out.redraw();
}

/// Moves to the next (or previous) line matching the search. `inclusive`
/// also accepts the line under the cursor (a new search).
pub(super) fn search(state: &mut State, forward: bool, inclusive: bool, out: &mut Out) {
    let Some(needle) = state.stream_settings.search.clone() else {
        return;
    };
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    let buffer = detail.active_buffer();
    let Some(cursor) = buffer.cursor_seq() else {
        return;
    };
    let hit = |e: &LogEntry| e.kind.contains(&needle);
    let found = if inclusive && buffer.get(cursor).is_some_and(hit) {
        Some(cursor)
    } else if forward {
        buffer.find_forward(cursor, hit)
    } else {
        buffer.find_backward(cursor, hit)
    };
    match found {
        Some(seq) => scroll::jump(state, seq, out),
        None => {
            super::notice::notice(
                state,
                crate::app::state::NoticeLevel::Warning,
                format!("no match for “{needle}”"),
                out,
            );
        }
    }
}

/// Moves to the next line after the cursor that satisfies `wanted`, wrapping around.
pub(super) fn jump_to(state: &mut State, wanted: impl Fn(&LogEntry) -> bool, out: &mut Out) {
    let Some(detail) = state.detail.as_ref() else {
        return;
    };
    let buffer = detail.active_buffer();
    let Some(cursor) = buffer.cursor_seq() else {
        return;
    };
    let found = if buffer.follow {
        buffer.iter_from(0).find(|e| wanted(e)).map(|e| e.seq)
    } else {
        buffer.find_forward(cursor, &wanted)
    };
    if let Some(seq) = found {
        scroll::jump(state, seq, out);
    }
}

/// Opens a proposal's detail and asks for its payloads to be highlighted.
pub(super) fn open_proposal(state: &mut State, key: ProposalKey, out: &mut Out) {
    state.screens.push(Screen::Proposal {
        key: key.clone(),
        scroll: 0,
    });
    request_highlights(state, &key, out);
    out.redraw();
}

/// Sends the proposal's payloads that are neither cached nor in flight to the highlighter.
pub(super) fn request_highlights(state: &mut State, key: &ProposalKey, out: &mut Out) {
    let Some(record) = state.proposals.get(key) else {
        return;
    };
    let wanted: Vec<_> = record
        .payloads()
        .filter(|p| {
            state.highlights.get(&p.key).is_none() && !state.highlight_pending.contains(&p.key)
        })
        .map(|p| (p.key, p.text.clone(), p.syntax))
        .collect();
    for (key, text, syntax) in wanted {
        state.highlight_pending.insert(key);
        out.push(Effect::Highlight { key, text, syntax });
    }
}
