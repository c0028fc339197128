//! Structures built only once they have been used often: for most of a large rule set's value
//! lists and routes, building a faster searcher costs more than the few searches it would speed.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// A value built on the use after the first `after` uses, shared by all threads; `None` in
/// the slot when building failed (the caller keeps its slower path).
#[derive(Debug)]
pub(crate) struct BuiltAfterUses<T> {
    uses: AtomicU32,
    built: OnceLock<Option<T>>,
}

impl<T> Default for BuiltAfterUses<T> {
    fn default() -> Self {
        BuiltAfterUses { uses: AtomicU32::new(0), built: OnceLock::new() }
    }
}

impl<T: Clone> Clone for BuiltAfterUses<T> {
    /// A clone keeps what was built and counts its own uses afresh.
    fn clone(&self) -> Self {
        BuiltAfterUses { uses: AtomicU32::new(0), built: self.built.clone() }
    }
}

impl<T> BuiltAfterUses<T> {
    /// Counts a use and returns the value once it is built; the use after the first `after`
    /// builds it with `build`.
    pub(crate) fn get(&self, after: u32, build: impl FnOnce() -> Option<T>) -> Option<&T> {
        if let Some(built) = self.built.get() {
            return built.as_ref();
        }
        if self.uses.fetch_add(1, Ordering::Relaxed) < after {
            return None;
        }
        self.built.get_or_init(build).as_ref()
    }

    /// What was built so far: `None` before building, `Some(None)` when building failed.
    #[cfg(test)]
    pub(crate) fn built(&self) -> Option<&Option<T>> {
        self.built.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_once_after_the_given_uses() {
        let w: BuiltAfterUses<u32> = BuiltAfterUses::default();
        let mut builds = 0;
        for _ in 0..3 {
            assert_eq!(w.get(3, || unreachable!("built too early")), None);
        }
        for _ in 0..5 {
            assert_eq!(
                w.get(3, || {
                    builds += 1;
                    Some(7)
                }),
                Some(&7)
            );
        }
        assert_eq!(builds, 1);
        let failed: BuiltAfterUses<u32> = BuiltAfterUses::default();
        assert_eq!(failed.get(0, || None), None);
        assert_eq!(failed.built(), Some(&None));
    }
}
