//! Sandbox users, their bearer tokens, and the rules that decide what each may do.

use super::status::StatusError;
use rand::Rng;
use std::collections::HashMap;

/// The sandbox agents' identity: full rights.
pub const AGENT_USER: &str = "kubevigil-agent";
/// The sandbox governor's identity (decides by rule, expires proposals): full rights.
pub const GOVERNOR_USER: &str = "kubevigil-governor";
/// The namespace `payments-dev` is confined to.
pub(crate) const PAYMENTS: &str = "payments";

/// What a user may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rights {
    /// Everything.
    Full,
    /// get, list and watch everything.
    ReadOnly,
    /// Everything, but only inside one namespace.
    Namespace(String),
}

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
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
                | ("authorization.k8s.io", "selfsubjectaccessreviews")
                | ("authorization.k8s.io", "selfsubjectrulesreviews")
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

/// The fixed set of sandbox users and their tokens.
#[derive(Debug, Clone)]
pub(crate) struct Users {
    by_token: HashMap<String, User>,
    token_by_name: HashMap<String, String>,
}

fn user(name: &str, groups: &[&str], rights: Rights) -> User {
    User {
        name: name.to_string(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        rights,
    }
}

fn random_token(name: &str) -> String {
    let secret: [u8; 16] = rand::rng().random();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    format!("kubevigil-sandbox.{name}.{hex}")
}

impl Users {
    /// The sandbox users, each with a fresh random token.
    pub fn generate() -> Self {
        let operators = ["kubevigil:operators", "system:authenticated"];
        let everyone = [
            user("oncall-1", &operators, Rights::Full),
            user("oncall-2", &operators, Rights::Full),
            user(
                "viewer",
                &["kubevigil:viewers", "system:authenticated"],
                Rights::ReadOnly,
            ),
            user(
                AGENT_USER,
                &["kubevigil:agents", "system:authenticated"],
                Rights::Full,
            ),
            user(
                GOVERNOR_USER,
                &["kubevigil:governors", "system:authenticated"],
                Rights::Full,
            ),
            user(
                "payments-dev",
                &["kubevigil:payments", "system:authenticated"],
                Rights::Namespace(PAYMENTS.to_string()),
            ),
        ];
        let mut by_token = HashMap::new();
        let mut token_by_name = HashMap::new();
        for user in everyone {
            let token = random_token(&user.name);
            token_by_name.insert(user.name.clone(), token.clone());
            by_token.insert(token, user);
        }
        Users {
            by_token,
            token_by_name,
        }
    }

    /// The token of a user.
    pub fn token_for(&self, name: &str) -> Option<&str> {
        self.token_by_name.get(name).map(String::as_str)
    }

    /// The user sending an `Authorization` header; 401 without a known token.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<&User, StatusError> {
        authorization
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .and_then(|token| self.by_token.get(token.trim()))
            .ok_or_else(StatusError::unauthorized)
    }

    /// User names, in a stable order.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.token_by_name.keys().map(String::as_str).collect();
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
        let token = users.token_for("viewer").unwrap().to_string();
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
