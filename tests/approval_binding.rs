//! The approval is bound to what runs, through the product's own decision
//! path (`decide_request`, as the console sends it) against the sandbox's
//! Kubernetes emulator and, for revocation, a real OpenBao dev server:
//! a decision never lands on a recreated proposal of the same name, an
//! approval of an action that was edited since is refused, an edit resets the
//! count to approvals of the edited digest, a patch that does not parse can
//! never be approved, Vault off is written down, and a veto retried later
//! still revokes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::Bao;
use common::world::{audit_log, create_judged, create_policy, emulator, scale_api};
use jiff::Timestamp;
use kube::api::DeleteParams;
use kube::{Api, Client, ResourceExt};
use kubevigil::audit::{AuditLog, read_local};
use kubevigil::decide::{DecideError, Decider, Identity, PendingDecision, validate_edit, whoami};
use kubevigil::domain::{
    ActionKind, ActionProposal, ActionProposalSpec, CanonicalAction, NoCredentialReason, Phase,
    ProposalState, Risk, TrustPolicySpec, Verdict, action_digest,
};
use kubevigil::governor::CANONICAL_FORM_RULE;
use kubevigil::sandbox::api::{AGENT_USER, ApiServer};
use kubevigil::vault::{Vault, generate_key_pair};
use std::sync::Arc;
use tempfile::TempDir;

const NS: &str = "payments";

struct World {
    server: ApiServer,
    _data: TempDir,
    audit: Arc<AuditLog>,
}

impl World {
    async fn start(required_approvals: u32) -> World {
        let (data, audit) = audit_log();
        let world = World {
            server: emulator().await,
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
                ..TrustPolicySpec::default()
            },
        )
        .await;
        world
    }

    fn client(&self, user: &str) -> Client {
        self.server.client(user).expect("client")
    }

    fn proposals(&self) -> Api<ActionProposal> {
        Api::namespaced(self.client(AGENT_USER), NS)
    }

    async fn identity(&self, user: &str) -> Identity {
        whoami(&self.client(user), Some("from-kubeconfig")).await
    }

    async fn propose(&self, name: &str, spec: ActionProposalSpec) -> ActionProposal {
        let mut proposal = ActionProposal::new(name, spec);
        proposal.metadata.namespace = Some(NS.into());
        create_judged(&self.client(AGENT_USER), &proposal).await
    }

    async fn get(&self, name: &str) -> ActionProposal {
        self.proposals().get(name).await.expect("read the proposal")
    }

    /// What the console sends when `user` confirms in a dialog that showed
    /// `shown` (the proposal as the console saw it).
    async fn request(
        &self,
        user: &str,
        shown: &ActionProposal,
        verdict: Verdict,
        reason: Option<&str>,
    ) -> PendingDecision {
        PendingDecision {
            identity: self.identity(user).await,
            namespace: NS.into(),
            proposal: shown.name_any(),
            verdict,
            reason: reason.map(Into::into),
            edited_action: None,
            proposal_uid: shown.uid(),
            shown_digest: Some(shown.effective_action().digest()),
            context: "test".into(),
            first_tried_at: Timestamp::now(),
        }
    }

    /// The decider the console would use for `request`'s author.
    fn decider(&self, request: &PendingDecision, vault: Option<Arc<Vault>>) -> Decider {
        let user = request.identity.user.clone();
        Decider::new(self.client(&user), request.identity.clone())
            .with_audit(Arc::clone(&self.audit))
            .with_vault(vault)
    }

    async fn send(
        &self,
        request: &PendingDecision,
        vault: Option<Arc<Vault>>,
    ) -> Result<kubevigil::decide::DecisionOutcome, DecideError> {
        self.decider(request, vault).decide(request).await
    }
}

