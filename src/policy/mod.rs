//! Trust policies: the evidence that governs promotion, validation of a
//! policy spec, the one-phase-at-a-time rule, and applying a change safely.
//!
//! Everything but [`apply`] is pure:
//! - [`evidence`]: counts over a namespace's proposals in the observation window.
//! - [`readiness`]: ready for the next phase or why not, and demotion suggestions.
//! - [`validate`]: every field of a [`TrustPolicySpec`](crate::domain::TrustPolicySpec)
//!   checked against documented bounds, naming the field and the reason.
//! - [`change`]: promotion moves one phase at a time unless explicitly
//!   overridden with a reason; the YAML of a spec and the diff of two.
//! - [`rebase`]: a spec field by field, and an edit re-applied to a policy
//!   someone else changed meanwhile (after a conflict).
//! - [`apply`]: create or update the policy with a resourceVersion
//!   precondition, and record the change (Event, annotation, local audit log).
//!
//! See `docs/policies.md` for the rules in prose.

pub mod apply;
pub mod change;
pub mod evidence;
pub mod readiness;
pub mod rebase;
pub mod validate;

pub use apply::{PolicyApplied, PolicyApplyError, PolicyChangeRequest, apply_policy};
pub use change::{
    DiffLine, PhaseRuleError, check_phase_change, describe_change, diff_yaml, spec_yaml,
};
pub use evidence::{Evidence, Observation, evidence};
pub use readiness::{Assessment, Demotion, Promotion, assess};
pub use rebase::{Collision, ConflictReview, FieldChange, Rebased, rebase};
pub use validate::{FieldError, parse_spec_yaml, validate};
