//! Vault on screen: the operator's Vault identity in the header, and the open
//! investigation's token (TTL counting down, policies, metadata, a warning
//! when it outlives the Job's deadline) in the detail view.

use super::format;
use crate::app::state::{State, VaultStatus, WatchedToken};
use crate::cluster::vault_watch::TokenLookup;
use crate::domain::Investigation;
use crate::vault::TokenInfo;
use jiff::Timestamp;
use ratatui::text::Span;

/// How far past the Job's deadline a token may expire before it is flagged:
/// TTLs are whole seconds counted from the last lookup, and the token is
/// created just before the Job starts.
const DEADLINE_TOLERANCE: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// How many policy names are listed before `+N`.
const POLICIES_SHOWN: usize = 3;

/// The header's Vault segment, widest first: where Vault is (host:port) and
/// who the operator is there, or why it fails and since when, or that it is
/// off; narrower forms drop the policies (or the failure's start), then the
/// address. Every form ends with a warning while the server's TLS
/// certificate goes unchecked.
pub fn header_variants(state: &State) -> Vec<Vec<Span<'static>>> {
    let theme = &state.theme;
    let warning = theme.header.patch(theme.warn);
    let plain = |text: String| Span::styled(text, theme.header);
    let mut variants: Vec<Vec<Span<'static>>> = match &state.vault.status {
        VaultStatus::Unknown => vec![vec![plain("vault …".into())]],
        VaultStatus::Off => vec![vec![plain("vault off".into())]],
        VaultStatus::Starting(addr) => vec![
            vec![plain(format!(
                "vault starting at {}",
                crate::app::state::host_port(addr)
            ))],
            vec![plain("vault starting".into())],
        ],
        VaultStatus::Misconfigured(_) => {
            vec![vec![Span::styled("vault ⚠ misconfigured", warning)]]
        }
        VaultStatus::Failing {
            addr, cause, since, ..
        } => {
            let at = crate::app::state::host_port(addr);
            let since = format::clock(*since, &state.time_zone);
            vec![
                vec![
                    plain(format!("vault at {at} ")),
                    Span::styled(format!("⚠ {cause} since {since}"), warning),
                ],
                vec![
                    plain(format!("vault at {at} ")),
                    Span::styled(format!("⚠ {cause}"), warning),
                ],
                vec![Span::styled(
                    format!("vault ⚠ {cause} since {since}"),
                    warning,
                )],
                vec![Span::styled(format!("vault ⚠ {cause}"), warning)],
            ]
        }
        VaultStatus::On { addr, identity } => {
            let at = crate::app::state::host_port(addr);
            // Vault names every token-auth token `token`; say which one a root token is.
            if identity.policies.iter().any(|p| p == "root") {
                vec![
                    vec![plain(format!("vault root token at {at}"))],
                    vec![plain("vault root token".into())],
                ]
            } else {
                let name = &identity.display_name;
                let entity = if identity.entity_id.is_empty() {
                    "no entity".to_string()
                } else {
                    format!("entity {}", short(&identity.entity_id))
                };
                let policies = policy_list(&identity.policies);
                vec![
                    vec![plain(format!(
                        "vault {name} at {at} ({entity}, {policies})"
                    ))],
                    vec![plain(format!("vault {name} at {at}"))],
                    vec![plain(format!("vault {name}"))],
                ]
            }
        }
    };
    if state.vault.tls_unverified {
        for variant in &mut variants {
            variant.push(Span::styled(" ⚠ TLS unverified", warning));
        }
        if matches!(state.vault.status, VaultStatus::On { .. }) {
            variants.push(vec![Span::styled("vault ⚠ TLS unverified", warning)]);
        }
    }
    variants
}

/// Whether the Vault segment reports trouble (failing, misconfigured, TLS
/// unverified): in a narrow header it then moves where it stays visible.
pub fn header_alarming(state: &State) -> bool {
    state.vault.tls_unverified
        || matches!(
            state.vault.status,
            VaultStatus::Failing { .. } | VaultStatus::Misconfigured(_)
        )
}

