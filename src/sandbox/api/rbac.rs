//! Kubernetes RBAC for the emulator: RBAC manifests (ClusterRoles, Roles and
//! their bindings, as in `assets/rbac/`) loaded with serde-saphyr into
//! k8s-openapi types, resolved for one user into [`Grants`], and evaluated
//! the way kube-apiserver's RBAC authorizer does.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use kubevigil::sandbox::api::rbac::{Grants, RbacManifests};
//! use kubevigil::sandbox::api::{ApiConfig, ApiServer};
//! let manifests = RbacManifests::load_dir(std::path::Path::new("assets/rbac"))?;
//! let server = ApiServer::start(ApiConfig::default()).await?;
//! let grants = Grants::bound_to(&manifests, "alice", &["kubevigil:operators"]);
//! server.add_user("alice", &["kubevigil:operators"], grants)?;
//! let client = server.client("alice")?; // allowed exactly what the bindings grant
//! # drop(client);
//! # Ok(())
//! # }
//! ```
//!
//! What is evaluated: verbs, apiGroups, resources (with `resource/subresource`
//! and `*/subresource`), resourceNames and `*` wildcards; a Role or a
//! RoleBinding grants only inside its namespace. Not evaluated:
//! nonResourceURLs, aggregation rules, and `list`/`watch` narrowed to one name
//! by a field selector (a rule with resourceNames never matches a collection).

use super::auth::Attributes;
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The wildcard matching every verb, group, resource or name.
const ALL: &str = "*";
/// The group every authenticated user is in.
pub const AUTHENTICATED: &str = "system:authenticated";

/// Why RBAC manifests could not be loaded, or a user not registered.
#[derive(Debug, Error)]
pub enum RbacError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not valid YAML.
    #[error("{path}: not valid YAML: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// One YAML document is not a valid object of its kind.
    #[error("{path}, document {index} ({kind}): {message}")]
    Document {
        /// The file.
        path: PathBuf,
        /// The document's 1-based position in the file.
        index: usize,
        /// Its `kind`.
        kind: String,
        /// What is wrong.
        message: String,
    },
    /// A user of that name is already registered in the emulator.
    #[error("the sandbox user {0:?} already exists")]
    UserExists(String),
}

/// The objects of a set of RBAC manifests, by kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RbacManifests {
    /// ClusterRoles.
    pub cluster_roles: Vec<ClusterRole>,
    /// Namespaced Roles.
    pub roles: Vec<Role>,
    /// ClusterRoleBindings.
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
    /// Namespaced RoleBindings.
    pub role_bindings: Vec<RoleBinding>,
    /// ServiceAccounts the manifests create.
    pub service_accounts: Vec<ServiceAccount>,
    /// Namespaces the manifests create.
    pub namespaces: Vec<Namespace>,
}

impl RbacManifests {
    /// Loads every `*.yaml` and `*.yml` file in `dir`, in name order (as
    /// `kubectl apply -f DIR` does).
    pub fn load_dir(dir: &Path) -> Result<RbacManifests, RbacError> {
        let read_error = |source| RbacError::Read {
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_error)? {
            let path = entry.map_err(read_error)?.path();
            let is_yaml = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "yaml" || e == "yml");
            if is_yaml && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        let mut manifests = RbacManifests::default();
        for path in files {
            manifests.load_file(&path)?;
        }
        Ok(manifests)
    }

    /// Adds the objects of one (multi-document) YAML file.
    pub fn load_file(&mut self, path: &Path) -> Result<(), RbacError> {
        let text = std::fs::read_to_string(path).map_err(|source| RbacError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.add_yaml(&text, path)
    }

    /// Adds the objects of YAML `text` (documents separated by `---`);
    /// `origin` names it in errors. Kinds other than the RBAC ones,
    /// ServiceAccount and Namespace are refused.
    pub fn add_yaml(&mut self, text: &str, origin: &Path) -> Result<(), RbacError> {
        let documents: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| RbacError::Yaml {
                path: origin.to_path_buf(),
                message: e.to_string(),
            })?;
        for (position, document) in documents.into_iter().enumerate() {
            let kind = document
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let failed = |message: String| RbacError::Document {
                path: origin.to_path_buf(),
                index: position + 1,
                kind: kind.clone(),
                message,
            };
            let typed = |e: serde_json::Error| failed(e.to_string());
            match kind.as_str() {
                "ClusterRole" => {
                    let role: ClusterRole = serde_json::from_value(document).map_err(typed)?;
                    check_rules(role.rules.as_deref().unwrap_or_default()).map_err(failed)?;
                    self.cluster_roles.push(role);
                }
                "Role" => {
                    let role: Role = serde_json::from_value(document).map_err(typed)?;
                    check_rules(role.rules.as_deref().unwrap_or_default()).map_err(failed)?;
                    self.roles.push(role);
                }
                "ClusterRoleBinding" => self
                    .cluster_role_bindings
                    .push(serde_json::from_value(document).map_err(typed)?),
                "RoleBinding" => self
                    .role_bindings
                    .push(serde_json::from_value(document).map_err(typed)?),
                "ServiceAccount" => self
                    .service_accounts
                    .push(serde_json::from_value(document).map_err(typed)?),
                "Namespace" => self
                    .namespaces
                    .push(serde_json::from_value(document).map_err(typed)?),
                _ => return Err(failed("not a kind RBAC manifests hold".to_string())),
            }
        }
        Ok(())
    }

