//! The launcher with exactly the rights assets/rbac gives the governor's
//! ServiceAccount: it reads the templates, creates and admits Jobs in any
//! namespace, writes the identity's Secret and records Events.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::Bao;
use common::launcher::{Harness, alert, annotation, config, is_admitted, payload};
use common::world::emulator;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kubevigil::domain::Phase;
use kubevigil::domain::labels;
use kubevigil::domain::template::identity_policy;
use kubevigil::sandbox::api::rbac::{Grants, RbacManifests, service_account_user};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_governor_service_account_may_do_what_the_launcher_does() {
    let manifests =
        RbacManifests::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rbac"))
            .expect("assets/rbac parses");
    let server = emulator().await;
    let (user, groups) = service_account_user("kubevigil-system", "kubevigil-governor");
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let grants = Grants::bound_to(&manifests, &user, &groups);
    server
        .add_user(&user, &groups, grants)
        .expect("register the service account");
    let governor = server.client(&user).expect("client");
    let bao = Bao::start().await;
    for phase in Phase::ALL {
        bao.vault()
            .put_policy(
                &identity_policy(phase),
                r#"path "sys/health" { capabilities = ["read"] }"#,
            )
            .await
            .expect("policy");
    }
    let mut config = config();
    config.alert_rate = "1/1m".parse().expect("rate");
    let harness =
        Harness::start_with_client(server, governor, config, Some(Arc::new(bao.vault()))).await;
    let answer = harness
        .post(&payload(vec![
            alert(
                "HighLatency",
                "ab01",
                "payments",
                "critical",
                "2026-12-01T10:00:00Z",
            ),
            alert(
                "HighLatency",
                "ab02",
                "payments",
                "critical",
                "2026-12-01T10:00:00Z",
            ),
        ]))
        .await;
    assert_eq!(answer.code, 200, "{}", answer.body);
    assert_eq!(answer.json()["created"], 1, "{}", answer.body);
    assert_eq!(answer.json()["rateLimited"], 1, "{}", answer.body);
    harness
        .wait(
            "admitted with its identity",
            Duration::from_secs(15),
            || async {
                harness
                    .jobs()
                    .await
                    .iter()
                    .any(|j| is_admitted(j) && annotation(j, labels::VAULT_ACCESSOR).is_some())
            },
        )
        .await;
    let job = harness.jobs().await.remove(0);
    let secret = format!("{}-vault", job.metadata.name.clone().unwrap_or_default());
    assert!(
        Api::<Secret>::namespaced(harness.agent.clone(), "payments")
            .get_opt(&secret)
            .await
            .expect("get")
            .is_some()
    );
}
