//! Promotion readiness and demotion suggestions: the evidence checked
//! against the policy's promotion criteria.
//!
//! - Shadow and ReadOnlyAssist: proposals are only recorded, so the evidence
//!   is how many were observed. Ready for the next phase once at least
//!   `minDecisions` proposals were seen in the window.
//! - LimitedWrite: ready for Autonomous once there are at least `minDecisions`
//!   decisions (approved + vetoed + expired), the veto rate (vetoed + expired
//!   over decisions) is at most `maxVetoRatePercent`, and no demotion is suggested.
//! - Autonomous: the highest phase.
//! - Demotion (LimitedWrite, Autonomous) is suggested when vetoes, or failed
//!   executions, exceed what the veto ceiling allows over at least
//!   `minDecisions`: `count > floor(maxVetoRatePercent × max(n, minDecisions) / 100)`,
//!   with `n` the decisions (for vetoes) or the executions (for failures). The
//!   rate can then no longer come back under the ceiling by the time the
//!   minimum is reached.

use super::Evidence;
use crate::domain::{Phase, PromotionCriteria};

/// Whether the namespace may move to the next phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Promotion {
    /// The evidence meets the criteria for `next`.
    Ready {
        /// The next phase.
        next: Phase,
    },
    /// Not yet, and why.
    NotYet {
        /// The next phase.
        next: Phase,
        /// Each unmet criterion, such as "12 of 20 decisions".
        reasons: Vec<String>,
    },
    /// Already Autonomous.
    Highest,
}

/// A suggestion to move the namespace back a phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demotion {
    /// The phase to move back to.
    pub to: Phase,
    /// What passed the criteria, such as "3 vetoes > 2 allowed".
    pub reasons: Vec<String>,
}

/// The readiness of one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Promotion readiness.
    pub promotion: Promotion,
    /// A demotion suggestion, when the evidence calls for one.
    pub demotion: Option<Demotion>,
}

impl Assessment {
    /// One line for the table: the demotion first, then readiness.
    ///
    /// "demote to LimitedWrite: 3 vetoes > 2 allowed (10% of 20)",
    /// "ready for LimitedWrite", "not ready: 12 of 20 decisions; veto rate 18% > 10%",
    /// "highest phase".
    pub fn summary(&self) -> String {
        if let Some(demotion) = &self.demotion {
            return format!("demote to {}: {}", demotion.to, demotion.reasons.join("; "));
        }
        match &self.promotion {
            Promotion::Ready { next } => format!("ready for {next}"),
            Promotion::NotYet { reasons, .. } => format!("not ready: {}", reasons.join("; ")),
            Promotion::Highest => "highest phase".to_string(),
        }
    }

    /// Like [`Assessment::summary`], without the "not ready: " prefix (for a
    /// column headed READINESS): "12 of 20 decisions; veto rate 18% > 10%".
    pub fn short(&self) -> String {
        match (&self.demotion, &self.promotion) {
            (None, Promotion::NotYet { reasons, .. }) => reasons.join("; "),
            _ => self.summary(),
        }
    }

    /// Whether the namespace should be demoted.
    pub fn suggests_demotion(&self) -> bool {
        self.demotion.is_some()
    }

    /// Whether the namespace is ready for the next phase.
    pub fn is_ready(&self) -> bool {
        matches!(self.promotion, Promotion::Ready { .. })
    }
}

/// Checks `evidence` gathered in `phase` against `criteria`.
pub fn assess(phase: Phase, criteria: &PromotionCriteria, evidence: &Evidence) -> Assessment {
    let demotion = demotion(phase, criteria, evidence);
    let Some(next) = phase.next() else {
        return Assessment {
            promotion: Promotion::Highest,
            demotion,
        };
    };
    let mut reasons = Vec::new();
    if phase.allows_approval() {
        if evidence.decisions() < criteria.min_decisions {
            reasons.push(format!(
                "{} of {} decisions",
                evidence.decisions(),
                criteria.min_decisions
            ));
        }
        if evidence.veto_rate_above(criteria.max_veto_rate_percent) {
            reasons.push(format!(
                "veto rate {}% > {}%",
                evidence.veto_rate_percent().unwrap_or(0),
                criteria.max_veto_rate_percent
            ));
        }
        if demotion.is_some() && reasons.is_empty() {
            reasons.push("demotion suggested".to_string());
        }
    } else if evidence.proposals < criteria.min_decisions {
        reasons.push(format!(
            "{} of {} proposals observed",
            evidence.proposals, criteria.min_decisions
        ));
    }
    let promotion = if reasons.is_empty() {
        Promotion::Ready { next }
    } else {
        Promotion::NotYet { next, reasons }
    };
    Assessment {
        promotion,
        demotion,
    }
}

/// How many of `n` may go wrong before the ceiling is passed for good.
fn allowed(criteria: &PromotionCriteria, n: u32) -> u32 {
    let base = u64::from(n.max(criteria.min_decisions));
    u32::try_from(base * u64::from(criteria.max_veto_rate_percent) / 100).unwrap_or(u32::MAX)
}

fn demotion(phase: Phase, criteria: &PromotionCriteria, evidence: &Evidence) -> Option<Demotion> {
    if !phase.allows_approval() {
        return None;
    }
    let mut reasons = Vec::new();
    let window = criteria.min_decisions;
    let rate = criteria.max_veto_rate_percent;
    let vetoes_allowed = allowed(criteria, evidence.decisions());
    if evidence.refusals() > vetoes_allowed {
        reasons.push(format!(
            "{} vetoes > {vetoes_allowed} allowed ({rate}% of {})",
            evidence.refusals(),
            evidence.decisions().max(window)
        ));
    }
    let executions = evidence.executed + evidence.failed;
    let failures_allowed = allowed(criteria, executions);
    if evidence.failed > failures_allowed {
        reasons.push(format!(
            "{} failed executions > {failures_allowed} allowed ({rate}% of {})",
            evidence.failed,
            executions.max(window)
        ));
    }
    let to = phase.previous()?;
    (!reasons.is_empty()).then_some(Demotion { to, reasons })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria() -> PromotionCriteria {
        PromotionCriteria {
            min_decisions: 20,
            max_veto_rate_percent: 10,
            observation_window_hours: 168,
        }
    }

    #[test]
    fn names_every_unmet_criterion() {
        let evidence = Evidence {
            proposals: 12,
            approved: 10,
            vetoed: 2,
            ..Evidence::default()
        };
        let assessment = assess(Phase::LimitedWrite, &criteria(), &evidence);
        assert_eq!(
            assessment.summary(),
            "not ready: 12 of 20 decisions; veto rate 17% > 10%"
        );
        assert!(!assessment.suggests_demotion());
    }

    #[test]
    fn observation_phases_count_proposals() {
        let evidence = Evidence {
            proposals: 20,
            recorded: 20,
            ..Evidence::default()
        };
        let assessment = assess(Phase::Shadow, &criteria(), &evidence);
        assert_eq!(assessment.summary(), "ready for ReadOnlyAssist");
    }
}