    /// The ClusterRole called `name`.
    pub fn cluster_role(&self, name: &str) -> Option<&ClusterRole> {
        self.cluster_roles
            .iter()
            .find(|r| r.metadata.name.as_deref() == Some(name))
    }

    /// The Role called `name` in `namespace`.
    pub fn role(&self, namespace: &str, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| {
            r.metadata.name.as_deref() == Some(name)
                && r.metadata.namespace.as_deref() == Some(namespace)
        })
    }

    /// The rules `role_ref` points to, seen from a binding in `namespace`
    /// (`None` for a ClusterRoleBinding); `None` when it points nowhere.
    fn rules_of(&self, role_ref: &RoleRef, namespace: Option<&str>) -> Option<Vec<PolicyRule>> {
        match (role_ref.kind.as_str(), namespace) {
            ("ClusterRole", _) => Some(
                self.cluster_role(&role_ref.name)?
                    .rules
                    .clone()
                    .unwrap_or_default(),
            ),
            ("Role", Some(namespace)) => Some(
                self.role(namespace, &role_ref.name)?
                    .rules
                    .clone()
                    .unwrap_or_default(),
            ),
            _ => None,
        }
    }

    /// What is wrong with the manifests as a whole: bindings whose role is
    /// not among them, namespaced objects without a namespace, objects in a
    /// namespace the manifests neither create nor expect to exist
    /// (`default` and `kube-system` are assumed).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let known_namespace = |namespace: &str| {
            matches!(namespace, "default" | "kube-system")
                || self
                    .namespaces
                    .iter()
                    .any(|n| n.metadata.name.as_deref() == Some(namespace))
        };
        let mut check_namespace = |what: String, namespace: Option<&str>| match namespace {
            None | Some("") => problems.push(format!("{what} has no namespace")),
            Some(namespace) if !known_namespace(namespace) => problems.push(format!(
                "{what} is in namespace {namespace}, which is not created"
            )),
            Some(_) => {}
        };
        for role in &self.roles {
            let name = role.metadata.name.clone().unwrap_or_default();
            check_namespace(format!("Role {name}"), role.metadata.namespace.as_deref());
        }
        for binding in &self.role_bindings {
            let name = binding.metadata.name.clone().unwrap_or_default();
            check_namespace(
                format!("RoleBinding {name}"),
                binding.metadata.namespace.as_deref(),
            );
        }
        for account in &self.service_accounts {
            let name = account.metadata.name.clone().unwrap_or_default();
            check_namespace(
                format!("ServiceAccount {name}"),
                account.metadata.namespace.as_deref(),
            );
        }
        for binding in &self.cluster_role_bindings {
            let name = binding.metadata.name.as_deref().unwrap_or_default();
            if self.rules_of(&binding.role_ref, None).is_none() {
                problems.push(format!(
                    "ClusterRoleBinding {name} refers to the missing {} {}",
                    binding.role_ref.kind, binding.role_ref.name
                ));
            }
        }
        for binding in &self.role_bindings {
            let name = binding.metadata.name.as_deref().unwrap_or_default();
            let namespace = binding.metadata.namespace.as_deref().unwrap_or_default();
            if self.rules_of(&binding.role_ref, Some(namespace)).is_none() {
                problems.push(format!(
                    "RoleBinding {namespace}/{name} refers to the missing {} {}",
                    binding.role_ref.kind, binding.role_ref.name
                ));
            }
        }
        problems
    }
}

