//! Who is deciding: asked of the cluster with SelfSubjectReview, or taken
//! from the kubeconfig and marked unverified.

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::PostParams;
use kube::{Api, Client};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How long [`whoami`] waits for the cluster before falling back.
const REVIEW_TIMEOUT: Duration = Duration::from_secs(5);

/// The person at this console, as recorded in every decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// The Kubernetes user name.
    pub user: String,
    /// The user's groups (empty when unverified).
    pub groups: Vec<String>,
    /// Whether the cluster confirmed the name (SelfSubjectReview).
    pub verified: bool,
}

impl Identity {
    /// A name nobody confirmed (taken from the kubeconfig).
    pub fn unverified(user: impl Into<String>) -> Identity {
        Identity {
            user: user.into(),
            groups: Vec::new(),
            verified: false,
        }
    }
}

impl fmt::Display for Identity {
    /// The user name, followed by "(unverified)" when the cluster did not confirm it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.verified {
            f.write_str(&self.user)
        } else {
            write!(f, "{} (unverified)", self.user)
        }
    }
}

/// Asks the cluster who the client's credentials belong to (a
/// `authentication.k8s.io/v1` SelfSubjectReview). When the cluster cannot say
/// (old server, no answer within 5 s, empty name) the kubeconfig user is used,
/// marked unverified; with neither, the name is `unknown`.
pub async fn whoami(client: &Client, kubeconfig_user: Option<&str>) -> Identity {
    let reviews: Api<SelfSubjectReview> = Api::all(client.clone());
    let asked = tokio::time::timeout(
        REVIEW_TIMEOUT,
        reviews.create(&PostParams::default(), &SelfSubjectReview::default()),
    )
    .await;
    let reviewed = match asked {
        Ok(Ok(review)) => review.status.and_then(|s| s.user_info),
        Ok(Err(error)) => {
            tracing::info!(%error, "SelfSubjectReview failed; the user name is unverified");
            None
        }
        Err(_) => {
            tracing::info!("SelfSubjectReview timed out; the user name is unverified");
            None
        }
    };
    match reviewed.and_then(|info| Some((info.username.filter(|u| !u.is_empty())?, info.groups))) {
        Some((user, groups)) => Identity {
            user,
            groups: groups.unwrap_or_default(),
            verified: true,
        },
        None => Identity::unverified(
            kubeconfig_user
                .filter(|u| !u.trim().is_empty())
                .unwrap_or("unknown"),
        ),
    }
}

/// Whether the client's user may record decisions in `namespace` (update
/// `actionproposals/status`), asked with a SelfSubjectAccessReview so the
/// console can leave out write keys it would only see refused. `None` when the
/// cluster cannot say (the console should then offer them and report the 403).
pub async fn may_decide(client: &Client, namespace: &str) -> Option<bool> {
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                group: Some(crate::domain::GROUP.to_string()),
                resource: Some("actionproposals".to_string()),
                subresource: Some("status".to_string()),
                verb: Some("update".to_string()),
                namespace: Some(namespace.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let asked = tokio::time::timeout(
        REVIEW_TIMEOUT,
        reviews.create(&PostParams::default(), &review),
    )
    .await;
    match asked {
        Ok(Ok(answer)) => answer.status.map(|s| s.allowed),
        _ => None,
    }
}

/// Something the console offers that needs rights in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Right {
    /// Approve, veto, edit+approve: update `actionproposals/status`.
    Decide,
    /// Kill an investigation: delete its Job.
    Kill,
    /// Halt a namespace: patch its TrustPolicy and suspend its Jobs.
    Halt,
    /// Edit or create a TrustPolicy: update and create `trustpolicies`.
    EditPolicy,
    /// Bump, admit now or cancel a queued investigation: patch and delete its Job.
    Queue,
}

/// One access review: verb, API group, resource, subresource.
type Access = (&'static str, &'static str, &'static str, &'static str);

