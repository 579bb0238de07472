//! A spec field by field, and an edit re-applied to a policy someone else
//! changed meanwhile.
//!
//! A field is a leaf of the spec's JSON form, named as the resource spells it
//! (`requiredApprovals`, `promotion.minDecisions`); a list (`allowedActions`)
//! is one field. Fields come in the resource's order.
//!
//! [`rebase`] takes three specs: the *base* the operator started editing
//! from, the operator's *edited* spec, and the *current* one (written by
//! someone else in between). Only the fields the operator changed (edited ≠
//! base) take the operator's value; every other field keeps its current value,
//! so nothing the other person changed is reverted without the operator seeing
//! it. A field both changed, to different values, is a [`Collision`]: the
//! operator's value is in the rebased spec, and the review names the other
//! value so the operator decides knowingly.

use super::FieldError;
use super::validate::{PROMOTION_FIELDS, SPEC_FIELDS};
use crate::domain::TrustPolicySpec;
use crate::sanitize::{reveal_invisible, sanitize};
use jiff::Timestamp;
use serde_json::{Map, Value};

/// One field whose value differs between two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field, as the resource spells it (`promotion.minDecisions`).
    pub field: String,
    /// Its value before, as shown ([`show`]).
    pub from: String,
    /// Its value after, as shown.
    pub to: String,
}

/// A field the operator and someone else both changed, to different values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The field.
    pub field: String,
    /// Its value when the operator started editing.
    pub base: String,
    /// The value the other person wrote (in the policy now).
    pub theirs: String,
    /// The operator's value (in the rebased spec).
    pub mine: String,
}

/// The operator's edit re-applied to the policy as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct Rebased {
    /// The current spec with the operator's changed fields.
    pub spec: TrustPolicySpec,
    /// What changed between the base and the current spec (by someone else).
    pub theirs: Vec<FieldChange>,
    /// What applying `spec` changes in the current spec: the operator's
    /// changes still to make, collisions included.
    pub mine: Vec<FieldChange>,
    /// Fields both changed to different values; the operator's value is in `spec`.
    pub collisions: Vec<Collision>,
    /// Fields both changed to the same value: nothing left to do there.
    pub agreed: Vec<String>,
}

/// What the editor shows after a conflict: someone changed (or deleted) the
/// policy while this operator was editing; their changes are kept and this
/// operator's changed fields were re-applied to the policy as it is now.
/// Every text is sanitized for the terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictReview {
    /// Who changed it last, when the policy says.
    pub by: Option<String>,
    /// When, when the policy says.
    pub at: Option<Timestamp>,
    /// The policy was deleted: applying creates it again.
    pub deleted: bool,
    /// What changed meanwhile (from the policy edited from to the policy now).
    pub theirs: Vec<FieldChange>,
    /// Fields changed meanwhile whose value in the spec to apply differs
    /// from theirs: applying replaces theirs with this operator's value.
    /// Kept current by [`ConflictReview::refresh`].
    pub collisions: Vec<Collision>,
    /// Fields both changed to the same value.
    pub agreed: Vec<String>,
}

impl ConflictReview {
    /// The review of `rebased`, after a change by `by` at `at` (or a deletion).
    pub fn new(
        by: Option<&str>,
        at: Option<Timestamp>,
        deleted: bool,
        rebased: &Rebased,
    ) -> ConflictReview {
        let safe = |text: &str| reveal_invisible(&sanitize(text));
        let change = |c: &FieldChange| FieldChange {
            field: safe(&c.field),
            from: safe(&c.from),
            to: safe(&c.to),
        };
        let mut review = ConflictReview {
            by: by.map(safe).filter(|b| !b.trim().is_empty()),
            at,
            deleted,
            theirs: rebased.theirs.iter().map(change).collect(),
            collisions: Vec::new(),
            agreed: rebased.agreed.iter().map(|f| safe(f)).collect(),
        };
        review.refresh(&rebased.spec);
        review
    }

    /// Who changed the policy, as the review names them.
    pub fn who(&self) -> &str {
        self.by.as_deref().unwrap_or("someone")
    }

