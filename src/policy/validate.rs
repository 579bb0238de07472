//! Validation of a TrustPolicy spec before anything is sent: every refusal
//! names the field (as the resource spells it) and the reason.
//!
//! Bounds (see `docs/policies.md`):
//!
//! | field | allowed |
//! |---|---|
//! | `phase` | Shadow, ReadOnlyAssist, LimitedWrite, Autonomous |
//! | `allowedActions` | no repeats; at least one kind in LimitedWrite and Autonomous |
//! | `requiredApprovals` | 1 or 2 |
//! | `proposalTimeoutSeconds` | 60 to 86,400 (one minute to one day) |
//! | `credentialTtlSeconds` | 30 to 3,600, and not above the proposal timeout |
//! | `autonomousRiskCeiling` | low, medium or high (critical always needs a person) |
//! | `maxConcurrentInvestigations` | 1 to 50 |
//! | `vaultPolicy` | 1 to 128 of `A-Z a-z 0-9 - _ . /` |
//! | `allowUnsealedCredentials` | true or false (false when absent) |
//! | `promotion.minDecisions` | 1 to 10,000 |
//! | `promotion.maxVetoRatePercent` | 0 to 100 |
//! | `promotion.observationWindowHours` | 1 to 2,160 (90 days) |
//! | `demotion.maxFailedExecutionRatePercent` | 0 to 100 (absent: not checked) |
//! | `demotion.maxVetoRatePercent` | 0 to 100 (absent: not checked) |
//! | `demotion.observationWindowHours` | 1 to 2,160 (90 days) |
//! | `demotion.minSamples` | 1 to 10,000 |

use crate::domain::{Phase, Risk, TrustPolicySpec};
use std::fmt;

/// Allowed `requiredApprovals`.
pub const REQUIRED_APPROVALS: std::ops::RangeInclusive<u32> = 1..=2;
/// Allowed `proposalTimeoutSeconds`.
pub const PROPOSAL_TIMEOUT_SECONDS: std::ops::RangeInclusive<u32> = 60..=86_400;
/// Allowed `credentialTtlSeconds`.
pub const CREDENTIAL_TTL_SECONDS: std::ops::RangeInclusive<u32> = 30..=3_600;
/// Allowed `maxConcurrentInvestigations`.
pub const MAX_CONCURRENT: std::ops::RangeInclusive<u32> = 1..=50;
/// Allowed `promotion.minDecisions`.
pub const MIN_DECISIONS: std::ops::RangeInclusive<u32> = 1..=10_000;
/// Allowed `promotion.maxVetoRatePercent`.
pub const MAX_VETO_RATE: std::ops::RangeInclusive<u32> = 0..=100;
/// Allowed `promotion.observationWindowHours`.
pub const WINDOW_HOURS: std::ops::RangeInclusive<u32> = 1..=2_160;

/// The spec's fields as the resource spells them, in the resource's order.
pub(crate) const SPEC_FIELDS: [&str; 11] = [
    "phase",
    "allowedActions",
    "requiredApprovals",
    "proposalTimeoutSeconds",
    "credentialTtlSeconds",
    "autonomousRiskCeiling",
    "maxConcurrentInvestigations",
    "vaultPolicy",
    "allowUnsealedCredentials",
    "promotion",
    "demotion",
];
/// The fields of `promotion`, in the resource's order.
pub(crate) const PROMOTION_FIELDS: [&str; 3] = [
    "minDecisions",
    "maxVetoRatePercent",
    "observationWindowHours",
];
/// The fields of `demotion`, in the resource's order.
pub(crate) const DEMOTION_FIELDS: [&str; 4] = [
    "maxFailedExecutionRatePercent",
    "maxVetoRatePercent",
    "observationWindowHours",
    "minSamples",
];

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as the resource spells it (`promotion.minDecisions`).
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

