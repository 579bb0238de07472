//! Pairing presence: each console keeps a Lease saying who is at it and what
//! they are looking at, so two engineers on one incident see each other.
//!
//! The Leases live in [`PRESENCE_NAMESPACE`] (`kubevigil-system`), one per user
//! named `kubevigil-presence-<user>` (see [`lease_name`]), labelled
//! [`PRESENCE_LABEL`] so consoles can watch them with a selector. A console
//! renews its Lease every [`RENEW_INTERVAL`]; a Lease not renewed within
//! [`LEASE_DURATION_SECONDS`] means the person has left. Two consoles of one
//! user share the Lease: the last to renew says what that user is viewing.

use super::failure::{Request, is_already_exists, is_not_found, timed};
use super::{DecideError, Identity};
use futures::{Stream, StreamExt};
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, reflector};
use kube::{Api, Client, ResourceExt};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The namespace holding presence Leases. Created on first use where the user
/// may create namespaces (the sandbox creates namespaces by itself).
pub const PRESENCE_NAMESPACE: &str = "kubevigil-system";
/// Label (value `true`) on every presence Lease.
pub const PRESENCE_LABEL: &str = "kubevigil.io/presence";
/// Annotation: what the user is viewing, such as `proposal payments/ap-123`.
pub const VIEWING_ANNOTATION: &str = "kubevigil.io/viewing";
/// Annotation: which console renewed the Lease last.
pub const CONSOLE_ANNOTATION: &str = "kubevigil.io/console";
/// How long a Lease counts after its last renewal.
pub const LEASE_DURATION_SECONDS: i32 = 30;
/// How often a running console renews its Lease.
pub const RENEW_INTERVAL: Duration = Duration::from_secs(10);

const LEASE_PREFIX: &str = "kubevigil-presence-";
const MAX_NAME: usize = 63;

/// Someone at a console, as read from their Lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// The user.
    pub user: String,
    /// The console that renewed last.
    pub console_id: String,
    /// What they are viewing: `proposal <ns>/<name>` or `investigation <ns>/<id>`.
    pub viewing: Option<String>,
    /// When the Lease was last renewed.
    pub renewed_at: Timestamp,
    /// When the Lease runs out unless renewed.
    pub expires_at: Timestamp,
}

impl Presence {
    /// Whether the person still counts as present at `now`.
    pub fn is_current(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

/// The `viewing` text for a proposal: `proposal payments/ap-123`.
pub fn viewing_proposal(namespace: &str, name: &str) -> String {
    format!("proposal {namespace}/{name}")
}

/// The `viewing` text for an investigation: `investigation payments/inv-9`.
pub fn viewing_investigation(namespace: &str, id: &str) -> String {
    format!("investigation {namespace}/{id}")
}

/// The Lease name for `user`: `kubevigil-presence-<user>`, made a valid name
/// (lower case, `[a-z0-9.-]`, at most 63 characters) with a hash of the real
/// name added whenever it had to be changed, so different users never share one.
pub fn lease_name(user: &str) -> String {
    let cleaned: String = user
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed == user && LEASE_PREFIX.len() + trimmed.len() <= MAX_NAME {
        return format!("{LEASE_PREFIX}{trimmed}");
    }
    let hash = fnv1a(user);
    let room = MAX_NAME - LEASE_PREFIX.len() - 9;
    let kept =
        trimmed[..trimmed.len().min(room)].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if kept.is_empty() {
        format!("{LEASE_PREFIX}{hash:08x}")
    } else {
        format!("{LEASE_PREFIX}{kept}-{hash:08x}")
    }
}

fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Creates or renews `identity`'s presence Lease in `namespace_for_leases`
/// (normally [`PRESENCE_NAMESPACE`]): holder = the user, duration 30 s,
/// renewed now, saying what `console_id` is `viewing`.
pub async fn publish_presence(
    client: &Client,
    namespace_for_leases: &str,
    identity: &Identity,
    console_id: &str,
    viewing: Option<&str>,
) -> Result<(), DecideError> {
    let name = lease_name(&identity.user);
    let doing = format!("publish presence in {namespace_for_leases}");
    let request = Request {
        user: &identity.user,
        verb: "patch",
        resource: "leases",
        namespace: namespace_for_leases,
        name: &name,
        doing: &doing,
    };
    let leases: Api<Lease> = Api::namespaced(client.clone(), namespace_for_leases);
    let now = Timestamp::now();
    let renew = json!({
        "metadata": {
            "labels": { PRESENCE_LABEL: "true" },
            "annotations": {
                VIEWING_ANNOTATION: viewing.filter(|v| !v.is_empty()),
                CONSOLE_ANNOTATION: console_id,
            },
        },
        "spec": {
            "holderIdentity": identity.user,
            "leaseDurationSeconds": LEASE_DURATION_SECONDS,
            "renewTime": MicroTime(now),
        },
    });
    for _ in 0..3 {
        match timed(leases.patch(&name, &PatchParams::default(), &Patch::Merge(&renew))).await {
            Ok(_) => return Ok(()),
            Err(error) if is_not_found(&error) => {}
            Err(error) => return Err(request.failed(error, None)),
        }
        let lease = new_lease(&name, identity, console_id, viewing, now);
        let create = Request {
            verb: "create",
            ..request
        };
        match timed(leases.create(&PostParams::default(), &lease)).await {
            Ok(_) => return Ok(()),
            // Someone created it meanwhile: renew it on the next round.
            Err(error) if is_already_exists(&error) => {}
            Err(error) if is_not_found(&error) => {
                create_namespace(client, namespace_for_leases).await;
                timed(leases.create(&PostParams::default(), &lease))
                    .await
                    .map_err(|e| create.failed(e, None))?;
                return Ok(());
            }
            Err(error) => return Err(create.failed(error, None)),
        }
    }
    Err(DecideError::Contended { name })
}

fn new_lease(
    name: &str,
    identity: &Identity,
    console_id: &str,
    viewing: Option<&str>,
    now: Timestamp,
) -> Lease {
    let mut annotations =
        BTreeMap::from([(CONSOLE_ANNOTATION.to_string(), console_id.to_string())]);
    if let Some(viewing) = viewing.filter(|v| !v.is_empty()) {
        annotations.insert(VIEWING_ANNOTATION.to_string(), viewing.to_string());
    }
    Lease {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(BTreeMap::from([(
                PRESENCE_LABEL.to_string(),
                "true".to_string(),
            )])),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(identity.user.clone()),
            lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
            acquire_time: Some(MicroTime(now)),
            renew_time: Some(MicroTime(now)),
            ..Default::default()
        }),
    }
}