    /// Recomputes the collisions for the spec about to be applied (the
    /// operator may have edited again since the rebase): every field changed
    /// meanwhile whose value in `pending` is not the one written meanwhile.
    pub fn refresh(&mut self, pending: &TrustPolicySpec) {
        let safe = |text: &str| reveal_invisible(&sanitize(text));
        self.collisions = self
            .theirs
            .iter()
            .filter_map(|change| {
                let mine = safe(&field_value(pending, &change.field));
                (mine != change.to).then(|| Collision {
                    field: change.field.clone(),
                    base: change.from.clone(),
                    theirs: change.to.clone(),
                    mine,
                })
            })
            .collect();
    }
}

/// One field's value in `spec`, as [`show`] writes it.
pub fn field_value(spec: &TrustPolicySpec, field: &str) -> String {
    let fields = fields(spec);
    show(
        field,
        fields.iter().find(|(f, _)| f == field).map(|(_, v)| v),
    )
}

/// `spec`'s fields with their values, in the resource's order. A field the
/// resource leaves out (`vaultPolicy` unset, `allowUnsealedCredentials` false)
/// is absent.
pub fn fields(spec: &TrustPolicySpec) -> Vec<(String, Value)> {
    let mut flat = Vec::new();
    if let Ok(Value::Object(top)) = serde_json::to_value(spec) {
        flatten("", &top, &mut flat);
    }
    flat.sort_by_key(|(field, _)| rank(field));
    flat
}

fn flatten(prefix: &str, object: &Map<String, Value>, out: &mut Vec<(String, Value)>) {
    for (key, value) in object {
        let field = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) => flatten(&field, inner, out),
            other => out.push((field, other.clone())),
        }
    }
}

/// Where a field comes in the resource: top-level order, then `promotion`'s.
fn rank(field: &str) -> (usize, usize, String) {
    let (top, sub) = field.split_once('.').unwrap_or((field, ""));
    let top_rank = SPEC_FIELDS
        .iter()
        .position(|f| *f == top)
        .unwrap_or(SPEC_FIELDS.len());
    let sub_rank = PROMOTION_FIELDS
        .iter()
        .position(|f| *f == sub)
        .unwrap_or(usize::from(!sub.is_empty()) * PROMOTION_FIELDS.len());
    (top_rank, sub_rank, field.to_string())
}

/// A field's value in a line: `LimitedWrite`, `2`, `patch,scale`, `true`;
/// an absent field as what it means (`false`, `(derived)`, `(unset)`).
pub fn show(field: &str, value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => match field {
            "allowUnsealedCredentials" => "false".to_string(),
            "vaultPolicy" => "(derived)".to_string(),
            _ => "(unset)".to_string(),
        },
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) if items.is_empty() => "(none)".to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| show("", Some(item)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// Every field of any of `specs`, in order, each with its value in each spec.
fn aligned<'a>(specs: &'a [&'a [(String, Value)]]) -> Vec<(String, Vec<Option<&'a Value>>)> {
    let mut names: Vec<&String> = specs
        .iter()
        .flat_map(|s| s.iter().map(|(f, _)| f))
        .collect();
    names.sort_by_key(|f| rank(f));
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let values = specs
                .iter()
                .map(|spec| spec.iter().find(|(f, _)| f == name).map(|(_, v)| v))
                .collect();
            (name.clone(), values)
        })
        .collect()
}

/// The fields whose values differ between `old` and `new`, in order.
pub fn changes(old: &TrustPolicySpec, new: &TrustPolicySpec) -> Vec<FieldChange> {
    let (old, new) = (fields(old), fields(new));
    aligned(&[old.as_slice(), new.as_slice()])
        .into_iter()
        .filter(|(_, values)| values[0] != values[1])
        .map(|(field, values)| FieldChange {
            from: show(&field, values[0]),
            to: show(&field, values[1]),
            field,
        })
        .collect()
}

