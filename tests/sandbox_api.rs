//! The Kubernetes API emulator, exercised through the unchanged `kube::Client`
//! and `kube_runtime::watcher`, as the product and the other tests use it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kubevigil::domain::ActionProposal;
use kubevigil::sandbox::api::{AGENT_USER, ApiConfig, ApiServer};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const NS: &str = "payments";
/// Upper bound for anything a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

async fn server() -> ApiServer {
    ApiServer::start(ApiConfig::default()).await.unwrap()
}

fn proposal(name: &str) -> ActionProposal {
    serde_json::from_value(json!({
        "apiVersion": "kubevigil.io/v1alpha1",
        "kind": "ActionProposal",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "investigation": "inv-1",
            "summary": "restart checkout",
            "risk": "medium",
            "reversible": true,
            "action": {
                "kind": "rollout-restart",
                "target": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": NS, "name": "checkout"}
            }
        }
    }))
    .unwrap()
}

fn job(name: &str) -> Job {
    serde_json::from_value(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": NS, "labels": {"kubevigil.io/investigation": name}},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "agent", "image": "agent:1"}]}}}
    }))
    .unwrap()
}

fn owned_by(kind: &str, name: &str, owner: &Job) -> Value {
    let owner_ref = json!([{
        "apiVersion": "batch/v1", "kind": "Job",
        "name": owner.metadata.name, "uid": owner.metadata.uid, "controller": true
    }]);
    match kind {
        "Pod" => json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": NS, "ownerReferences": owner_ref,
                "labels": {"batch.kubernetes.io/controller-uid": owner.metadata.uid, "job-name": owner.metadata.name}},
            "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}
        }),
        _ => {
            let mut ap = serde_json::to_value(proposal(name)).unwrap();
            ap["metadata"]["ownerReferences"] = owner_ref;
            ap
        }
    }
}

