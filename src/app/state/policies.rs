//! The policies view's state: its rows (computed in `update`, never in the
//! view) and the open policy editor.

use crate::domain::{Phase, Risk, TrustPolicySpec};
use crate::policy::{Assessment, ConflictReview, DiffLine, Evidence, FieldError};
use ratatui_textarea::TextArea;

/// One namespace in the policies table.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRow {
    /// The namespace.
    pub namespace: String,
    /// Its policy's spec; `None`: no policy (Shadow).
    pub spec: Option<TrustPolicySpec>,
    /// The evidence over the observation window.
    pub evidence: Evidence,
    /// Readiness for the next phase, and any demotion suggestion.
    pub assessment: Assessment,
    /// Who changed the policy last, when recorded.
    pub last_changed_by: Option<String>,
    /// The last change recorded on the policy (who, what, why), sanitized.
    pub last_change: Option<crate::audit::LastChange>,
    /// The governor's last demotion, with its evidence.
    pub last_demotion: Option<crate::domain::policy::DemotionRecord>,
    /// The phase before the halt, while the namespace is halted.
    pub halted_from: Option<Phase>,
}

impl PolicyRow {
    /// The phase in force.
    pub fn phase(&self) -> Phase {
        self.spec.as_ref().map(|s| s.phase).unwrap_or_default()
    }
}

/// The policies view: rows and cursor, and the editor when open.
#[derive(Debug, Default)]
pub struct PolicyView {
    /// One row a namespace in scope, by name.
    pub rows: Vec<PolicyRow>,
    /// The selected row.
    pub cursor: usize,
    /// The open editor.
    pub editor: Option<PolicyEditor>,
    /// What the last change applied from this console did.
    pub last_result: Option<String>,
}

impl PolicyView {
    /// The selected row.
    pub fn selected(&self) -> Option<&PolicyRow> {
        self.rows.get(self.cursor)
    }
}

/// A field of the editor's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    /// `phase`.
    Phase,
    /// `requiredApprovals`.
    RequiredApprovals,
    /// `proposalTimeoutSeconds`.
    ProposalTimeout,
    /// `credentialTtlSeconds`.
    CredentialTtl,
    /// `autonomousRiskCeiling`.
    RiskCeiling,
    /// `allowUnsealedCredentials`.
    UnsealedCredentials,
}

impl FormField {
    /// The form's fields, top to bottom.
    pub const ALL: [FormField; 6] = [
        FormField::Phase,
        FormField::RequiredApprovals,
        FormField::ProposalTimeout,
        FormField::CredentialTtl,
        FormField::RiskCeiling,
        FormField::UnsealedCredentials,
    ];

    /// The label shown.
    pub fn label(self) -> &'static str {
        match self {
            FormField::Phase => "phase",
            FormField::RequiredApprovals => "required approvals",
            FormField::ProposalTimeout => "proposal timeout (s)",
            FormField::CredentialTtl => "credential TTL (s)",
            FormField::RiskCeiling => "autonomous risk ceiling",
            FormField::UnsealedCredentials => "unsealed credentials",
        }
    }

    /// The spec field it edits, as the resource spells it.
    pub fn field(self) -> &'static str {
        match self {
            FormField::Phase => "phase",
            FormField::RequiredApprovals => "requiredApprovals",
            FormField::ProposalTimeout => "proposalTimeoutSeconds",
            FormField::CredentialTtl => "credentialTtlSeconds",
            FormField::RiskCeiling => "autonomousRiskCeiling",
            FormField::UnsealedCredentials => "allowUnsealedCredentials",
        }
    }

    /// Whether the field is a number typed in.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            FormField::RequiredApprovals | FormField::ProposalTimeout | FormField::CredentialTtl
        )
    }
}

/// The common fields as the form holds them: numbers as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyForm {
    /// The phase.
    pub phase: Phase,
    /// Required approvals, as typed.
    pub required_approvals: String,
    /// Proposal timeout in seconds, as typed.
    pub proposal_timeout: String,
    /// Credential TTL in seconds, as typed.
    pub credential_ttl: String,
    /// The Autonomous risk ceiling.
    pub risk_ceiling: Risk,
    /// Whether credentials may be minted unsealed (wrapping token in plain
    /// text in the proposal status) for proposals naming no recipient.
    pub allow_unsealed: bool,
}

impl PolicyForm {
    /// The form showing `spec`.
    pub fn from_spec(spec: &TrustPolicySpec) -> PolicyForm {
        PolicyForm {
            phase: spec.phase,
            required_approvals: spec.required_approvals.to_string(),
            proposal_timeout: spec.proposal_timeout_seconds.to_string(),
            credential_ttl: spec.credential_ttl_seconds.to_string(),
            risk_ceiling: spec.autonomous_risk_ceiling,
            allow_unsealed: spec.allow_unsealed_credentials,
        }
    }

