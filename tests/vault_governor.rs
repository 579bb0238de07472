//! The governor's Vault work against a real OpenBao dev server and the
//! sandbox's Kubernetes emulator: rule approvals in Autonomous get a write
//! credential naming the rule, expiries revoke what the proposal holds, and
//! Vault being down delays the credential but never the decision; in the
//! sandbox, an Autonomous agent unwraps and uses what the governor minted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::{Bao, bao_binary};
use common::world::{create_policy, emulator, sandbox_with_bao, scale_api};
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::PostParams;
use kube::{Api, Client};
use kubevigil::domain::{
    ActionProposal, ActionProposalSpec, DecisionSource, MintedCredential, NoCredential,
    NoCredentialReason, Phase, ProposalState, Risk, TrustPolicySpec, action_digest,
};
use kubevigil::governor::{AUTONOMOUS_RULE, TIMEOUT_RULE, initial_status, run_with_vault};
use kubevigil::sandbox::api::{AGENT_USER, ApiServer, GOVERNOR_USER};
use kubevigil::vault::{MintRequest, Vault, VaultError, VaultSettings};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

const NS: &str = "payments";
const WRITE_POLICY: &str = "kubevigil-write-payments";

/// The API emulator with the namespace's TrustPolicy, and a governor task
/// that stops when this is dropped.
struct Cluster {
    server: ApiServer,
    governor: Option<JoinHandle<()>>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(governor) = &self.governor {
            governor.abort();
        }
    }
}

impl Cluster {
    /// A cluster whose policy allows unsealed credentials (the proposals here
    /// name no recipient, so their wrapping tokens are stored in clear).
    async fn start(phase: Phase) -> Cluster {
        Cluster::start_with(phase, true).await
    }

    async fn start_with(phase: Phase, allow_unsealed_credentials: bool) -> Cluster {
        let cluster = Cluster {
            server: emulator().await,
            governor: None,
        };
        create_policy(
            cluster.agent(),
            NS,
            TrustPolicySpec {
                phase,
                credential_ttl_seconds: 120,
                autonomous_risk_ceiling: Risk::Medium,
                allow_unsealed_credentials,
                ..TrustPolicySpec::default()
            },
        )
        .await;
        cluster
    }

    fn agent(&self) -> Client {
        self.server.client(AGENT_USER).expect("agent client")
    }

    fn proposals(&self) -> Api<ActionProposal> {
        Api::namespaced(self.agent(), NS)
    }

    fn run_governor(&mut self, vault: Vault) {
        self.run_governor_with(Some(vault));
    }

    /// Runs the governor, with Vault off when `vault` is `None`.
    fn run_governor_with(&mut self, vault: Option<Vault>) {
        let client = self.server.client(GOVERNOR_USER).expect("governor client");
        self.governor = Some(tokio::spawn(run_with_vault(client, vault.map(Arc::new))));
    }

    /// Creates a proposal without a status (the governor judges it).
    async fn propose(&self, name: &str, risk: Risk, expires_at: Option<Timestamp>) {
        let spec = ActionProposalSpec {
            expires_at: expires_at.map(Time),
            ..scale_api(NS, "inv-1", risk)
        };
        let mut proposal = ActionProposal::new(name, spec);
        proposal.metadata.namespace = Some(NS.into());
        self.proposals()
            .create(&PostParams::default(), &proposal)
            .await
            .expect("create the proposal");
    }

