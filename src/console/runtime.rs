//! The runtime loop: drain a batch of actions, update, execute effects,
//! draw at most one frame (capped, synchronized). Idle means blocked on the
//! channel: no frames, no CPU.

use super::ConsoleOptions;
use super::effects::{Executor, Switched};
use super::setup::{Prepared, context_user, prepare};
use crate::app::action::Action;
use crate::app::effect::{Effect, ExternalDocument};
use crate::app::state::State;
use crate::app::update::update;
use crate::tui::{FrameWriter, TerminalGuard, spawn_input, spawn_signals};
use crate::ui::highlight::Highlighter;
use jiff::Timestamp;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How many actions wait in the funnel before senders wait.
const CHANNEL_CAPACITY: usize = 4096;
/// A batch stops taking actions after this long, so a frame is never held up.
const BATCH_BUDGET: Duration = Duration::from_millis(12);

/// Runs the console (see [`super::run_console`]).
pub async fn run(options: ConsoleOptions) -> crate::Result<()> {
    let size = crossterm::terminal::size().unwrap_or((80, 24));
    // Asked before raw mode and the input task, so the answer is never read as keys.
    let background = if options.config.follows_background() {
        crate::tui::background::detect_background(crate::tui::background::BACKGROUND_QUERY_TIMEOUT)
    } else {
        None
    };
    let Prepared {
        mut state,
        redactor,
    } = prepare(&options, size, background);
    let frame_gap =
        Duration::from_secs_f64(1.0 / f64::from(options.config.config.frame_rate_cap.max(1)));
    let (tx, mut rx) = mpsc::channel::<Action>(CHANNEL_CAPACITY);
    let (switched_tx, mut switched_rx) = mpsc::channel::<Switched>(4);
    let highlight_tx = tx.clone();
    let highlighter = Highlighter::spawn(
        &state.theme.syntax_theme,
        Box::new(move |result| {
            // Called on the highlighter thread, outside the async runtime.
            let _ = highlight_tx.blocking_send(Action::Highlighted(result));
        }),
    );
    let mut executor = Executor::new(
        options.client.clone(),
        options.kubeconfig.clone(),
        options.kubeconfig_user.clone(),
        tx.clone(),
        switched_tx,
        Arc::new(redactor),
        highlighter,
    );
    executor.kubeconfig_files = options.kubeconfig_files.clone();
    executor.set_vault(
        crate::cluster::vault_watch::ConsoleVault::find(
            options.vault.clone(),
            &options.config.config.vault,
        ),
        options.vault_starting,
    );
    state.attention.settings = options.config.config.notify;
    if let (true, Some(vault)) = (options.vault_starting, options.vault.as_ref()) {
        // The first frame already says so; the identity task confirms it.
        let _ = update(
            &mut state,
            Action::Vault(crate::cluster::vault_watch::VaultEvent::Starting {
                addr: vault.addr.clone(),
            }),
        );
    }
    let mut guard = TerminalGuard::enter()?;
    let Some(frames) = guard.frames() else {
        return Ok(());
    };
    frames.set_glyphs(crate::tui::glyphs::GlyphSet::choose(
        &options.config.config.glyphs,
        std::env::var("TERM").ok().as_deref(),
    ));
    if options.config.config.mouse {
        let _ = crate::tui::mouse::enable_mouse(&mut std::io::stdout());
    }
    let keeps_title = state.attention.settings.title;
    if keeps_title {
        let _ = crate::tui::attention::save_title(&mut std::io::stdout());
    }
    let mut input = spawn_input(tx.clone(), options.config.config.mouse);
    let signals = spawn_signals(tx.clone());
    if let Some(user) = options.kubeconfig_user.clone() {
        let effects = update(
            &mut state,
            Action::Identity {
                user,
                verified: false,
            },
        );
        // Presence and the RBAC check start with the first identity.
        for effect in effects {
            executor.run(effect);
        }
    }
    executor.run(Effect::StartWatchers {
        namespace: state.namespace.clone(),
        epoch: state.epoch,
    });
    executor.run(Effect::ResolveIdentity);
    executor.run(Effect::Vault(
        crate::cluster::vault_watch::VaultEffect::LookupIdentity,
    ));
    let result = event_loop(
        &mut state,
        Loop {
            frames,
            executor: &mut executor,
            rx: &mut rx,
            switched_rx: &mut switched_rx,
            input: &mut input,
            tx: &tx,
        },
        &options,
        frame_gap,
    )
    .await;
    input.abort();
    signals.abort();
    drop(executor);
    if keeps_title {
        let _ = crate::tui::attention::restore_title(&mut std::io::stdout());
    }
    drop(guard);
    result
}

/// What the loop drives: the terminal, the effects, the funnel.
struct Loop<'a> {
    frames: &'a mut FrameWriter,
    executor: &'a mut Executor,
    rx: &'a mut mpsc::Receiver<Action>,
    switched_rx: &'a mut mpsc::Receiver<Switched>,
    /// The input task, stopped while an editor or pager has the terminal.
    input: &'a mut tokio::task::JoinHandle<()>,
    tx: &'a mpsc::Sender<Action>,
}