/// Creates the Lease namespace, best effort (a user who may not create
/// namespaces gets the create error of the Lease instead).
async fn create_namespace(client: &Client, name: &str) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let namespace = Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            ..Default::default()
        },
        ..Default::default()
    };
    if let Err(error) = timed(namespaces.create(&PostParams::default(), &namespace)).await
        && !is_already_exists(&error)
    {
        tracing::info!(%error, namespace = name, "could not create the presence namespace");
    }
}

/// Deletes `identity`'s Lease (when the console quits), so others see them
/// leave at once rather than after 30 s. A Lease already gone is fine.
pub async fn withdraw_presence(
    client: &Client,
    namespace_for_leases: &str,
    identity: &Identity,
) -> Result<(), DecideError> {
    let name = lease_name(&identity.user);
    let leases: Api<Lease> = Api::namespaced(client.clone(), namespace_for_leases);
    match timed(leases.delete(&name, &DeleteParams::default())).await {
        Ok(_) => Ok(()),
        Err(error) if is_not_found(&error) => Ok(()),
        Err(error) => {
            let doing = "withdraw presence";
            let request = Request {
                user: &identity.user,
                verb: "delete",
                resource: "leases",
                namespace: namespace_for_leases,
                name: &name,
                doing,
            };
            Err(request.failed(error, None))
        }
    }
}

/// Who a presence Lease says is here, or `None` when it is not a presence
/// Lease or has run out at `now`.
pub fn presence_from_lease(lease: &Lease, now: Timestamp) -> Option<Presence> {
    let spec = lease.spec.as_ref()?;
    let user = spec.holder_identity.clone().filter(|u| !u.is_empty())?;
    let renewed_at = spec.renew_time.as_ref().or(spec.acquire_time.as_ref())?.0;
    let seconds = spec
        .lease_duration_seconds
        .unwrap_or(LEASE_DURATION_SECONDS);
    let expires_at = renewed_at
        .checked_add(SignedDuration::from_secs(i64::from(seconds)))
        .ok()?;
    if now >= expires_at {
        return None;
    }
    let annotations = lease.annotations();
    Some(Presence {
        user,
        console_id: annotations
            .get(CONSOLE_ANNOTATION)
            .cloned()
            .unwrap_or_default(),
        viewing: annotations
            .get(VIEWING_ANNOTATION)
            .filter(|v| !v.is_empty())
            .cloned(),
        renewed_at,
        expires_at,
    })
}