/// What the API server's validation refuses in a role's rules: a rule
/// without verbs, and a resource rule without apiGroups (or with neither
/// resources nor nonResourceURLs).
fn check_rules(rules: &[PolicyRule]) -> Result<(), String> {
    for (index, rule) in rules.iter().enumerate() {
        let number = index + 1;
        let has = |v: &Option<Vec<String>>| v.as_ref().is_some_and(|v| !v.is_empty());
        if rule.verbs.is_empty() {
            return Err(format!("rule {number}: verbs: Required value"));
        }
        if has(&rule.resources) && !has(&rule.api_groups) {
            return Err(format!("rule {number}: apiGroups: Required value"));
        }
        if !has(&rule.resources) && !has(&rule.non_resource_urls) {
            return Err(format!(
                "rule {number}: resources or nonResourceURLs: Required value"
            ));
        }
    }
    Ok(())
}

/// The user name and groups the API server gives ServiceAccount
/// `namespace/name`: `system:serviceaccount:<ns>:<name>`, in
/// `system:serviceaccounts` and `system:serviceaccounts:<ns>`.
pub fn service_account_user(namespace: &str, name: &str) -> (String, Vec<String>) {
    (
        format!("system:serviceaccount:{namespace}:{name}"),
        vec![
            "system:serviceaccounts".to_string(),
            format!("system:serviceaccounts:{namespace}"),
        ],
    )
}

/// Rules that apply in one namespace, or cluster-wide.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grant {
    /// The namespace they apply in; `None`: every namespace and the cluster scope.
    pub namespace: Option<String>,
    /// The rules.
    pub rules: Vec<PolicyRule>,
}

/// Everything one user may do: the union of its grants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grants {
    grants: Vec<Grant>,
}

impl Grants {
    /// `rules` everywhere (as a ClusterRoleBinding grants them).
    pub fn cluster_wide(rules: Vec<PolicyRule>) -> Grants {
        Grants {
            grants: vec![Grant {
                namespace: None,
                rules,
            }],
        }
    }

    /// These grants plus `rules` inside `namespace` (as a RoleBinding grants them).
    pub fn with_namespaced(mut self, namespace: &str, rules: Vec<PolicyRule>) -> Grants {
        self.grants.push(Grant {
            namespace: Some(namespace.to_string()),
            rules,
        });
        self
    }

    /// What the bindings in `manifests` grant `user` in `groups` (and in
    /// `system:authenticated`): ClusterRoleBindings cluster-wide,
    /// RoleBindings in their namespace. Bindings to a missing role grant
    /// nothing, as in Kubernetes.
    pub fn bound_to(manifests: &RbacManifests, user: &str, groups: &[&str]) -> Grants {
        let applies = |subject: &Subject, namespace: Option<&str>| {
            subject_matches(subject, namespace, user, groups)
        };
        let mut grants = Vec::new();
        for binding in &manifests.cluster_role_bindings {
            if binding.subjects.iter().flatten().any(|s| applies(s, None))
                && let Some(rules) = manifests.rules_of(&binding.role_ref, None)
            {
                grants.push(Grant {
                    namespace: None,
                    rules,
                });
            }
        }
        for binding in &manifests.role_bindings {
            let namespace = binding.metadata.namespace.as_deref().unwrap_or_default();
            if binding
                .subjects
                .iter()
                .flatten()
                .any(|s| applies(s, Some(namespace)))
                && let Some(rules) = manifests.rules_of(&binding.role_ref, Some(namespace))
            {
                grants.push(Grant {
                    namespace: Some(namespace.to_string()),
                    rules,
                });
            }
        }
        Grants { grants }
    }

    /// The grants, in the order they were added.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Whether nothing at all is granted.
    pub fn is_empty(&self) -> bool {
        self.grants.iter().all(|g| g.rules.is_empty())
    }

    /// Whether `verb` on `resource` (such as `jobs` or
    /// `actionproposals/status`) of API `group` (empty for core) in
    /// `namespace` (empty for the cluster scope) is allowed, for any name.
    pub fn can(&self, verb: &str, group: &str, resource: &str, namespace: &str) -> bool {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        self.allows(&Attributes {
            verb: verb.to_string(),
            group: group.to_string(),
            resource: resource.to_string(),
            subresource: subresource.to_string(),
            namespace: namespace.to_string(),
            name: String::new(),
        })
    }

