//! The resource table: every kind the emulator serves and how it behaves.

/// One resource type served by the emulator.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ResourceType {
    /// API group; empty for the core group.
    pub group: &'static str,
    /// API version within the group.
    pub version: &'static str,
    /// The URL name, such as `jobs`.
    pub plural: &'static str,
    /// The singular name, such as `job`.
    pub singular: &'static str,
    /// The kind, such as `Job`.
    pub kind: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Whether `.status` is written only through the `/status` subresource.
    pub has_status: bool,
    /// Whether objects are stored (false for the create-only review resources).
    pub stored: bool,
    /// Short names kubectl accepts, such as `ap`.
    pub short_names: &'static [&'static str],
    /// Categories, such as `all`.
    pub categories: &'static [&'static str],
}

/// Index of a resource type in [`RESOURCES`].
pub(crate) type ResourceId = usize;

/// Verbs of a stored resource.
const STORED_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
/// Verbs of a review resource.
const CREATE_ONLY: &[&str] = &["create"];
/// Verbs of a `/status` subresource.
pub(crate) const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

const fn stored(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    has_status: bool,
) -> ResourceType {
    ResourceType {
        group,
        version,
        plural,
        singular,
        kind,
        namespaced,
        has_status,
        stored: true,
        short_names: &[],
        categories: &[],
    }
}

const fn review(
    group: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
) -> ResourceType {
    ResourceType {
        group,
        version: "v1",
        plural,
        singular,
        kind,
        namespaced: false,
        has_status: false,
        stored: false,
        short_names: &[],
        categories: &[],
    }
}

/// Position of namespaces in [`RESOURCES`].
pub(crate) const NAMESPACES: ResourceId = 0;
/// Position of pods in [`RESOURCES`].
pub(crate) const PODS: ResourceId = 1;
/// Position of jobs in [`RESOURCES`].
pub(crate) const JOBS: ResourceId = 4;

/// Every resource the emulator serves.
pub(crate) static RESOURCES: [ResourceType; 26] = [
    ResourceType {
        short_names: &["ns"],
        ..stored(
            "",
            "v1",
            "namespaces",
            "namespace",
            "Namespace",
            false,
            true,
        )
    },
    ResourceType {
        short_names: &["po"],
        categories: &["all"],
        ..stored("", "v1", "pods", "pod", "Pod", true, true)
    },
    ResourceType {
        short_names: &["ev"],
        ..stored("", "v1", "events", "event", "Event", true, false)
    },
    ResourceType {
        short_names: &["ev"],
        ..stored(
            "events.k8s.io",
            "v1",
            "events",
            "event",
            "Event",
            true,
            false,
        )
    },
    ResourceType {
        categories: &["all"],
        ..stored("batch", "v1", "jobs", "job", "Job", true, true)
    },
    stored(
        "coordination.k8s.io",
        "v1",
        "leases",
        "lease",
        "Lease",
        true,
        false,
    ),
    ResourceType {
        short_names: &["ap"],
        categories: &["kubevigil"],
        ..stored(
            "kubevigil.io",
            "v1alpha1",
            "actionproposals",
            "actionproposal",
            "ActionProposal",
            true,
            true,
        )
    },
    ResourceType {
        short_names: &["tp"],
        categories: &["kubevigil"],
        ..stored(
            "kubevigil.io",
            "v1alpha1",
            "trustpolicies",
            "trustpolicy",
            "TrustPolicy",
            true,
            true,
        )
    },
    ResourceType {
        short_names: &["itpl"],
        categories: &["kubevigil"],
        ..stored(
            "kubevigil.io",
            "v1alpha1",
            "investigationtemplates",
            "investigationtemplate",
            "InvestigationTemplate",
            true,
            false,
        )
    },
    review(
        "authentication.k8s.io",
        "selfsubjectreviews",
        "selfsubjectreview",
        "SelfSubjectReview",
    ),
    review(
        "authorization.k8s.io",
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
    ),
    review(
        "authorization.k8s.io",
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        "SelfSubjectRulesReview",
    ),
    // What the governor's manifests (assets/deploy/) are made of, stored as
    // given: nothing runs them, but `kubectl apply --dry-run=server` checks them.
    ResourceType {
        short_names: &["sa"],
        ..stored(
            "",
            "v1",
            "serviceaccounts",
            "serviceaccount",
            "ServiceAccount",
            true,
            false,
        )
    },
    ResourceType {
        short_names: &["svc"],
        categories: &["all"],
        ..stored("", "v1", "services", "service", "Service", true, true)
    },
    stored("", "v1", "secrets", "secret", "Secret", true, false),
    ResourceType {
        short_names: &["cm"],
        ..stored(
            "",
            "v1",
            "configmaps",
            "configmap",
            "ConfigMap",
            true,
            false,
        )
    },
    ResourceType {
        short_names: &["deploy"],
        categories: &["all"],
        ..stored(
            "apps",
            "v1",
            "deployments",
            "deployment",
            "Deployment",
            true,
            true,
        )
    },
    ResourceType {
        short_names: &["pdb"],
        ..stored(
            "policy",
            "v1",
            "poddisruptionbudgets",
            "poddisruptionbudget",
            "PodDisruptionBudget",
            true,
            true,
        )
    },
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "role",
        "Role",
        true,
        false,
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        false,
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        false,
    ),
    stored(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        false,
    ),
    // The scenarios' world (docs/sandbox.md, "The world"): what a Deployment
    // runs through, the policies, the nodes, and cert-manager's Certificates.
    ResourceType {
        short_names: &["rs"],
        categories: &["all"],
        ..stored(
            "apps",
            "v1",
            "replicasets",
            "replicaset",
            "ReplicaSet",
            true,
            true,
        )
    },
    ResourceType {
        short_names: &["netpol"],
        ..stored(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            "networkpolicy",
            "NetworkPolicy",
            true,
            false,
        )
    },
    ResourceType {
        short_names: &["no"],
        ..stored("", "v1", "nodes", "node", "Node", false, true)
    },
    ResourceType {
        short_names: &["cert", "certs"],
        categories: &["cert-manager"],
        ..stored(
            "cert-manager.io",
            "v1",
            "certificates",
            "certificate",
            "Certificate",
            true,
            true,
        )
    },
];