fn api_status(result: Result<impl std::fmt::Debug, kube::Error>) -> kube::core::Status {
    match result {
        Err(kube::Error::Api(status)) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[tokio::test]
async fn a_watcher_sees_create_update_and_delete_in_order() {
    let server = server().await;
    let proposals: Api<ActionProposal> = Api::namespaced(server.client("oncall-1").unwrap(), NS);
    let mut events = watcher(proposals.clone(), watcher::Config::default()).boxed();
    within("initial list", async {
        while !matches!(
            events.try_next().await.unwrap(),
            Some(watcher::Event::InitDone)
        ) {}
    })
    .await;

    proposals
        .create(&PostParams::default(), &proposal("ap-1"))
        .await
        .unwrap();
    let status = json!({"status": {"state": "Approved", "decisions": []}});
    proposals
        .patch_status("ap-1", &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    proposals
        .delete("ap-1", &DeleteParams::default())
        .await
        .unwrap();

    let mut seen = Vec::new();
    within("three events", async {
        while seen.len() < 3 {
            match events.try_next().await.unwrap() {
                Some(watcher::Event::Apply(ap)) => seen.push(format!("apply {}", ap.state())),
                Some(watcher::Event::Delete(ap)) => {
                    seen.push(format!("delete {}", ap.metadata.name.unwrap()));
                }
                _ => {}
            }
        }
    })
    .await;
    assert_eq!(seen, ["apply Pending", "apply Approved", "delete ap-1"]);
}

#[tokio::test]
async fn a_watch_from_a_compacted_version_gets_410_and_the_watcher_relists() {
    // No bookmarks during the test, so the watcher resumes from the version of the last event.
    let config = ApiConfig {
        bookmark_interval: Duration::from_secs(3600),
        ..ApiConfig::default()
    };
    let server = ApiServer::start(config).await.unwrap();
    let client = server.client("oncall-1").unwrap();
    let proposals: Api<ActionProposal> = Api::namespaced(client.clone(), NS);
    // Each watch request lasts one second, then the watcher resumes from its last version.
    let mut events = watcher(proposals.clone(), watcher::Config::default().timeout(1)).boxed();
    within("initial list", async {
        while !matches!(
            events.try_next().await.unwrap(),
            Some(watcher::Event::InitDone)
        ) {}
    })
    .await;
    proposals
        .create(&PostParams::default(), &proposal("before"))
        .await
        .unwrap();
    within("the first proposal", async {
        while !matches!(
            events.try_next().await.unwrap(),
            Some(watcher::Event::Apply(_))
        ) {}
    })
    .await;

    // Move the global version on elsewhere, then forget history: the watcher's version is now too old.
    Api::<Job>::namespaced(client, NS)
        .create(&PostParams::default(), &job("elsewhere"))
        .await
        .unwrap();
    server.compact_history();

    let gone = within("a 410", async {
        loop {
            if let Err(watcher::Error::WatchError(status)) = events.next().await.unwrap() {
                return status;
            }
        }
    })
    .await;
    assert_eq!(gone.code, 410);
    assert!(
        gone.message.contains("too old resource version"),
        "{}",
        gone.message
    );

    let mut relisted = Vec::new();
    within("a relist", async {
        loop {
            match events.try_next().await.unwrap() {
                Some(watcher::Event::InitApply(ap)) => relisted.push(ap.metadata.name.unwrap()),
                Some(watcher::Event::InitDone) => break,
                _ => {}
            }
        }
    })
    .await;
    assert_eq!(relisted, ["before"]);

    proposals
        .create(&PostParams::default(), &proposal("after"))
        .await
        .unwrap();
    let name = within("the next proposal", async {
        loop {
            if let Some(watcher::Event::Apply(ap)) = events.try_next().await.unwrap() {
                return ap.metadata.name.unwrap();
            }
        }
    })
    .await;
    assert_eq!(name, "after");
}

#[tokio::test]
async fn a_status_patch_with_a_stale_resource_version_gets_409() {
    let server = server().await;
    let proposals: Api<ActionProposal> = Api::namespaced(server.client("oncall-1").unwrap(), NS);
    let created = proposals
        .create(&PostParams::default(), &proposal("ap-1"))
        .await
        .unwrap();
    let read_version = created.metadata.resource_version.unwrap();

    let approve =
        json!({"metadata": {"resourceVersion": read_version}, "status": {"state": "Approved"}});
    proposals
        .patch_status("ap-1", &PatchParams::default(), &Patch::Merge(&approve))
        .await
        .unwrap();
    // The second operator read the same version and decides too late.
    let veto =
        json!({"metadata": {"resourceVersion": read_version}, "status": {"state": "Vetoed"}});
    let status = api_status(
        proposals
            .patch_status("ap-1", &PatchParams::default(), &Patch::Merge(&veto))
            .await,
    );
    assert_eq!(status.code, 409);
    assert_eq!(status.reason, "Conflict");
    assert!(
        status.message.contains("the object has been modified"),
        "{}",
        status.message
    );
    assert_eq!(
        proposals.get("ap-1").await.unwrap().state().to_string(),
        "Approved"
    );
}

#[tokio::test]
async fn a_json_patch_whose_test_fails_is_refused_and_changes_nothing() {
    let server = server().await;
    let proposals: Api<ActionProposal> = Api::namespaced(server.client("oncall-1").unwrap(), NS);
    proposals
        .create(&PostParams::default(), &proposal("ap-1"))
        .await
        .unwrap();
    let pending = json!({"status": {"state": "Pending", "decisions": []}});
    let before = proposals
        .patch_status("ap-1", &PatchParams::default(), &Patch::Merge(&pending))
        .await
        .unwrap();

    let operations: json_patch::Patch = serde_json::from_value(json!([
        {"op": "test", "path": "/status/state", "value": "Approved"},
        {"op": "replace", "path": "/status/state", "value": "Vetoed"}
    ]))
    .unwrap();
    let status = api_status(
        proposals
            .patch_status(
                "ap-1",
                &PatchParams::default(),
                &Patch::<()>::Json(operations),
            )
            .await,
    );
    assert_eq!(status.code, 422);
    assert_eq!(status.reason, "Invalid");

    let after = proposals.get("ap-1").await.unwrap();
    assert_eq!(after.state().to_string(), "Pending");
    assert_eq!(
        after.metadata.resource_version,
        before.metadata.resource_version
    );
}

#[tokio::test]
async fn a_log_follow_stream_receives_lines_appended_after_it_opened_and_ends_with_the_pod() {
    let server = server().await;
    let pods: Api<Pod> = Api::namespaced(server.client("oncall-1").unwrap(), NS);
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "inv-1-pod"},
        "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    server.append_log(NS, "inv-1-pod", r#"{"type":"thought","text":"before"}"#);

    let follow = LogParams {
        follow: true,
        ..LogParams::default()
    };
    let mut lines = pods.log_stream("inv-1-pod", &follow).await.unwrap().lines();
    assert_eq!(
        within("the earlier line", lines.try_next())
            .await
            .unwrap()
            .unwrap(),
        r#"{"type":"thought","text":"before"}"#
    );
    server.append_log(NS, "inv-1-pod", "after 1");
    server.append_log(NS, "inv-1-pod", "after 2");
    assert_eq!(
        within("line 1", lines.try_next()).await.unwrap().unwrap(),
        "after 1"
    );
    assert_eq!(
        within("line 2", lines.try_next()).await.unwrap().unwrap(),
        "after 2"
    );

    server.append_log(NS, "inv-1-pod", "last words");
    let done = json!({"status": {"phase": "Succeeded"}});
    pods.patch_status("inv-1-pod", &PatchParams::default(), &Patch::Merge(&done))
        .await
        .unwrap();
    let rest: Vec<String> = within("the end of the stream", lines.try_collect())
        .await
        .unwrap();
    assert_eq!(rest, ["last words"]);

    let tail = pods
        .logs(
            "inv-1-pod",
            &LogParams {
                tail_lines: Some(1),
                timestamps: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    let (stamp, text) = tail.trim_end().split_once(' ').unwrap();
    assert_eq!(text, "last words");
    assert!(stamp.parse::<jiff::Timestamp>().is_ok(), "{stamp}");
    assert_eq!(
        api_status(pods.logs("missing", &LogParams::default()).await).code,
        404
    );
}

#[tokio::test]
async fn deleting_a_job_removes_its_pods_and_proposals() {
    let server = server().await;
    let client = server.client("oncall-1").unwrap();
    let jobs: Api<Job> = Api::namespaced(client.clone(), NS);
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    let proposals: Api<ActionProposal> = Api::namespaced(client, NS);
    let investigation = jobs
        .create(&PostParams::default(), &job("inv-1"))
        .await
        .unwrap();
    let bystander = jobs
        .create(&PostParams::default(), &job("inv-2"))
        .await
        .unwrap();
    server.seed(vec![
        owned_by("Pod", "inv-1-pod", &investigation),
        owned_by("ActionProposal", "inv-1-restart", &investigation),
        owned_by("Pod", "inv-2-pod", &bystander),
    ]);

    jobs.delete("inv-1", &DeleteParams::background())
        .await
        .unwrap();

    let pod_names: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .iter()
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(pod_names, ["inv-2-pod"]);
    assert!(
        proposals
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(api_status(jobs.get("inv-1").await).code, 404);
}

#[tokio::test]
async fn deleting_a_job_without_a_policy_keeps_its_pods_like_a_real_cluster() {
    let server = server().await;
    let client = server.client("oncall-1").unwrap();
    let jobs: Api<Job> = Api::namespaced(client.clone(), NS);
    let pods: Api<Pod> = Api::namespaced(client, NS);
    let investigation = jobs
        .create(&PostParams::default(), &job("inv-1"))
        .await
        .unwrap();
    server.seed(vec![owned_by("Pod", "inv-1-pod", &investigation)]);

    jobs.delete("inv-1", &DeleteParams::default())
        .await
        .unwrap();

    let orphan = pods.get("inv-1-pod").await.unwrap();
    assert!(
        orphan
            .metadata
            .owner_references
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn a_viewer_gets_403_naming_user_verb_and_resource() {
    let server = server().await;
    let operator: Api<ActionProposal> = Api::namespaced(server.client("oncall-1").unwrap(), NS);
    operator
        .create(&PostParams::default(), &proposal("ap-1"))
        .await
        .unwrap();
    let viewer: Api<ActionProposal> = Api::namespaced(server.client("viewer").unwrap(), NS);

    assert_eq!(
        viewer.get("ap-1").await.unwrap().metadata.name.as_deref(),
        Some("ap-1")
    );
    let approve = json!({"status": {"state": "Approved"}});
    let status = api_status(
        viewer
            .patch_status("ap-1", &PatchParams::default(), &Patch::Merge(&approve))
            .await,
    );
    assert_eq!(status.code, 403);
    assert_eq!(status.reason, "Forbidden");
    assert_eq!(
        status.message,
        "actionproposals.kubevigil.io \"ap-1\" is forbidden: User \"viewer\" cannot patch resource \
         \"actionproposals/status\" in API group \"kubevigil.io\" in the namespace \"payments\""
    );
    let details = status.details.unwrap();
    assert_eq!(
        (
            details.name.as_str(),
            details.group.as_str(),
            details.kind.as_str()
        ),
        ("ap-1", "kubevigil.io", "actionproposals")
    );
    assert_eq!(
        operator.get("ap-1").await.unwrap().state().to_string(),
        "Pending"
    );
}

#[tokio::test]
async fn a_namespace_limited_user_may_not_list_cluster_wide() {
    let server = server().await;
    let client = server.client("payments-dev").unwrap();
    let status = api_status(
        Api::<Job>::all(client.clone())
            .list(&ListParams::default())
            .await,
    );
    assert_eq!(status.code, 403);
    assert!(
        status.message.contains("at the cluster scope"),
        "{}",
        status.message
    );
    Api::<Job>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &job("inv-1"))
        .await
        .unwrap();
    assert_eq!(
        Api::<Job>::namespaced(client.clone(), NS)
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let elsewhere = Api::<Job>::namespaced(client, "checkout")
        .list(&ListParams::default())
        .await;
    assert_eq!(api_status(elsewhere).code, 403);
}

#[tokio::test]
async fn requests_without_a_known_token_get_401() {
    let server = server().await;
    let mut config = server.client_config("oncall-1").unwrap();
    config.auth_info.token = Some("not-a-token".to_string().into());
    let client = kube::Client::try_from(config).unwrap();
    let status = api_status(Api::<Job>::all(client).list(&ListParams::default()).await);
    assert_eq!(status.code, 401);
    assert!(server.client("nobody").is_err());
}

fn seeded_job(i: usize) -> Value {
    let tiers = ["web", "db", "cache"];
    let mut labels =
        json!({"kubevigil.io/investigation": format!("inv-{i}"), "tier": tiers[i % 3]});
    if i.is_multiple_of(5) {
        labels["canary"] = json!("true");
    }
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": format!("inv-{i:05}"), "namespace": format!("ns-{}", i % 4), "labels": labels},
        "spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}}
    })
}

async fn list_all_pages(jobs: &Api<Job>, selector: &str, page: u32) -> Vec<String> {
    let mut names = Vec::new();
    let mut params = ListParams::default().labels(selector).limit(page);
    loop {
        let list = jobs.list(&params).await.unwrap();
        assert!(list.items.len() <= page as usize);
        names.extend(list.items.iter().map(|j| j.metadata.name.clone().unwrap()));
        match list.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return names,
        }
    }
}

#[tokio::test]
async fn label_selectors_and_pagination_return_every_item_exactly_once() {
    let server = server().await;
    const COUNT: usize = 3000;
    server.seed((0..COUNT).map(seeded_job).collect());
    let jobs: Api<Job> = Api::all(server.client("viewer").unwrap());

    let expect = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
        let mut names: Vec<(usize, String)> = (0..COUNT)
            .filter(|i| keep(*i))
            .map(|i| (i % 4, format!("inv-{i:05}")))
            .collect();
        names.sort();
        names.into_iter().map(|(_, n)| n).collect()
    };
    let cases: [(&str, &dyn Fn(usize) -> bool); 6] = [
        ("", &|_| true),
        ("tier in (web,db)", &|i| i % 3 != 2),
        ("tier notin (web)", &|i| i % 3 != 0),
        ("tier!=cache", &|i| i % 3 != 2),
        ("canary", &|i| i.is_multiple_of(5)),
        ("!canary,tier=db", &|i| !i.is_multiple_of(5) && i % 3 == 1),
    ];
    for (selector, keep) in cases {
        let names = list_all_pages(&jobs, selector, 250).await;
        let unique: BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "duplicates for {selector:?}");
        assert_eq!(names, expect(keep), "selector {selector:?}");
    }
    let in_one_namespace = Api::<Job>::namespaced(server.client("viewer").unwrap(), "ns-1")
        .list(&ListParams::default().fields("metadata.name=inv-00001"))
        .await
        .unwrap();
    assert_eq!(in_one_namespace.items.len(), 1);
}

/// As the API server does: a page with a next one of an unfiltered list
/// says how many items remain; a filtered list (or the last page) does not.
#[tokio::test]
async fn an_unfiltered_page_says_how_many_items_remain() {
    let server = server().await;
    server.seed((0..1200).map(seeded_job).collect());
    let jobs: Api<Job> = Api::all(server.client("viewer").unwrap());
    let first = jobs.list(&ListParams::default().limit(500)).await.unwrap();
    assert_eq!(first.items.len(), 500);
    assert_eq!(first.metadata.remaining_item_count, Some(700));
    let token = first.metadata.continue_.clone().unwrap();
    let second = jobs
        .list(&ListParams::default().limit(500).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(second.metadata.remaining_item_count, Some(200));
    let token = second.metadata.continue_.clone().unwrap();
    let last = jobs
        .list(&ListParams::default().limit(500).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(last.items.len(), 200);
    assert_eq!(last.metadata.remaining_item_count, None);
    let filtered = jobs
        .list(&ListParams::default().labels("tier=web").limit(10))
        .await
        .unwrap();
    assert!(filtered.metadata.continue_.is_some());
    assert_eq!(filtered.metadata.remaining_item_count, None);
    let one_namespace = Api::<Job>::namespaced(server.client("viewer").unwrap(), "ns-1")
        .list(&ListParams::default().limit(1))
        .await
        .unwrap();
    assert_eq!(one_namespace.metadata.remaining_item_count, Some(299));
}

#[tokio::test]
async fn self_subject_review_returns_the_user_and_groups() {
    let server = server().await;
    let reviews: Api<SelfSubjectReview> = Api::all(server.client("oncall-2").unwrap());
    let review = reviews
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .unwrap();
    let user = review.status.unwrap().user_info.unwrap();
    assert_eq!(user.username.as_deref(), Some("oncall-2"));
    assert_eq!(
        user.groups.unwrap(),
        ["kubevigil:operators", "system:authenticated"]
    );

    let viewer: Api<SelfSubjectReview> = Api::all(server.client("viewer").unwrap());
    let review = viewer
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .unwrap();
    assert_eq!(
        review
            .status
            .unwrap()
            .user_info
            .unwrap()
            .username
            .as_deref(),
        Some("viewer")
    );
}

#[tokio::test]
async fn the_kubeconfig_connects_over_tls_as_the_chosen_user() {
    let server = server().await;
    let yaml = server.kubeconfig_yaml("oncall-1");
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&yaml).unwrap();
    let options = kube::config::KubeConfigOptions {
        context: Some("payments-dev".into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .unwrap();
    assert_eq!(config.cluster_url.scheme_str(), Some("https"));
    assert_eq!(config.default_namespace, NS);
    let client = kube::Client::try_from(config).unwrap();
    let reviews: Api<SelfSubjectReview> = Api::all(client);
    let review = reviews
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .unwrap();
    assert_eq!(
        review
            .status
            .unwrap()
            .user_info
            .unwrap()
            .username
            .as_deref(),
        Some("payments-dev")
    );
}

#[tokio::test]
async fn the_status_subresource_ignores_spec_and_the_main_resource_ignores_status() {
    let server = server().await;
    let jobs: Api<Job> = Api::namespaced(server.client(AGENT_USER).unwrap(), NS);
    jobs.create(&PostParams::default(), &job("inv-1"))
        .await
        .unwrap();

    let both = json!({"spec": {"parallelism": 3}, "status": {"active": 1}});
    let via_status = jobs
        .patch_status("inv-1", &PatchParams::default(), &Patch::Merge(&both))
        .await
        .unwrap();
    assert_eq!(via_status.status.as_ref().unwrap().active, Some(1));
    assert_eq!(via_status.spec.as_ref().unwrap().parallelism, Some(1));
    assert_eq!(via_status.metadata.generation, Some(1));

    let both = json!({"spec": {"parallelism": 2}, "status": {"active": 5}});
    let via_main = jobs
        .patch("inv-1", &PatchParams::default(), &Patch::Merge(&both))
        .await
        .unwrap();
    assert_eq!(via_main.status.as_ref().unwrap().active, Some(1));
    assert_eq!(via_main.spec.as_ref().unwrap().parallelism, Some(2));
    assert_eq!(via_main.metadata.generation, Some(2));
}

#[tokio::test]
async fn suspending_a_job_marks_it_suspended_with_no_active_pods() {
    let server = server().await;
    let jobs: Api<Job> = Api::namespaced(server.client("oncall-1").unwrap(), NS);
    jobs.create(&PostParams::default(), &job("inv-1"))
        .await
        .unwrap();
    jobs.patch_status(
        "inv-1",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"active": 1}})),
    )
    .await
    .unwrap();
    let suspended = jobs
        .patch(
            "inv-1",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"suspend": true}})),
        )
        .await
        .unwrap();
    let status = suspended.status.unwrap();
    assert_eq!(status.active, Some(0));
    let condition = status
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "Suspended")
        .unwrap();
    assert_eq!(condition.status, "True");
}

