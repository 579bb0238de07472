//! Permissions you can see: the console asks the API server what the user may
//! do in each namespace (SelfSubjectAccessReview) and offers only the keys
//! that can succeed; a withheld key is left out of the footer, which says
//! which right is missing, as does pressing the key and the help overlay.
//! Against the sandbox's users (`viewer`, `payments-dev`, `oncall-1`) and
//! through `update` with `TestBackend` snapshots.

mod common;

use common::keys::press;
use common::scene::oom_investigation;
use common::screen::{draw, screen as screen_text, text};
use crossterm::event::KeyCode;
use kubevigil::app::action::Action;
use kubevigil::app::effect::Effect;
use kubevigil::app::fixtures::{StateBuilder, investigation, proposal};
use kubevigil::app::state::State;
use kubevigil::app::update;
use kubevigil::decide::{Right, Rights, rights};
use kubevigil::domain::{InvestigationState, Phase, ProposalState, Risk};

const SIZES: [(u16, u16); 3] = [(160, 48), (80, 24), (40, 12)];
const NAME: &str = "restart-api-7f3a";

fn every(answer: bool) -> Rights {
    Rights::from_answers(Right::ALL.map(|r| (r, Some(answer))))
}

fn answer(state: &mut State, namespace: &str, rights: Rights) {
    let epoch = state.epoch;
    update(
        state,
        Action::Rights {
            epoch,
            namespace: namespace.into(),
            rights,
        },
    );
}

/// `user` in the approvals inbox, on a pending proposal in `kubevigil-agents`
/// (where the agents run) about `payments`.
fn inbox(user: &str, columns: u16, rows: u16) -> State {
    let mut state = StateBuilder::new()
        .size(columns, rows)
        .user(Some((user, true)))
        .policy("payments", Phase::LimitedWrite)
        .investigation(oom_investigation())
        .proposal(proposal(
            NAME,
            "oom-7f3a9c",
            Risk::Low,
            ProposalState::Pending,
        ))
        .build();
    update(&mut state, Action::RunCommandLine("approvals".into()));
    state
}

/// The last line of the screen: the footer.
fn footer(state: &State) -> String {
    let screen = text(&draw(state));
    screen.lines().last().unwrap_or_default().to_string()
}

#[test]
fn a_viewer_is_not_offered_approve_veto_or_edit_and_is_told_why() {
    for (columns, rows) in SIZES {
        let mut state = inbox("viewer", columns, rows);
        assert!(
            footer(&state).contains("approve"),
            "before the cluster answers, the keys are offered: {}",
            footer(&state)
        );
        for ns in ["kubevigil-agents", "payments"] {
            answer(&mut state, ns, every(false));
        }
        insta::assert_snapshot!(
            format!("viewer_inbox_{columns}x{rows}"),
            text(&draw(&state))
        );
        let footer = footer(&state);
        assert!(!footer.contains("<a>"), "{footer}");
        assert!(!footer.contains("<v>"), "{footer}");
        if columns >= 160 {
            assert!(
                footer.contains("✗ a/v/e: no update actionproposals/status in kubevigil-agents"),
                "{footer}"
            );
        } else if columns >= 80 {
            assert!(footer.contains("✗ a/v/e: no"), "{footer}");
        }
        let effects = press(&mut state, KeyCode::Char('a'));
        assert!(state.decisions.modal.is_none(), "no approval dialog opens");
        assert!(!effects.iter().any(|e| matches!(e, Effect::Decisions(_))));
        assert_eq!(
            state.notices.last().map(|n| n.text.as_str()),
            Some("viewer may not update actionproposals/status in kubevigil-agents (RBAC)")
        );
    }
}

#[test]
fn help_names_the_right_a_withheld_key_lacks() {
    let mut state = inbox("viewer", 160, 48);
    for ns in ["kubevigil-agents", "payments"] {
        answer(&mut state, ns, every(false));
    }
    let help = kubevigil::app::geometry::help::lines(&state)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        help.contains("✗ RBAC: no update actionproposals/status"),
        "{help}"
    );
    assert!(help.contains("✗ RBAC: no delete jobs"), "{help}");
    // Nothing is writable anywhere in view: the header says so.
    assert!(screen_text(&state).contains("viewer: read-only by RBAC"));
}

#[test]
fn an_operator_with_every_right_is_offered_every_key() {
    let mut state = inbox("oncall-1", 160, 48);
    for ns in ["kubevigil-agents", "payments"] {
        answer(&mut state, ns, every(true));
    }
    let footer = footer(&state);
    assert!(
        footer.contains("approve") && footer.contains("veto"),
        "{footer}"
    );
    assert!(!footer.contains('✗'), "{footer}");
    assert!(!screen_text(&state).contains("read-only by RBAC"));
    press(&mut state, KeyCode::Char('a'));
    assert!(state.decisions.modal.is_some(), "the approval dialog opens");
}