    /// Whether any grant in scope has a rule allowing the request.
    pub(crate) fn allows(&self, attributes: &Attributes) -> bool {
        self.grants
            .iter()
            .filter(|g| match &g.namespace {
                None => true,
                Some(namespace) => {
                    !attributes.namespace.is_empty() && *namespace == attributes.namespace
                }
            })
            .flat_map(|g| &g.rules)
            .any(|rule| rule_allows(rule, attributes))
    }
}

/// Whether binding subject `subject` (of a binding in `namespace`, `None` for
/// a ClusterRoleBinding) is `user` or one of its `groups`.
fn subject_matches(
    subject: &Subject,
    namespace: Option<&str>,
    user: &str,
    groups: &[&str],
) -> bool {
    match subject.kind.as_str() {
        "User" => subject.name == user,
        "Group" => subject.name == AUTHENTICATED || groups.contains(&subject.name.as_str()),
        "ServiceAccount" => {
            let account_namespace = subject
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .or(namespace)
                .unwrap_or_default();
            service_account_user(account_namespace, &subject.name).0 == user
        }
        _ => false,
    }
}

/// Whether `rule` allows the request, as Kubernetes' `RuleAllows` decides.
pub(crate) fn rule_allows(rule: &PolicyRule, attributes: &Attributes) -> bool {
    let listed = |values: &[String], wanted: &str| values.iter().any(|v| v == ALL || v == wanted);
    listed(&rule.verbs, &attributes.verb)
        && listed(
            rule.api_groups.as_deref().unwrap_or_default(),
            &attributes.group,
        )
        && resource_matches(rule.resources.as_deref().unwrap_or_default(), attributes)
        && name_matches(
            rule.resource_names.as_deref().unwrap_or_default(),
            &attributes.name,
        )
}

/// `*` matches everything, `jobs` only `jobs` (not `jobs/status`),
/// `jobs/status` only that, and `*/status` any resource's status.
fn resource_matches(resources: &[String], attributes: &Attributes) -> bool {
    let combined = if attributes.subresource.is_empty() {
        attributes.resource.clone()
    } else {
        format!("{}/{}", attributes.resource, attributes.subresource)
    };
    resources.iter().any(|resource| {
        resource == ALL
            || *resource == combined
            || (!attributes.subresource.is_empty()
                && resource.strip_prefix("*/") == Some(attributes.subresource.as_str()))
    })
}

