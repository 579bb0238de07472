//! Dialogs whose proposal changed underneath them: after every action the
//! open approve, veto or edit dialog closes saying what changed (a veto
//! updates to show the new action instead), and the rows of its change now
//! on screen are counted.

use crate::app::state::{DialogScroll, Modal, NoticeLevel, Shown, State};
use crate::app::update::Out;
use crate::app::update::deciding::{already_approved, refusal};
use crate::domain::Verdict;

/// What a stale dialog does: close saying why, or stay saying what changed.
enum Stale {
    Close(String),
    Update(String),
}

/// Whether the open dialog's proposal changed underneath it so that what it
/// shows no longer holds.
fn stale(state: &State) -> Option<Stale> {
    let (key, shown, verdict, what) = match state.decisions.modal.as_ref()? {
        Modal::Approve {
            key, shown, edited, ..
        } => (
            key,
            shown,
            Verdict::Approve,
            if edited.is_some() {
                "approval of your edit"
            } else {
                "approval"
            },
        ),
        Modal::Veto { key, shown, .. } => (key, shown, Verdict::Veto, "veto"),
        Modal::Edit { key, shown, .. } => (key, shown, Verdict::Approve, "edit"),
        _ => return None,
    };
    let name = &key.name;
    let Some(record) = state.proposals.get(key) else {
        return Some(Stale::Close(format!(
            "{name} was deleted while your {what} was open; nothing was sent"
        )));
    };
    if record.uid != shown.uid {
        return Some(Stale::Close(format!(
            "{name} was replaced by a new proposal of the same name while your {what} was open; nothing was sent: look at the new one"
        )));
    }
    if let Some(why) = refusal(state, record, verdict) {
        return Some(Stale::Close(format!(
            "closed your {what}, nothing was sent: {why}"
        )));
    }
    if record.state.is_pending()
        && let Some(expired) = record.expires_at.filter(|at| *at <= state.now)
    {
        return Some(Stale::Close(format!(
            "{name} expired at {} while your {what} was open (timeout means deny); nothing was sent",
            crate::app::geometry::format::clock(expired, &state.time_zone)
        )));
    }
    if record.action.digest != shown.digest {
        let by = record
            .action
            .edit
            .as_ref()
            .map(|e| format!(" by {}'s edit", e.by))
            .unwrap_or_default();
        let change = format!(
            "the action of {name} changed{by} while your {what} was open (you saw sha256:{}, now sha256:{} would run)",
            crate::domain::canonical::short_digest(&shown.digest),
            record.action.short_digest
        );
        return Some(if verdict == Verdict::Veto {
            Stale::Update(format!("{change}: the veto shows it now"))
        } else {
            Stale::Close(format!("{change}; nothing was sent: look again"))
        });
    }
    let mine = matches!(
        state.decisions.modal,
        Some(Modal::Approve { edited: None, .. })
    );
    if mine && let Some(why) = already_approved(state, record, &record.action.short_digest) {
        return Some(Stale::Close(format!("closed your approval: {why}")));
    }
    None
}

/// After every action: close (or update) the open dialog when its proposal
/// changed underneath it, saying what changed; then count the rows of its
/// change now on screen.
pub(in crate::app::update) fn sync(state: &mut State, out: &mut Out) {
    match stale(state) {
        Some(Stale::Close(why)) => {
            state.decisions.modal = None;
            crate::app::update::notice::notice(state, NoticeLevel::Warning, why, out);
        }
        Some(Stale::Update(what)) => {
            if let Some(Modal::Veto {
                key, shown, scroll, ..
            }) = state.decisions.modal.as_mut()
                && let Some(record) = state.proposals.get(key)
            {
                *shown = Shown::of(record);
                *scroll = DialogScroll::default();
            }
            crate::app::update::notice::notice(state, NoticeLevel::Warning, what, out);
        }
        None => {}
    }
    let Some(geometry) = crate::app::geometry::dialog::geometry(state) else {
        return;
    };
    if let Some(Modal::Approve { scroll, .. } | Modal::Veto { scroll, .. }) =
        state.decisions.modal.as_mut()
    {
        let before = *scroll;
        scroll.observe(geometry.inner_width, geometry.body_rows, geometry.view_rows);
        out.redraw_if(before != *scroll);
    }
}