/// Re-applies the fields the operator changed from `base` to `edited` onto
/// `current`, field by field (see the module documentation).
pub fn rebase(
    base: &TrustPolicySpec,
    edited: &TrustPolicySpec,
    current: &TrustPolicySpec,
) -> Result<Rebased, FieldError> {
    let (base_fields, edited_fields, current_fields) =
        (fields(base), fields(edited), fields(current));
    let mut merged = serde_json::to_value(current)
        .map_err(|e| FieldError::new("spec", format!("cannot be rebased: {e}")))?;
    let mut collisions = Vec::new();
    let mut agreed = Vec::new();
    for (field, values) in aligned(&[
        base_fields.as_slice(),
        edited_fields.as_slice(),
        current_fields.as_slice(),
    ]) {
        let (was, mine, now) = (values[0], values[1], values[2]);
        if mine == was {
            continue;
        }
        if now != was {
            if mine == now {
                agreed.push(field);
                continue;
            }
            collisions.push(Collision {
                base: show(&field, was),
                theirs: show(&field, now),
                mine: show(&field, mine),
                field: field.clone(),
            });
        }
        set(&mut merged, &field, mine.cloned());
    }
    let spec: TrustPolicySpec = serde_json::from_value(merged)
        .map_err(|e| FieldError::new("spec", format!("cannot be rebased: {e}")))?;
    Ok(Rebased {
        theirs: changes(base, current),
        mine: changes(current, &spec),
        spec,
        collisions,
        agreed,
    })
}

