//! The contract between kubevigil and the agents it supervises: the custom
//! resources, the view of an investigation Job, the reasoning protocol and the
//! trust phases. Everything here is plain data with no IO.

pub mod canonical;
pub mod change;
pub mod investigation;
pub mod kubectl;
pub mod labels;
pub mod matcher;
pub mod phase;
pub mod policy;
pub mod proposal;
pub mod protocol;
pub mod queue;
pub mod template;

pub use canonical::{CanonicalAction, action_digest};
pub use investigation::{Investigation, InvestigationState};
pub use phase::Phase;
pub use policy::{PromotionCriteria, TrustPolicy, TrustPolicySpec, TrustPolicyStatus};
pub use proposal::{
    ActionKind, ActionProposal, ActionProposalSpec, ActionProposalStatus, ActionTarget, Decision,
    DecisionSource, EffectiveAction, ExecutionResult, MintedCredential, NoCredential,
    NoCredentialReason, Preview, ProposalState, ProposedAction, Risk, Verdict, effective_action,
};
pub use template::{
    InvestigationTemplate, InvestigationTemplateSpec, JobTemplate, ServiceAccounts,
};

/// The API group of the kubevigil custom resources.
pub const GROUP: &str = "kubevigil.io";
/// The API version of the kubevigil custom resources.
pub const VERSION: &str = "v1alpha1";
