//! The console's kube IO against the embedded sandbox: watchers, 403s,
//! identity, log streams and fetching dropped lines again.

use super::identity;
use super::logs::{OlderRequest, StreamEvent, StreamTarget, fetch_older, follow};
use super::watch::{self, WatchEvent};
use crate::model::records::{EntryKind, PeekTarget, Source};
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::sanitize::Redactor;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

async fn quiet_sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        speed: 20.0,
        scenarios: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("a sandbox")
}

/// Receives events until `wanted` returns something, or panics after 20 s.
async fn wait_for<E, T>(rx: &mut mpsc::Receiver<E>, mut wanted: impl FnMut(&E) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let action = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the action in time")
            .expect("an open channel");
        if let Some(found) = wanted(&action) {
            return found;
        }
    }
}

#[tokio::test]
async fn watchers_list_investigations_proposals_and_policies() {
    let sandbox = quiet_sandbox().await;
    let started = sandbox
        .start_investigation("crashloop", "data")
        .expect("an investigation");
    let id = started.investigation.id.clone();
    let client = sandbox.api().client("oncall-1").expect("a client");
    let (tx, mut rx) = mpsc::channel(256);
    let _watchers = watch::spawn(client, None, 7, tx, Arc::new(Redactor::default()));
    let phases = wait_for(&mut rx, |a| match a {
        WatchEvent::PoliciesListed { epoch: 7, records } if !records.is_empty() => Some(
            records
                .iter()
                .map(|p| (p.namespace.clone(), p.phase))
                .collect::<Vec<_>>(),
        ),
        _ => None,
    })
    .await;
    assert!(phases.iter().any(|(ns, _)| ns == "data"), "{phases:?}");
    let seen = wait_for(&mut rx, |a| match a {
        WatchEvent::InvestigationsListed { records, .. }
        | WatchEvent::InvestigationsChanged {
            applied: records, ..
        } => records.iter().find(|r| r.investigation.id == id).cloned(),
        _ => None,
    })
    .await;
    assert_eq!(&*seen.investigation.namespace, "data");
    // The agent proposes; the proposal arrives trimmed and sanitized.
    let proposal = wait_for(&mut rx, |a| match a {
        WatchEvent::ProposalsListed { records, .. }
        | WatchEvent::ProposalsChanged {
            applied: records, ..
        } => records.iter().find(|p| p.investigation == id).cloned(),
        _ => None,
    })
    .await;
    assert!(!proposal.summary.is_empty());
    assert!(proposal.change.is_some() || proposal.diff.is_some());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_user_without_rights_gets_forbidden_not_a_crash() {
    let sandbox = quiet_sandbox().await;
    let client = sandbox.api().client("payments-dev").expect("a client");
    let (tx, mut rx) = mpsc::channel(64);
    let _watchers = watch::spawn(client, None, 1, tx, Arc::new(Redactor::default()));
    let source = wait_for(&mut rx, |a| match a {
        WatchEvent::SourceForbidden {
            source,
            namespace: None,
            ..
        } => Some(*source),
        _ => None,
    })
    .await;
    assert!(Source::ALL.contains(&source));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn identity_comes_from_self_subject_review() {
    let sandbox = quiet_sandbox().await;
    let client = sandbox.api().client("oncall-2").expect("a client");
    let identity = identity::resolve(client, Some("from-kubeconfig".into())).await;
    assert!(
        identity.verified && identity.user == "oncall-2",
        "{identity:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_log_stream_follows_the_pod_and_older_lines_come_back() {
    let sandbox = quiet_sandbox().await;
    let started = sandbox
        .start_investigation("oomkilled", "checkout")
        .expect("an investigation");
    let inv = started.investigation.clone();
    let client = sandbox.api().client("oncall-1").expect("a client");
    let (tx, mut rx) = mpsc::channel(256);
    let redactor = Arc::new(Redactor::default());
    let target = StreamTarget {
        stream: 3,
        investigation: inv.id.clone(),
        namespace: inv.namespace.clone(),
        job_name: inv.job.clone(),
    };
    let task = tokio::spawn(follow(client.clone(), target, tx, Arc::clone(&redactor)));
    let pod = wait_for(&mut rx, |a| match a {
        StreamEvent::Started { stream: 3, pod } => Some(pod.clone()),
        _ => None,
    })
    .await;
    assert_eq!(pod, inv.pod);
    // A hostile line from the agent arrives parsed and inert.
    sandbox.api().append_log(
        &inv.namespace,
        &inv.pod,
        "{\"type\":\"thought\",\"text\":\"\\u001b]52;c;aGk=\\u0007marker-line\"}",
    );
    let entry = wait_for(&mut rx, |a| match a {
        StreamEvent::Lines { stream: 3, entries } => entries
            .iter()
            .find(|e| matches!(&e.kind, EntryKind::Thought(t) if t.contains("marker-line")))
            .cloned(),
        _ => None,
    })
    .await;
    let EntryKind::Thought(text) = &entry.kind else {
        panic!("a thought");
    };
    assert_eq!(&**text, "marker-line");
    assert!(entry.logged_at().is_some(), "timestamps were asked for");
    task.abort();

    // Fetch (up to) the two lines before the marker again.
    let count = usize::try_from(entry.seq.min(2)).unwrap_or(0);
    let older = fetch_older(
        client,
        OlderRequest {
            namespace: inv.namespace.clone(),
            pod: inv.pod.clone(),
            before: entry.logged_at(),
            count,
            tail_lines: 10_000,
            first_seq: entry.seq - count as u64,
        },
        redactor,
    )
    .await
    .expect("older lines");
    assert_eq!(older.len(), count);
    if let Some(last) = older.last() {
        assert_eq!(last.seq + 1, entry.seq);
        assert!(last.logged_at() <= entry.logged_at());
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn peeking_reads_the_newest_reasoning_line_without_a_stream() {
    let sandbox = quiet_sandbox().await;
    let started = sandbox
        .start_investigation("oomkilled", "checkout")
        .expect("an investigation");
    let inv = started.investigation.clone();
    let client = sandbox.api().client("oncall-1").expect("a client");
    let redactor = Arc::new(Redactor::default());
    let target = PeekTarget {
        investigation: inv.id.clone(),
        namespace: inv.namespace.clone(),
    };
    let missing = PeekTarget {
        investigation: "no-such-investigation".into(),
        namespace: inv.namespace.clone(),
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        sandbox.api().append_log(
            &inv.namespace,
            &inv.pod,
            "{\"type\":\"thought\",\"text\":\"\\u001b[2Jnewest-marker\"}",
        );
        let mut lines = super::peek::peek(
            client.clone(),
            vec![target.clone(), missing.clone()],
            Arc::clone(&redactor),
        )
        .await;
        lines.sort_by(|a, b| a.investigation.cmp(&b.investigation));
        let (missing_peek, found) = if lines[0].investigation == "no-such-investigation" {
            (&lines[0], &lines[1])
        } else {
            (&lines[1], &lines[0])
        };
        assert_eq!(
            (missing_peek.line.as_deref(), missing_peek.cost),
            (None, None)
        );
        if found.line.as_deref() == Some("newest-marker") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no last line in time: {lines:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn labelled_job(i: usize) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": format!("inv-{i:05}"), "namespace": "kubevigil-agents",
            "labels": {"kubevigil.io/investigation": format!("inv-{i:05}")}},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "agent", "image": "agent:1"}]}}}
    })
}

