//! The one guarded write every status writer uses (the governor's, the
//! decisions', the credentials'): change the copy read, write it with that
//! copy's resourceVersion as a precondition, and on a 409 read again and
//! change again, a bounded number of times. Someone else's write is never
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
    mut current: K,
    mut change: impl FnMut(&K) -> Result<Option<K>, E>,
    mut write: impl FnMut(K) -> Written,
    mut reread: impl FnMut() -> Read,
    failed: impl Fn(kube::Error) -> E,
) -> Result<Guarded<K>, GuardedError<K, E>>
where
    Written: Future<Output = Result<K, kube::Error>>,
    Read: Future<Output = Result<K, E>>,
{
    let mut conflict = None;
    for attempt in 0..attempts {
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
            Err(error) if is_conflict(&error) => {
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
