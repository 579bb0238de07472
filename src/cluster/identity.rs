//! Who the console acts as: SelfSubjectReview, or the kubeconfig's user
//! marked unverified when the API server does not support or allow it.

use crate::app::action::Action;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::PostParams;
use kube::{Api, Client};

/// Asks the API server who we are; falls back to `kubeconfig_user` (unverified).
pub async fn resolve(client: Client, kubeconfig_user: Option<String>) -> Action {
    let reviews: Api<SelfSubjectReview> = Api::all(client);
    let review = reviews
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await;
    let confirmed = review
        .ok()
        .and_then(|r| r.status)
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .filter(|name| !name.is_empty());
    match confirmed {
        Some(user) => Action::Identity {
            user,
            verified: true,
        },
        None => Action::Identity {
            user: kubeconfig_user.unwrap_or_else(|| "unknown user".into()),
            verified: false,
        },
    }
}
