//! The input task: terminal events to actions.

use crate::app::action::Action;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use futures::StreamExt;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

/// Reads terminal events until the console goes away or the terminal closes.
/// Mouse events are passed on only when `mouse` is on (a terminal may send
/// them unasked, e.g. left on by a program that crashed).
pub fn spawn_input(tx: Sender<Action>, mouse: bool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            let action = match event {
                Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => Action::Key(key),
                Ok(Event::Resize(columns, rows)) => Action::Resize(columns, rows),
                Ok(Event::Paste(text)) => Action::Paste(text),
                // Wheel and left clicks; releases and drags mean nothing here.
                Ok(Event::Mouse(event))
                    if mouse
                        && matches!(
                            event.kind,
                            MouseEventKind::ScrollUp
                                | MouseEventKind::ScrollDown
                                | MouseEventKind::Down(MouseButton::Left)
                        ) =>
                {
                    Action::Mouse(event)
                }
                Ok(_) => continue,
                // The terminal is gone (an SSH session dropped): leave.
                Err(_) => Action::Command(crate::app::command::Command::Quit),
            };
            let quit = matches!(action, Action::Command(_));
            if tx.send(action).await.is_err() || quit {
                return;
            }
        }
    })
}
