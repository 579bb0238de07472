//! Builders for console states without a cluster, for tests, snapshots and
//! benches. Data goes in through [`update`](super::update::update), the way
//! watcher and log-stream actions would bring it, so every index the state
//! keeps is built by the real code.

use super::action::Action;
use super::keymap::Keymap;
use super::state::{State, StateOptions};
use super::update::update;
use crate::config::theme::Theme;
use crate::domain::{
    ActionKind, ActionProposal, ActionProposalSpec, ActionProposalStatus, ActionTarget, Decision,
    DecisionSource, Investigation, InvestigationState, Phase, Preview, ProposalState,
    ProposedAction, Risk, Verdict,
};
use crate::model::records::{InvestigationRecord, LogEntry, PolicyRecord, ProposalRecord};
use crate::sanitize::Redactor;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

/// The fixed "now" of fixtures: 2026-11-27 02:14:07 UTC.
pub fn fixture_now() -> Timestamp {
    Timestamp::from_second(1_795_745_647).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// `seconds` after (or, negative, before) [`fixture_now`].
pub fn at(seconds: i64) -> Timestamp {
    fixture_now()
        .checked_add(SignedDuration::from_secs(seconds))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// An investigation record: started `age` seconds before now, deadline after 900 s.
pub fn investigation(
    id: &str,
    target: &str,
    state: InvestigationState,
    age: i64,
) -> InvestigationRecord {
    let started = at(-age);
    InvestigationRecord {
        investigation: Investigation {
            id: id.to_string(),
            namespace: "kubevigil-agents".into(),
            job_name: format!("inv-{id}").into(),
            target_namespace: target.into(),
            trigger: format!("KubePodCrashLooping: {target}/api").into(),
            severity: "critical".into(),
            vault_accessor: None,
            state,
            started: Some(started),
            deadline: started.checked_add(SignedDuration::from_secs(900)).ok(),
            queue: None,
            phase: None,
        },
        resources: Some("cpu 500m, memory 512Mi".into()),
        service_account: Some("kubevigil-agent".into()),
    }
}

/// A proposal for `investigation`, as an agent would write it, trimmed and
/// sanitized by the real ingest code.
pub fn proposal(
    name: &str,
    investigation: &str,
    risk: Risk,
    state: ProposalState,
) -> ProposalRecord {
    let decisions = if state == ProposalState::Approved {
        vec![Decision {
            by: "alice".into(),
            verified: true,
            at: Time(at(-60)),
            verdict: Verdict::Approve,
            reason: Some("matches the runbook".into()),
            source: DecisionSource::Manual,
            edited: false,
            edited_action: None,
            action_digest: None,
        }]
    } else {
        Vec::new()
    };
    let mut object = ActionProposal {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some("kubevigil-agents".to_string()),
            creation_timestamp: Some(Time(at(-120))),
            ..ObjectMeta::default()
        },
        spec: ActionProposalSpec {
            investigation: investigation.to_string(),
            summary: "Raise the memory limit of payments/api to 1Gi".into(),
            rationale: "The api container was OOMKilled 7 times in 20 minutes.\nIts working set grows to the 512Mi limit under normal load.".into(),
            risk,
            reversible: true,
            action: ProposedAction {
                kind: ActionKind::Patch,
                target: ActionTarget {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: "payments".into(),
                    name: "api".into(),
                },
                patch: Some(
                    "spec:\n  template:\n    spec:\n      containers:\n      - name: api\n        resources:\n          limits:\n            memory: 1Gi\n".into(),
                ),
                patch_type: Some("strategic".into()),
                command: None,
                replicas: None,
            },
            preview: Some(Preview {
                diff: Some("--- a/deployment.yaml\n+++ b/deployment.yaml\n@@ -12,3 +12,3 @@\n         limits:\n-          memory: 512Mi\n+          memory: 1Gi\n".into()),
                dry_run: Some("{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"api\"}}".into()),
            }),
            expires_at: Some(Time(at(270))),
            rollback: None,
            credential_recipient: None,
        },
        status: Some(ActionProposalStatus {
            state,
            decisions,
            approvals_required: Some(1),
            phase: Some(Phase::LimitedWrite),
            ..ActionProposalStatus::default()
        }),
    };
    // The approval names the digest of the action it approved, as every
    // approval the product writes does.
    let digest = crate::domain::action_digest(&object.spec.action);
    if let Some(status) = object.status.as_mut() {
        for decision in &mut status.decisions {
            decision.action_digest = Some(digest.clone());
        }
    }
    crate::cluster::trim::proposal_record("kubevigil-agents", name, &object, &Redactor::default())
}

/// Log entries from raw agent lines (JSON or not), numbered from `first_seq`,
/// one second apart, through the real parser and sanitizer.
pub fn log_entries(first_seq: u64, lines: &[&str]) -> Vec<LogEntry> {
    let redactor = Redactor::default();
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let seq = first_seq + i as u64;
            let logged = at(-600 + i64::try_from(seq).unwrap_or(0));
            let raw = format!("{logged} {line}");
            crate::cluster::logline::entry(seq, raw.as_bytes(), &redactor)
        })
        .collect()
}

