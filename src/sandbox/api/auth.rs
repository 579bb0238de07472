//! Sandbox users, their bearer tokens, and the rules that decide what each may do.

use super::rbac::{AUTHENTICATED, Grants};
use super::status::StatusError;
use rand::Rng;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// The sandbox agents' identity: full rights.
pub const AGENT_USER: &str = "kubevigil-agent";
/// The sandbox governor's identity (decides by rule, expires proposals): full rights.
pub const GOVERNOR_USER: &str = "kubevigil-governor";
/// The namespace `payments-dev` is confined to.
pub(crate) const PAYMENTS: &str = "payments";

/// What a user may do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rights {
    /// Everything.
    Full,
    /// get, list and watch everything.
    ReadOnly,
    /// Everything, but only inside one namespace.
    Namespace(String),
    /// What RBAC rules allow, evaluated as Kubernetes does (see [`super::rbac`]).
    Rules(Grants),
}

/// An authenticated user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct User {
    /// The user name.
    pub name: String,
    /// The groups the user belongs to.
    pub groups: Vec<String>,
    /// What the user may do.
    pub rights: Rights,
}

/// What a request wants to do, as RBAC sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Attributes {
    /// get, list, watch, create, update, patch, delete, deletecollection.
    pub verb: String,
    /// API group, empty for core.
    pub group: String,
    /// Resource plural.
    pub resource: String,
    /// Subresource, such as `status`, or empty.
    pub subresource: String,
    /// Namespace, empty for cluster scope.
    pub namespace: String,
    /// Object name, or empty for collections.
    pub name: String,
}

/// The review resources every authenticated user may create.
fn is_self_review(attributes: &Attributes) -> bool {
    attributes.verb == "create"
        && matches!(
            (attributes.group.as_str(), attributes.resource.as_str()),
            ("authentication.k8s.io", "selfsubjectreviews")
                | (
                    "authorization.k8s.io",
                    "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
                )
        )
}

impl User {
    /// Whether the rules allow the request.
    pub fn allows(&self, attributes: &Attributes) -> bool {
        if is_self_review(attributes) {
            return true;
        }
        match &self.rights {
            Rights::Full => true,
            Rights::ReadOnly => matches!(attributes.verb.as_str(), "get" | "list" | "watch"),
            Rights::Namespace(namespace) => &attributes.namespace == namespace,
            Rights::Rules(grants) => grants.allows(attributes),
        }
    }

    /// The 403 the real API server returns for a refused request.
    pub fn forbidden(&self, attributes: &Attributes) -> StatusError {
        let qualified = if attributes.group.is_empty() {
            attributes.resource.clone()
        } else {
            format!("{}.{}", attributes.resource, attributes.group)
        };
        let subject = if attributes.name.is_empty() {
            qualified
        } else {
            format!("{qualified} \"{}\"", attributes.name)
        };
        let resource = if attributes.subresource.is_empty() {
            attributes.resource.clone()
        } else {
            format!("{}/{}", attributes.resource, attributes.subresource)
        };
        let scope = if attributes.namespace.is_empty() {
            "at the cluster scope".to_string()
        } else {
            format!("in the namespace \"{}\"", attributes.namespace)
        };
        let mut error = StatusError::new(
            403,
            "Forbidden",
            format!(
                "{subject} is forbidden: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
                self.name, attributes.verb, attributes.group
            ),
        );
        let mut details =
            serde_json::json!({"group": attributes.group, "kind": attributes.resource});
        if !attributes.name.is_empty() {
            details["name"] = serde_json::json!(attributes.name);
        }
        error.details = Some(details);
        error
    }
}

/// The sandbox users and their tokens: a fixed set, plus users registered
/// while the server runs (see [`Users::register`]).
#[derive(Debug, Default)]
pub(crate) struct Users {
    registry: RwLock<Registry>,
}

/// Users by token, and tokens by user name.
#[derive(Debug, Default)]
struct Registry {
    by_token: HashMap<String, User>,
    token_by_name: HashMap<String, String>,
}

impl Registry {
    /// Adds `user` with a fresh token; `None` when the name is taken.
    fn insert(&mut self, user: User) -> Option<String> {
        if self.token_by_name.contains_key(&user.name) {
            return None;
        }
        let token = random_token(&user.name);
        self.token_by_name.insert(user.name.clone(), token.clone());
        self.by_token.insert(token.clone(), user);
        Some(token)
    }
}

fn user(name: &str, groups: &[&str], rights: Rights) -> User {
    User {
        name: name.to_string(),
        groups: groups
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        rights,
    }
}

fn random_token(name: &str) -> String {
    let secret: [u8; 16] = rand::rng().random();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    // Tokens are header values: keep names such as `system:serviceaccount:ns:sa` readable but safe.
    let label: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("kubevigil-sandbox.{label}.{hex}")
}

