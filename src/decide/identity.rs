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