/// payments-dev: everything in `payments`, nothing in `checkout`. The answer
/// used is the one for the namespace of the row in focus, not one global one.
#[test]
fn a_namespace_scoped_user_is_offered_kill_only_where_it_may() {
    let mut in_payments = investigation("oom-7f3a9c", "payments", InvestigationState::Running, 185);
    in_payments.investigation.namespace = "payments".into();
    let mut in_checkout = investigation("lat-22b1e0", "checkout", InvestigationState::Running, 100);
    in_checkout.investigation.namespace = "checkout".into();
    for (columns, rows) in SIZES {
        let mut state = StateBuilder::new()
            .size(columns, rows)
            .user(Some(("payments-dev", true)))
            .investigation(in_payments.clone())
            .investigation(in_checkout.clone())
            .build();
        answer(&mut state, "payments", every(true));
        answer(&mut state, "checkout", every(false));
        assert!(
            !screen_text(&state).contains("read-only by RBAC"),
            "payments-dev may write in payments"
        );
        let selected = |state: &State| {
            state
                .table
                .selected_row()
                .map(|r| r.record.investigation.namespace.clone())
        };
        let select = |state: &mut State, ns: &str| {
            for key in ['j', 'j', 'k', 'k'] {
                if selected(state).as_deref() == Some(ns) {
                    return;
                }
                press(state, KeyCode::Char(key));
            }
            assert_eq!(selected(state).as_deref(), Some(ns));
        };
        select(&mut state, "checkout");
        insta::assert_snapshot!(
            format!("payments_dev_checkout_{columns}x{rows}"),
            text(&draw(&state))
        );
        assert!(!footer(&state).contains("<K>"), "{}", footer(&state));
        press(&mut state, KeyCode::Char('K'));
        assert!(state.decisions.modal.is_none());
        assert_eq!(
            state.notices.last().map(|n| n.text.as_str()),
            Some("payments-dev may not delete jobs in checkout (RBAC)")
        );
        select(&mut state, "payments");
        if columns >= 160 {
            assert!(footer(&state).contains("<K> kill"), "{}", footer(&state));
        }
        press(&mut state, KeyCode::Char('K'));
        assert!(state.decisions.modal.is_some(), "the kill dialog opens");
    }
}

#[test]
fn each_scope_asks_again() {
    let mut state = StateBuilder::new().namespace("payments").build();
    let effects = update(&mut state, Action::RunCommandLine("ns checkout".into()));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::CheckRights { namespaces, .. } if namespaces == &vec!["checkout".to_string()]
        )),
        "{effects:?}"
    );
    // An answer for an older scope is ignored.
    answer(&mut state, "checkout", every(false));
    let stale = state.epoch - 1;
    update(
        &mut state,
        Action::Rights {
            epoch: stale,
            namespace: "payments".into(),
            rights: every(false),
        },
    );
    assert!(!state.permissions.by_namespace.contains_key("payments"));
    assert!(state.denied(Right::Kill, "checkout"));
}

#[tokio::test]
async fn the_sandbox_answers_per_user_and_namespace() {
    let api = common::world::emulator().await;
    let viewer = rights(&api.client("viewer").expect("client"), "payments").await;
    assert_eq!(viewer, every(false), "viewer may only read");
    let dev = api.client("payments-dev").expect("client");
    assert_eq!(rights(&dev, "payments").await, every(true));
    assert_eq!(rights(&dev, "checkout").await, every(false));
    let oncall = api.client("oncall-1").expect("client");
    assert_eq!(rights(&oncall, "checkout").await, every(true));
    api.shutdown().await;
}

/// The roles of `assets/rbac` as shipped, enforced by the emulator: the
/// operator role grants every right the console asks about, the viewer role
/// none, so a verb dropped from the operator role withholds a key.
#[tokio::test]
async fn the_shipped_roles_grant_what_the_keys_need() {
    use kubevigil::sandbox::api::rbac::{Grants, RbacManifests};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rbac");
    let manifests = RbacManifests::load_dir(&dir).expect("assets/rbac parses");
    let api = common::world::emulator().await;
    let client = |user: &str, group: &str| {
        let grants = Grants::bound_to(&manifests, user, &[group]);
        api.add_user(user, &[group], grants).expect("register");
        api.client(user).expect("client")
    };
    let operator = client("alice", "kubevigil:operators");
    let viewer = client("bob", "kubevigil:viewers");
    for ns in ["payments", "checkout"] {
        assert_eq!(rights(&operator, ns).await, every(true), "operator in {ns}");
        assert_eq!(rights(&viewer, ns).await, every(false), "viewer in {ns}");
    }
    api.shutdown().await;
}