/// Publishes presence now and every [`RENEW_INTERVAL`], and again at once
/// whenever `viewing` changes. When the sender of `viewing` is dropped the
/// Lease is withdrawn and the task ends. Failures are logged and retried at
/// the next renewal, except a refusal (403: the user may not write Leases,
/// as a viewer may not): that is logged once and the task ends, publishing
/// nothing more this session. Watching others ([`watch_presence`]) is apart
/// and goes on.
pub fn spawn_presence_task(
    client: Client,
    namespace_for_leases: String,
    identity: Identity,
    console_id: String,
    mut viewing: watch::Receiver<Option<String>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let current = viewing.borrow_and_update().clone();
            if let Err(error) = publish_presence(
                &client,
                &namespace_for_leases,
                &identity,
                &console_id,
                current.as_deref(),
            )
            .await
            {
                if matches!(error, DecideError::Forbidden { .. }) {
                    tracing::info!(
                        %error,
                        "presence not published: this user may not write Leases; not trying again this session (others' presence is still shown)"
                    );
                    return;
                }
                tracing::warn!(%error, "presence not published");
            }
            tokio::select! {
                () = tokio::time::sleep(RENEW_INTERVAL) => {}
                changed = viewing.changed() => {
                    if changed.is_err() {
                        if let Err(error) = withdraw_presence(&client, &namespace_for_leases, &identity).await {
                            tracing::info!(%error, "presence not withdrawn; it runs out by itself");
                        }
                        return;
                    }
                }
            }
        }
    })
}

/// Everyone present, sorted by user, each time a presence Lease in
/// `namespace_for_leases` changes (watched with the [`PRESENCE_LABEL`]
/// selector, reconnecting with backoff). Leases run out without an event:
/// filter with [`Presence::is_current`] on a timer as well.
pub fn watch_presence(
    client: Client,
    namespace_for_leases: &str,
) -> impl Stream<Item = Vec<Presence>> + Send + use<> {
    let leases: Api<Lease> = Api::namespaced(client, namespace_for_leases);
    let (reader, writer) = reflector::store();
    let config = watcher::Config::default().labels(&format!("{PRESENCE_LABEL}=true"));
    reflector::reflector(writer, watcher::watcher(leases, config).default_backoff()).filter_map(
        move |event| {
            let reader = reader.clone();
            async move {
                match event {
                    Ok(Event::Apply(_) | Event::Delete(_) | Event::InitDone) => {
                        let now = Timestamp::now();
                        let mut present: Vec<Presence> = reader
                            .state()
                            .iter()
                            .filter_map(|lease| presence_from_lease(lease, now))
                            .collect();
                        present.sort_by(|a, b| a.user.cmp(&b.user));
                        Some(present)
                    }
                    Ok(_) => None,
                    Err(error) => {
                        tracing::warn!(%error, "presence watch");
                        None
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_names_are_valid_and_distinct() {
        assert_eq!(lease_name("oncall-1"), "kubevigil-presence-oncall-1");
        let email = lease_name("Alice@Example.com");
        assert!(
            email.starts_with("kubevigil-presence-alice-example.com-"),
            "{email}"
        );
        assert_ne!(
            lease_name("alice@example.com"),
            lease_name("alice-example.com")
        );
        let long = lease_name(&"x".repeat(200));
        assert!(long.len() <= MAX_NAME, "{long}");
        let odd = lease_name("system:serviceaccount:ns:sa");
        assert!(
            odd.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'),
            "{odd}"
        );
        assert!(lease_name("@@@").starts_with(LEASE_PREFIX));
    }

    #[test]
    fn a_lease_is_presence_until_it_runs_out() {
        let now: Timestamp = "2026-11-27T02:14:00Z".parse().expect("timestamp");
        let identity = Identity::unverified("oncall-2");
        let lease = new_lease(
            "l",
            &identity,
            "console-a",
            Some("proposal payments/ap-1"),
            now,
        );
        let present =
            presence_from_lease(&lease, now + SignedDuration::from_secs(29)).expect("present");
        assert_eq!(present.user, "oncall-2");
        assert_eq!(present.console_id, "console-a");
        assert_eq!(present.viewing.as_deref(), Some("proposal payments/ap-1"));
        assert_eq!(present.renewed_at, now);
        assert_eq!(
            presence_from_lease(&lease, now + SignedDuration::from_secs(30)),
            None
        );
        assert_eq!(presence_from_lease(&Lease::default(), now), None);
    }
}
