//! Writing audit records for a post-incident review, and reading them back.

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

/// Writes `records` in `format` to `writer`, in the order given.
pub fn export<W: Write>(
    records: &[AuditRecord],
    format: ExportFormat,
    mut writer: W,
) -> Result<()> {
    let failed = |e: std::io::Error| Error::io("writing the audit export", e);
    match format {
        ExportFormat::Jsonl => {
            for record in records {
                let line = serde_json::to_string(record)
                    .map_err(|e| Error::Serialization(e.to_string()))?;
                writeln!(writer, "{line}").map_err(failed)?;
            }
        }
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut writer);
            if records.is_empty() {
                csv.write_record(CSV_HEADER).map_err(csv_error)?;
            }
            for record in records {
                csv.serialize(record).map_err(csv_error)?;
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
            .map(|row| row.map_err(csv_error))
            .collect(),
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
        let mut out = Vec::new();
        export(&[], ExportFormat::Csv, &mut out).expect("export");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(text.trim_end(), CSV_HEADER.join(","));
        let mut one = Vec::new();
        export(&records()[..1], ExportFormat::Csv, &mut one).expect("export");
        let first_line = String::from_utf8(one).expect("utf8");
        assert!(
            first_line.starts_with(&CSV_HEADER.join(",")),
            "{first_line}"
        );
    }

    #[test]
    fn formats_parse_from_the_command_line() {
        assert_eq!("CSV".parse(), Ok(ExportFormat::Csv));
        assert_eq!("jsonl".parse(), Ok(ExportFormat::Jsonl));
        assert!("xml".parse::<ExportFormat>().is_err());
    }
}