/// Issue 17: a list longer than a page arrives page by page, the first
/// page saying a listing begins and how many Jobs there are; after a 410
/// the relist begins again with a first page.
#[tokio::test]
async fn a_long_list_arrives_page_by_page_and_a_relist_begins_again() {
    use crate::sandbox::api::{ApiConfig, ApiServer};
    let api = ApiServer::start(ApiConfig {
        watch_history: 500,
        ..ApiConfig::default()
    })
    .await
    .expect("an emulator");
    api.seed((0..1200).map(labelled_job).collect());
    let client = api.client("oncall-1").expect("a client");
    let (tx, mut rx) = mpsc::channel(1024);
    let _watchers = watch::spawn(client, None, 3, tx, Arc::new(Redactor::default()));
    let mut pages = Vec::new();
    let last = wait_for(&mut rx, |a| match a {
        WatchEvent::InvestigationsPage {
            records,
            first,
            total,
            ..
        } => {
            pages.push((records.len(), *first, *total));
            None
        }
        WatchEvent::InvestigationsListed { records, .. } => Some(records.len()),
        _ => None,
    })
    .await;
    // Two full pages first; the total (asked for beside the list) is known
    // by the second at the latest.
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert_eq!((pages[0].0, pages[0].1), (500, true), "{pages:?}");
    assert_eq!(pages[1], (500, false, Some(1200)), "{pages:?}");
    assert_eq!(last, 200);
    // 6,000 more at once: the watch falls behind its 500 changes of history,
    // gets 410 and relists, beginning a new listing.
    api.seed((1200..7200).map(labelled_job).collect());
    let first = wait_for(&mut rx, |a| match a {
        WatchEvent::InvestigationsPage {
            first: true,
            records,
            ..
        } => Some(records.len()),
        _ => None,
    })
    .await;
    assert_eq!(first, 500);
    api.shutdown().await;
}