/// No names: any object. Names: only requests that name one of them.
fn name_matches(names: &[String], name: &str) -> bool {
    names.is_empty() || (!name.is_empty() && names.iter().any(|n| n == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        let strings = |v: &[&str]| {
            v.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
        };
        PolicyRule {
            api_groups: Some(strings(groups)),
            resources: Some(strings(resources)),
            verbs: strings(verbs),
            ..Default::default()
        }
    }

    fn request(verb: &str, group: &str, resource: &str, namespace: &str, name: &str) -> Attributes {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    #[test]
    fn verbs_groups_and_resources_must_all_match() {
        let jobs = rule(&["batch"], &["jobs"], &["get", "delete"]);
        assert!(rule_allows(
            &jobs,
            &request("delete", "batch", "jobs", "p", "j")
        ));
        assert!(!rule_allows(
            &jobs,
            &request("patch", "batch", "jobs", "p", "j")
        ));
        assert!(!rule_allows(&jobs, &request("get", "", "jobs", "p", "j")));
        assert!(!rule_allows(
            &jobs,
            &request("get", "batch", "cronjobs", "p", "j")
        ));
    }

    #[test]
    fn a_subresource_needs_its_own_rule() {
        let proposals = rule(&["kubevigil.io"], &["actionproposals"], &["update"]);
        let status = request("update", "kubevigil.io", "actionproposals/status", "p", "x");
        assert!(!rule_allows(&proposals, &status));
        let exact = rule(&["kubevigil.io"], &["actionproposals/status"], &["update"]);
        assert!(rule_allows(&exact, &status));
        assert!(!rule_allows(
            &exact,
            &request("update", "kubevigil.io", "actionproposals", "p", "x")
        ));
        let any_status = rule(&["kubevigil.io"], &["*/status"], &["update"]);
        assert!(rule_allows(&any_status, &status));
        assert!(!rule_allows(
            &any_status,
            &request("update", "kubevigil.io", "actionproposals", "p", "x")
        ));
    }

    #[test]
    fn wildcards_match_everything() {
        let everything = rule(&["*"], &["*"], &["*"]);
        assert!(rule_allows(
            &everything,
            &request("deletecollection", "apps", "deployments", "", "")
        ));
        assert!(rule_allows(
            &everything,
            &request("get", "", "pods/log", "p", "x")
        ));
    }

    #[test]
    fn resource_names_narrow_to_named_requests() {
        let mut one = rule(
            &["coordination.k8s.io"],
            &["leases"],
            &["get", "list", "create"],
        );
        one.resource_names = Some(vec!["mine".into()]);
        assert!(rule_allows(
            &one,
            &request("get", "coordination.k8s.io", "leases", "s", "mine")
        ));
        assert!(!rule_allows(
            &one,
            &request("get", "coordination.k8s.io", "leases", "s", "other")
        ));
        assert!(!rule_allows(
            &one,
            &request("list", "coordination.k8s.io", "leases", "s", "")
        ));
        assert!(!rule_allows(
            &one,
            &request("create", "coordination.k8s.io", "leases", "s", "")
        ));
    }

    #[test]
    fn namespaced_grants_stay_in_their_namespace() {
        let grants = Grants::default().with_namespaced(
            "kubevigil-system",
            vec![rule(&["coordination.k8s.io"], &["leases"], &["create"])],
        );
        assert!(grants.can(
            "create",
            "coordination.k8s.io",
            "leases",
            "kubevigil-system"
        ));
        assert!(!grants.can("create", "coordination.k8s.io", "leases", "payments"));
        assert!(!grants.can("create", "coordination.k8s.io", "leases", ""));
        let cluster = Grants::cluster_wide(vec![rule(&["batch"], &["jobs"], &["list"])]);
        assert!(cluster.can("list", "batch", "jobs", ""));
        assert!(cluster.can("list", "batch", "jobs", "payments"));
    }

    const MANIFESTS: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
  - {apiGroups: ["batch"], resources: ["jobs"], verbs: ["list"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: leaser, namespace: sys}
rules:
  - {apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: team}
  - {kind: ServiceAccount, name: bot, namespace: sys}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: leasers, namespace: sys}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leaser}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
"#;

    #[test]
    fn bindings_grant_their_roles_to_their_subjects() {
        let mut manifests = RbacManifests::default();
        manifests
            .add_yaml(MANIFESTS, Path::new("test.yaml"))
            .expect("valid manifests");
        assert_eq!(manifests.cluster_roles.len(), 1);
        assert_eq!(manifests.role_bindings.len(), 1);

        let member = Grants::bound_to(&manifests, "bob", &["team"]);
        assert!(member.can("list", "batch", "jobs", "payments"));
        assert!(!member.can("create", "coordination.k8s.io", "leases", "sys"));

        let alice = Grants::bound_to(&manifests, "alice", &[]);
        assert!(!alice.can("list", "batch", "jobs", "payments"));
        assert!(alice.can("create", "coordination.k8s.io", "leases", "sys"));

        let (bot, groups) = service_account_user("sys", "bot");
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        assert!(Grants::bound_to(&manifests, &bot, &groups).can("list", "batch", "jobs", ""));
        assert!(Grants::bound_to(&manifests, "nobody", &[]).is_empty());
        // `sys` is not created by these manifests.
        assert_eq!(manifests.problems().len(), 2, "{:?}", manifests.problems());
    }

    #[test]
    fn unknown_kinds_and_bad_documents_are_named() {
        let mut manifests = RbacManifests::default();
        let error = manifests
            .add_yaml(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
                Path::new("x.yaml"),
            )
            .expect_err("a Secret is refused");
        assert!(
            error.to_string().contains("x.yaml, document 1 (Secret)"),
            "{error}"
        );
        let error = manifests
            .add_yaml(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: [{resources: [pods]}]\n",
                Path::new("y.yaml"),
            )
            .expect_err("a rule without verbs is refused");
        assert!(
            error.to_string().contains("verbs: Required value"),
            "{error}"
        );
        let error = manifests
            .add_yaml(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: team}\nrules: [{resources: [pods], verbs: [get]}]\n",
                Path::new("z.yaml"),
            )
            .expect_err("a resource rule without apiGroups is refused");
        assert!(
            error.to_string().contains("apiGroups: Required value"),
            "{error}"
        );
        assert_eq!(manifests, RbacManifests::default());
    }
}