impl ResourceType {
    /// `v1` for the core group, `group/version` otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `jobs.batch`, or `pods` for the core group: how errors name the resource.
    pub fn group_resource(&self) -> String {
        qualify(self.plural, self.group)
    }

    /// `Job.batch`, or `Pod` for the core group: how validation errors name the kind.
    pub fn group_kind(&self) -> String {
        qualify(self.kind, self.group)
    }

    /// The kind of a list of these objects.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// The verbs discovery advertises.
    pub fn verbs(&self) -> &'static [&'static str] {
        if self.stored {
            STORED_VERBS
        } else {
            CREATE_ONLY
        }
    }

    /// The subresources discovery advertises, with their verbs.
    pub fn subresources(&self) -> Vec<(&'static str, &'static [&'static str])> {
        let mut subresources = Vec::new();
        if self.has_status {
            subresources.push(("status", STATUS_VERBS));
        }
        if self.plural == "pods" && self.group.is_empty() {
            subresources.push(("log", &["get"][..]));
        }
        if super::scale::is_scalable(self) {
            subresources.push(("scale", STATUS_VERBS));
        }
        subresources
    }
}

fn qualify(name: &str, group: &str) -> String {
    if group.is_empty() {
        name.to_string()
    } else {
        format!("{name}.{group}")
    }
}

/// The resource served at `group/version/plural`.
pub(crate) fn lookup(group: &str, version: &str, plural: &str) -> Option<ResourceId> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The stored resource whose objects have this `apiVersion` and `kind`.
pub(crate) fn by_kind(api_version: &str, kind: &str) -> Option<ResourceId> {
    RESOURCES
        .iter()
        .position(|r| r.stored && r.kind == kind && r.api_version() == api_version)
}

/// The resource type with this id.
pub(crate) fn get(id: ResourceId) -> &'static ResourceType {
    &RESOURCES[id.min(RESOURCES.len() - 1)]
}

/// The API groups served, in discovery order, each with its one version.
pub(crate) fn groups() -> Vec<(&'static str, &'static str)> {
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for resource in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !groups.contains(&(resource.group, resource.version)) {
            groups.push((resource.group, resource.version));
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_positions_match_the_table() {
        assert_eq!(RESOURCES[NAMESPACES].plural, "namespaces");
        assert_eq!(RESOURCES[PODS].plural, "pods");
        assert_eq!(RESOURCES[JOBS].plural, "jobs");
    }

    #[test]
    fn names_follow_the_api_server() {
        let jobs = get(JOBS);
        assert_eq!(jobs.group_resource(), "jobs.batch");
        assert_eq!(get(PODS).group_resource(), "pods");
        assert_eq!(
            by_kind("kubevigil.io/v1alpha1", "ActionProposal"),
            lookup("kubevigil.io", "v1alpha1", "actionproposals")
        );
    }
}
