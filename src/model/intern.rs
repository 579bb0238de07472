//! One shared copy of texts that repeat across many records (namespaces,
//! severities, resource limits, service accounts): 100,000 investigations
//! over ten namespaces keep ten namespace strings, not 100,000.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Most distinct texts kept; past it the set starts again (a text then
/// shared before is still valid, only no longer shared with new ones).
const MOST_KEPT: usize = 4096;

/// The shared copy of `text`.
pub fn intern(text: &str) -> Arc<str> {
    static KEPT: Mutex<Option<HashSet<Arc<str>>>> = Mutex::new(None);
    let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    let kept = kept.get_or_insert_with(HashSet::new);
    if let Some(shared) = kept.get(text) {
        return shared.clone();
    }
    if kept.len() >= MOST_KEPT {
        kept.clear();
    }
    let shared: Arc<str> = Arc::from(text);
    kept.insert(shared.clone());
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_copy() {
        let a = intern("payments");
        let b = intern(&String::from("payments"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*intern("web"), "web");
    }
}
