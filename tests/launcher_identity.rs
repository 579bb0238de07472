//! The investigation's own identity against a real OpenBao: minted on
//! admission (never while queued), delivered response-wrapped in the Job's
//! Secret, unwrapped once by the agent, revoked when the Job finishes or is
//! deleted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

mod common;

use common::bao::Bao;
use common::launcher::{Harness, alert, annotation, config, is_admitted, payload};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::DeleteParams;
use kubevigil::domain::labels;
use kubevigil::domain::template::identity_policy;
use kubevigil::domain::{Phase, TrustPolicySpec};
use kubevigil::vault::VaultError;
use std::sync::Arc;
use std::time::Duration;

const NS: &str = "payments";
const WAIT: Duration = Duration::from_secs(15);

async fn job(harness: &Harness, fingerprint: &str) -> Option<Job> {
    harness
        .jobs()
        .await
        .into_iter()
        .find(|j| common::launcher::label(j, labels::ALERT_FINGERPRINT) == Some(fingerprint))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admission_mints_a_wrapped_identity_the_agent_unwraps_once_and_the_end_revokes_it() {
    let bao = Bao::start().await;
    let vault = bao.vault();
    for phase in Phase::ALL {
        vault
            .put_policy(
                &identity_policy(phase),
                r#"path "secret/data/diagnostics/*" { capabilities = ["read"] }"#,
            )
            .await
            .expect("write the identity policy");
    }
    let mut config = config();
    config.max_investigations = 1;
    let harness = Harness::start(config, Some(Arc::new(bao.vault()))).await;
    common::world::create_policy(
        harness.agent.clone(),
        NS,
        TrustPolicySpec {
            phase: Phase::ReadOnlyAssist,
            ..TrustPolicySpec::default()
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    harness
        .post(&payload(vec![
            alert(
                "HighLatency",
                "aa01",
                NS,
                "critical",
                "2026-12-01T10:00:00Z",
            ),
            alert("DiskFull", "aa02", NS, "warning", "2026-12-01T10:00:00Z"),
        ]))
        .await;
    harness
        .wait("the critical one is admitted", WAIT, || async {
            job(&harness, "aa01").await.is_some_and(|j| is_admitted(&j))
        })
        .await;
    let admitted = job(&harness, "aa01").await.expect("the Job");
    let name = admitted.metadata.name.clone().expect("a name");
    let accessor = annotation(&admitted, labels::VAULT_ACCESSOR)
        .expect("the accessor is on the Job")
        .to_string();

    // Queued: no identity yet (its TTL must not burn in the queue).
    let queued = job(&harness, "aa02").await.expect("the queued Job");
    assert!(!is_admitted(&queued));
    assert_eq!(annotation(&queued, labels::VAULT_ACCESSOR), None);
    let secrets = Api::<Secret>::namespaced(harness.client.clone(), NS);
    let queued_secret = format!("{}-vault", queued.metadata.name.clone().unwrap_or_default());
    assert!(
        secrets
            .get_opt(&queued_secret)
            .await
            .expect("get")
            .is_none()
    );

    // The Secret holds the wrapping token, owned by the Job.
    let secret = secrets
        .get(&format!("{name}-vault"))
        .await
        .expect("the Secret");
    let owner = &secret.metadata.owner_references.clone().unwrap_or_default()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Job", name.as_str())
    );
    assert_eq!(Some(&owner.uid), admitted.metadata.uid.as_ref());
    let wrapping = String::from_utf8(
        secret.data.clone().unwrap_or_default()["wrapped-token"]
            .0
            .clone(),
    )
    .expect("utf-8");

    // The agent's side (docs/protocol.md): look the wrapping up, unwrap once.
    let agent_vault =
        kubevigil::vault::Vault::connect(bao.settings_with("unused")).expect("connect");
    let identity = agent_vault
        .verify_and_unwrap(&wrapping)
        .await
        .expect("unwraps");
    assert_eq!(identity.accessor, accessor);
    assert!(
        identity
            .policies
            .contains(&"kubevigil-investigation-readonlyassist".to_string()),
        "{:?}",
        identity.policies
    );
    assert_eq!(identity.metadata["alert_fingerprint"], "aa01");
    assert_eq!(identity.metadata["namespace"], NS);
    assert_eq!(
        Some(&identity.metadata["job_uid"]),
        admitted.metadata.uid.as_ref()
    );
    assert_eq!(
        Some(identity.metadata["investigation"].as_str()),
        common::launcher::label(&admitted, labels::INVESTIGATION)
    );
    assert!(
        identity.ttl_seconds > 600 && identity.ttl_seconds <= 720,
        "deadline + margin: {}",
        identity.ttl_seconds
    );
    // A second unwrap fails: whoever unwrapped first has the token (an interception).
    let again = agent_vault.verify_and_unwrap(&wrapping).await;
    assert!(matches!(again, Err(VaultError::Api { .. })), "{again:?}");
    vault
        .lookup_accessor(&accessor)
        .await
        .expect("alive while the Job runs");

    // The Job finishes: the identity is revoked and the Job says so; the next is admitted.
    harness.complete(NS, &name).await;
    harness
        .wait("the identity is revoked", WAIT, || async {
            vault.lookup_accessor(&accessor).await.is_err()
        })
        .await;
    harness
        .wait("the revocation is noted on the Job", WAIT, || async {
            job(&harness, "aa01")
                .await
                .is_some_and(|j| annotation(&j, labels::VAULT_REVOKED_AT).is_some())
        })
        .await;
    harness
        .wait(
            "the queued one is admitted with its own identity",
            WAIT,
            || async {
                job(&harness, "aa02").await.is_some_and(|j| {
                    is_admitted(&j) && annotation(&j, labels::VAULT_ACCESSOR).is_some()
                })
            },
        )
        .await;

    // Killed (deleted): revoked too.
    let second = job(&harness, "aa02").await.expect("the Job");
    let second_accessor = annotation(&second, labels::VAULT_ACCESSOR)
        .expect("accessor")
        .to_string();
    assert_ne!(second_accessor, accessor);
    vault
        .lookup_accessor(&second_accessor)
        .await
        .expect("alive");
    Api::<Job>::namespaced(harness.agent.clone(), NS)
        .delete(
            second.metadata.name.as_deref().unwrap_or_default(),
            &DeleteParams::background(),
        )
        .await
        .expect("delete the Job");
    harness
        .wait("the deleted Job's identity is revoked", WAIT, || async {
            vault.lookup_accessor(&second_accessor).await.is_err()
        })
        .await;
}
