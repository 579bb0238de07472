//! The highlighter thread: requests in, results out through a callback.

use super::engine::{HighlightEngine, HighlightLimits};
use crate::model::highlight::{HighlightCache, HighlightKey, HighlightResult, plain_lines};
use std::collections::HashSet;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// How many finished results the worker remembers, to answer a repeated
/// request without highlighting again.
const WORKER_MEMORY: usize = 32;

/// A handle on the highlighting worker thread. Cheap to clone; the thread
/// ends when the last handle is dropped.
#[derive(Clone)]
pub struct Highlighter {
    requests: Sender<Request>,
    in_flight: Arc<Mutex<HashSet<HighlightKey>>>,
}

struct Request {
    key: HighlightKey,
    text: Arc<str>,
}

impl Highlighter {
    /// Starts the worker. syntect's sets are loaded on the worker, once, when
    /// the first request arrives; `on_done` is called on the worker for every
    /// result (typically it sends an `Action` into the console's channel, so
    /// it must not block for long).
    pub fn spawn(
        syntax_theme: &str,
        on_done: Box<dyn Fn(HighlightResult) + Send + 'static>,
    ) -> Highlighter {
        Self::spawn_with_limits(syntax_theme, HighlightLimits::default(), on_done)
    }

    /// [`Highlighter::spawn`] with other limits (tests, benches).
    pub fn spawn_with_limits(
        syntax_theme: &str,
        limits: HighlightLimits,
        on_done: Box<dyn Fn(HighlightResult) + Send + 'static>,
    ) -> Highlighter {
        let (requests, receiver) = channel();
        let in_flight = Arc::new(Mutex::new(HashSet::new()));
        let worker = Worker {
            receiver,
            in_flight: Arc::clone(&in_flight),
            on_done,
            syntax_theme: syntax_theme.to_owned(),
            limits,
            engine: None,
            memory: HighlightCache::new(WORKER_MEMORY),
        };
        let spawned = std::thread::Builder::new()
            .name("kubevigil-highlight".to_owned())
            .spawn(move || worker.run());
        if let Err(error) = spawned {
            // Payloads then stay plain, which is the fallback anyway.
            tracing::warn!(%error, "cannot start the highlighter thread");
        }
        Highlighter {
            requests,
            in_flight,
        }
    }

    /// Asks for `text` (already sanitized) to be highlighted as `key.syntax`.
    /// Never blocks on highlighting. A request for a key already in flight is
    /// ignored; one the worker finished recently is answered again at once
    /// from its memory, without highlighting again.
    pub fn request(&self, key: HighlightKey, text: Arc<str>) {
        if !lock(&self.in_flight).insert(key) {
            return;
        }
        if self.requests.send(Request { key, text }).is_err() {
            lock(&self.in_flight).remove(&key);
        }
    }
}

impl fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Highlighter")
            .field("in_flight", &lock(&self.in_flight).len())
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Worker {
    receiver: Receiver<Request>,
    in_flight: Arc<Mutex<HashSet<HighlightKey>>>,
    on_done: Box<dyn Fn(HighlightResult) + Send + 'static>,
    syntax_theme: String,
    limits: HighlightLimits,
    engine: Option<HighlightEngine>,
    memory: HighlightCache,
}

impl Worker {
    /// Serves requests newest first (the newest is the one on screen) until
    /// every handle is dropped.
    fn run(mut self) {
        let mut pending = Vec::new();
        while let Ok(first) = self.receiver.recv() {
            pending.push(first);
            loop {
                pending.extend(self.receiver.try_iter());
                let Some(request) = pending.pop() else { break };
                let key = request.key;
                self.serve(request);
                lock(&self.in_flight).remove(&key);
            }
        }
    }

    fn serve(&mut self, request: Request) {
        let key = request.key;
        if self.memory.is_complete(&key)
            && let Some(lines) = self.memory.get(&key)
        {
            (self.on_done)(HighlightResult {
                key,
                lines,
                complete: true,
            });
            return;
        }
        let engine = self
            .engine
            .get_or_insert_with(|| HighlightEngine::load(&self.syntax_theme));
        let on_done = &self.on_done;
        let limits = &self.limits;
        let text = &request.text;
        let highlighted = catch_unwind(AssertUnwindSafe(|| {
            engine.highlight(text, key.syntax, limits, &mut |first_screen| {
                on_done(HighlightResult {
                    key,
                    lines: Arc::new(first_screen),
                    complete: false,
                });
            })
        }));
        let result = HighlightResult {
            key,
            lines: Arc::new(highlighted.unwrap_or_else(|_| plain_lines(text))),
            complete: true,
        };
        self.memory.insert(result.clone());
        (self.on_done)(result);
    }
}
