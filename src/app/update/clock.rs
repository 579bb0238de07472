//! Time: the clock runs only while something on screen counts down, and a
//! tick redraws only when a visible time text actually changed.

use super::Out;
use crate::app::effect::Effect;
use crate::app::state::State;
use jiff::Timestamp;

/// The clock moved to `now`.
pub(super) fn tick(state: &mut State, now: Timestamp, out: &mut Out) {
    if now <= state.now {
        return;
    }
    state.now = now;
    let digest = crate::app::geometry::countdown::digest(state);
    if digest != state.clock_digest {
        state.clock_digest = digest;
        out.redraw();
    }
}

/// Starts the one-second clock when a countdown is visible, stops it when none is.
pub(super) fn sync_ticking(state: &mut State, out: &mut Out) {
    let wanted = !state.quitting && crate::app::geometry::countdown::counts_down(state);
    if wanted != state.ticking {
        state.ticking = wanted;
        out.push(Effect::SetTicking(wanted));
    }
    if out.redraw {
        // The frame about to be drawn shows the current times.
        state.clock_digest = crate::app::geometry::countdown::digest(state);
    }
}