async fn event_loop(
    state: &mut State,
    parts: Loop<'_>,
    options: &ConsoleOptions,
    frame_gap: Duration,
) -> crate::Result<()> {
    let Loop {
        frames,
        executor,
        rx,
        switched_rx,
        input,
        tx,
    } = parts;
    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    let mut external: Vec<ExternalDocument> = Vec::new();
    loop {
        for document in external.drain(..) {
            let mouse = options.config.config.mouse;
            let result = suspended(frames, input, tx, &document, mouse).await?;
            let size = crossterm::terminal::size().unwrap_or(state.size);
            let _ = apply(
                state,
                executor,
                Action::Resize(size.0, size.1),
                &mut dirty,
                &mut Vec::new(),
            );
            let closed = Action::ExternalClosed {
                program: document.program,
                result,
            };
            if apply(state, executor, closed, &mut dirty, &mut Vec::new()) {
                return Ok(());
            }
            dirty = true;
            last_frame = None;
        }
        if dirty {
            let due = last_frame.map(|at| at + frame_gap);
            if due.is_none_or(|due| Instant::now() >= due) {
                draw(frames, state)?;
                last_frame = Some(Instant::now());
                dirty = false;
            }
        }
        let first = if dirty {
            let due = last_frame
                .map(|at| at + frame_gap)
                .unwrap_or_else(Instant::now);
            tokio::select! {
                action = rx.recv() => action,
                Some(done) = switched_rx.recv() => Some(switched(executor, options, done)),
                () = tokio::time::sleep_until(due.into()) => continue,
            }
        } else {
            tokio::select! {
                action = rx.recv() => action,
                Some(done) = switched_rx.recv() => Some(switched(executor, options, done)),
            }
        };
        let Some(first) = first else {
            return Ok(());
        };
        let started = Instant::now();
        let ext = &mut external;
        let mut quit = apply(
            state,
            executor,
            Action::Tick(Timestamp::now()),
            &mut dirty,
            ext,
        );
        quit |= apply(state, executor, first, &mut dirty, ext);
        while !quit && ext.is_empty() && started.elapsed() < BATCH_BUDGET {
            match rx.try_recv() {
                Ok(action) => quit |= apply(state, executor, action, &mut dirty, ext),
                Err(_) => break,
            }
        }
        if quit {
            return Ok(());
        }
    }
}

/// Updates with one action and runs its effects (documents to open outside
/// the console are kept in `external` for the loop); returns whether to quit.
fn apply(
    state: &mut State,
    executor: &mut Executor,
    action: Action,
    dirty: &mut bool,
    external: &mut Vec<ExternalDocument>,
) -> bool {
    let mut quit = false;
    for effect in update(state, action) {
        match effect {
            Effect::Redraw => *dirty = true,
            Effect::Quit => quit = true,
            Effect::External(document) => external.push(document),
            other => executor.run(other),
        }
    }
    quit
}

/// Hands the terminal to the editor or pager for `document` and takes it
/// back: the input task stops (so no key is read from under the program),
/// the alternate screen and raw mode are left, the program runs, then the
/// console comes back and is drawn again in full.
async fn suspended(
    frames: &mut FrameWriter,
    input: &mut tokio::task::JoinHandle<()>,
    tx: &mpsc::Sender<Action>,
    document: &ExternalDocument,
    mouse: bool,
) -> crate::Result<Result<(), String>> {
    input.abort();
    let _ = (&mut *input).await;
    crate::tui::suspend();
    let result = super::external::run(document).await;
    crate::tui::resume()?;
    if mouse {
        let _ = crate::tui::mouse::enable_mouse(&mut std::io::stdout());
    }
    frames
        .invalidate()
        .map_err(|e| crate::Error::io("drawing the console", e))?;
    *input = spawn_input(tx.clone(), mouse);
    Ok(result)
}

/// A context switch finished: swap the client and tell the state machine.
fn switched(
    executor: &mut Executor,
    options: &ConsoleOptions,
    (context, client): Switched,
) -> Action {
    if let Some((namespace, epoch)) = executor.take_renewal(&context) {
        // A 401's kubeconfig re-read: same context, scope and data; new client.
        return match client {
            Ok((client, kubeconfig)) => {
                executor.client = client;
                executor.kubeconfig_user = context_user(Some(&kubeconfig), &context);
                executor.kubeconfig = Some(kubeconfig);
                executor.run(Effect::StartWatchers { namespace, epoch });
                executor.run(Effect::ResolveIdentity);
                Action::CredentialsReloaded { epoch, error: None }
            }
            Err(error) => Action::CredentialsReloaded {
                epoch,
                error: Some(error),
            },
        };
    }
    match client {
        Ok((client, kubeconfig)) => {
            executor.stop_cluster_tasks();
            executor.client = client;
            let user = context_user(Some(&kubeconfig), &context);
            executor.kubeconfig_user = user.clone();
            let server = crate::config::kubeconfig::context_server(&kubeconfig, &context);
            crate::audit::set_audit_cluster(Some(&context), server.as_deref());
            let namespace = crate::config::kubeconfig::context_namespace(&kubeconfig, &context);
            let contexts = crate::config::kubeconfig::context_names(&kubeconfig);
            executor.kubeconfig = Some(kubeconfig);
            let readonly = options.readonly || options.config.config.context_readonly(&context);
            Action::ContextSwitched {
                context,
                readonly,
                kubeconfig_user: user,
                namespace,
                contexts,
                server: server.as_deref().map(crate::app::state::host_port),
            }
        }
        Err(error) => Action::Notice(format!("cannot switch to context {context}: {error}")),
    }
}

/// Draws one frame (see [`FrameWriter::draw`]).
fn draw(frames: &mut FrameWriter, state: &State) -> crate::Result<()> {
    frames
        .draw(
            crate::app::geometry::layout::table_position(state),
            |frame| crate::ui::view(state, frame),
        )
        .map_err(|e| crate::Error::io("drawing the console", e))
}
