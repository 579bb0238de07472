//! Keeps alerts coming while the sandbox runs, as the spawner's cadence was:
//! every scenario once at start (in its home namespace), then a random one
//! every 20-60 s divided by the speed (in its home namespace 70% of the
//! time). Each is an Alertmanager webhook to the leading governor's
//! launcher, which decides what runs and when; resolved notifications
//! follow when an investigation fixed its problem.

use super::agents::scenarios;
use super::agents::script::Scenario;
use super::agents::world;
use super::alerts::{SimAlert, payload, post};
use super::governors::Governors;
use rand::{random_bool, random_range};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// How long a notification is retried before it is given up (Alertmanager
/// gives up on a notification after its `repeat_interval`, too).
const GIVE_UP_AFTER: Duration = Duration::from_secs(300);
/// The longest pause between two tries (a `Retry-After` above it is shortened).
const LONGEST_PAUSE: Duration = Duration::from_secs(2);

/// Posts alerts to whichever governor replica leads, retrying until accepted.
#[derive(Clone)]
pub struct AlertSender {
    governors: Arc<Governors>,
    /// The alerts fired, by fingerprint, to resolve them later.
    fired: Arc<Mutex<HashMap<String, SimAlert>>>,
}

impl AlertSender {
    /// A sender to the leader of `governors`.
    pub fn new(governors: Arc<Governors>) -> AlertSender {
        AlertSender {
            governors,
            fired: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Sends `alert` (firing or resolved) until the leading launcher accepts
    /// it: a 503 (no leader yet, the queue full) or a connection refused
    /// (the leader changing) is tried again; another refusal is final.
    pub async fn send(&self, alert: &SimAlert) -> Result<(), String> {
        if alert.ends_at.is_none()
            && let Ok(mut fired) = self.fired.lock()
        {
            fired.insert(alert.fingerprint(), alert.clone());
        }
        let body = payload(std::slice::from_ref(alert));
        let token = self.governors.webhook_token().to_string();
        let began = Instant::now();
        let mut last = String::from("no governor leads yet");
        while began.elapsed() < GIVE_UP_AFTER {
            let Some(url) = self.governors.leader_webhook_url() else {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            match post(&url, &token, &body).await {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok(()),
                Ok(answer) if answer.status == 503 || answer.status == 429 => {
                    let pause = answer
                        .retry_after
                        .map_or(LONGEST_PAUSE, Duration::from_secs)
                        .min(LONGEST_PAUSE);
                    last = format!("{} {}", answer.status, answer.body.trim());
                    tokio::time::sleep(pause).await;
                }
                Ok(answer) => {
                    return Err(format!(
                        "the launcher refused the alert: {} {}",
                        answer.status,
                        answer.body.trim()
                    ));
                }
                Err(error) => {
                    last = error.to_string();
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        Err(format!(
            "the alert was not accepted within {} s: {last}",
            GIVE_UP_AFTER.as_secs()
        ))
    }

    /// Sends the resolved notification of the alert with `fingerprint`, if
    /// it was fired here.
    pub async fn resolve(&self, fingerprint: &str) {
        let fired = self
            .fired
            .lock()
            .ok()
            .and_then(|mut fired| fired.remove(fingerprint));
        if let Some(alert) = fired
            && let Err(error) = self.send(&alert.resolved()).await
        {
            tracing::debug!(%error, fingerprint, "sandbox: resolving an alert");
        }
    }
}

/// The alert of `scenario` in `namespace`: alertname the scenario's key,
/// its severity, its trigger as the summary, a fresh `instance`.
pub fn scenario_alert(scenario: &Scenario, namespace: &str) -> SimAlert {
    let instance = format!("{}-{}", scenario.key, super::agents::job::random_suffix(5));
    SimAlert::firing(
        scenario.key,
        namespace,
        scenario.severity,
        scenario.trigger,
        &instance,
    )
}

/// Fires `scenario` in `namespace` in the background (a slow launcher
/// never holds up the cadence), in `sending` (which stops it when dropped).
fn fire(sending: &mut JoinSet<()>, sender: &AlertSender, scenario: &Scenario, namespace: &str) {
    let (sender, alert) = (sender.clone(), scenario_alert(scenario, namespace));
    sending.spawn(async move {
        if let Err(error) = sender.send(&alert).await {
            tracing::warn!(%error, "sandbox: an alert was not accepted");
        }
    });
}

/// Every scenario once, then one every 20-60 s divided by `speed`, until dropped.
pub async fn run(sender: AlertSender, speed: f64) {
    let mut sending = JoinSet::new();
    for scenario in scenarios::ALL {
        fire(&mut sending, &sender, scenario, scenario.home_namespace);
    }
    loop {
        let wait = random_range(20.0..60.0) / speed.max(0.01);
        let pause = tokio::time::sleep(Duration::from_secs_f64(wait));
        tokio::pin!(pause);
        loop {
            tokio::select! {
                () = &mut pause => break,
                Some(_) = sending.join_next(), if !sending.is_empty() => {}
            }
        }
        let scenario = scenarios::ALL[random_range(0..scenarios::ALL.len())];
        let namespace = if random_bool(0.7) {
            scenario.home_namespace.to_string()
        } else {
            let all = world::namespaces();
            all[random_range(0..all.len())].0.to_string()
        };
        fire(&mut sending, &sender, scenario, &namespace);
    }
}

/// Sends the resolved notification of each fingerprint `fixed` yields,
/// until dropped (its notifications in flight stop with it).
pub async fn resolve_fixed(
    sender: AlertSender,
    mut fixed: tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let mut sending = JoinSet::new();
    loop {
        tokio::select! {
            next = fixed.recv() => match next {
                Some(fingerprint) => {
                    let sender = sender.clone();
                    sending.spawn(async move { sender.resolve(&fingerprint).await });
                }
                None => return,
            },
            Some(_) = sending.join_next(), if !sending.is_empty() => {}
        }
    }
}