impl FieldError {
    /// A refusal of `field` because of `reason`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for FieldError {}

fn range_check(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: u32,
    range: &std::ops::RangeInclusive<u32>,
    unit: &str,
) {
    if !range.contains(&value) {
        errors.push(FieldError::new(
            field,
            format!(
                "{value} is outside {}..={}{unit}",
                range.start(),
                range.end()
            ),
        ));
    }
}

/// Every problem with `spec`, in field order; empty when it is valid.
pub fn validate(spec: &TrustPolicySpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut seen = Vec::new();
    for kind in &spec.allowed_actions {
        if seen.contains(kind) {
            errors.push(FieldError::new(
                "allowedActions",
                format!("{kind} is listed twice"),
            ));
        }
        seen.push(*kind);
    }
    if spec.allowed_actions.is_empty() && spec.phase.allows_approval() {
        errors.push(FieldError::new(
            "allowedActions",
            format!(
                "no action kind is allowed, so every proposal in {} would be vetoed; use ReadOnlyAssist instead",
                spec.phase
            ),
        ));
    }
    range_check(
        &mut errors,
        "requiredApprovals",
        spec.required_approvals,
        &REQUIRED_APPROVALS,
        " people",
    );
    range_check(
        &mut errors,
        "proposalTimeoutSeconds",
        spec.proposal_timeout_seconds,
        &PROPOSAL_TIMEOUT_SECONDS,
        " s",
    );
    range_check(
        &mut errors,
        "credentialTtlSeconds",
        spec.credential_ttl_seconds,
        &CREDENTIAL_TTL_SECONDS,
        " s",
    );
    if CREDENTIAL_TTL_SECONDS.contains(&spec.credential_ttl_seconds)
        && PROPOSAL_TIMEOUT_SECONDS.contains(&spec.proposal_timeout_seconds)
        && spec.credential_ttl_seconds > spec.proposal_timeout_seconds
    {
        errors.push(FieldError::new(
            "credentialTtlSeconds",
            format!(
                "{} s is longer than the proposal timeout ({} s)",
                spec.credential_ttl_seconds, spec.proposal_timeout_seconds
            ),
        ));
    }
    if spec.autonomous_risk_ceiling == Risk::Critical {
        errors.push(FieldError::new(
            "autonomousRiskCeiling",
            "critical actions always need a person: the ceiling is at most high",
        ));
    }
    range_check(
        &mut errors,
        "maxConcurrentInvestigations",
        spec.max_concurrent_investigations,
        &MAX_CONCURRENT,
        "",
    );
    if let Some(policy) = &spec.vault_policy {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
        if policy.is_empty() || policy.len() > 128 || !policy.chars().all(allowed) {
            errors.push(FieldError::new(
                "vaultPolicy",
                "must be 1 to 128 of A-Z a-z 0-9 - _ . /",
            ));
        }
    }
    let promotion = &spec.promotion;
    range_check(
        &mut errors,
        "promotion.minDecisions",
        promotion.min_decisions,
        &MIN_DECISIONS,
        "",
    );
    range_check(
        &mut errors,
        "promotion.maxVetoRatePercent",
        promotion.max_veto_rate_percent,
        &MAX_VETO_RATE,
        " %",
    );
    range_check(
        &mut errors,
        "promotion.observationWindowHours",
        promotion.observation_window_hours,
        &WINDOW_HOURS,
        " h",
    );
    if let Some(demotion) = &spec.demotion {
        for (field, rate) in [
            (
                "demotion.maxFailedExecutionRatePercent",
                demotion.max_failed_execution_rate_percent,
            ),
            (
                "demotion.maxVetoRatePercent",
                demotion.max_veto_rate_percent,
            ),
        ] {
            if let Some(rate) = rate {
                range_check(&mut errors, field, rate, &MAX_VETO_RATE, " %");
            }
        }
        range_check(
            &mut errors,
            "demotion.observationWindowHours",
            demotion.observation_window_hours,
            &WINDOW_HOURS,
            " h",
        );
        range_check(
            &mut errors,
            "demotion.minSamples",
            demotion.min_samples,
            &MIN_DECISIONS,
            "",
        );
    }
    errors
}

/// Reads a spec from YAML (or JSON) text as the editor holds it. Refuses
/// unknown fields (a misspelt field would otherwise be silently defaulted),
/// unknown phases and values of the wrong type, naming the field.
pub fn parse_spec_yaml(text: &str) -> Result<TrustPolicySpec, FieldError> {
    let value: serde_json::Value = serde_saphyr::from_str(text).map_err(|e| {
        FieldError::new(
            "spec",
            format!("not valid YAML: {}", first_line(&e.to_string())),
        )
    })?;
    let serde_json::Value::Object(fields) = &value else {
        return Err(FieldError::new("spec", "must be a mapping of fields"));
    };
    for key in fields.keys() {
        if !SPEC_FIELDS.contains(&key.as_str()) {
            return Err(FieldError::new(key.clone(), "unknown field"));
        }
    }
    match fields.get("phase") {
        None => return Err(FieldError::new("phase", "is required")),
        Some(serde_json::Value::String(text)) if Phase::parse(text).is_none() => {
            return Err(FieldError::new(
                "phase",
                format!(
                    "unknown phase {text:?}: one of Shadow, ReadOnlyAssist, LimitedWrite, Autonomous"
                ),
            ));
        }
        _ => {}
    }
    if let Some(serde_json::Value::Object(promotion)) = fields.get("promotion") {
        for key in promotion.keys() {
            if !PROMOTION_FIELDS.contains(&key.as_str()) {
                return Err(FieldError::new(format!("promotion.{key}"), "unknown field"));
            }
        }
    }
    if let Some(serde_json::Value::Object(demotion)) = fields.get("demotion") {
        for key in demotion.keys() {
            if !DEMOTION_FIELDS.contains(&key.as_str()) {
                return Err(FieldError::new(format!("demotion.{key}"), "unknown field"));
            }
        }
    }
    for key in fields.keys() {
        let mut alone = serde_json::Map::new();
        alone.insert("phase".into(), serde_json::Value::String("Shadow".into()));
        if let Some(v) = fields.get(key) {
            alone.insert(key.clone(), normalised(key, v));
        }
        if let Err(error) =
            serde_json::from_value::<TrustPolicySpec>(serde_json::Value::Object(alone))
        {
            return Err(FieldError::new(key.clone(), first_line(&error.to_string())));
        }
    }
    let mut fields = fields.clone();
    if let Some(phase) = fields
        .get("phase")
        .and_then(|p| p.as_str())
        .and_then(Phase::parse)
    {
        fields.insert("phase".into(), serde_json::json!(phase));
    }
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| FieldError::new("spec", first_line(&e.to_string())))
}