/// The detail view's Vault rows for `investigation`: the token's state (TTL
/// left, warnings, uses), and, once Vault described it, its policies and
/// metadata.
pub fn token_rows(
    state: &State,
    investigation: &Investigation,
) -> (Vec<Span<'static>>, Vec<Span<'static>>) {
    let theme = &state.theme;
    let plain = |text: String| (vec![Span::styled(text, theme.dim)], Vec::new());
    match &state.vault.status {
        VaultStatus::Unknown => return plain(" vault …".into()),
        VaultStatus::Starting(_) => {
            return plain(" vault starting: the token shows once it answers".into());
        }
        VaultStatus::Off => {
            return plain(" vault off: approvals are recorded but mint no credentials".into());
        }
        VaultStatus::Misconfigured(why) => {
            let row = vec![Span::styled(
                format!(" vault misconfigured: {why}"),
                theme.warn,
            )];
            return (row, Vec::new());
        }
        VaultStatus::On { .. } | VaultStatus::Failing { .. } => {}
    }
    let Some(accessor) = investigation.vault_accessor.as_deref() else {
        if investigation.queue.is_some() {
            return plain(" vault token: none yet (the launcher mints it on admission)".into());
        }
        return plain(" vault token: none (the Job has no kubevigil.io/vault-accessor)".into());
    };
    let Some(token) = state
        .vault
        .token
        .as_ref()
        .filter(|t| t.accessor == accessor)
    else {
        return plain(format!(" vault token {} …", short(accessor)));
    };
    let (mut status, described) = match &token.last {
        Some((_, TokenLookup::Found(info))) => (
            found_status(state, investigation, token, info),
            description(state, info),
        ),
        Some((_, TokenLookup::Gone)) => (
            vec![Span::styled(
                format!(" vault token {} revoked or expired", short(accessor)),
                theme.ok,
            )],
            Vec::new(),
        ),
        _ => plain(format!(" vault token {} looking up…", short(accessor))),
    };
    if let Some(error) = &token.error {
        status.insert(
            1.min(status.len()),
            Span::styled(format!(" · lookup failed: {error}"), theme.warn),
        );
    }
    (status, described)
}

/// TTL left, the deadline warning, and uses left.
fn found_status(
    state: &State,
    investigation: &Investigation,
    token: &WatchedToken,
    info: &TokenInfo,
) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let expires = token.expires_at();
    let mut spans = vec![Span::styled(
        format!(" vault token {}", ttl_text(state.now, info, expires)),
        theme.base,
    )];
    let still_valid = expires.is_none_or(|at| at > state.now);
    if !investigation.state.is_active() && still_valid {
        spans.push(Span::styled(
            " ⚠ the Job has ended but its token is still valid (a kill revokes it)",
            theme.warn,
        ));
    } else if let Some(excess) = outlives_deadline(expires, info, investigation.deadline) {
        spans.push(Span::styled(
            format!(" ⚠ outlives the Job's deadline {excess}"),
            theme.warn,
        ));
    }
    let uses = match info.num_uses {
        0 => "uses unlimited".to_string(),
        n => format!("{n} uses left"),
    };
    spans.push(Span::styled(format!(" · {uses}"), theme.base));
    spans
}

/// Policies and metadata.
fn description(state: &State, info: &TokenInfo) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let mut spans = vec![Span::styled(
        format!(" {}", policy_list(&info.policies)),
        theme.dim,
    )];
    if !info.metadata.is_empty() {
        let metadata: Vec<String> = info
            .metadata
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        spans.push(Span::styled(
            format!(" · meta {}", metadata.join(" ")),
            theme.dim,
        ));
    }
    spans
}

/// `14m50s left of 15m`, `expired`, or `never expires`.
pub fn ttl_text(now: Timestamp, info: &TokenInfo, expires: Option<Timestamp>) -> String {
    match expires {
        None => "never expires".into(),
        Some(at) if at <= now => "expired".into(),
        Some(at) => {
            let of = i64::try_from(info.creation_ttl_seconds).unwrap_or(i64::MAX);
            format!(
                "{} left of {}",
                format::time_left(now, Some(at)),
                format::compact_duration(jiff::SignedDuration::from_secs(of))
            )
        }
    }
}

/// How far past the Job's deadline the token stays valid (`by 12m`, or
/// `(never expires)`), when it does.
fn outlives_deadline(
    expires: Option<Timestamp>,
    info: &TokenInfo,
    deadline: Option<Timestamp>,
) -> Option<String> {
    let deadline = deadline?;
    match expires {
        None if info.ttl_seconds == 0 => Some("(it never expires)".into()),
        Some(at) if at.duration_since(deadline) >= DEADLINE_TOLERANCE => Some(format!(
            "by {}",
            format::compact_duration(at.duration_since(deadline))
        )),
        _ => None,
    }
}

fn policy_list(policies: &[String]) -> String {
    if policies.is_empty() {
        return "no policies".into();
    }
    let shown: Vec<&str> = policies
        .iter()
        .take(POLICIES_SHOWN)
        .map(String::as_str)
        .collect();
    let more = policies.len().saturating_sub(POLICIES_SHOWN);
    let more = if more > 0 {
        format!(" +{more}")
    } else {
        String::new()
    };
    let label = if policies.len() == 1 {
        "policy"
    } else {
        "policies"
    };
    format!("{label} {}{more}", shown.join(","))
}

/// The first eight characters of an id or accessor.
fn short(id: &str) -> String {
    id.chars().take(8).collect()
}