fn patch_spec(patch: &str) -> ActionProposalSpec {
    let mut spec = scale_api(NS, "inv-1", Risk::Low);
    spec.action.kind = ActionKind::Patch;
    spec.action.replicas = None;
    spec.action.patch_type = Some("merge".into());
    spec.action.patch = Some(patch.into());
    spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_never_lands_on_a_recreated_proposal_of_the_same_name() {
    let w = World::start(1).await;
    let seen = w
        .propose("scale-api", scale_api(NS, "inv-1", Risk::Low))
        .await;
    let approve = w.request("oncall-1", &seen, Verdict::Approve, None).await;
    w.proposals()
        .delete("scale-api", &DeleteParams::default())
        .await
        .expect("delete");
    let mut other = scale_api(NS, "inv-1", Risk::Low);
    other.action.replicas = Some(0);
    let replaced = w.propose("scale-api", other).await;
    assert_ne!(replaced.uid(), seen.uid());

    let refused = w.send(&approve, None).await.expect_err("refused");
    assert!(
        matches!(refused, DecideError::Replaced { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("replaced by a new proposal"));
    let after = w.get("scale-api").await;
    assert_eq!(after.state(), ProposalState::Pending);
    assert!(after.decisions().is_empty(), "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_binds_the_approvals_to_the_edited_action() {
    let w = World::start(2).await;
    let proposed = w
        .propose("scale-api", scale_api(NS, "inv-1", Risk::Low))
        .await;
    let original_digest = proposed.effective_action().digest();

    // oncall-2 opened the dialog before oncall-1's edit landed.
    let stale = w
        .request("oncall-2", &proposed, Verdict::Approve, None)
        .await;

    let edited = validate_edit(&proposed.spec.action, "replicas: 2").expect("a valid edit");
    let mut edit = w
        .request("oncall-1", &proposed, Verdict::Approve, None)
        .await;
    edit.edited_action = Some(edited.clone());
    let first = w.send(&edit, None).await.expect("edit and approve");
    assert_eq!(first.state, ProposalState::Pending);
    assert_eq!(first.approvals_still_required, 1);
    assert_eq!(
        first.decision.action_digest.as_deref(),
        Some(action_digest(&edited).as_str())
    );

    let refused = w.send(&stale, None).await.expect_err("the action changed");
    assert!(
        matches!(&refused, DecideError::ActionChanged { by, .. } if by.contains("oncall-1")),
        "{refused:?}"
    );
    assert_eq!(w.get("scale-api").await.decisions().len(), 1);

    let now = w.get("scale-api").await;
    assert_ne!(now.effective_action().digest(), original_digest);
    let fresh = w.request("oncall-2", &now, Verdict::Approve, None).await;
    let done = w.send(&fresh, None).await.expect("second approval");
    assert_eq!(done.state, ProposalState::Approved);
    let approved = w.get("scale-api").await;
    assert_eq!(approved.effective_action().action, edited);
    assert!(
        approved
            .decisions()
            .iter()
            .all(|d| d.action_digest.as_deref() == Some(action_digest(&edited).as_str()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_of_the_proposed_action_stops_counting_after_an_edit() {
    let w = World::start(2).await;
    let proposed = w
        .propose("scale-api", scale_api(NS, "inv-1", Risk::Low))
        .await;
    let first = w
        .request("oncall-1", &proposed, Verdict::Approve, None)
        .await;
    w.send(&first, None).await.expect("first approval");

    let now = w.get("scale-api").await;
    let edited = validate_edit(&now.spec.action, "replicas: 9").expect("a valid edit");
    let mut edit = w.request("oncall-2", &now, Verdict::Approve, None).await;
    edit.edited_action = Some(edited);
    let outcome = w.send(&edit, None).await.expect("edit and approve");
    assert_eq!(
        outcome.state,
        ProposalState::Pending,
        "oncall-1 approved 4 replicas, not 9: two people have not approved what runs"
    );
    assert_eq!(outcome.approvals_still_required, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_that_does_not_parse_is_vetoed_by_rule_and_cannot_be_approved() {
    let w = World::start(1).await;
    let hidden = format!(
        "{{\"spec\":{{\"replicas\":3}}}}{}{{\"spec\":{{\"replicas\":0}}}}",
        " ".repeat(4000)
    );
    let judged = w.propose("two-documents", patch_spec(&hidden)).await;
    assert_eq!(judged.state(), ProposalState::Vetoed);
    assert_eq!(
        judged.decisions().first().map(|d| d.by.as_str()),
        Some(CANONICAL_FORM_RULE)
    );
    assert!(!CanonicalAction::of(&judged.spec.action).is_approvable());
    let approve = w.request("oncall-1", &judged, Verdict::Approve, None).await;
    assert!(w.send(&approve, None).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_with_vault_off_says_so_in_the_status_and_the_audit() {
    let w = World::start(1).await;
    let seen = w
        .propose("scale-api", scale_api(NS, "inv-1", Risk::Low))
        .await;
    let approve = w.request("oncall-1", &seen, Verdict::Approve, None).await;
    let outcome = w.send(&approve, None).await.expect("approve");
    assert_eq!(outcome.state, ProposalState::Approved);

    let stored = w.get("scale-api").await;
    let status = stored.status.expect("a status");
    assert!(status.credential.is_none());
    assert_eq!(
        status.no_credential.map(|n| n.reason),
        Some(NoCredentialReason::VaultOff)
    );
    let (records, _) = read_local(w.audit.path()).expect("read the audit log");
    let detail = records
        .last()
        .and_then(|r| r.detail.clone())
        .unwrap_or_default();
    assert!(
        detail.contains("executed without a Vault credential"),
        "{detail}"
    );
    assert!(
        detail.contains(&seen.effective_action().digest()),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veto_retried_later_still_revokes_the_minted_credential() {
    let w = World::start(1).await;
    let bao = Bao::with_write_policy(NS).await;
    let vault = Arc::new(bao.vault());
    let (_identity, recipient) = generate_key_pair();
    let spec = ActionProposalSpec {
        credential_recipient: Some(recipient),
        ..scale_api(NS, "inv-1", Risk::Low)
    };
    let seen = w.propose("scale-api", spec).await;
    let approve = w.request("oncall-1", &seen, Verdict::Approve, None).await;
    let approved = w
        .send(&approve, Some(Arc::clone(&vault)))
        .await
        .expect("approve");
    let credential = approved
        .proposal
        .status
        .as_ref()
        .and_then(|s| s.credential.clone())
        .expect("minted");
    assert!(
        vault
            .lookup_accessor(&credential.wrapped_accessor)
            .await
            .is_ok()
    );
    let metadata = vault
        .lookup_accessor(&credential.wrapped_accessor)
        .await
        .expect("lookup")
        .metadata;
    assert_eq!(
        metadata.get("action_digest"),
        Some(&seen.effective_action().digest()),
        "the credential names the digest that runs"
    );

    // The veto's first answer was lost; the console retries it.
    let now = w.get("scale-api").await;
    let veto = w
        .request("oncall-2", &now, Verdict::Veto, Some("wrong deployment"))
        .await;
    let vetoed = w
        .decider(&veto, Some(Arc::clone(&vault)))
        .retry(&veto)
        .await
        .expect("veto on retry");
    assert_eq!(vetoed.state, ProposalState::Vetoed);
    assert!(
        vault
            .lookup_accessor(&credential.wrapped_accessor)
            .await
            .is_err(),
        "revoked in Vault"
    );
    let stored = w.get("scale-api").await;
    assert!(
        stored
            .status
            .and_then(|s| s.credential)
            .is_some_and(|c| c.revoked)
    );
}
