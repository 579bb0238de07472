//! The governor as several replicas against the sandbox's API emulator and a
//! real OpenBao: one leads through the Lease; killing it mid-stream of
//! proposals hands over within the lease duration, and no proposal is
//! decided, minted or revoked twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::Bao;
use common::world::{create_judged, create_policy, emulator, scale_api};
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::Api;
use kube::api::PostParams;
use kubevigil::decide::{Decider, Identity};
use kubevigil::domain::{ActionProposal, Phase, ProposalState, Risk, TrustPolicySpec};
use kubevigil::governor::leader::{
    DEFAULT_LEASE_NAMESPACE, GOVERNOR_LEASE, LeaderView, leader_of, watch_leader,
};
use kubevigil::sandbox::api::{AGENT_USER, GOVERNOR_USER};
use kubevigil::sandbox::governors::Governors;
use kubevigil::vault::Vault;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const NS: &str = "payments";

fn policy(phase: Phase) -> TrustPolicySpec {
    TrustPolicySpec {
        phase,
        credential_ttl_seconds: 300,
        autonomous_risk_ceiling: Risk::Medium,
        allow_unsealed_credentials: true,
        ..TrustPolicySpec::default()
    }
}

/// The accessors of the live Vault tokens minted for `proposal` (`ns/name`).
async fn live_tokens_for(vault: &Vault, proposal: &str) -> Vec<String> {
    use vaultrs::api::token::requests::ListAccessorRequest;
    let listed = vaultrs::api::exec_with_result(
        vault.client(),
        ListAccessorRequest::builder().build().expect("a request"),
    )
    .await
    .expect("list token accessors");
    let mut live = Vec::new();
    for accessor in listed.keys {
        if let Ok(info) = vault.lookup_accessor(&accessor).await
            && info.metadata.get("proposal").map(String::as_str) == Some(proposal)
        {
            live.push(accessor);
        }
    }
    live
}

