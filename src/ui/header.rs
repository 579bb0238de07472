//! The header: context, user, namespace scope, Vault identity, connection
//! state, counts and the READ-ONLY badge.

use super::format;
use crate::app::state::{Reload, SourceState, State};
use crate::model::records::Source;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the header into `area` (one row when wide, two when narrow).
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let theme = &state.theme;
    let sep = || Span::styled(" │ ", theme.header);
    let mut identity: Vec<Span<'static>> = vec![Span::styled(" kubevigil", theme.header)];
    if state.sandbox {
        identity.push(Span::raw(" "));
        identity.push(Span::styled(" SANDBOX ", theme.header_warning));
    }
    if state.readonly {
        identity.push(Span::raw(" "));
        identity.push(Span::styled(" READ-ONLY ", theme.header_warning));
    }
    identity.push(sep());
    identity.push(Span::styled(format!("ctx {}", state.context), theme.header));
    if let Some(server) = &state.connection.server {
        identity.push(Span::styled(format!(" @ {server}"), theme.header));
    }
    identity.push(sep());
    identity.extend(user(state));
    identity.push(sep());
    let scope = crate::config::scope_label(state.namespace.as_deref());
    identity.push(Span::styled(scope, theme.header));

    let mut status: Vec<Span<'static>> = vec![Span::styled(" ", theme.header)];
    status.extend(connection(state));
    let after_connection = status.len();
    status.push(sep());
    // A missing leader is an alarm and goes first; who leads, when all is
    // well, is the least of the header and goes last (cut first when narrow).
    let leader = governor_leader(state, area.width >= 100);
    let alarming = matches!(
        state.decisions.governor_leader,
        Some(crate::governor::leader::LeaderView::NoLeader)
    );
    if alarming && let Some(warning) = leader {
        status.extend(warning);
        status.push(sep());
    }
    status.extend(counts(state, area.width >= 100));
    status.extend(super::decision_bar::header_spans(state));
    // Who leads, in the longest form that fits after the rest: with "since",
    // without it, or not at all (never cut mid-name).
    let leading_forms: Vec<Vec<Span<'static>>> = if alarming {
        Vec::new()
    } else {
        [true, false]
            .into_iter()
            .filter_map(|wide| governor_leader(state, wide && area.width >= 100))
            .map(|spans| {
                let mut segment = vec![sep()];
                segment.extend(spans);
                segment
            })
            .collect()
    };
    let leading = |used: usize| -> Vec<Span<'static>> {
        leading_forms
            .iter()
            .find(|form| used + spans_width(form) <= usize::from(area.width))
            .cloned()
            .unwrap_or_default()
    };

    let lines = if area.height >= 2 {
        let width = usize::from(area.width);
        let mut variants = super::vault_token::header_variants(state);
        let on_identity = best_fit(&variants, spans_width(&identity), width);
        // In trouble, Vault takes the status row instead (after the cluster's
        // connection state, the counts kept) when it shows more there, or
        // when nothing of it fits after the identity.
        let on_status = best_fit(&variants, spans_width(&status), width);
        let to_status = super::vault_token::header_alarming(state)
            && match (on_identity, on_status) {
                (Some(identity_form), Some(status_form)) => status_form < identity_form,
                (None, _) => true,
                (Some(_), None) => false,
            };
        let form = if to_status { on_status } else { on_identity };
        let chosen = pick(&mut variants, form);
        if to_status {
            let mut vault = vec![sep()];
            vault.extend(chosen);
            status.splice(after_connection..after_connection, vault);
        } else {
            identity.push(sep());
            identity.extend(chosen);
        }
        let used = spans_width(&status);
        status.extend(leading(used));
        vec![
            Line::from(identity).style(theme.header),
            Line::from(status).style(theme.header),
        ]
    } else {
        // One row: Vault goes right after the identity, so a long status
        // (counts, RBAC notes) cannot push it off the edge; its details
        // (address, entity, policies) only when everything fits.
        let room = usize::from(area.width).saturating_sub(spans_width(&status) + 3);
        let mut variants = super::vault_token::header_variants(state);
        let form = best_fit(&variants, spans_width(&identity), room);
        identity.push(sep());
        identity.extend(pick(&mut variants, form));
        identity.push(sep());
        identity.extend(status.into_iter().skip(1));
        let used = spans_width(&identity);
        identity.extend(leading(used));
        vec![Line::from(identity).style(theme.header)]
    };
    frame.render_widget(Paragraph::new(lines).style(theme.header), area);
}