/// Sets (or, with `None`, removes) the field `path` of `root`.
fn set(root: &mut Value, path: &str, value: Option<Value>) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else {
        return;
    };
    let mut node = root;
    for part in parts {
        let Value::Object(object) = node else {
            return;
        };
        node = object
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let Value::Object(object) = node else {
        return;
    };
    match value {
        Some(value) => {
            object.insert(last.to_string(), value);
        }
        None => {
            object.remove(last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ActionKind, Phase};

    fn read_only_assist() -> TrustPolicySpec {
        TrustPolicySpec {
            phase: Phase::ReadOnlyAssist,
            ..TrustPolicySpec::default()
        }
    }

    #[test]
    fn fields_come_in_the_resources_order_with_nested_ones_dotted() {
        let spec = TrustPolicySpec {
            vault_policy: Some("write-data".into()),
            allow_unsealed_credentials: true,
            ..read_only_assist()
        };
        let names: Vec<String> = fields(&spec).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            names,
            [
                "phase",
                "allowedActions",
                "requiredApprovals",
                "proposalTimeoutSeconds",
                "credentialTtlSeconds",
                "autonomousRiskCeiling",
                "maxConcurrentInvestigations",
                "vaultPolicy",
                "allowUnsealedCredentials",
                "promotion.minDecisions",
                "promotion.maxVetoRatePercent",
                "promotion.observationWindowHours",
            ]
        );
        let names: Vec<String> = fields(&TrustPolicySpec::default())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert!(!names.contains(&"vaultPolicy".to_string()), "{names:?}");
        assert!(!names.contains(&"allowUnsealedCredentials".to_string()));
    }

    #[test]
    fn changes_show_each_field_in_a_line() {
        let old = read_only_assist();
        let new = TrustPolicySpec {
            allowed_actions: vec![ActionKind::Patch],
            allow_unsealed_credentials: true,
            vault_policy: Some("w".into()),
            ..old.clone()
        };
        let mut new = new;
        new.promotion.min_decisions = 5;
        let shown: Vec<String> = changes(&old, &new)
            .iter()
            .map(|c| format!("{} {} -> {}", c.field, c.from, c.to))
            .collect();
        assert_eq!(
            shown,
            [
                "allowedActions patch,scale,rollout-restart -> patch",
                "vaultPolicy (derived) -> w",
                "allowUnsealedCredentials false -> true",
                "promotion.minDecisions 20 -> 5",
            ]
        );
        assert!(changes(&old, &old).is_empty());
    }

    #[test]
    fn a_rebase_keeps_their_fields_and_reapplies_only_mine() {
        let base = read_only_assist();
        // I promote; meanwhile they require two approvals and tighten the window.
        let edited = TrustPolicySpec {
            phase: Phase::LimitedWrite,
            ..base.clone()
        };
        let mut current = TrustPolicySpec {
            required_approvals: 2,
            ..base.clone()
        };
        current.promotion.observation_window_hours = 24;
        let rebased = rebase(&base, &edited, &current).expect("rebased");
        assert_eq!(rebased.spec.phase, Phase::LimitedWrite, "mine re-applied");
        assert_eq!(rebased.spec.required_approvals, 2, "theirs kept");
        assert_eq!(rebased.spec.promotion.observation_window_hours, 24);
        assert!(rebased.collisions.is_empty());
        assert_eq!(
            rebased.mine,
            [FieldChange {
                field: "phase".into(),
                from: "ReadOnlyAssist".into(),
                to: "LimitedWrite".into()
            }]
        );
        let theirs: Vec<&str> = rebased.theirs.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            theirs,
            ["requiredApprovals", "promotion.observationWindowHours"]
        );
    }

    #[test]
    fn the_same_field_changed_to_different_values_is_a_collision_mine_wins_only_in_the_spec() {
        let base = read_only_assist();
        let edited = TrustPolicySpec {
            credential_ttl_seconds: 600,
            phase: Phase::LimitedWrite,
            ..base.clone()
        };
        let current = TrustPolicySpec {
            credential_ttl_seconds: 120,
            phase: Phase::LimitedWrite,
            ..base.clone()
        };
        let rebased = rebase(&base, &edited, &current).expect("rebased");
        assert_eq!(
            rebased.collisions,
            [Collision {
                field: "credentialTtlSeconds".into(),
                base: "300".into(),
                theirs: "120".into(),
                mine: "600".into(),
            }]
        );
        assert_eq!(rebased.agreed, ["phase"], "both promoted: no collision");
        assert_eq!(rebased.spec.credential_ttl_seconds, 600);
        // What applying does to the policy as it is now: only the collided field.
        assert_eq!(
            rebased.mine,
            [FieldChange {
                field: "credentialTtlSeconds".into(),
                from: "120".into(),
                to: "600".into()
            }]
        );
    }

    #[test]
    fn absent_fields_and_lists_rebase_as_whole_fields() {
        let base = TrustPolicySpec {
            vault_policy: Some("old".into()),
            ..read_only_assist()
        };
        // I drop the Vault policy and allow unsealed credentials; they narrow the actions.
        let edited = TrustPolicySpec {
            vault_policy: None,
            allow_unsealed_credentials: true,
            ..base.clone()
        };
        let current = TrustPolicySpec {
            allowed_actions: vec![ActionKind::Scale],
            ..base.clone()
        };
        let rebased = rebase(&base, &edited, &current).expect("rebased");
        assert_eq!(rebased.spec.vault_policy, None);
        assert!(rebased.spec.allow_unsealed_credentials);
        assert_eq!(rebased.spec.allowed_actions, vec![ActionKind::Scale]);
        assert!(rebased.collisions.is_empty());

        // They unset it too, and I had set it: a collision naming both.
        let current = TrustPolicySpec {
            vault_policy: Some("theirs".into()),
            ..base.clone()
        };
        let edited = TrustPolicySpec {
            vault_policy: None,
            ..base.clone()
        };
        let rebased = rebase(&base, &edited, &current).expect("rebased");
        assert_eq!(rebased.collisions.len(), 1);
        assert_eq!(rebased.collisions[0].theirs, "theirs");
        assert_eq!(rebased.collisions[0].mine, "(derived)");
        assert_eq!(rebased.spec.vault_policy, None);
    }

    #[test]
    fn a_review_refreshed_after_another_edit_names_only_live_collisions() {
        let base = read_only_assist();
        let edited = TrustPolicySpec {
            credential_ttl_seconds: 600,
            ..base.clone()
        };
        let current = TrustPolicySpec {
            credential_ttl_seconds: 120,
            required_approvals: 2,
            ..base.clone()
        };
        let rebased = rebase(&base, &edited, &current).expect("rebased");
        let mut review = ConflictReview::new(Some("oncall-2"), None, false, &rebased);
        review.refresh(&rebased.spec);
        assert_eq!(review.collisions, rebased.collisions, "the same at first");
        // Back on the form the operator takes their TTL, and undoes their approvals.
        let again = TrustPolicySpec {
            credential_ttl_seconds: 120,
            required_approvals: 1,
            ..rebased.spec.clone()
        };
        review.refresh(&again);
        assert_eq!(
            review.collisions,
            [Collision {
                field: "requiredApprovals".into(),
                base: "1".into(),
                theirs: "2".into(),
                mine: "1".into(),
            }]
        );
    }

    #[test]
    fn nothing_left_when_they_made_my_change() {
        let base = read_only_assist();
        let edited = TrustPolicySpec {
            required_approvals: 2,
            ..base.clone()
        };
        let rebased = rebase(&base, &edited, &edited).expect("rebased");
        assert!(rebased.mine.is_empty());
        assert_eq!(rebased.agreed, ["requiredApprovals"]);
        assert_eq!(rebased.spec, edited);
    }
}
