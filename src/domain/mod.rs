//! The contract between kubevigil and the agents it supervises: the custom
//! resources, the view of an investigation Job, the reasoning protocol and the
//! trust phases. Everything here is plain data with no IO.

pub mod investigation;
pub mod labels;
pub mod phase;
pub mod policy;
pub mod proposal;
pub mod protocol;

pub use investigation::{Investigation, InvestigationState};
pub use phase::Phase;
pub use policy::{PromotionCriteria, TrustPolicy, TrustPolicySpec, TrustPolicyStatus};
pub use proposal::{
    ActionKind, ActionProposal, ActionProposalSpec, ActionProposalStatus, ActionTarget, Decision,
    DecisionSource, ExecutionResult, MintedCredential, Preview, ProposalState, ProposedAction,
    Risk, Verdict,
};

/// The API group of the kubevigil custom resources.
pub const GROUP: &str = "kubevigil.io";
/// The API version of the kubevigil custom resources.
pub const VERSION: &str = "v1alpha1";