#[tokio::test]
async fn a_streaming_list_watcher_gets_the_initial_objects_then_changes() {
    let server = server().await;
    let client = server.client("oncall-1").unwrap();
    let jobs: Api<Job> = Api::namespaced(client, NS);
    jobs.create(&PostParams::default(), &job("inv-1"))
        .await
        .unwrap();
    let config = watcher::Config::default()
        .streaming_lists()
        .labels("kubevigil.io/investigation");
    let mut events = watcher(jobs.clone(), config).boxed();
    let mut initial = Vec::new();
    within("the initial events", async {
        loop {
            match events.try_next().await.unwrap() {
                Some(watcher::Event::InitApply(job)) => initial.push(job.metadata.name.unwrap()),
                Some(watcher::Event::InitDone) => break,
                _ => {}
            }
        }
    })
    .await;
    assert_eq!(initial, ["inv-1"]);
    jobs.create(&PostParams::default(), &job("inv-2"))
        .await
        .unwrap();
    let next = within("the next job", async {
        loop {
            if let Some(watcher::Event::Apply(job)) = events.try_next().await.unwrap() {
                return job.metadata.name.unwrap();
            }
        }
    })
    .await;
    assert_eq!(next, "inv-2");
}

#[tokio::test]
async fn creating_an_existing_object_gets_409_already_exists_and_dry_run_stores_nothing() {
    let server = server().await;
    let jobs: Api<Job> = Api::namespaced(server.client("oncall-1").unwrap(), NS);
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    jobs.create(&dry, &job("inv-1")).await.unwrap();
    assert_eq!(api_status(jobs.get("inv-1").await).code, 404);
    jobs.create(&PostParams::default(), &job("inv-1"))
        .await
        .unwrap();
    let status = api_status(jobs.create(&PostParams::default(), &job("inv-1")).await);
    assert_eq!(
        (status.code, status.reason.as_str()),
        (409, "AlreadyExists")
    );
}

