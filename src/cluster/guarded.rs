//! The one guarded write every writer of a read-then-changed object uses
//! (the governor's and the decisions' status writes, the credentials', halt
//! and resume on the TrustPolicy, the queue's marks on a Job, the policy
//! editor's apply): change the copy read, write it with that copy's
//! resourceVersion as a precondition, and on a 409 read again and change
//! again, a bounded number of times. Someone else's write is never
//! overwritten, only judged again.

/// What a guarded write did.
#[derive(Debug)]
pub enum Guarded<K> {
    /// Written: the object as the server returned it, and whether a
    /// conflict made us write more than once.
    Written {
        /// The object as written.
        object: K,
        /// Whether an earlier attempt met a conflict.
        retried: bool,
    },
    /// The change found nothing to write on this copy (returned as read).
    Unchanged(K),
}

/// Why a guarded write did not write.
#[derive(Debug)]
pub enum GuardedError<K, E> {
    /// Reading, changing or writing failed.
    Failed(E),
    /// Every attempt met a conflict.
    Contended {
        /// The copy read last.
        last: K,
        /// The last conflict.
        error: kube::Error,
    },
}

/// Whether the API answered 409 Conflict (someone wrote first).
pub fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 409)
}

/// When a guarded write reads again and changes again: how many attempts
/// in all, and which answers from the write mean "someone else wrote first".
#[derive(Debug, Clone, Copy)]
pub struct Retry<F = fn(&kube::Error) -> bool> {
    /// Attempts in all (the first write included).
    pub attempts: usize,
    /// Whether an error from the write means: read again and change again.
    pub when: F,
}

impl Retry {
    /// Retry on 409 Conflict, up to `attempts` writes.
    pub fn on_conflict(attempts: usize) -> Retry {
        Retry {
            attempts,
            when: is_conflict,
        }
    }

    /// Retry on 409 Conflict and on 404 Not Found (the object went away
    /// between the read and the write: the read again decides what to do).
    pub fn on_conflict_or_gone(attempts: usize) -> Retry {
        Retry {
            attempts,
            when: |error| is_conflict(error) || is_gone(error),
        }
    }
}

/// Whether the API answered 404 Not Found.
fn is_gone(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 404)
}

/// Writes `change(current)` with `write`, up to `attempts` times:
///
/// - `change` returns the object to write (carrying the resourceVersion of
///   the copy it was given), `None` when there is nothing to write, or an
///   error when the write is refused on this copy;
/// - a 409 from `write` calls `reread` for a fresh copy and starts over;
///   any other error from `write` becomes `failed(error)`;
/// - when every attempt met a conflict, the copy read last comes back in
///   [`GuardedError::Contended`] with the last conflict (to judge why, or to
///   report).
pub async fn write_guarded<K, E, Written, Read>(
    attempts: usize,
    current: K,
    change: impl FnMut(&K) -> Result<Option<K>, E>,
    write: impl FnMut(K) -> Written,
    reread: impl FnMut() -> Read,
    failed: impl Fn(kube::Error) -> E,
) -> Result<Guarded<K>, GuardedError<K, E>>
where
    Written: Future<Output = Result<K, kube::Error>>,
    Read: Future<Output = Result<K, E>>,
{
    write_guarded_as(
        Retry::on_conflict(attempts),
        current,
        change,
        write,
        reread,
        failed,
    )
    .await
}

/// [`write_guarded`] where what is written (`W`: a merge patch, a create or
/// a patch) differs from what is read (`K`), retried as `retry` says:
///
/// - `change` returns what to write on the copy it was given (a patch
///   carrying that copy's resourceVersion), `None` when there is nothing to
///   write, or an error when the write is refused on this copy;
/// - an error from `write` that `retry.when` accepts calls `reread` for a
///   fresh copy and starts over; any other becomes `failed(error)`;
/// - when every attempt was retried, the copy read last comes back in
///   [`GuardedError::Contended`] with the last error.
pub async fn write_guarded_as<K, W, E, Written, Read>(
    retry: Retry<impl Fn(&kube::Error) -> bool>,
    mut current: K,
    mut change: impl FnMut(&K) -> Result<Option<W>, E>,
    mut write: impl FnMut(W) -> Written,
    mut reread: impl FnMut() -> Read,
    failed: impl Fn(kube::Error) -> E,
) -> Result<Guarded<K>, GuardedError<K, E>>
where
    Written: Future<Output = Result<K, kube::Error>>,
    Read: Future<Output = Result<K, E>>,
{
    let mut conflict = None;
    for attempt in 0..retry.attempts {
        let Some(updated) = change(&current).map_err(GuardedError::Failed)? else {
            return Ok(Guarded::Unchanged(current));
        };
        match write(updated).await {
            Ok(object) => {
                return Ok(Guarded::Written {
                    object,
                    retried: attempt > 0,
                });
            }
            Err(error) if (retry.when)(&error) => {
                conflict = Some(error);
                current = reread().await.map_err(GuardedError::Failed)?;
            }
            Err(error) => return Err(GuardedError::Failed(failed(error))),
        }
    }
    match conflict {
        Some(error) => Err(GuardedError::Contended {
            last: current,
            error,
        }),
        // No attempt was allowed: nothing was tried.
        None => Ok(Guarded::Unchanged(current)),
    }
}