/// A key press.
pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A key press with modifiers.
pub fn key_with(code: KeyCode, modifiers: KeyModifiers) -> Action {
    Action::Key(KeyEvent::new(code, modifiers))
}

/// Builds a [`State`] step by step.
#[derive(Debug)]
pub struct StateBuilder {
    options: StateOptions,
    user: Option<(String, bool)>,
    investigations: Vec<InvestigationRecord>,
    proposals: Vec<ProposalRecord>,
    policies: Vec<PolicyRecord>,
    vault: crate::cluster::vault_watch::VaultEvent,
}

impl Default for StateBuilder {
    fn default() -> Self {
        StateBuilder::new()
    }
}

impl StateBuilder {
    /// A 160x48 console on context `sandbox` as verified user `oncall-1`,
    /// dark theme, UTC, at [`fixture_now`], with Vault off and no data.
    pub fn new() -> StateBuilder {
        StateBuilder {
            options: StateOptions {
                context: "sandbox".into(),
                namespace: None,
                readonly: false,
                theme: Theme::builtin("dark").unwrap_or_default(),
                keymap: Keymap::builtin(),
                log_buffer_lines: 10_000,
                contexts: vec!["sandbox".into(), "viewer".into(), "payments-dev".into()],
                notices: Vec::new(),
                now: fixture_now(),
                time_zone: TimeZone::UTC,
                size: (160, 48),
            },
            user: Some(("oncall-1".into(), true)),
            investigations: Vec::new(),
            proposals: Vec::new(),
            policies: Vec::new(),
            vault: crate::cluster::vault_watch::VaultEvent::Off,
        }
    }

    /// What the Vault identity lookup reports (default: Vault is off).
    pub fn vault(mut self, event: crate::cluster::vault_watch::VaultEvent) -> Self {
        self.vault = event;
        self
    }

    /// The terminal size.
    pub fn size(mut self, columns: u16, rows: u16) -> Self {
        self.options.size = (columns, rows);
        self
    }

    /// Read-only mode.
    pub fn readonly(mut self, readonly: bool) -> Self {
        self.options.readonly = readonly;
        self
    }

    /// Watch one namespace.
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.options.namespace = Some(namespace.into());
        self
    }

    /// The user, verified or not (`None`: not known yet).
    pub fn user(mut self, user: Option<(&str, bool)>) -> Self {
        self.user = user.map(|(u, v)| (u.to_string(), v));
        self
    }

    /// Lines kept per reasoning stream.
    pub fn log_buffer_lines(mut self, lines: usize) -> Self {
        self.options.log_buffer_lines = lines;
        self
    }

    /// A notice shown from the start (such as a config warning).
    pub fn notice(mut self, text: &str) -> Self {
        self.options.notices.push(text.into());
        self
    }

    /// Key bindings.
    pub fn keymap(mut self, keymap: Keymap) -> Self {
        self.options.keymap = keymap;
        self
    }

    /// The theme.
    pub fn theme(mut self, theme: Theme) -> Self {
        self.options.theme = theme;
        self
    }

    /// Adds an investigation.
    pub fn investigation(mut self, record: InvestigationRecord) -> Self {
        self.investigations.push(record);
        self
    }

    /// Adds `count` generated investigations (ids `inv-00000`...), across six
    /// namespaces, one in eight running, one in twenty failed.
    pub fn many_investigations(mut self, count: usize) -> Self {
        const NAMESPACES: [&str; 6] = [
            "payments", "checkout", "search", "auth", "billing", "ledger",
        ];
        for i in 0..count {
            let state = if i % 8 == 0 {
                InvestigationState::Running
            } else if i % 20 == 1 {
                InvestigationState::Failed
            } else {
                InvestigationState::Succeeded
            };
            let namespace = NAMESPACES[i % NAMESPACES.len()];
            let age = 60 + i64::try_from(i).unwrap_or(0) * 37 % 86_400;
            self.investigations
                .push(investigation(&format!("inv-{i:05}"), namespace, state, age));
        }
        self
    }

    /// Adds a proposal.
    pub fn proposal(mut self, record: ProposalRecord) -> Self {
        self.proposals.push(record);
        self
    }

    /// Puts `namespace` in `phase`.
    pub fn policy(mut self, namespace: &str, phase: Phase) -> Self {
        self.policies.push(PolicyRecord {
            namespace: namespace.into(),
            phase,
            required_approvals: 1,
            spec: crate::domain::TrustPolicySpec {
                phase,
                ..crate::domain::TrustPolicySpec::default()
            },
            resource_version: Some("1".into()),
            last_change: None,
            last_demotion: None,
            halted_from: None,
        });
        self
    }

    /// The state, with every source live and the data applied through `update`.
    pub fn build(self) -> State {
        let mut state = State::new(self.options);
        let epoch = state.epoch;
        if let Some((user, verified)) = self.user {
            update(&mut state, Action::Identity { user, verified });
        }
        update(&mut state, Action::Vault(self.vault));
        update(
            &mut state,
            Action::PoliciesListed {
                epoch,
                records: self.policies,
            },
        );
        update(
            &mut state,
            Action::ProposalsListed {
                epoch,
                records: self.proposals,
            },
        );
        update(
            &mut state,
            Action::InvestigationsListed {
                epoch,
                records: self.investigations,
            },
        );
        state
    }
}

