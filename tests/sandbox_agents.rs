//! The simulated agents, seen from outside: through kube::Client, as the
//! console and kubectl see them.

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{ListParams, LogParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use kubevigil::domain::{
    ActionProposal, Decision, DecisionSource, Phase, ProposalState, TrustPolicy, Verdict, labels,
};
use kubevigil::governor::{AUTONOMOUS_RULE, TIMEOUT_RULE, apply_decision};
use kubevigil::sandbox::agents::{InvestigationRef, Outcome};
use kubevigil::sandbox::{InvestigationHandle, Sandbox, SandboxOptions};
use std::time::Duration;

/// Fast enough that a scenario takes seconds.
const SPEED: f64 = 50.0;
const PATIENCE: Duration = Duration::from_secs(60);

async fn quiet_sandbox(extra_investigations: usize) -> Sandbox {
    Sandbox::start(SandboxOptions {
        port: 0,
        extra_investigations,
        speed: SPEED,
        scenarios: false,
        ..SandboxOptions::default()
    })
    .await
    .expect("the sandbox starts")
}

fn client(sandbox: &Sandbox, user: &str) -> Client {
    sandbox.api().client(user).expect("a client")
}

/// Waits until proposal number `number` of the investigation exists with a
/// status in `state`.
async fn proposal_in_state(
    client: &Client,
    inv: &InvestigationRef,
    number: usize,
    state: ProposalState,
) -> ActionProposal {
    let api: Api<ActionProposal> = Api::namespaced(client.clone(), &inv.namespace);
    let name = format!("{}-{number}", inv.job);
    let poll = async {
        loop {
            if let Ok(Some(p)) = api.get_opt(&name).await
                && p.status.as_ref().is_some_and(|s| s.state == state)
            {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, poll)
        .await
        .unwrap_or_else(|_| panic!("proposal {name} never reached {state}"))
}

/// Writes `verdict` by `user` on the proposal, as the console would:
/// the governor's rules build the status, the resourceVersion guards the write.
async fn decide(
    client: &Client,
    proposal: &ActionProposal,
    user: &str,
    verdict: Verdict,
    reason: Option<&str>,
) -> ActionProposal {
    let api: Api<ActionProposal> =
        Api::namespaced(client.clone(), &proposal.namespace().expect("namespaced"));
    let decision = Decision {
        by: user.to_string(),
        verified: true,
        at: Time(Timestamp::now()),
        verdict,
        reason: reason.map(str::to_string),
        source: DecisionSource::Manual,
        edited: false,
        edited_action: None,
        action_digest: None,
    };
    let status = proposal.status.clone().expect("a status");
    let required = status.approvals_required.unwrap_or(1);
    let mut decided = proposal.clone();
    decided.status = Some(apply_decision(&status, decision, required).expect("a valid decision"));
    api.replace_status(&proposal.name_any(), &PostParams::default(), &decided)
        .await
        .expect("the decision is written")
}

async fn outcome_of(handle: InvestigationHandle) -> Outcome {
    tokio::time::timeout(PATIENCE, handle.task)
        .await
        .expect("the agent finishes in time")
        .expect("the agent task does not panic")
        .expect("the agent does not fail")
}

async fn pod_log(client: &Client, inv: &InvestigationRef) -> String {
    let pods: Api<Pod> = Api::namespaced(client.clone(), &inv.namespace);
    pods.logs(&inv.pod, &LogParams::default())
        .await
        .expect("the pod log")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_through_the_api_leads_to_execution() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();

    let pending = proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;
    assert_eq!(
        pending.status.as_ref().and_then(|s| s.approvals_required),
        Some(1)
    );
    assert_eq!(pending.spec.investigation, inv.id);
    let owner = &pending.owner_references()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Job", inv.job.as_str())
    );
    assert!(
        pending
            .spec
            .preview
            .as_ref()
            .and_then(|p| p.diff.as_ref())
            .is_some_and(|d| d.starts_with("--- "))
    );
    assert!(pending.spec.expires_at.is_some());

    decide(&oncall, &pending, "oncall-1", Verdict::Approve, None).await;
    assert_eq!(outcome_of(handle).await, Outcome::Executed);

    let done = proposal_in_state(&oncall, &inv, 1, ProposalState::Executed).await;
    let status = done.status.expect("status");
    assert_eq!(status.decisions[0].by, "oncall-1");
    assert!(status.execution.is_some_and(|e| e.succeeded));
    let job = Api::<Job>::namespaced(oncall.clone(), &inv.namespace)
        .get(&inv.job)
        .await
        .expect("the job");
    let job_status = job.status.expect("job status");
    assert_eq!(job_status.succeeded, Some(1));
    assert!(
        job_status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Complete" && c.status == "True")
    );
    let pod = Api::<Pod>::namespaced(oncall.clone(), &inv.namespace)
        .get(&inv.pod)
        .await
        .expect("the pod");
    assert_eq!(
        pod.status.and_then(|s| s.phase).as_deref(),
        Some("Succeeded")
    );
    let log = pod_log(&oncall, &inv).await;
    assert!(log.contains(r#""type":"proposal""#), "{log}");
    assert!(log.contains(r#""resolved":true"#), "{log}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veto_reason_reaches_the_agent_which_revises_then_concludes() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();

    let first = proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;
    let reason = "change freeze until 09:00, page the web team instead";
    decide(&oncall, &first, "oncall-1", Verdict::Veto, Some(reason)).await;

    let revised = proposal_in_state(&oncall, &inv, 2, ProposalState::Pending).await;
    assert_ne!(
        revised.spec.summary, first.spec.summary,
        "a different, safer proposal"
    );
    assert!(revised.spec.risk <= first.spec.risk);
    let log = pod_log(&oncall, &inv).await;
    assert!(
        log.contains(reason),
        "the agent quotes the veto reason:\n{log}"
    );

    decide(
        &oncall,
        &revised,
        "oncall-1",
        Verdict::Veto,
        Some("no writes tonight"),
    )
    .await;
    assert_eq!(
        outcome_of(handle).await,
        Outcome::Vetoed {
            by: "oncall-1".into(),
            reason: "no writes tonight".into()
        }
    );
    let log = pod_log(&oncall, &inv).await;
    assert!(log.contains(r#""type":"conclusion""#), "{log}");
    assert!(log.contains(r#""resolved":false"#), "{log}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_in_a_shadow_namespace_is_only_recorded() {
    let sandbox = quiet_sandbox(0).await;
    let viewer = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("certificate", "platform")
        .expect("started");
    let inv = handle.investigation.clone();
    assert_eq!(
        outcome_of(handle).await,
        Outcome::Recorded {
            phase: Phase::Shadow
        }
    );
    let recorded = proposal_in_state(&viewer, &inv, 1, ProposalState::Recorded).await;
    let status = recorded.status.expect("status");
    assert_eq!(status.phase, Some(Phase::Shadow));
    assert!(status.execution.is_none(), "nothing was executed");
    assert!(status.decisions.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autonomous_under_the_ceiling_is_approved_by_rule_and_executed() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("oomkilled", "checkout")
        .expect("started");
    let inv = handle.investigation.clone();
    assert_eq!(outcome_of(handle).await, Outcome::Executed);
    let executed = proposal_in_state(&oncall, &inv, 1, ProposalState::Executed).await;
    let status = executed.status.expect("status");
    assert_eq!(status.decisions.len(), 1);
    assert_eq!(status.decisions[0].by, AUTONOMOUS_RULE);
    assert_eq!(status.decisions[0].source, DecisionSource::Rule);
    assert!(status.execution.is_some_and(|e| e.succeeded));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_job_stops_the_agent() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let handle = sandbox
        .start_investigation("firewall", "payments")
        .expect("started");
    let inv = handle.investigation.clone();
    proposal_in_state(&oncall, &inv, 1, ProposalState::Pending).await;
    let jobs: Api<Job> = Api::namespaced(oncall.clone(), &inv.namespace);
    jobs.delete(&inv.job, &Default::default())
        .await
        .expect("the job is deleted");
    assert_eq!(outcome_of(handle).await, Outcome::Stopped);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_seeded_investigations_are_listed_by_label() {
    let started = std::time::Instant::now();
    let sandbox = quiet_sandbox(10_000).await;
    eprintln!(
        "sandbox with 10,000 seeded investigations started in {:?}",
        started.elapsed()
    );
    let jobs: Api<Job> = Api::all(client(&sandbox, "oncall-1"));
    let listed = jobs
        .list(&ListParams::default().labels(labels::INVESTIGATION_SELECTOR))
        .await
        .expect("the list");
    assert!(listed.items.len() >= 10_000, "{} jobs", listed.items.len());
    let running = listed
        .items
        .iter()
        .filter(|j| j.status.as_ref().and_then(|s| s.active).unwrap_or(0) > 0)
        .count();
    assert!(
        running > 0 && running < 1_000,
        "some running, mostly finished: {running}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_person_rule_end_to_end() {
    let sandbox = quiet_sandbox(0).await;
    let first_person = client(&sandbox, "oncall-1");
    let second_person = client(&sandbox, "oncall-2");
    let handle = sandbox
        .start_investigation("firewall", "payments")
        .expect("started");
    let inv = handle.investigation.clone();

    let pending = proposal_in_state(&first_person, &inv, 1, ProposalState::Pending).await;
    assert_eq!(
        pending.status.as_ref().and_then(|s| s.approvals_required),
        Some(2)
    );
    let half = decide(&first_person, &pending, "oncall-1", Verdict::Approve, None).await;
    let half_status = half.status.clone().expect("status");
    assert_eq!(
        half_status.state,
        ProposalState::Pending,
        "one approval is not enough"
    );
    assert_eq!(half_status.approvals_required, Some(1));

    decide(&second_person, &half, "oncall-2", Verdict::Approve, None).await;
    assert_eq!(outcome_of(handle).await, Outcome::Executed);
    let executed = proposal_in_state(&first_person, &inv, 1, ProposalState::Executed).await;
    let approvers: Vec<String> = executed
        .status
        .expect("status")
        .decisions
        .into_iter()
        .map(|d| d.by)
        .collect();
    assert_eq!(approvers, ["oncall-1", "oncall-2"]);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecided_proposal_expires_and_the_agent_does_not_act() {
    let sandbox = quiet_sandbox(0).await;
    let oncall = client(&sandbox, "oncall-1");
    let policies: Api<TrustPolicy> = Api::namespaced(oncall.clone(), "web");
    policies
        .patch(
            "default",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"proposalTimeoutSeconds": 1}})),
        )
        .await
        .expect("the policy is changed");
    let handle = sandbox
        .start_investigation("rollout", "web")
        .expect("started");
    let inv = handle.investigation.clone();
    assert_eq!(outcome_of(handle).await, Outcome::Expired);
    let expired = proposal_in_state(&oncall, &inv, 1, ProposalState::Expired).await;
    let status = expired.status.expect("status");
    assert_eq!(status.decisions.len(), 1);
    assert_eq!(status.decisions[0].by, TIMEOUT_RULE);
    assert_eq!(status.decisions[0].verdict, Verdict::Expire);
    assert!(status.execution.is_none());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_scenarios_every_kind_starts_at_once() {
    let sandbox = Sandbox::start(SandboxOptions {
        port: 0,
        extra_investigations: 0,
        speed: SPEED,
        scenarios: true,
        flaky: true,
    })
    .await
    .expect("the sandbox starts");
    let jobs: Api<Job> = Api::all(client(&sandbox, "viewer"));
    let poll = async {
        loop {
            let listed = jobs
                .list(&ListParams::default().labels(labels::INVESTIGATION_SELECTOR))
                .await
                .expect("the list");
            let namespaces: std::collections::BTreeSet<String> =
                listed.items.iter().filter_map(|j| j.namespace()).collect();
            if listed.items.len() >= 5 {
                return namespaces;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let namespaces = tokio::time::timeout(PATIENCE, poll)
        .await
        .expect("five investigations start");
    assert_eq!(
        namespaces.into_iter().collect::<Vec<_>>(),
        ["checkout", "data", "payments", "platform", "web"]
    );
    sandbox.shutdown().await;
}
