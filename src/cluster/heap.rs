//! Giving memory back after a large listing. Listing 100,000 Jobs decodes
//! them page by page and keeps only the trimmed records; glibc's allocator
//! keeps the freed pages of every thread's arena, so the console's resident
//! memory would stay at the listing's peak for its whole life.

use std::time::Duration;

/// How long after a listing the freed memory is given back (the console
/// has taken the last pages in by then).
const SETTLE: Duration = Duration::from_secs(2);

/// Soon after a listing, returns the allocator's free pages to the system
/// (`malloc_trim`, glibc only; elsewhere nothing).
pub fn give_back_after_listing() {
    tokio::spawn(async {
        tokio::time::sleep(SETTLE).await;
        give_back();
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_back() {
    // SAFETY: malloc_trim only reads and changes the allocator's own state,
    // under its locks; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back() {}