/// Opens the investigation under the cursor and feeds it `lines` as its log
/// (its pod is `<job>-pod`). Returns the stream id.
pub fn open_with_log(state: &mut State, lines: &[&str]) -> u64 {
    update(state, key(KeyCode::Enter));
    let Some(stream) = state.detail.as_ref().map(|d| d.stream) else {
        return 0;
    };
    let pod = state
        .detail
        .as_ref()
        .map(|d| format!("inv-{}-pod", d.investigation))
        .unwrap_or_default();
    update(state, Action::StreamStarted { stream, pod });
    update(
        state,
        Action::LogLines {
            stream,
            entries: log_entries(0, lines),
        },
    );
    stream
}

/// `count` raw pod-log lines as the kubelet sends them (timestamp prefix):
/// every event of [`EVERY_EVENT`] in turn, plus a line with escape sequences
/// and one with a credential, so the sanitizer and the redactor both have work
/// (for the ingest benchmarks).
pub fn raw_log_lines(count: usize) -> Vec<Vec<u8>> {
    let hostile = r#"{"type":"thought","text":"\u001b[2J\u001b]52;c;aGk=\u0007 cleared the screen? token=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"}"#;
    let kinds: Vec<&str> = EVERY_EVENT
        .iter()
        .copied()
        .chain(std::iter::once(hostile))
        .collect();
    (0..count)
        .map(|i| {
            let logged = at(i64::try_from(i).unwrap_or(0) % 86_400);
            format!("{logged} {}", kinds[i % kinds.len()]).into_bytes()
        })
        .collect()
}

/// A reasoning log with one line of every event type.
pub const EVERY_EVENT: [&str; 10] = [
    r#"{"type":"thought","text":"The api pods restart every four minutes; checking events."}"#,
    r#"{"type":"tool_call","id":"c1","tool":"kubectl_get","input":{"resource":"pods","namespace":"payments"}}"#,
    r#"{"type":"tool_result","id":"c1","output":"NAME     READY   STATUS      RESTARTS\napi-0    0/1     OOMKilled   7\napi-1    1/1     Running     6"}"#,
    r#"{"type":"hypothesis","text":"The container hits its 512Mi memory limit under load.","confidence":0.7}"#,
    r#"{"type":"usage","input_tokens":1200,"output_tokens":300,"cost_usd":0.0123}"#,
    r#"{"type":"proposal","name":"raise-mem-7f3a","summary":"Raise the memory limit to 1Gi"}"#,
    r#"{"type":"error","message":"metrics-server timed out after 10s"}"#,
    "plain runtime output: agent v0.3.1 heartbeat",
    r#"{"type":"usage","input_tokens":800,"output_tokens":200,"cost_usd":0.0080}"#,
    r#"{"type":"conclusion","text":"Memory limit too low for current traffic; proposed 1Gi.","resolved":false}"#,
];