/// Seeds `count` jobs at once while a watcher runs; returns whether the watch
/// was told its version was too old, once the watcher has seen every job.
async fn watch_through_bulk_seed(watch_history: usize, count: usize) -> bool {
    let config = ApiConfig {
        watch_history,
        ..ApiConfig::default()
    };
    let server = ApiServer::start(config).await.unwrap();
    let jobs: Api<Job> = Api::all(server.client("viewer").unwrap());
    let mut events = watcher(jobs, watcher::Config::default()).boxed();
    within("initial list", async {
        while !matches!(events.try_next().await, Ok(Some(watcher::Event::InitDone))) {}
    })
    .await;
    // Wait for a first job through the live watch, so the watch is open during the seed.
    server.seed(vec![seeded_job(count)]);
    within("the first job", async {
        while !matches!(events.try_next().await, Ok(Some(watcher::Event::Apply(_)))) {}
    })
    .await;
    server.seed((0..count).map(seeded_job).collect());
    let mut seen = BTreeSet::new();
    let mut gone = false;
    within("every seeded job", async {
        while seen.len() < count {
            match events.next().await {
                Some(Ok(watcher::Event::Apply(job) | watcher::Event::InitApply(job))) => {
                    seen.insert(job.metadata.name.unwrap());
                }
                Some(Err(watcher::Error::WatchError(status))) => gone |= status.code == 410,
                Some(_) => {}
                None => panic!("the watcher ended"),
            }
        }
    })
    .await;
    gone
}