    /// The proposal once `ready` holds, polled for up to `patience`.
    async fn wait_for(
        &self,
        name: &str,
        patience: Duration,
        ready: impl Fn(&ActionProposal) -> bool,
    ) -> ActionProposal {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let proposal = self.proposals().get(name).await.expect("read the proposal");
            if ready(&proposal) {
                return proposal;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} did not get there in {patience:?}: {:?}",
                proposal.status
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn credential_of(proposal: &ActionProposal) -> Option<MintedCredential> {
    proposal.status.as_ref().and_then(|s| s.credential.clone())
}

fn no_credential_of(proposal: &ActionProposal) -> Option<NoCredential> {
    proposal
        .status
        .as_ref()
        .and_then(|s| s.no_credential.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_governor_with_vault_off_says_a_rule_approval_has_no_credential() {
    let mut cluster = Cluster::start(Phase::Autonomous).await;
    // Auto-approved before this governor ran (by one that died, say), without a note.
    cluster.propose("earlier", Risk::Low, None).await;
    let policy = TrustPolicySpec {
        phase: Phase::Autonomous,
        ..TrustPolicySpec::default()
    };
    let mut earlier = cluster.proposals().get("earlier").await.expect("read");
    earlier.status = Some(initial_status(
        &earlier.spec,
        Some(&policy),
        Timestamp::now(),
    ));
    cluster
        .proposals()
        .replace_status("earlier", &PostParams::default(), &earlier)
        .await
        .expect("store an auto-approval");
    cluster.run_governor_with(None);

    cluster.propose("scale-api", Risk::Low, None).await;
    for name in ["scale-api", "earlier"] {
        let noted = cluster
            .wait_for(name, Duration::from_secs(20), |p| {
                no_credential_of(p).is_some()
            })
            .await;
        assert_eq!(noted.state(), ProposalState::AutoApproved);
        let note = no_credential_of(&noted).expect("a note");
        assert_eq!(note.reason, NoCredentialReason::VaultOff, "{name}");
        assert!(note.message.contains(AUTONOMOUS_RULE), "{note:?}");
        assert_eq!(credential_of(&noted), None);
    }
    // People's approvals are the console's to note: a pending one gets nothing.
    cluster.propose("delete-pods", Risk::High, None).await;
    let pending = cluster
        .wait_for("delete-pods", Duration::from_secs(20), |p| {
            p.status.is_some()
        })
        .await;
    assert_eq!(pending.state(), ProposalState::Pending);
    assert_eq!(no_credential_of(&pending), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_approval_without_a_recipient_gets_no_credential_and_says_why() {
    let bao = Bao::with_write_policy(NS).await;
    let mut cluster = Cluster::start_with(Phase::Autonomous, false).await;
    cluster.run_governor(bao.vault());
    cluster.propose("scale-api", Risk::Low, None).await;
    let noted = cluster
        .wait_for("scale-api", Duration::from_secs(20), |p| {
            no_credential_of(p).is_some()
        })
        .await;
    assert_eq!(noted.state(), ProposalState::AutoApproved);
    let note = no_credential_of(&noted).expect("a note");
    assert_eq!(note.reason, NoCredentialReason::NoRecipient);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = cluster.proposals().get("scale-api").await.expect("read");
    assert_eq!(credential_of(&later), None, "nothing minted in clear");
    assert_eq!(
        no_credential_of(&later).map(|n| n.at),
        Some(note.at),
        "not tried again (the spec cannot gain a recipient)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_approval_in_autonomous_gets_a_credential_naming_the_rule() {
    let bao = Bao::with_write_policy(NS).await;
    let vault = bao.vault();
    let mut cluster = Cluster::start(Phase::Autonomous).await;
    cluster.run_governor(bao.vault());

    cluster.propose("scale-api", Risk::Low, None).await;
    let judged = cluster
        .wait_for("scale-api", Duration::from_secs(20), |p| {
            credential_of(p).is_some()
        })
        .await;
    assert_eq!(judged.state(), ProposalState::AutoApproved);
    let decision = &judged.decisions()[0];
    assert_eq!(
        (decision.by.as_str(), decision.source),
        (AUTONOMOUS_RULE, DecisionSource::Rule)
    );
    let credential = credential_of(&judged).expect("credential");
    assert_eq!(credential.ttl_seconds, 120);
    assert!(!credential.revoked);

    let wrapping = credential.wrapping_token.expect("a clear wrapping token");
    let token = vault
        .verify_and_unwrap(&wrapping)
        .await
        .expect("the agent verifies and unwraps it");
    assert_eq!(token.accessor, credential.wrapped_accessor);
    assert!(
        token.policies.contains(&WRITE_POLICY.to_string()),
        "{token:?}"
    );
    assert!(
        token.ttl_seconds <= 120 && token.ttl_seconds > 100,
        "{token:?}"
    );
    let meta = |key: &str| token.metadata.get(key).map(String::as_str);
    assert_eq!(meta("investigation"), Some("inv-1"));
    assert_eq!(meta("proposal"), Some("payments/scale-api"));
    assert_eq!(meta("approvers"), Some(AUTONOMOUS_RULE));
    assert_eq!(
        token.metadata.get("action_digest"),
        Some(&judged.effective_action().digest()),
        "the credential names the action approved by rule"
    );

    // Above the ceiling it waits for people, and people's approvals are the
    // console's to mint: the governor mints nothing for it.
    cluster.propose("delete-pods", Risk::High, None).await;
    cluster
        .wait_for("delete-pods", Duration::from_secs(20), |p| {
            p.state() == ProposalState::Pending && p.status.is_some()
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let waiting = cluster.proposals().get("delete-pods").await.expect("read");
    assert_eq!(credential_of(&waiting), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiry_revokes_the_credential_the_proposal_holds() {
    let bao = Bao::with_write_policy(NS).await;
    let vault = bao.vault();
    let mut cluster = Cluster::start(Phase::LimitedWrite).await;
    let past = Timestamp::now() - SignedDuration::from_secs(5);
    cluster.propose("scale-api", Risk::Low, Some(past)).await;
    // Pending, and holding a credential (as a racing approval would leave it).
    let minted = vault
        .mint_write_credential(&MintRequest {
            policy: WRITE_POLICY.into(),
            ttl_seconds: 120,
            num_uses: 2,
            investigation: "inv-1".into(),
            proposal: "payments/scale-api".into(),
            action_digest: action_digest(&scale_api(NS, "inv-1", Risk::Low).action),
            approvers: vec!["oncall-1".into()],
            wrap_ttl_seconds: 60,
        })
        .await
        .expect("mint");
    let policy = TrustPolicySpec {
        phase: Phase::LimitedWrite,
        ..TrustPolicySpec::default()
    };
    let mut proposal = cluster.proposals().get("scale-api").await.expect("read");
    let mut status = initial_status(&proposal.spec, Some(&policy), Timestamp::now());
    status.credential = Some(MintedCredential {
        wrapping_token: Some(minted.wrapping_token.clone()),
        wrapped_accessor: minted.wrapped_accessor.clone(),
        ttl_seconds: 120,
        ..Default::default()
    });
    proposal.status = Some(status);
    cluster
        .proposals()
        .replace_status("scale-api", &PostParams::default(), &proposal)
        .await
        .expect("store the pending status and credential");
    assert_eq!(
        cluster
            .proposals()
            .get("scale-api")
            .await
            .expect("read")
            .state(),
        ProposalState::Pending
    );
    vault
        .lookup_accessor(&minted.wrapped_accessor)
        .await
        .expect("the credential is live before the governor runs");

    cluster.run_governor(bao.vault());
    let expired = cluster
        .wait_for("scale-api", Duration::from_secs(20), |p| {
            credential_of(p).is_some_and(|c| c.revoked)
        })
        .await;
    assert_eq!(expired.state(), ProposalState::Expired);
    assert_eq!(
        expired.decisions().last().map(|d| d.by.as_str()),
        Some(TIMEOUT_RULE)
    );
    // The expiry is written first and the runner revokes right after it:
    // the token goes within moments of the status saying so.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let lookup = vault.lookup_accessor(&minted.wrapped_accessor).await;
        if matches!(lookup, Err(VaultError::Api { .. })) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still live 15 s after the expiry: {lookup:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A `bao server -dev` started late on a port chosen up front, killed on drop.
struct LateBao(Child);

impl Drop for LateBao {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vault_down_delays_the_credential_but_not_the_rule_approval() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let settings = VaultSettings {
        addr: format!("http://127.0.0.1:{port}"),
        token: format!("root-{:032x}", rand::random::<u128>()),
        namespace: None,
        ..Default::default()
    };
    let vault = Vault::connect(settings.clone()).expect("client");
    let mut cluster = Cluster::start(Phase::Autonomous).await;
    cluster.run_governor(Vault::connect(settings.clone()).expect("client"));

    cluster.propose("scale-api", Risk::Low, None).await;
    let judged = cluster
        .wait_for("scale-api", Duration::from_secs(20), |p| {
            p.state() == ProposalState::AutoApproved
        })
        .await;
    assert_eq!(credential_of(&judged), None, "nothing to mint with");
    // The failed mint is on the proposal, for the agent and the console.
    let noted = cluster
        .wait_for("scale-api", Duration::from_secs(30), |p| {
            no_credential_of(p).is_some()
        })
        .await;
    let note = no_credential_of(&noted).expect("a note");
    assert_eq!(note.reason, NoCredentialReason::MintFailed);
    assert!(note.message.contains("unreachable"), "{note:?}");

    // Vault comes up: the governor's retry mints the credential.
    let _bao = LateBao(
        Command::new(bao_binary())
            .args([
                "server",
                "-dev",
                &format!("-dev-root-token-id={}", settings.token),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .env_remove("VAULT_ADDR")
            .env_remove("BAO_ADDR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start bao"),
    );
    let minted = cluster
        .wait_for("scale-api", Duration::from_secs(60), |p| {
            credential_of(p).is_some()
        })
        .await;
    assert_eq!(minted.state(), ProposalState::AutoApproved);
    assert_eq!(
        no_credential_of(&minted),
        None,
        "the note goes with the mint"
    );
    let credential = credential_of(&minted).expect("credential");
    let token = vault
        .lookup_accessor(&credential.wrapped_accessor)
        .await
        .expect("a live token in the Vault that came up");
    assert_eq!(
        token.metadata.get("approvers").map(String::as_str),
        Some(AUTONOMOUS_RULE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_sandbox_an_autonomous_agent_uses_the_credential_the_governor_minted() {
    let sandbox = sandbox_with_bao().await;
    let oncall = sandbox.api().client("oncall-1").expect("client");
    let handle = sandbox
        .start_investigation("oomkilled", "checkout")
        .expect("started");
    let inv = handle.investigation.clone();
    let proposals: Api<ActionProposal> = Api::namespaced(oncall.clone(), "checkout");
    let name = format!("{}-1", inv.job);
    let mut executed = None;
    for _ in 0..600 {
        if let Ok(Some(p)) = proposals.get_opt(&name).await
            && p.state() == ProposalState::Executed
        {
            executed = Some(p);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let executed = executed.expect("the rule-approved proposal is executed");
    assert_eq!(executed.decisions()[0].by, AUTONOMOUS_RULE);
    let credential = credential_of(&executed).expect("the governor minted a credential");
    assert_eq!(credential.wrapping_token, None, "sealed to the agent");
    assert!(credential.encrypted_wrapping_token.is_some());
    let log = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(oncall, "checkout")
        .logs(&inv.pod, &Default::default())
        .await
        .expect("the pod log");
    assert!(log.contains("verified the wrapping token"), "{log}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_vault_does_not_delay_expiries() {
    // A "Vault" that accepts connections and never answers: each call hangs
    // until the client's timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a listener");
    let addr = listener.local_addr().expect("its address");
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let settings = VaultSettings {
        addr: format!("http://{addr}"),
        token: "root".into(),
        namespace: None,
        ..Default::default()
    };
    let mut cluster = Cluster::start(Phase::Autonomous).await;
    cluster.run_governor(Vault::connect(settings).expect("client"));

    // A rule approval whose mint hangs in Vault.
    cluster.propose("scale-api", Risk::Low, None).await;
    cluster
        .wait_for("scale-api", Duration::from_secs(20), |p| {
            p.state() == ProposalState::AutoApproved
        })
        .await;

    // Above the ceiling it waits for people, and its time is already up.
    let past = Timestamp::now() - SignedDuration::from_secs(1);
    cluster.propose("delete-pods", Risk::High, Some(past)).await;
    let expired = cluster
        .wait_for("delete-pods", Duration::from_secs(3), |p| {
            p.state() == ProposalState::Expired
        })
        .await;
    assert_eq!(
        expired.decisions().last().map(|d| d.by.as_str()),
        Some(TIMEOUT_RULE)
    );
    let waiting = cluster.proposals().get("scale-api").await.expect("read");
    assert_eq!(credential_of(&waiting), None, "Vault never answered");
    silent.abort();
}