async fn wait_until<T>(patience: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(found) = probe().await {
            return Some(found);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_leaders_minting_at_once_store_one_credential_and_revoke_the_other() {
    // What a hand-over can leave for a moment: two replicas that both believe
    // they lead, minting for the same rule approval.
    let bao = Bao::with_write_policy(NS).await;
    let server = emulator().await;
    let agent = server.client(AGENT_USER).expect("agent client");
    create_policy(agent.clone(), NS, policy(Phase::Autonomous)).await;
    let mut proposal = ActionProposal::new("scale-api", scale_api(NS, "inv-1", Risk::Low));
    proposal.metadata.namespace = Some(NS.into());
    let judged = create_judged(&agent, &proposal).await;
    assert_eq!(judged.state(), ProposalState::AutoApproved);

    let governor = server.client(GOVERNOR_USER).expect("governor client");
    let identity = Identity::unverified("kubevigil-governor");
    let replica =
        |vault| Decider::new(governor.clone(), identity.clone()).with_vault(Some(Arc::new(vault)));
    let (first, second) = (replica(bao.vault()), replica(bao.vault()));
    let (a, b) = tokio::join!(first.mint(judged.clone()), second.mint(judged.clone()));
    let stored = |p: &ActionProposal| {
        p.status
            .as_ref()
            .and_then(|s| s.credential.as_ref())
            .map(|c| c.wrapped_accessor.clone())
    };
    let (a, b) = (a.expect("first mint"), b.expect("second mint"));
    assert_eq!(stored(&a), stored(&b), "both see the one stored credential");
    let now = Api::<ActionProposal>::namespaced(agent, NS)
        .get("scale-api")
        .await
        .expect("read");
    let kept = stored(&now).expect("a credential is stored");
    let live = live_tokens_for(&bao.vault(), "payments/scale-api").await;
    assert_eq!(
        live,
        vec![kept],
        "the token that lost the race was revoked; only the stored one lives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_leader_mid_stream_hands_over_and_nothing_is_done_twice() {
    let bao = Bao::with_write_policy(NS).await;
    let server = emulator().await;
    let agent = server.client(AGENT_USER).expect("agent client");
    create_policy(agent.clone(), NS, policy(Phase::Autonomous)).await;
    let lease_duration = Duration::from_secs(3);
    let governors = Governors::start(
        server.client(GOVERNOR_USER).expect("governor client"),
        Some(Arc::new(bao.vault())),
        2,
        lease_duration,
    )
    .await;
    let first = wait_until(Duration::from_secs(20), async || governors.leader())
        .await
        .expect("a governor leads");
    let leases: Api<Lease> = Api::namespaced(agent.clone(), DEFAULT_LEASE_NAMESPACE);
    let lease = leases.get(GOVERNOR_LEASE).await.expect("the Lease exists");
    assert_eq!(
        leader_of(&lease, Timestamp::now()).map(|l| l.holder),
        Some(first.clone()),
        "the Lease names the leader"
    );
    assert_eq!(
        governors.replicas().iter().filter(|r| r.leading).count(),
        1,
        "the other replica waits"
    );

    // What a console's header shows, from the Lease.
    let seen = Arc::new(std::sync::Mutex::new(Vec::<LeaderView>::new()));
    let header = {
        let seen = seen.clone();
        let mut views = Box::pin(watch_leader(agent.clone(), DEFAULT_LEASE_NAMESPACE));
        tokio::spawn(async move {
            while let Some(view) = views.next().await {
                seen.lock().expect("lock").push(view);
            }
        })
    };

    // A stream of proposals: low risk ones the rule approves (and the leader
    // mints for), high risk ones that expire unanswered (by rule too).
    let api = Api::<ActionProposal>::namespaced(agent.clone(), NS);
    let total = 36;
    let producer = {
        let api = api.clone();
        tokio::spawn(async move {
            for i in 0..total {
                let (risk, expires) = if i % 4 == 3 {
                    (
                        Risk::High,
                        Some(Timestamp::now() + SignedDuration::from_secs(2)),
                    )
                } else {
                    (Risk::Low, None)
                };
                let spec = kubevigil::domain::ActionProposalSpec {
                    expires_at: expires.map(Time),
                    ..scale_api(NS, "inv-1", risk)
                };
                let mut proposal = ActionProposal::new(&format!("p-{i:02}"), spec);
                proposal.metadata.namespace = Some(NS.into());
                api.create(&PostParams::default(), &proposal)
                    .await
                    .expect("create a proposal");
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(150 * 10)).await;
    let killed_at = Instant::now();
    let killed = governors.kill_leader().await.expect("a leader to kill");
    assert_eq!(killed, first);
    let second = wait_until(Duration::from_secs(30), async || {
        governors.leader().filter(|l| *l != killed)
    })
    .await
    .expect("another governor takes over");
    let hand_over = killed_at.elapsed();
    eprintln!("hand-over from {killed} to {second} took {hand_over:?} (lease {lease_duration:?})");
    assert!(
        hand_over < lease_duration + Duration::from_secs(4),
        "the hand-over took {hand_over:?}, more than the lease duration and a renewal"
    );
    producer.await.expect("the producer ends");
    let shown = wait_until(Duration::from_secs(10), async || {
        let seen = seen.lock().expect("lock").clone();
        matches!(seen.last(), Some(LeaderView::Leading(info)) if info.holder == second)
            .then_some(seen)
    })
    .await
    .expect("the console's view of the Lease follows the hand-over");
    assert!(
        matches!(shown.first(), Some(LeaderView::Leading(info)) if info.holder == first),
        "{shown:?}"
    );
    header.abort();

    // Every proposal ends decided, by exactly one decision.
    let settled = wait_until(Duration::from_secs(60), async || {
        let listed = api.list(&Default::default()).await.ok()?;
        let done = listed.items.iter().all(|p| match p.state() {
            ProposalState::AutoApproved => {
                p.status.as_ref().is_some_and(|s| s.credential.is_some())
            }
            ProposalState::Expired => true,
            _ => false,
        });
        (done && listed.items.len() == total).then_some(listed.items)
    })
    .await
    .expect("every proposal is decided (and every rule approval minted)");
    let vault = bao.vault();
    let mut by_state = BTreeMap::new();
    for proposal in &settled {
        let name = proposal.metadata.name.clone().unwrap_or_default();
        let status = proposal.status.as_ref().expect("a status");
        assert_eq!(status.decisions.len(), 1, "{name}: decided exactly once");
        *by_state.entry(proposal.state().to_string()).or_insert(0) += 1;
        if proposal.state() == ProposalState::AutoApproved {
            let stored = status
                .credential
                .as_ref()
                .map(|c| c.wrapped_accessor.clone())
                .expect("a credential");
            let live = live_tokens_for(&vault, &format!("{NS}/{name}")).await;
            assert_eq!(live, vec![stored], "{name}: minted exactly once");
        }
    }
    eprintln!("settled: {by_state:?}");
    assert_eq!(by_state.get("Expired"), Some(&(total / 4)));
    governors.shutdown().await;
    let freed = leases.get(GOVERNOR_LEASE).await.expect("the Lease");
    assert_eq!(
        leader_of(&freed, Timestamp::now()),
        None,
        "a graceful stop frees the Lease"
    );
}
