//! Leader election: several governor replicas run, one acts.
//!
//! The replicas share one `coordination.k8s.io/v1` Lease ([`GOVERNOR_LEASE`]
//! in the governor's namespace, by default [`DEFAULT_LEASE_NAMESPACE`]); the
//! protocol (acquire, renew before `duration - grace`, take over an expired
//! Lease) is the `kube-lease-manager` crate's. On top of it a guard re-reads
//! the Lease every few seconds and stops acting as soon as this replica is
//! not the holder of an unexpired Lease, or could not confirm that for the
//! lease duration (a partitioned leader stops before anyone else may start).
//!
//! The Lease is labelled [`GOVERNOR_LEASE_LABEL`] so consoles can find it and
//! show who leads ([`leader_of`]).

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::PostParams;
use kube::{Api, Client};
use kube_lease_manager::{LeaseCreateMode, LeaseManagerBuilder};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// The name of the governor's Lease.
pub const GOVERNOR_LEASE: &str = "kubevigil-governor";
/// The namespace of the governor's Lease unless told otherwise (the
/// namespace the manifests in `assets/deploy/` install into).
pub const DEFAULT_LEASE_NAMESPACE: &str = "kubevigil-system";
/// Label (value `true`) on the governor's Lease.
pub const GOVERNOR_LEASE_LABEL: &str = "kubevigil.io/governor";
/// The default lease duration: a dead leader is replaced within about this.
pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(15);

/// How a replica takes part in the election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Election {
    /// The Lease's namespace.
    pub namespace: String,
    /// The Lease's name.
    pub lease: String,
    /// This replica's name, unique among the replicas (the Pod name).
    pub identity: String,
    /// How long a Lease holds after its last renewal (whole seconds, at least 2).
    pub duration: Duration,
}

impl Election {
    /// The election on the default Lease, as `identity`, with `duration`.
    pub fn new(identity: impl Into<String>, duration: Duration) -> Self {
        Election {
            namespace: DEFAULT_LEASE_NAMESPACE.to_string(),
            lease: GOVERNOR_LEASE.to_string(),
            identity: identity.into(),
            duration,
        }
    }

    fn duration_seconds(&self) -> u64 {
        self.duration.as_secs().max(2)
    }

    /// The renewal margin: the holder renews this long before the Lease runs
    /// out (a third of the duration, at least one second).
    fn grace_seconds(&self) -> u64 {
        (self.duration_seconds() / 3).max(1)
    }
}

/// Who holds the governor Lease, as a console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderInfo {
    /// The leading replica.
    pub holder: String,
    /// When it acquired the Lease.
    pub since: Option<Timestamp>,
    /// When the Lease runs out unless renewed.
    pub expires_at: Timestamp,
}

/// The leader a Lease names, if its holder is still within the lease
/// duration at `now` (`None`: nobody leads).
pub fn leader_of(lease: &Lease, now: Timestamp) -> Option<LeaderInfo> {
    let spec = lease.spec.as_ref()?;
    let holder = spec.holder_identity.clone().filter(|h| !h.is_empty())?;
    let renewed = spec.renew_time.as_ref()?.0;
    let duration = i64::from(spec.lease_duration_seconds?);
    let expires_at = renewed
        .checked_add(jiff::SignedDuration::from_secs(duration))
        .ok()?;
    (now < expires_at).then(|| LeaderInfo {
        holder,
        since: spec.acquire_time.as_ref().map(|t| t.0),
        expires_at,
    })
}

