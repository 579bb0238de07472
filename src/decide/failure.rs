//! Turning a failed Kubernetes request into a [`DecideError`] the operator
//! understands, and bounding how long a request may take.

use super::{DecideError, PendingDecision};
use std::future::Future;
use std::time::Duration;

/// How long one request may take before the cluster counts as unreachable.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// One request, described for error messages.
#[derive(Clone, Copy)]
pub(crate) struct Request<'a> {
    /// Who made it.
    pub user: &'a str,
    /// The RBAC verb.
    pub verb: &'static str,
    /// The RBAC resource, such as `actionproposals/status`.
    pub resource: &'static str,
    /// The namespace.
    pub namespace: &'a str,
    /// The object's name.
    pub name: &'a str,
    /// What the operator was doing, such as "approve payments/raise-mem".
    pub doing: &'a str,
}

impl Request<'_> {
    /// The error for `error`, keeping `pending` for a retry where one makes sense.
    pub fn failed(&self, error: kube::Error, pending: Option<&PendingDecision>) -> DecideError {
        let pending = || pending.cloned().map(Box::new);
        let kube::Error::Api(status) = error else {
            return DecideError::Unreachable {
                doing: self.doing.to_string(),
                cause: error.to_string(),
                pending: pending(),
            };
        };
        match status.code {
            403 => DecideError::Forbidden {
                user: self.user.to_string(),
                verb: self.verb.to_string(),
                resource: self.resource.to_string(),
                namespace: self.namespace.to_string(),
                pending: pending(),
            },
            404 => DecideError::NotFound {
                resource: self
                    .resource
                    .split('/')
                    .next()
                    .unwrap_or(self.resource)
                    .to_string(),
                namespace: self.namespace.to_string(),
                name: self.name.to_string(),
            },
            401 => DecideError::Rejected {
                doing: self.doing.to_string(),
                message: format!(
                    "your credentials were not accepted ({}): log in again",
                    status.message
                ),
            },
            code if code >= 500 || code == 429 => DecideError::Unreachable {
                doing: self.doing.to_string(),
                cause: format!("{code} {}", status.message),
                pending: pending(),
            },
            _ => DecideError::Rejected {
                doing: self.doing.to_string(),
                message: status.message.clone(),
            },
        }
    }
}

/// Whether the write lost a race: 409 on a stale resourceVersion.
pub(crate) fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 409 && s.reason != "AlreadyExists")
}

/// Whether the object (or its namespace) does not exist.
pub(crate) fn is_not_found(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 404)
}

/// Whether a create found the object already there.
pub(crate) fn is_already_exists(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(s) if s.code == 409 && s.reason == "AlreadyExists")
}

/// Runs `request`, failing as a service error after [`REQUEST_TIMEOUT`].
pub(crate) async fn timed<T>(
    request: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, kube::Error> {
    match tokio::time::timeout(REQUEST_TIMEOUT, request).await {
        Ok(answer) => answer,
        Err(_) => Err(kube::Error::Service(Box::new(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
        )))),
    }
}

/// Lists every object `api` holds (matching `selector`), page by page.
pub(crate) async fn list_all<K>(
    api: &kube::Api<K>,
    selector: Option<&str>,
) -> Result<Vec<K>, kube::Error>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut params = kube::api::ListParams::default().limit(500);
    if let Some(selector) = selector {
        params = params.labels(selector);
    }
    let mut items = Vec::new();
    loop {
        let page = timed(api.list(&params)).await?;
        items.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(items),
        }
    }
}