impl Right {
    /// Every right the console asks about.
    pub const ALL: [Right; 5] = [
        Right::Decide,
        Right::Kill,
        Right::Halt,
        Right::EditPolicy,
        Right::Queue,
    ];

    /// The accesses the right needs, all of them.
    fn accesses(self) -> &'static [Access] {
        match self {
            Right::Decide => &[("update", crate::domain::GROUP, "actionproposals", "status")],
            Right::Kill => &[("delete", "batch", "jobs", "")],
            Right::Halt => &[
                ("patch", crate::domain::GROUP, "trustpolicies", ""),
                ("patch", "batch", "jobs", ""),
            ],
            Right::EditPolicy => &[
                ("update", crate::domain::GROUP, "trustpolicies", ""),
                ("create", crate::domain::GROUP, "trustpolicies", ""),
            ],
            Right::Queue => &[
                ("patch", "batch", "jobs", ""),
                ("delete", "batch", "jobs", ""),
            ],
        }
    }

    /// The RBAC rule it needs, as kubectl's `auth can-i` would name it
    /// ("update actionproposals/status").
    pub fn needs(self) -> &'static str {
        match self {
            Right::Decide => "update actionproposals/status",
            Right::Kill => "delete jobs",
            Right::Halt => "patch trustpolicies and jobs",
            Right::EditPolicy => "update and create trustpolicies",
            Right::Queue => "patch and delete jobs",
        }
    }
}

/// What the user may do in one namespace: per [`Right`], `Some(allowed)`
/// or `None` when the cluster could not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rights {
    answers: std::collections::BTreeMap<Right, Option<bool>>,
}

impl Rights {
    /// Rights with the given answers (tests, fixtures).
    pub fn from_answers(answers: impl IntoIterator<Item = (Right, Option<bool>)>) -> Rights {
        Rights {
            answers: answers.into_iter().collect(),
        }
    }

    /// Whether `right` is known to be refused (`false` when allowed or unknown).
    pub fn denied(&self, right: Right) -> bool {
        self.answers.get(&right) == Some(&Some(false))
    }

    /// Whether every right is known to be refused.
    pub fn none_allowed(&self) -> bool {
        Right::ALL.iter().all(|r| self.denied(*r))
    }
}

/// Asks the cluster, with one SelfSubjectAccessReview per access (in
/// parallel), which [`Right`]s the client's user has in `namespace`.
pub async fn rights(client: &Client, namespace: &str) -> Rights {
    let asks = Right::ALL.iter().map(|right| async move {
        let answers = futures::future::join_all(
            right
                .accesses()
                .iter()
                .map(|access| may(client, namespace, *access)),
        )
        .await;
        let answer = if answers.contains(&Some(false)) {
            Some(false)
        } else if answers.iter().all(Option::is_some) {
            Some(true)
        } else {
            None
        };
        (*right, answer)
    });
    Rights::from_answers(futures::future::join_all(asks).await)
}

/// One SelfSubjectAccessReview; `None` when the cluster cannot say.
async fn may(
    client: &Client,
    namespace: &str,
    (verb, group, resource, subresource): Access,
) -> Option<bool> {
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                group: Some(group.to_string()),
                resource: Some(resource.to_string()),
                subresource: (!subresource.is_empty()).then(|| subresource.to_string()),
                verb: Some(verb.to_string()),
                namespace: Some(namespace.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let asked = tokio::time::timeout(
        REVIEW_TIMEOUT,
        reviews.create(&PostParams::default(), &review),
    )
    .await;
    match asked {
        Ok(Ok(answer)) => answer.status.map(|s| s.allowed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unverified_names_say_so() {
        assert_eq!(
            Identity::unverified("alice").to_string(),
            "alice (unverified)"
        );
        let verified = Identity {
            verified: true,
            ..Identity::unverified("alice")
        };
        assert_eq!(verified.to_string(), "alice");
    }
}