    /// The typed text of a number field.
    pub fn text(&self, field: FormField) -> Option<&String> {
        match field {
            FormField::RequiredApprovals => Some(&self.required_approvals),
            FormField::ProposalTimeout => Some(&self.proposal_timeout),
            FormField::CredentialTtl => Some(&self.credential_ttl),
            _ => None,
        }
    }

    /// The typed text of a number field, to edit.
    pub fn text_mut(&mut self, field: FormField) -> Option<&mut String> {
        match field {
            FormField::RequiredApprovals => Some(&mut self.required_approvals),
            FormField::ProposalTimeout => Some(&mut self.proposal_timeout),
            FormField::CredentialTtl => Some(&mut self.credential_ttl),
            _ => None,
        }
    }

    /// `base` with the form's values, or the first field that is not a number.
    pub fn apply_to(&self, base: &TrustPolicySpec) -> Result<TrustPolicySpec, FieldError> {
        let number = |field: FormField, text: &str| {
            text.trim().parse::<u32>().map_err(|_| {
                FieldError::new(field.field(), format!("{text:?} is not a whole number"))
            })
        };
        Ok(TrustPolicySpec {
            phase: self.phase,
            required_approvals: number(FormField::RequiredApprovals, &self.required_approvals)?,
            proposal_timeout_seconds: number(FormField::ProposalTimeout, &self.proposal_timeout)?,
            credential_ttl_seconds: number(FormField::CredentialTtl, &self.credential_ttl)?,
            autonomous_risk_ceiling: self.risk_ceiling,
            allow_unsealed_credentials: self.allow_unsealed,
            ..base.clone()
        })
    }
}

/// Where the editor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorStage {
    /// The form of common fields.
    Form,
    /// The whole spec as YAML.
    Yaml,
    /// Asking why (required for an override of the one-phase rule).
    Reason,
    /// The diff of old and new (after a conflict, what changed meanwhile
    /// first), waiting for `y`.
    Diff,
    /// Sent; waiting for the cluster.
    Applying,
}

/// The policy editor of one namespace.
#[derive(Debug)]
pub struct PolicyEditor {
    /// The namespace.
    pub namespace: String,
    /// The spec edited from (`None`: creating a policy).
    pub base: Option<TrustPolicySpec>,
    /// The resourceVersion edited from (`None`: creating).
    pub base_resource_version: Option<String>,
    /// The fields the form does not show, and the YAML's last good parse.
    pub draft: TrustPolicySpec,
    /// The form.
    pub form: PolicyForm,
    /// The focused form field.
    pub focus: FormField,
    /// The stage.
    pub stage: EditorStage,
    /// The YAML editor (filled when entering the YAML stage).
    pub yaml: TextArea<'static>,
    /// Why, as typed.
    pub reason: String,
    /// Whether the operator overrode the one-phase-at-a-time rule.
    pub override_phase_rule: bool,
    /// What validation refused, field and reason.
    pub errors: Vec<FieldError>,
    /// What the cluster said (a conflict, a refusal).
    pub message: Option<String>,
    /// The diff of old and new YAML, for the Diff stage.
    pub diff: Vec<DiffLine>,
    /// The spec to apply, once validated.
    pub pending: Option<TrustPolicySpec>,
    /// After a conflict: who changed the policy meanwhile, what, and how this
    /// operator's changes were re-applied. Kept until the editor closes.
    pub conflict: Option<ConflictReview>,
    /// The review's first row on screen, when it does not fit.
    pub review_scroll: usize,
    /// How far down the review has been on screen, in rows; `y` applies
    /// only once all of it has.
    pub review_seen: usize,
}

impl PolicyEditor {
    /// An editor for `namespace`, starting from its policy (or a Shadow default).
    pub fn new(
        namespace: String,
        base: Option<TrustPolicySpec>,
        base_resource_version: Option<String>,
    ) -> PolicyEditor {
        let draft = base.clone().unwrap_or_default();
        PolicyEditor {
            namespace,
            form: PolicyForm::from_spec(&draft),
            base,
            base_resource_version,
            draft,
            focus: FormField::Phase,
            stage: EditorStage::Form,
            yaml: TextArea::default(),
            reason: String::new(),
            override_phase_rule: false,
            errors: Vec::new(),
            message: None,
            diff: Vec::new(),
            pending: None,
            conflict: None,
            review_scroll: 0,
            review_seen: 0,
        }
    }

    /// Whether the editor creates a policy rather than changing one.
    pub fn creates(&self) -> bool {
        self.base_resource_version.is_none()
    }

    /// The phase before the edit.
    pub fn base_phase(&self) -> Phase {
        self.base.as_ref().map(|b| b.phase).unwrap_or_default()
    }
}