#[tokio::test]
async fn a_watcher_behind_a_bulk_seed_catches_up_from_history() {
    // 6,000 changes overflow the live channel but fit in the history.
    assert!(!watch_through_bulk_seed(10_000, 6000).await);
}

#[tokio::test]
async fn a_watcher_behind_more_than_the_history_gets_410_and_relists() {
    assert!(watch_through_bulk_seed(500, 6000).await);
}

#[tokio::test]
async fn shutdown_ends_open_watches_promptly() {
    let server = server().await;
    let proposals: Api<ActionProposal> = Api::namespaced(server.client("oncall-1").unwrap(), NS);
    let mut stream = proposals
        .watch(&kube::api::WatchParams::default(), "0")
        .await
        .unwrap()
        .boxed();
    let started = std::time::Instant::now();
    server.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let ended = within("the watch to end", async {
        loop {
            match stream.next().await {
                None | Some(Err(_)) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended);
}

/// Runs a sandbox for trying kubectl by hand:
/// `cargo test --test sandbox_api serve_for_kubectl -- --ignored --nocapture`, then
/// `KUBECONFIG=/tmp/kubevigil-sandbox.kubeconfig kubectl get jobs -A`.
/// `KUBEVIGIL_SANDBOX_KUBECONFIG` and `KUBEVIGIL_SANDBOX_SECONDS` override the path and lifetime.
#[tokio::test]
#[ignore = "serves a sandbox for manual kubectl checks"]
async fn serve_for_kubectl() {
    let server = server().await;
    let path = std::env::var("KUBEVIGIL_SANDBOX_KUBECONFIG")
        .unwrap_or_else(|_| "/tmp/kubevigil-sandbox.kubeconfig".into());
    std::fs::write(&path, server.kubeconfig_yaml("oncall-1")).unwrap();
    let client = server.client(AGENT_USER).unwrap();
    let jobs: Api<Job> = Api::namespaced(client.clone(), NS);
    let investigation = jobs
        .create(&PostParams::default(), &job("inv-1"))
        .await
        .unwrap();
    server.seed(vec![
        owned_by("Pod", "inv-1-pod", &investigation),
        owned_by("ActionProposal", "inv-1-restart", &investigation),
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "inv-1.1", "namespace": NS},
            "involvedObject": {"kind": "Job", "name": "inv-1", "namespace": NS, "uid": investigation.metadata.uid},
            "reason": "SuccessfulCreate", "message": "Created pod: inv-1-pod", "type": "Normal",
            "firstTimestamp": investigation.metadata.creation_timestamp,
            "lastTimestamp": investigation.metadata.creation_timestamp, "count": 1,
            "source": {"component": "job-controller"}}),
    ]);
    println!("KUBECONFIG={path} ({})", server.url());
    let seconds: u64 = std::env::var("KUBEVIGIL_SANDBOX_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    for tick in 0..seconds {
        server.append_log(
            NS,
            "inv-1-pod",
            &format!(r#"{{"type":"thought","text":"tick {tick}"}}"#),
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    server.shutdown().await;
}