impl Users {
    /// The sandbox users, each with a fresh random token.
    pub fn generate() -> Self {
        let operators = ["kubevigil:operators", AUTHENTICATED];
        let everyone = [
            user("oncall-1", &operators, Rights::Full),
            user("oncall-2", &operators, Rights::Full),
            user(
                "viewer",
                &["kubevigil:viewers", AUTHENTICATED],
                Rights::ReadOnly,
            ),
            user(
                AGENT_USER,
                &["kubevigil:agents", AUTHENTICATED],
                Rights::Full,
            ),
            user(
                GOVERNOR_USER,
                &["kubevigil:governors", AUTHENTICATED],
                Rights::Full,
            ),
            user(
                "payments-dev",
                &["kubevigil:payments", AUTHENTICATED],
                Rights::Namespace(PAYMENTS.to_string()),
            ),
        ];
        let mut registry = Registry::default();
        for user in everyone {
            registry.insert(user);
        }
        Users {
            registry: RwLock::new(registry),
        }
    }

    /// Registers user `name` in `groups` (and `system:authenticated`) with
    /// `rights`; returns its new bearer token, or `None` when a user of that
    /// name exists (existing users never change).
    pub fn register(&self, name: &str, groups: &[&str], rights: Rights) -> Option<String> {
        let mut groups: Vec<&str> = groups.to_vec();
        if !groups.contains(&AUTHENTICATED) {
            groups.push(AUTHENTICATED);
        }
        self.registry
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(user(name, &groups, rights))
    }

    /// The token of a user.
    pub fn token_for(&self, name: &str) -> Option<String> {
        self.registry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .token_by_name
            .get(name)
            .cloned()
    }

    /// The user sending an `Authorization` header; 401 without a known token.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<User, StatusError> {
        let registry = self.registry.read().unwrap_or_else(PoisonError::into_inner);
        authorization
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .and_then(|token| registry.by_token.get(token.trim()))
            .cloned()
            .ok_or_else(StatusError::unauthorized)
    }

    /// User names, in a stable order.
    pub fn names(&self) -> Vec<String> {
        let registry = self.registry.read().unwrap_or_else(PoisonError::into_inner);
        let mut names: Vec<String> = registry.token_by_name.keys().cloned().collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(verb: &str, namespace: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: "kubevigil.io".into(),
            resource: "actionproposals".into(),
            subresource: "status".into(),
            namespace: namespace.into(),
            name: "x".into(),
        }
    }

    #[test]
    fn tokens_identify_users() {
        let users = Users::generate();
        let token = users.token_for("viewer").unwrap().clone();
        let user = users
            .authenticate(Some(&format!("Bearer {token}")))
            .unwrap();
        assert_eq!(user.name, "viewer");
        assert_eq!(
            users.authenticate(Some("Bearer nope")).unwrap_err().code,
            401
        );
        assert_eq!(users.authenticate(None).unwrap_err().code, 401);
    }

    #[test]
    fn rights_follow_the_role() {
        let users = Users::generate();
        let by_name = |n: &str| {
            users
                .authenticate(Some(&format!("Bearer {}", users.token_for(n).unwrap())))
                .unwrap()
                .clone()
        };
        assert!(!by_name("viewer").allows(&attributes("patch", "payments")));
        assert!(by_name("viewer").allows(&attributes("watch", "payments")));
        assert!(by_name("payments-dev").allows(&attributes("patch", "payments")));
        assert!(!by_name("payments-dev").allows(&attributes("list", "")));
        assert!(by_name("oncall-2").allows(&attributes("delete", "")));
    }

    #[test]
    fn registered_users_get_their_rules_and_never_replace_others() {
        let users = Users::generate();
        let rules = vec![k8s_openapi::api::rbac::v1::PolicyRule {
            api_groups: Some(vec!["kubevigil.io".into()]),
            resources: Some(vec!["actionproposals/status".into()]),
            verbs: vec!["update".into()],
            ..Default::default()
        }];
        let token = users
            .register(
                "alice",
                &["kubevigil:operators"],
                Rights::Rules(Grants::cluster_wide(rules)),
            )
            .unwrap();
        let alice = users
            .authenticate(Some(&format!("Bearer {token}")))
            .unwrap();
        assert!(alice.groups.iter().any(|g| g == AUTHENTICATED));
        assert!(alice.allows(&attributes("update", "payments")));
        assert!(!alice.allows(&attributes("patch", "payments")));
        let before = users.token_for("viewer");
        assert_eq!(users.register("viewer", &[], Rights::Full), None);
        assert_eq!(users.token_for("viewer"), before);
        assert!(users.names().contains(&"alice".to_string()));
    }

    #[test]
    fn forbidden_names_user_verb_and_resource() {
        let viewer = user("viewer", &[], Rights::ReadOnly);
        let error = viewer.forbidden(&attributes("patch", "payments"));
        assert_eq!(error.code, 403);
        assert_eq!(
            error.message,
            "actionproposals.kubevigil.io \"x\" is forbidden: User \"viewer\" cannot patch resource \
             \"actionproposals/status\" in API group \"kubevigil.io\" in the namespace \"payments\""
        );
    }
}
