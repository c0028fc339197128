//! Recycled entry buffers for objects.
//!
//! Readers build every event out of a dozen small objects and the pipeline drops them a batch
//! at a time, hundreds of events together. The system allocator keeps only a few freed blocks
//! of each size ready (glibc: seven), so most of those objects went the slow way through its
//! bins on both allocation and free — a quarter of reading a syslog line. Each thread here keeps
//! the buffers of the objects it drops, by capacity class, up to a byte budget per class, and
//! hands them to the next objects it builds.

use std::cell::RefCell;

use super::{Text, Value};

pub(super) type Entries = Vec<(Text, Value)>;

/// Capacity classes: a buffer is kept in the largest class it can hold.
const CLASSES: [usize; 5] = [2, 4, 8, 16, 32];
/// Bytes of buffers kept per class and thread (about one batch of events' worth).
const BUDGET: usize = 1 << 20;

thread_local! {
    static FREE: RefCell<[Vec<Entries>; CLASSES.len()]> = const { RefCell::new([const { Vec::new() }; CLASSES.len()]) };
}

/// How many buffers each class keeps: its share of the budget.
const KEEP: [usize; CLASSES.len()] = {
    let mut keep = [0; CLASSES.len()];
    let mut i = 0;
    while i < CLASSES.len() {
        keep[i] = BUDGET / (CLASSES[i] * std::mem::size_of::<(Text, Value)>());
        i += 1;
    }
    keep
};

/// The class whose buffers all hold at least `cap` entries (classes are powers of two: the
/// smallest class at or above `cap`).
fn class_for_take(cap: usize) -> Option<usize> {
    let class = (cap.max(2) - 1).ilog2() as usize;
    (class < CLASSES.len()).then_some(class)
}

/// The class a buffer of capacity `cap` is kept in: the largest class at or below it (buffers
/// of more than twice the largest class are left to the allocator).
fn class_for_give(cap: usize) -> Option<usize> {
    if !(CLASSES[0]..=2 * CLASSES[CLASSES.len() - 1]).contains(&cap) {
        return None;
    }
    Some((cap.ilog2() as usize - 1).min(CLASSES.len() - 1))
}

/// An empty buffer with room for at least `cap` entries.
pub(super) fn take(cap: usize) -> Entries {
    if cap == 0 {
        return Vec::new();
    }
    let Some(class) = class_for_take(cap) else { return Vec::with_capacity(cap) };
    FREE.try_with(|free| free.borrow_mut()[class].pop())
        .ok()
        .flatten()
        .unwrap_or_else(|| Vec::with_capacity(CLASSES[class]))
}

/// Drops the entries and keeps the buffer for reuse when its class has room.
pub(super) fn give(mut buf: Entries) {
    // Dropping the values first gives their own buffers back; no borrow is held meanwhile.
    buf.clear();
    let Some(class) = class_for_give(buf.capacity()) else { return };
    let limit = KEEP[class];
    // After the thread's pool is gone (thread exit), the buffer is simply freed.
    let _ = FREE.try_with(|free| {
        let mut free = free.borrow_mut();
        if free[class].len() < limit {
            free[class].push(buf);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_with_enough_room() {
        let mut a = take(3);
        assert!(a.capacity() >= 3);
        a.push(("k".into(), Value::Null));
        let ptr = a.as_ptr();
        give(a);
        let b = take(4);
        assert!(b.is_empty() && b.capacity() >= 4);
        assert_eq!(b.as_ptr(), ptr, "the buffer given back is reused");
        // A buffer larger than a class is kept in the class below its capacity.
        give(Vec::with_capacity(12));
        assert!(take(8).capacity() >= 8);
        assert!(take(100).capacity() >= 100);
        assert_eq!(class_for_give(65), None);
        assert_eq!(class_for_give(1), None);
        // Both class functions agree with the class table.
        for cap in 1..=70 {
            let take = CLASSES.iter().position(|&c| c >= cap);
            assert_eq!(class_for_take(cap), take, "take {cap}");
            let give = (cap <= 64).then(|| CLASSES.iter().rposition(|&c| c <= cap)).flatten();
            assert_eq!(class_for_give(cap), give, "give {cap}");
        }
    }
}