/// A forgiving spelling of the phase becomes the resource's spelling.
fn normalised(key: &str, value: &serde_json::Value) -> serde_json::Value {
    match (key, value.as_str().and_then(Phase::parse)) {
        ("phase", Some(phase)) => serde_json::json!(phase),
        _ => value.clone(),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_spec_is_valid() {
        assert_eq!(validate(&TrustPolicySpec::default()), Vec::new());
    }

    #[test]
    fn demotion_criteria_are_checked_by_field() {
        let spec =
            parse_spec_yaml("phase: Autonomous\ndemotion:\n  maxFailedExecutionRatePercent: 20\n")
                .expect("valid");
        let demotion = spec.demotion.clone().expect("demotion");
        assert_eq!(demotion.max_failed_execution_rate_percent, Some(20));
        assert_eq!(demotion.max_veto_rate_percent, None);
        assert_eq!(
            (demotion.observation_window_hours, demotion.min_samples),
            (24, 5)
        );
        assert_eq!(validate(&spec), Vec::new());
        let error = parse_spec_yaml("phase: Autonomous\ndemotion:\n  maxFailRate: 20\n").err();
        assert_eq!(
            error,
            Some(FieldError::new("demotion.maxFailRate", "unknown field"))
        );
        let mut wrong = spec;
        if let Some(d) = wrong.demotion.as_mut() {
            d.max_veto_rate_percent = Some(101);
            d.min_samples = 0;
        }
        let fields: Vec<String> = validate(&wrong).into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["demotion.maxVetoRatePercent", "demotion.minSamples"]
        );
    }

    #[test]
    fn misspelt_fields_are_refused_by_name() {
        let error = parse_spec_yaml("phase: Shadow\nrequiredApproval: 2\n").err();
        assert_eq!(
            error,
            Some(FieldError::new("requiredApproval", "unknown field"))
        );
        let error = parse_spec_yaml("phase: Shadow\nrequiredApprovals: two\n")
            .err()
            .map(|e| e.field);
        assert_eq!(error.as_deref(), Some("requiredApprovals"));
    }
}