/// This replica's part in the election, running until [`Leadership::resign`]
/// or [`Leadership::abandon`].
#[derive(Debug)]
pub struct Leadership {
    leading: watch::Receiver<bool>,
    resign: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Leadership {
    /// Whether this replica leads, as it changes (false until it is elected;
    /// false at once when it loses the Lease).
    pub fn leading(&self) -> watch::Receiver<bool> {
        self.leading.clone()
    }

    /// Stops taking part and frees the Lease so another replica takes over
    /// at once (a graceful shutdown).
    pub async fn resign(mut self) {
        if let Some(resign) = self.resign.take() {
            let _ = resign.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
        self.task.abort();
    }

    /// Stops taking part without freeing the Lease, as a crash would: the
    /// others take over once it runs out.
    pub fn abandon(self) {
        self.task.abort();
    }
}

/// Joins the election: starts the lease manager and the guard in a task of
/// their own. The Lease (and its namespace) are created when missing.
pub fn join(client: Client, election: Election) -> Leadership {
    let (publish, leading) = watch::channel(false);
    let (resign, resigned) = oneshot::channel();
    let task = tokio::spawn(take_part(client, election, publish, resigned));
    Leadership {
        leading,
        resign: Some(resign),
        task,
    }
}

/// Aborts the lease manager's task when dropped, so an abandoned replica
/// does not free its Lease on the way out.
struct AbortOnDrop(
    Option<JoinHandle<kube_lease_manager::Result<kube_lease_manager::LeaseManager>>>,
);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

async fn take_part(
    client: Client,
    election: Election,
    publish: watch::Sender<bool>,
    mut resigned: oneshot::Receiver<()>,
) {
    let api: Api<Lease> = Api::namespaced(client.clone(), &election.namespace);
    let mut retry = Duration::from_millis(500);
    let manager = loop {
        prepare_lease(&client, &election).await;
        let built = LeaseManagerBuilder::new(client.clone(), &election.lease)
            .with_namespace(&election.namespace)
            .with_identity(&election.identity)
            .with_duration(election.duration_seconds())
            .with_grace(election.grace_seconds())
            .with_create_mode(LeaseCreateMode::AutoCreate)
            .build()
            .await;
        match built {
            Ok(manager) => break manager,
            Err(error) => {
                tracing::warn!(%error, "governor: joining the leader election, retrying");
                tokio::select! {
                    () = tokio::time::sleep(retry) => {}
                    _ = &mut resigned => return,
                }
                retry = (retry * 2).min(Duration::from_secs(10));
            }
        }
    };
    let (mut elected, manager_task) = manager.watch().await;
    let mut manager_task = AbortOnDrop(Some(manager_task));
    let check_every = Duration::from_secs(1).min(election.duration / 4);
    let mut guard = tokio::time::interval(check_every.max(Duration::from_millis(250)));
    guard.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Until when this replica may act without hearing from the API again.
    let mut confirmed_until: Option<Timestamp> = None;
    loop {
        let leads = *elected.borrow_and_update();
        let now = Timestamp::now();
        let confirmed = confirmed_until.is_some_and(|until| now < until);
        let acting = leads && confirmed;
        publish.send_if_modified(|current| {
            let changed = *current != acting;
            *current = acting;
            changed
        });
        tokio::select! {
            changed = elected.changed() => {
                if changed.is_err() {
                    tracing::warn!("governor: the lease manager stopped; rejoining is up to a restart");
                    publish.send_replace(false);
                    return;
                }
                if *elected.borrow() {
                    confirmed_until = confirm(&api, &election).await.or(confirmed_until);
                }
            }
            _ = guard.tick(), if leads => {
                if let Some(until) = confirm(&api, &election).await {
                    confirmed_until = Some(until);
                } else if let Ok(lease) = api.get(&election.lease).await {
                    // Read, and someone else holds it (or nobody).
                    if leader_of(&lease, Timestamp::now()).is_none_or(|l| l.holder != election.identity) {
                        confirmed_until = None;
                    }
                }
            }
            _ = &mut resigned => {
                publish.send_replace(false);
                // Dropping the channel makes the manager free the Lease.
                let task = manager_task.0.take();
                drop(elected);
                if let Some(task) = task {
                    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
                }
                return;
            }
        }
    }
}

/// Reads the Lease: while this replica holds it, until when it may act (the
/// Lease's expiry less the renewal margin, so it stops before anyone else
/// may take over); `None` when it does not hold it or the read failed.
async fn confirm(api: &Api<Lease>, election: &Election) -> Option<Timestamp> {
    let lease = api.get(&election.lease).await.ok()?;
    let leader = leader_of(&lease, Timestamp::now())?;
    if leader.holder != election.identity {
        return None;
    }
    let margin = jiff::SignedDuration::from_millis(500);
    leader.expires_at.checked_sub(margin).ok()
}

/// Creates the namespace and the labelled Lease when missing (best effort:
/// where the governor may not create them, the manifests do).
async fn prepare_lease(client: &Client, election: &Election) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    if matches!(namespaces.get_opt(&election.namespace).await, Ok(None)) {
        let namespace = Namespace {
            metadata: ObjectMeta {
                name: Some(election.namespace.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        let _ = namespaces.create(&PostParams::default(), &namespace).await;
    }
    let leases: Api<Lease> = Api::namespaced(client.clone(), &election.namespace);
    if matches!(leases.get_opt(&election.lease).await, Ok(None)) {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(election.lease.clone()),
                labels: Some(BTreeMap::from([(
                    GOVERNOR_LEASE_LABEL.to_string(),
                    "true".to_string(),
                )])),
                ..Default::default()
            },
            spec: Some(LeaseSpec::default()),
        };
        let _ = leases.create(&PostParams::default(), &lease).await;
    }
}

/// What a console knows of the governor's leadership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaderView {
    /// A governor leads.
    Leading(LeaderInfo),
    /// The Lease exists but nobody holds it unexpired: rule decisions and
    /// expiries stall until a governor leads again.
    NoLeader,
    /// No governor Lease: no HA governor has ever run here (or the console
    /// may not read Leases in the namespace).
    NoLease,
}

/// Watches the governor Lease in `namespace` and yields what a console
/// should show, each time it changes: when the Lease changes, and when the
/// holder's Lease runs out without a renewal (no event marks that, so the
/// stream wakes at the expiry).
pub fn watch_leader(
    client: Client,
    namespace: &str,
) -> impl futures::Stream<Item = LeaderView> + Send + use<> {
    use futures::StreamExt;
    use kube::runtime::WatchStreamExt;
    use kube::runtime::watcher::{self, Event};
    let leases: Api<Lease> = Api::namespaced(client, namespace);
    let config = watcher::Config::default().fields(&format!("metadata.name={GOVERNOR_LEASE}"));
    let events = watcher::watcher(leases, config).default_backoff().boxed();
    futures::stream::unfold(
        (events, None::<Lease>, None::<LeaderView>, false),
        |(mut events, mut lease, mut shown, mut listed)| async move {
            loop {
                let view = lease.as_ref().map_or(LeaderView::NoLease, |lease| {
                    leader_of(lease, Timestamp::now())
                        .map_or(LeaderView::NoLeader, LeaderView::Leading)
                });
                if listed && shown.as_ref() != Some(&view) {
                    shown = Some(view.clone());
                    return Some((view, (events, lease, shown, listed)));
                }
                let wake = match &view {
                    LeaderView::Leading(info) => {
                        let left = info.expires_at.duration_since(Timestamp::now());
                        Duration::try_from(left).unwrap_or(Duration::ZERO)
                            + Duration::from_millis(50)
                    }
                    _ => Duration::from_secs(3600),
                };
                tokio::select! {
                    event = events.next() => match event {
                        Some(Ok(Event::Apply(l) | Event::InitApply(l))) => lease = Some(l),
                        Some(Ok(Event::Delete(_))) => lease = None,
                        Some(Ok(Event::Init)) => {
                            lease = None;
                            listed = false;
                        }
                        Some(Ok(Event::InitDone)) => listed = true,
                        Some(Err(error)) => tracing::debug!(%error, "governor Lease watch"),
                        None => return None,
                    },
                    () = tokio::time::sleep(wake) => {}
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;

    fn lease(holder: Option<&str>, renewed: Timestamp, seconds: i32) -> Lease {
        Lease {
            metadata: ObjectMeta::default(),
            spec: Some(LeaseSpec {
                holder_identity: holder.map(str::to_string),
                renew_time: Some(MicroTime(renewed)),
                acquire_time: Some(MicroTime(renewed)),
                lease_duration_seconds: Some(seconds),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_lease_names_its_holder_until_it_runs_out() {
        let now = Timestamp::now();
        let fresh = lease(Some("governor-a"), now, 15);
        assert_eq!(
            leader_of(&fresh, now).map(|l| l.holder),
            Some("governor-a".to_string())
        );
        let later = now + jiff::SignedDuration::from_secs(16);
        assert_eq!(leader_of(&fresh, later), None, "expired: nobody leads");
        assert_eq!(leader_of(&lease(None, now, 15), now), None, "released");
    }

    #[test]
    fn the_renewal_margin_is_a_third_of_the_duration() {
        let election = Election::new("a", Duration::from_secs(15));
        assert_eq!(
            (election.duration_seconds(), election.grace_seconds()),
            (15, 5)
        );
        let short = Election::new("a", Duration::from_secs(1));
        assert_eq!((short.duration_seconds(), short.grace_seconds()), (2, 1));
    }
}
