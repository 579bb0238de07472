//! Who the console acts as: [`crate::decide::whoami`] (SelfSubjectReview, or
//! the kubeconfig's user marked unverified when the API server does not
//! support or allow it). One implementation for the header and
//! for the decisions the console records.

use crate::decide::Identity;
use kube::Client;

/// Asks the API server who we are; falls back to `kubeconfig_user` (unverified).
pub async fn resolve(client: Client, kubeconfig_user: Option<String>) -> Identity {
    crate::decide::whoami(&client, kubeconfig_user.as_deref()).await
}
