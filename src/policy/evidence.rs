//! The evidence for promotion: what a namespace's proposals did within the
//! policy's observation window.

use crate::domain::{ActionProposal, DecisionSource, ProposalState, Verdict};
use crate::model::records::ProposalRecord;
use jiff::{SignedDuration, Timestamp};

/// What evidence needs to know about one proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// When it was created (`None`: unknown, counted as inside the window).
    pub created: Option<Timestamp>,
    /// Where it stands.
    pub state: ProposalState,
    /// When a person made the decision that ended the wait, if one did.
    pub decided_by_person_at: Option<Timestamp>,
    /// Whether it ended because its investigation was killed or its namespace
    /// halted (not held against the agent).
    pub killed: bool,
}

impl Observation {
    /// The observation of a console record.
    pub fn from_record(record: &ProposalRecord) -> Observation {
        let last = record.decisions.last();
        Observation {
            created: record.created,
            state: record.state,
            decided_by_person_at: last
                .filter(|d| !d.by_rule && !record.state.is_pending())
                .map(|d| d.at),
            killed: record.decisions.iter().any(|d| d.verdict == Verdict::Kill),
        }
    }

    /// The observation of a proposal read from the cluster.
    pub fn from_proposal(proposal: &ActionProposal) -> Observation {
        let state = proposal.state();
        let last = proposal.decisions().last();
        Observation {
            created: proposal.metadata.creation_timestamp.as_ref().map(|t| t.0),
            state,
            decided_by_person_at: last
                .filter(|d| d.source == DecisionSource::Manual && !state.is_pending())
                .map(|d| d.at.0),
            killed: proposal
                .decisions()
                .iter()
                .any(|d| d.verdict == Verdict::Kill),
        }
    }
}

/// Counts over the proposals of one namespace within the observation window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evidence {
    /// Every proposal in the window.
    pub proposals: u32,
    /// Recorded only (Shadow, ReadOnlyAssist): observed, never decided.
    pub recorded: u32,
    /// Still waiting for a decision.
    pub pending: u32,
    /// Approved, by people or by rule (including those since executed or failed).
    pub approved: u32,
    /// Vetoed, by a person or by the allowed-actions rule.
    pub vetoed: u32,
    /// Nobody decided in time (timeout means deny).
    pub expired: u32,
    /// Ended by a kill or a halt; not counted as decisions.
    pub killed: u32,
    /// Executed successfully.
    pub executed: u32,
    /// Executed and failed.
    pub failed: u32,
    /// The median time from creation to a person's decision, in seconds.
    pub median_decision_seconds: Option<i64>,
}

impl Evidence {
    /// Decisions: approved + vetoed + expired.
    pub fn decisions(&self) -> u32 {
        self.approved + self.vetoed + self.expired
    }

    /// Refusals: vetoed + expired (an expired proposal counts as a veto).
    pub fn refusals(&self) -> u32 {
        self.vetoed + self.expired
    }

    /// Refusals as a percentage of decisions, rounded; `None` without decisions.
    pub fn veto_rate_percent(&self) -> Option<u32> {
        let decisions = self.decisions();
        (decisions > 0).then(|| (self.refusals() * 100 + decisions / 2) / decisions)
    }

    /// Whether the veto rate is above `max_percent` (exactly, not rounded).
    pub fn veto_rate_above(&self, max_percent: u32) -> bool {
        u64::from(self.refusals()) * 100 > u64::from(max_percent) * u64::from(self.decisions())
    }
}

/// The evidence from `observations` created at or after `now - window_hours`.
pub fn evidence<'a>(
    observations: impl IntoIterator<Item = &'a Observation>,
    window_hours: u32,
    now: Timestamp,
) -> Evidence {
    let since = now - SignedDuration::from_hours(i64::from(window_hours));
    let mut counted = Evidence::default();
    let mut waits = Vec::new();
    for observation in observations {
        if observation.created.is_some_and(|c| c < since) {
            continue;
        }
        counted.proposals += 1;
        match observation.state {
            ProposalState::Pending => counted.pending += 1,
            ProposalState::Recorded => counted.recorded += 1,
            ProposalState::Approved | ProposalState::AutoApproved => counted.approved += 1,
            ProposalState::Executed => {
                counted.approved += 1;
                counted.executed += 1;
            }
            ProposalState::Failed => {
                counted.approved += 1;
                counted.failed += 1;
            }
            ProposalState::Vetoed => counted.vetoed += 1,
            ProposalState::Expired if observation.killed => counted.killed += 1,
            ProposalState::Expired => counted.expired += 1,
        }
        if let (Some(created), Some(decided)) =
            (observation.created, observation.decided_by_person_at)
            && !observation.killed
        {
            waits.push(decided.duration_since(created).as_secs().max(0));
        }
    }
    counted.median_decision_seconds = median(&mut waits);
    counted
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2
    } else {
        values[middle]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn seen(state: ProposalState, created: i64, decided: Option<i64>) -> Observation {
        Observation {
            created: Some(at(created)),
            state,
            decided_by_person_at: decided.map(at),
            killed: false,
        }
    }

    #[test]
    fn counts_states_and_leaves_out_what_is_older_than_the_window() {
        let now = at(100 * 3600);
        let observations = vec![
            seen(ProposalState::Executed, 99 * 3600, Some(99 * 3600 + 60)),
            seen(ProposalState::Failed, 99 * 3600, Some(99 * 3600 + 120)),
            seen(ProposalState::Vetoed, 99 * 3600, Some(99 * 3600 + 300)),
            seen(ProposalState::Expired, 99 * 3600, None),
            seen(ProposalState::Recorded, 99 * 3600, None),
            seen(ProposalState::Vetoed, 0, Some(10)),
        ];
        let counted = evidence(&observations, 24, now);
        assert_eq!(counted.proposals, 5);
        assert_eq!(
            (counted.approved, counted.executed, counted.failed),
            (2, 1, 1)
        );
        assert_eq!(
            (counted.vetoed, counted.expired, counted.recorded),
            (1, 1, 1)
        );
        assert_eq!(counted.decisions(), 4);
        assert_eq!(counted.veto_rate_percent(), Some(50));
        assert_eq!(counted.median_decision_seconds, Some(120));
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median(&mut []), None);
    }
}
