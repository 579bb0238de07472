//! Never missing an approval: when a proposal starts waiting for this
//! operator (one the console has not seen before), the terminal rings, its
//! title counts what waits, and, if configured, a desktop notification says
//! what it is. Proposals already waiting when the console starts are not
//! news: the title counts them, the bell stays quiet.

use super::Out;
use crate::app::effect::Effect;
use crate::app::state::{Signal, State, title_for};
use crate::config::DesktopNotify;
use crate::domain::Verdict;
use crate::model::records::{ProposalKey, ProposalRecord};

/// Whether `proposal` waits for `user`: pending, and not yet approved by them.
fn waits_for(proposal: &ProposalRecord, user: Option<&str>) -> bool {
    proposal.state.is_pending()
        && !proposal
            .decisions
            .iter()
            .any(|d| d.verdict == Verdict::Approve && Some(d.by.as_str()) == user)
}

/// Looks at what waits for the operator now and asks the terminal to call
/// for attention about what is new. Called after every proposal change.
pub(super) fn review(state: &mut State, out: &mut Out) {
    let user = state.identity.user.clone();
    let waiting: Vec<(ProposalKey, String, String)> = if state.readonly {
        Vec::new()
    } else {
        state
            .proposals
            .all_records()
            .filter(|p| waits_for(p, user.as_deref()))
            .map(|p| (p.key.clone(), p.target_namespace.clone(), p.summary.clone()))
            .collect()
    };
    let attention = &mut state.attention;
    attention.awaiting = waiting.len();
    let fresh: Vec<&(ProposalKey, String, String)> = if attention.primed {
        waiting
            .iter()
            .filter(|(key, ..)| !attention.seen.contains(key))
            .collect()
    } else {
        Vec::new()
    };
    attention.primed = true;
    attention
        .seen
        .extend(waiting.iter().map(|(key, ..)| key.clone()));
    attention
        .seen
        .retain(|key| state.proposals.get(key).is_some());
    let settings = attention.settings;
    let mut signal = Signal {
        bell: settings.bell && !fresh.is_empty(),
        title: None,
        desktop: None,
    };
    if settings.title && attention.titled != Some(waiting.len()) {
        attention.titled = Some(waiting.len());
        signal.title = Some(title_for(waiting.len()));
    }
    if settings.desktop != DesktopNotify::Off
        && let Some((key, namespace, summary)) = fresh.first()
    {
        let more = match fresh.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        let body = format!("{namespace}/{}: {summary}{more}", key.name);
        signal.desktop = Some((
            settings.desktop,
            crate::sanitize::sanitize(&body).into_owned(),
        ));
    }
    if !signal.is_empty() {
        out.push(Effect::Attention(signal));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{StateBuilder, proposal};
    use crate::domain::{ProposalState, Risk};

    fn signals(out: Out) -> Vec<Signal> {
        out.finish()
            .into_iter()
            .filter_map(|e| match e {
                Effect::Attention(signal) => Some(signal),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn only_a_proposal_that_starts_waiting_rings_and_the_title_counts_all() {
        let mut state = StateBuilder::new()
            .proposal(proposal("p1", "inv-1", Risk::High, ProposalState::Pending))
            .build();
        // The listing (applied through `update` by the builder) was not news:
        // the title counts it, the bell stayed quiet.
        assert_eq!(state.attention.titled, Some(1));
        assert_eq!(state.attention.awaiting, 1);
        let mut out = Out::default();
        review(&mut state, &mut out);
        assert!(signals(out).is_empty(), "nothing changed, nothing asked");

        state
            .proposals
            .apply(proposal("p2", "inv-1", Risk::Low, ProposalState::Pending));
        let mut out = Out::default();
        review(&mut state, &mut out);
        assert_eq!(
            signals(out),
            [Signal {
                bell: true,
                title: Some("kubevigil (2 awaiting)".into()),
                desktop: None
            }]
        );
    }

    #[test]
    fn a_read_only_console_is_never_called() {
        let mut state = StateBuilder::new().readonly(true).build();
        let mut out = Out::default();
        review(&mut state, &mut out);
        state
            .proposals
            .apply(proposal("p2", "inv-1", Risk::Low, ProposalState::Pending));
        let mut out = Out::default();
        review(&mut state, &mut out);
        assert!(signals(out).iter().all(|s| !s.bell));
    }

    #[test]
    fn the_desktop_notification_names_the_proposal_sanitized() {
        let mut state = StateBuilder::new().build();
        state.attention.settings.desktop = DesktopNotify::Osc9;
        let mut out = Out::default();
        review(&mut state, &mut out);
        let mut hostile = proposal("p3", "inv-1", Risk::Low, ProposalState::Pending);
        hostile.summary = "scale\u{1b}]0;pwned\u{7} api\u{202e}".into();
        state.proposals.apply(hostile);
        let mut out = Out::default();
        review(&mut state, &mut out);
        let signal = signals(out).pop().expect("a signal");
        let (kind, body) = signal.desktop.expect("a notification");
        assert_eq!(kind, DesktopNotify::Osc9);
        assert!(
            !body.contains('\u{1b}') && !body.contains('\u{7}'),
            "{body:?}"
        );
        assert!(body.ends_with("scale api⟨U+202E⟩"), "{body:?}");
    }
}
