//! Text helpers for the views: display width, cutting to a width, padding,
//! wrapping styled lines and marking search matches.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display columns of `text`.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to at most `max` columns, ending in `…` when cut.
pub fn fit(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` cut to `columns` and padded with spaces to exactly `columns`.
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = fit(text, columns);
    let used = width(&out);
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(used)));
    out
}

/// `text` cut to `columns` and padded on the left to exactly `columns`.
pub fn pad_left(text: &str, columns: usize) -> String {
    let cut = fit(text, columns);
    let used = width(&cut);
    let mut out: String = std::iter::repeat_n(' ', columns.saturating_sub(used)).collect();
    out.push_str(&cut);
    out
}

/// Display columns of a line.
pub fn line_width(line: &Line<'_>) -> usize {
    line.spans.iter().map(|s| width(&s.content)).sum()
}

/// How many rows `line` takes when wrapped at `columns`, continuation rows
/// indented by `indent` (the rows [`wrap`] makes).
pub fn wrapped_rows(line: &Line<'_>, columns: u16, indent: u16) -> usize {
    row_starts(line, columns, indent).len() + 1
}

/// Wraps `line` at `columns`, continuation rows indented by `indent`. Rows
/// break after a space when the row has one past its indent; a word longer
/// than a row (a URL, a hash, code) is broken where the row ends.
pub fn wrap(line: Line<'static>, columns: u16, indent: u16) -> Vec<Line<'static>> {
    let starts = row_starts(&line, columns, indent);
    if starts.is_empty() {
        return vec![line];
    }
    let indent = usize::from(indent).min(usize::from(columns.max(1)).saturating_sub(1));
    let mut starts = starts.into_iter().peekable();
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let line_style = line.style;
    let mut index = 0;
    for span in line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            if starts.next_if_eq(&index).is_some() {
                if !piece.is_empty() {
                    current.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut current)).style(line_style));
                current.push(Span::raw(" ".repeat(indent)));
            }
            piece.push(c);
            index += 1;
        }
        if !piece.is_empty() {
            current.push(Span::styled(piece, span.style));
        }
    }
    rows.push(Line::from(current).style(line_style));
    rows
}

/// The character indices (across all spans) where each continuation row of
/// `line` starts, wrapped at `columns` with continuation rows indented by `indent`.
fn row_starts(line: &Line<'_>, columns: u16, indent: u16) -> Vec<usize> {
    let columns = usize::from(columns.max(1));
    let indent = usize::from(indent).min(columns.saturating_sub(1));
    let mut starts = Vec::new();
    let mut used = 0;
    // The index just after the last space of the current row, and the width
    // of what follows it: a break there moves only that word down.
    let mut after_space: Option<(usize, usize)> = None;
    let chars = line.spans.iter().flat_map(|s| s.content.chars());
    for (index, c) in chars.enumerate() {
        let w = c.width().unwrap_or(0);
        if used + w > columns && used > indent {
            match after_space {
                Some((at, word)) if indent + word + w <= columns => {
                    starts.push(at);
                    used = indent + word;
                }
                _ => {
                    starts.push(index);
                    used = indent;
                }
            }
            after_space = None;
        }
        used += w;
        if c == ' ' {
            after_space = Some((index + 1, 0));
        } else if let Some((_, word)) = after_space.as_mut() {
            *word += w;
        }
    }
    starts
}

/// Splits the spans of `line` so that every case-insensitive occurrence of
/// `needle` (lowercase ASCII folding) gets `style` on top of its own.
pub fn mark_matches(line: Line<'static>, needle: &str, style: Style) -> Line<'static> {
    if needle.is_empty() {
        return line;
    }
    let line_style = line.style;
    let mut spans = Vec::with_capacity(line.spans.len());
    for span in line.spans {
        let lower = span.content.to_ascii_lowercase();
        if !lower.contains(needle) {
            spans.push(span);
            continue;
        }
        let text = span.content.to_string();
        let mut start = 0;
        while let Some(found) = lower[start..].find(needle) {
            let at = start + found;
            let end = at + needle.len();
            if !text.is_char_boundary(at) || !text.is_char_boundary(end) {
                break;
            }
            if at > start {
                spans.push(Span::styled(text[start..at].to_string(), span.style));
            }
            spans.push(Span::styled(
                text[at..end].to_string(),
                span.style.patch(style),
            ));
            start = end;
        }
        if start < text.len() {
            spans.push(Span::styled(text[start..].to_string(), span.style));
        }
    }
    Line::from(spans).style(line_style)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_text(line: &str, columns: u16, indent: u16) -> Vec<String> {
        wrap(Line::from(line.to_string()), columns, indent)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wrapping_breaks_between_words() {
        assert_eq!(
            rows_text("The api pods restart every four minutes", 16, 2),
            vec!["The api pods ", "  restart every ", "  four minutes"]
        );
    }

    #[test]
    fn a_word_longer_than_a_row_is_broken_where_the_row_ends() {
        assert_eq!(
            rows_text("see sha256:0123456789abcdef now", 12, 0),
            vec!["see ", "sha256:01234", "56789abcdef ", "now"]
        );
    }

    proptest::proptest! {
        #[test]
        fn counted_rows_match_the_rows_drawn(
            text in "[a-z ]{0,60}[\\-界]{0,4}[a-z ]{0,30}",
            columns in 1u16..40,
            indent in 0u16..6,
        ) {
            let line = Line::from(text.clone());
            let rows = wrap(line.clone(), columns, indent);
            proptest::prop_assert_eq!(rows.len(), wrapped_rows(&line, columns, indent));
            let joined: String = rows
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let row: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                    if i == 0 { row } else { row.chars().skip(usize::from(indent.min(columns.saturating_sub(1)))).collect() }
                })
                .collect();
            proptest::prop_assert_eq!(joined, text);
        }
    }

    #[test]
    fn fitting_and_padding_respect_display_width() {
        assert_eq!(fit("payments", 5), "paym…");
        assert_eq!(fit("ok", 5), "ok");
        assert_eq!(pad("ok", 4), "ok  ");
        assert_eq!(pad_left("7", 3), "  7");
        assert_eq!(width(&pad("日本語テキスト", 5)), 5);
    }

    #[test]
    fn wrapping_counts_match_the_rows_produced() {
        for text in [
            "short",
            "a line that is quite a bit longer than ten",
            "日本語のテキストを折り返す",
        ] {
            let line = Line::from(vec![Span::raw("> "), Span::raw(text.to_string())]);
            let rows = wrap(line.clone(), 10, 2);
            assert_eq!(rows.len(), wrapped_rows(&line, 10, 2), "{text}");
            assert!(rows.iter().all(|r| line_width(r) <= 10), "{rows:?}");
        }
    }

    #[test]
    fn matches_are_marked_case_insensitively() {
        let style = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let line = mark_matches(Line::from("OOM killed, oom again"), "oom", style);
        let marked: Vec<&str> = line
            .spans
            .iter()
            .filter(|s| s.style == style)
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(marked, ["OOM", "oom"]);
    }
}
