//! One row of the investigations table, and how the filter matches it.

use crate::domain::Phase;
use crate::model::records::InvestigationRecord;
use std::fmt::Write as _;

/// One row of the table: the investigation and what the console learned about it.
///
/// The table keeps its rows ordered by these fields: change them through
/// [`super::InvestigationTable::update_row`], which puts the row back in place.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The trimmed Job.
    pub record: InvestigationRecord,
    /// The trust phase of its target namespace.
    pub phase: Phase,
    /// Proposals waiting for a decision.
    pub pending: u32,
    /// Money spent so far, from the usage events seen while streaming.
    pub cost: Option<f64>,
    /// The last reasoning line seen while streaming or peeking.
    pub last_line: Option<Box<str>>,
    /// When its last line was last asked for (the LAST LINE column), and
    /// whether the investigation was still running then.
    pub peeked_at: Option<(jiff::Timestamp, bool)>,
    /// The listing that last saw it (a relist removes the rows it did not see).
    pub(super) listed: u32,
}

impl Row {
    /// A row for a newly seen investigation.
    pub fn new(record: InvestigationRecord, phase: Phase) -> Row {
        Row {
            record,
            phase,
            pending: 0,
            cost: None,
            last_line: None,
            peeked_at: None,
            listed: 0,
        }
    }

    /// The investigation id.
    pub fn id(&self) -> &str {
        &self.record.investigation.id
    }

    /// The phase the investigation ran under: the one recorded on its Job
    /// at admission, else (not admitted yet, or an older Job) the target
    /// namespace's phase now.
    pub fn ran_under(&self) -> Phase {
        self.record.investigation.phase.unwrap_or(self.phase)
    }

    /// The target namespace's phase now, when it is not the one the
    /// investigation ran under (a halt, a promotion since).
    pub fn phase_now_if_moved(&self) -> Option<Phase> {
        (self.ran_under() != self.phase).then_some(self.phase)
    }

    /// Whether the filter `needle` (lowercase) matches the row: a substring
    /// of its id, namespaces, trigger, state, phase, severity and the phase
    /// it ran under, lowercased and joined by spaces. The text is put
    /// together in `scratch` for each test rather than kept per row (at
    /// 100,000 rows a copy of every string would cost megabytes).
    pub fn matches(&self, needle: &str, scratch: &mut String) -> bool {
        if needle.is_empty() {
            return true;
        }
        let inv = &self.record.investigation;
        scratch.clear();
        // Writing into a String cannot fail.
        let _ = write!(
            scratch,
            "{} {} {} {} {} {} {} {}",
            inv.id,
            inv.namespace,
            inv.target_namespace,
            inv.trigger,
            inv.state,
            self.phase,
            inv.severity,
            self.ran_under()
        );
        if scratch.is_ascii() {
            scratch.make_ascii_lowercase();
            scratch.contains(needle)
        } else {
            scratch.to_lowercase().contains(needle)
        }
    }
}