fn spans_width(spans: &[Span<'static>]) -> usize {
    spans.iter().map(|s| super::text::width(&s.content)).sum()
}

/// The widest of the Vault segment's forms (widest first) that fits, with a
/// separator, after `used` columns of a line `width` wide.
fn best_fit(variants: &[Vec<Span<'static>>], used: usize, width: usize) -> Option<usize> {
    variants
        .iter()
        .position(|variant| used + 3 + spans_width(variant) <= width)
}

/// The form `chosen`, else the narrowest.
fn pick(variants: &mut Vec<Vec<Span<'static>>>, chosen: Option<usize>) -> Vec<Span<'static>> {
    let index = chosen.unwrap_or(variants.len().saturating_sub(1));
    if index < variants.len() {
        variants.swap_remove(index)
    } else {
        Vec::new()
    }
}

fn user(state: &State) -> Vec<Span<'static>> {
    let theme = &state.theme;
    match &state.identity.user {
        Some(user) if state.identity.verified => {
            vec![Span::styled(format!("user {user}"), theme.header)]
        }
        Some(user) => vec![
            Span::styled(format!("user {user} "), theme.header),
            Span::styled("(unverified)", theme.header_warning),
        ],
        None => vec![Span::styled("user …", theme.header)],
    }
}

/// Who leads the governor replicas, from their Lease: the holder and since
/// when, or a warning when none leads (rule approvals and expiries stall).
/// Nothing while the Lease is unknown or absent (no governor has run).
fn governor_leader(state: &State, wide: bool) -> Option<Vec<Span<'static>>> {
    use crate::governor::leader::LeaderView;
    let theme = &state.theme;
    match state.decisions.governor_leader.as_ref()? {
        LeaderView::Leading(info) => {
            let since = info
                .since
                .filter(|_| wide)
                .map(|at| format!(" since {}", format::clock(at, &state.time_zone)))
                .unwrap_or_default();
            Some(vec![Span::styled(
                format!("gov {}{since}", crate::sanitize::sanitize(&info.holder)),
                theme.header,
            )])
        }
        LeaderView::NoLeader => Some(vec![Span::styled(
            if wide {
                " no governor leading: rule decisions and expiries stall "
            } else {
                " no governor "
            },
            theme.header_warning,
        )]),
        LeaderView::NoLease => None,
    }
}

fn connection(state: &State) -> Vec<Span<'static>> {
    let theme = &state.theme;
    if let Some(since) = state.reconnecting_since() {
        let stale = if state.investigations_stale() {
            " · data stale"
        } else {
            ""
        };
        let cause = state.connection_error().unwrap_or("unreachable");
        return vec![Span::styled(
            format!(
                " ⟳ {cause} · since {}{}{stale} ",
                format::clock(since, &state.time_zone),
                reload_note(state),
            ),
            theme.header_warning,
        )];
    }
    let forbidden: Vec<&str> = Source::ALL
        .iter()
        .filter(|s| matches!(state.sources.get(s), Some(SourceState::Forbidden { .. })))
        .map(|s| s.resource())
        .collect();
    let connecting = state
        .sources
        .values()
        .any(|s| matches!(s, SourceState::Connecting));
    let live = state
        .sources
        .values()
        .any(|s| matches!(s, SourceState::Live));
    let mut spans = vec![if connecting {
        Span::styled("◌ connecting", theme.header)
    } else if live {
        Span::styled("● live", theme.header.patch(theme.ok))
    } else {
        Span::styled(
            "⊘ connected, nothing visible",
            theme.header.patch(theme.warn),
        )
    }];
    if !forbidden.is_empty() {
        spans.push(Span::styled(
            format!("  no access: {}", forbidden.join(", ")),
            theme.header.patch(theme.warn),
        ));
    }
    spans
}

/// What was done about rejected credentials: re-reading the kubeconfig,
/// or the outcome of the last re-read.
fn reload_note(state: &State) -> String {
    match &state.connection.reload {
        Reload::Idle => String::new(),
        Reload::Running { .. } => " · re-reading the kubeconfig".into(),
        Reload::Done {
            error: Some(error), ..
        } => format!(" · kubeconfig re-read: {error}"),
        Reload::Done { .. }
            if state.connection_error()
                == Some(&crate::error::KubeCause::Unauthorized.to_string()) =>
        {
            " · kubeconfig re-read, still rejected".into()
        }
        Reload::Done { .. } => String::new(),
    }
}

fn counts(state: &State, wide: bool) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let (running, failed) = state.table.counts();
    let awaiting = state.proposals.pending_total();
    let awaiting_style = if awaiting > 0 {
        theme.header.patch(theme.warn)
    } else {
        theme.header
    };
    let failed_style = if failed > 0 {
        theme.header.patch(theme.error)
    } else {
        theme.header
    };
    vec![
        Span::styled(
            format!("{} running", format::count(running as u64)),
            theme.header,
        ),
        Span::styled(" · ", theme.header),
        Span::styled(
            format!(
                "{} {}",
                format::count(awaiting as u64),
                if wide {
                    "awaiting approval"
                } else {
                    "to approve"
                }
            ),
            awaiting_style,
        ),
        Span::styled(" · ", theme.header),
        Span::styled(
            format!("{} failed", format::count(failed as u64)),
            failed_style,
        ),
    ]
    .into_iter()
    .chain(queued(state))
    .collect()
}

/// `· 12 queued`, when the launcher's queue holds any (nothing otherwise).
fn queued(state: &State) -> Vec<Span<'static>> {
    let queued = state.table.queue().len();
    if queued == 0 {
        return Vec::new();
    }
    let theme = &state.theme;
    vec![
        Span::styled(" · ", theme.header),
        Span::styled(
            format!("{} queued", format::count(queued as u64)),
            theme.header.patch(theme.warn),
        ),
    ]
}
