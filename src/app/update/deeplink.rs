//! Following a deep link (`kubevigil --investigation ID`, `--proposal
//! NS/NAME`, `:open`): open it as soon as the data shows it, or say it is
//! not in view once the first listing has arrived without it.

use super::{Out, notice, stream};
use crate::app::state::{DeepLink, NoticeLevel, SourceState, State};
use crate::model::records::{ProposalKey, Source};

/// Asks to open `link`: at once when it is in view, else once it arrives.
pub(super) fn open(state: &mut State, link: DeepLink, out: &mut Out) {
    state.pending_link = Some(link);
    follow(state, out);
}

/// Opens the pending link if the data now shows it; gives up with a notice
/// once the investigations (and, for a proposal, the proposals) are listed
/// without it. Called after every listing and change.
pub(super) fn follow(state: &mut State, out: &mut Out) {
    let Some(link) = state.pending_link.clone() else {
        return;
    };
    // Listed: live, and (for investigations) no listing still under way,
    // as the link's row may come in a later page.
    let listed = |state: &State, source: Source| {
        state
            .sources
            .get(&source)
            .is_some_and(|s| matches!(s, SourceState::Live))
            && (source != Source::Investigations || state.table.loading().is_none())
    };
    match &link {
        DeepLink::Investigation(id) => {
            if open_investigation(state, id, out) {
                state.pending_link = None;
            } else if listed(state, Source::Investigations) {
                give_up(state, &link, out);
            }
        }
        DeepLink::Proposal { namespace, name } => {
            let Some(investigation) = state
                .proposals
                .find(namespace, name)
                .map(|p| p.investigation.clone())
            else {
                if listed(state, Source::Proposals) {
                    give_up(state, &link, out);
                }
                return;
            };
            if !open_investigation(state, &investigation, out)
                && !listed(state, Source::Investigations)
            {
                // Its investigation is not listed yet: open both together.
                return;
            }
            state.pending_link = None;
            stream::open_proposal(state, ProposalKey::new(namespace, name), out);
        }
    }
}

/// Moves the table's cursor to investigation `id` (clearing a filter that
/// hides it) and opens it; false when it is not in the table.
fn open_investigation(state: &mut State, id: &str, out: &mut Out) -> bool {
    if state.table.get(id).is_none() {
        return false;
    }
    let page = crate::app::geometry::layout::table_page(state);
    if state.table.position_of(id).is_none() && state.table.set_filter("") {
        state.table.refresh(page);
    }
    let Some(position) = state.table.position_of(id) else {
        return false;
    };
    state.table.select(position, page);
    stream::open(state, out);
    true
}

fn give_up(state: &mut State, link: &DeepLink, out: &mut Out) {
    state.pending_link = None;
    let scope = match &state.namespace {
        Some(ns) => format!("namespace {ns}"),
        None => "any namespace".to_string(),
    };
    notice::notice(
        state,
        NoticeLevel::Warning,
        format!("cannot open {link}: not found in {scope} (:ns changes the scope)"),
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{StateBuilder, investigation, proposal};
    use crate::app::state::Screen;
    use crate::domain::{InvestigationState, ProposalState, Risk};

    fn world() -> State {
        StateBuilder::new()
            .investigation(investigation(
                "a-1",
                "payments",
                InvestigationState::Running,
                10,
            ))
            .investigation(investigation(
                "b-2",
                "checkout",
                InvestigationState::Running,
                20,
            ))
            .proposal(proposal("p-1", "b-2", Risk::High, ProposalState::Pending))
            .build()
    }

    #[test]
    fn an_investigation_link_opens_it_even_behind_a_filter() {
        let mut state = world();
        state.table.set_filter("payments");
        state.table.refresh(10);
        let mut out = Out::default();
        open(&mut state, "b-2".parse().expect("link"), &mut out);
        assert_eq!(state.screens.last(), Some(&Screen::Detail));
        assert_eq!(
            state.detail.as_ref().map(|d| d.investigation.as_str()),
            Some("b-2")
        );
        assert_eq!(state.pending_link, None);
    }

    #[test]
    fn a_proposal_link_opens_the_proposal_over_its_investigation() {
        let mut state = world();
        let mut out = Out::default();
        open(
            &mut state,
            "kubevigil-agents/p-1".parse().expect("link"),
            &mut out,
        );
        assert!(matches!(
            state.screens.as_slice(),
            [Screen::Investigations, Screen::Detail, Screen::Proposal { key, .. }]
                if key.name == "p-1"
        ));
    }

    #[test]
    fn a_link_to_nothing_is_said_once_the_listing_is_in() {
        let mut state = world();
        let mut out = Out::default();
        open(&mut state, "zz-9".parse().expect("link"), &mut out);
        assert_eq!(state.pending_link, None);
        assert!(
            state
                .notices
                .iter()
                .any(|n| n.text.contains("cannot open investigation zz-9: not found")),
            "{:?}",
            state.notices
        );
        assert_eq!(state.screens.last(), Some(&Screen::Investigations));
    }
}
