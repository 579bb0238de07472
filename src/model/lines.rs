//! Multi-line text stored compactly: one allocation for all its lines, split
//! when read. A reasoning buffer holds up to 10,000 entries per stream, and a
//! `Vec<String>` per tool call or result cost a vector and an allocation per
//! line on top of the text.

/// Lines of sanitized text kept as one `Box<str>` joined by `\n` (`None` when
/// there are no lines). A line never contains `\n` itself: the sanitizer turns
/// line breaks into spaces, and [`TextLines::new`] does too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextLines(Option<Box<str>>);

impl TextLines {
    /// The lines, in order.
    pub fn new<I, S>(lines: I) -> TextLines
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut joined = String::new();
        let mut any = false;
        for line in lines {
            if any {
                joined.push('\n');
            }
            any = true;
            let line = line.as_ref();
            if line.contains('\n') {
                joined.push_str(&line.replace('\n', " "));
            } else {
                joined.push_str(line);
            }
        }
        TextLines(any.then(|| joined.into_boxed_str()))
    }

    /// Lines already joined by `\n` (at least one line; the caller made sure
    /// no line holds a `\n` of its own).
    pub(crate) fn from_joined(joined: String) -> TextLines {
        TextLines(Some(joined.into_boxed_str()))
    }

    /// The lines, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + '_ {
        self.0
            .as_deref()
            .into_iter()
            .flat_map(|text| text.split('\n'))
    }

    /// How many lines there are.
    pub fn len(&self) -> usize {
        self.0
            .as_deref()
            .map_or(0, |text| text.bytes().filter(|&b| b == b'\n').count() + 1)
    }

    /// Whether there is no line.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The first line.
    pub fn first(&self) -> Option<&str> {
        self.iter().next()
    }
}

impl<S: AsRef<str>> FromIterator<S> for TextLines {
    fn from_iter<I: IntoIterator<Item = S>>(lines: I) -> TextLines {
        TextLines::new(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let lines = TextLines::new(["NAME READY", "", "api-0 0/1"]);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines.first(), Some("NAME READY"));
        assert_eq!(
            lines.iter().collect::<Vec<_>>(),
            ["NAME READY", "", "api-0 0/1"]
        );
        let none = TextLines::new(Vec::<String>::new());
        assert!(none.is_empty());
        assert_eq!(none.len(), 0);
        assert_eq!(none.first(), None);
        let one_empty = TextLines::new([""]);
        assert_eq!(one_empty.len(), 1);
        assert_eq!(TextLines::new(["a\nb"]).len(), 1, "a line stays one line");
    }

    #[test]
    fn an_entry_stays_small_and_keeps_its_times() {
        use crate::model::records::{EntryKind, LogEntry};
        assert!(size_of::<LogEntry>() <= 72, "{}", size_of::<LogEntry>());
        let at: jiff::Timestamp = "2026-11-27T02:00:01.123456789Z".parse().expect("time");
        let entry = LogEntry::new(3, Some(at), None, EntryKind::Text("x".into()));
        assert_eq!(entry.logged_at(), Some(at));
        assert_eq!(entry.ts(), None);
    }
}
