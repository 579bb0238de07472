//! Calling for attention through the terminal: the bell (BEL), the window
//! title (OSC 0, saved on the terminal's title stack at start and given
//! back on exit with XTWINOPS 22/23), and desktop notifications (OSC 9 or
//! OSC 777 `notify`). Everything in a title or a notification is sanitized
//! first: no agent text can end the sequence early and start another.

use crate::app::state::Signal;
use crate::config::DesktopNotify;
use std::io::{self, Write};

/// Saves the terminal's title on its title stack (XTWINOPS 22), so
/// [`restore_title`] can give it back.
pub fn save_title(out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"\x1b[22;0t")?;
    out.flush()
}

/// Gives back the title [`save_title`] saved (XTWINOPS 23).
pub fn restore_title(out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"\x1b[23;0t")?;
    out.flush()
}

/// The bytes that carry `signal` to the terminal.
pub fn encode(signal: &Signal) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Some(title) = &signal.title {
        bytes.extend_from_slice(b"\x1b]0;");
        bytes.extend_from_slice(crate::sanitize::sanitize(title).as_bytes());
        bytes.push(0x07);
    }
    if let Some((kind, body)) = &signal.desktop {
        let body = crate::sanitize::sanitize(body);
        match kind {
            DesktopNotify::Off => {}
            DesktopNotify::Osc9 => {
                bytes.extend_from_slice(b"\x1b]9;");
                bytes.extend_from_slice(body.as_bytes());
                bytes.push(0x07);
            }
            DesktopNotify::Osc777 => {
                bytes.extend_from_slice(b"\x1b]777;notify;kubevigil: awaiting approval;");
                bytes.extend_from_slice(body.as_bytes());
                bytes.push(0x07);
            }
        }
    }
    if signal.bell {
        bytes.push(0x07);
    }
    bytes
}

/// Sends `signal` to the terminal.
pub fn call(signal: &Signal, out: &mut impl Write) -> io::Result<()> {
    out.write_all(&encode(signal))?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_is_a_title_a_notification_and_a_bell() {
        let signal = Signal {
            bell: true,
            title: Some("kubevigil (2 awaiting)".into()),
            desktop: Some((
                DesktopNotify::Osc777,
                "payments/p: scale\u{7}\u{1b}]0;x".into(),
            )),
        };
        assert_eq!(
            encode(&signal),
            b"\x1b]0;kubevigil (2 awaiting)\x07\x1b]777;notify;kubevigil: awaiting approval;payments/p: scale\x07\x07"
        );
    }
}
