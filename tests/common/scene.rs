//! The console's usual scene for state-machine and view tests.

#![allow(dead_code)]

use kubevigil::app::fixtures::{StateBuilder, investigation, proposal};
use kubevigil::domain::{InvestigationState, ProposalState, Risk};
use kubevigil::model::records::InvestigationRecord;

/// Adds four investigations in four states (payments OOM running 185 s,
/// checkout crashloop pending, search certificate failed, payments rollout
/// succeeded) and the OOM's pending high-risk proposal `raise-mem-7f3a`.
pub fn four_investigations(builder: StateBuilder) -> StateBuilder {
    builder
        .investigation(oom_investigation())
        .investigation(investigation(
            "crashloop-b2d4e1",
            "checkout",
            InvestigationState::Pending,
            20,
        ))
        .investigation(investigation(
            "cert-0a1b2c",
            "search",
            InvestigationState::Failed,
            4000,
        ))
        .investigation(investigation(
            "rollout-99ffee",
            "payments",
            InvestigationState::Succeeded,
            7200,
        ))
        .proposal(proposal(
            "raise-mem-7f3a",
            "oom-7f3a9c",
            Risk::High,
            ProposalState::Pending,
        ))
}

/// The OOM investigation in payments, running for 185 s.
pub fn oom_investigation() -> InvestigationRecord {
    investigation("oom-7f3a9c", "payments", InvestigationState::Running, 185)
}
