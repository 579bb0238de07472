//! SelfSubjectRulesReview (`kubectl auth can-i --list`): the rules that
//! apply to the caller in one namespace, computed from the same rights that
//! guard every request, plus what every authenticated user may do (create
//! the self reviews, read discovery), as the `system:basic-user`,
//! `system:discovery` and `system:public-info-viewer` roles grant it.

use super::auth::{Rights, User};
use k8s_openapi::api::rbac::v1::PolicyRule;
use serde_json::{Value, json};

/// Discovery paths every authenticated user may read.
const DISCOVERY_URLS: &[&str] = &[
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
];

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    PolicyRule {
        verbs: strings(verbs),
        api_groups: Some(strings(groups)),
        resources: Some(strings(resources)),
        ..PolicyRule::default()
    }
}

/// What every authenticated user is granted.
fn basic_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            &["create"],
            &["authentication.k8s.io"],
            &["selfsubjectreviews"],
        ),
        rule(
            &["create"],
            &["authorization.k8s.io"],
            &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        ),
        PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: Some(DISCOVERY_URLS.iter().map(|u| (*u).to_string()).collect()),
            ..PolicyRule::default()
        },
    ]
}

fn everything(verbs: &[&str]) -> PolicyRule {
    rule(verbs, &["*"], &["*"])
}

/// The rules `user` has in `namespace` (empty: cluster scope only).
pub(crate) fn rules_in(user: &User, namespace: &str) -> Vec<PolicyRule> {
    let mut rules = match &user.rights {
        Rights::Full => vec![
            everything(&["*"]),
            PolicyRule {
                verbs: vec!["*".into()],
                non_resource_urls: Some(vec!["*".into()]),
                ..PolicyRule::default()
            },
        ],
        Rights::ReadOnly => vec![everything(&["get", "list", "watch"])],
        Rights::Namespace(own) if own == namespace => vec![everything(&["*"])],
        Rights::Namespace(_) => Vec::new(),
        Rights::Rules(grants) => grants
            .grants()
            .iter()
            .filter(|g| g.namespace.as_deref().is_none_or(|n| n == namespace))
            .flat_map(|g| g.rules.iter().cloned())
            .collect(),
    };
    rules.extend(basic_rules());
    rules
}

/// The review's `status` for `user` in `namespace`.
pub(crate) fn status(user: &User, namespace: &str) -> Value {
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    for rule in rules_in(user, namespace) {
        if let Some(urls) = rule.non_resource_urls.as_ref().filter(|u| !u.is_empty()) {
            non_resource_rules.push(json!({"verbs": rule.verbs, "nonResourceURLs": urls}));
        }
        if let Some(resources) = rule.resources.as_ref().filter(|r| !r.is_empty()) {
            let mut entry = json!({
                "verbs": rule.verbs,
                "apiGroups": rule.api_groups.clone().unwrap_or_default(),
                "resources": resources,
            });
            if let Some(names) = rule.resource_names.as_ref().filter(|n| !n.is_empty()) {
                entry["resourceNames"] = json!(names);
            }
            resource_rules.push(entry);
        }
    }
    json!({
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::api::rbac::Grants;

    fn user(rights: Rights) -> User {
        User {
            name: "u".into(),
            groups: vec![],
            rights,
        }
    }

    #[test]
    fn namespaced_rights_show_only_in_their_namespace() {
        let dev = user(Rights::Namespace("payments".into()));
        let inside = status(&dev, "payments");
        assert_eq!(inside["resourceRules"][0]["verbs"], json!(["*"]));
        let outside = status(&dev, "default");
        let rules = outside["resourceRules"].as_array().unwrap();
        assert!(
            rules.iter().all(|r| r["verbs"] == json!(["create"])),
            "{outside}"
        );
        assert_eq!(outside["nonResourceRules"][0]["verbs"], json!(["get"]));
    }

    #[test]
    fn rbac_grants_are_listed_where_they_apply() {
        let grants = Grants::cluster_wide(vec![rule(&["get"], &["batch"], &["jobs"])])
            .with_namespaced(
                "payments",
                vec![rule(&["patch"], &["apps"], &["deployments"])],
            );
        let alice = user(Rights::Rules(grants));
        let in_payments = status(&alice, "payments");
        let resources: Vec<&Value> = in_payments["resourceRules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["resources"][0])
            .collect();
        assert!(resources.contains(&&json!("jobs")));
        assert!(resources.contains(&&json!("deployments")));
        let elsewhere = status(&alice, "default").to_string();
        assert!(!elsewhere.contains("deployments"));
        assert!(elsewhere.contains("jobs"));
    }
}
