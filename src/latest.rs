//! A one-value mailbox where the newest value wins: the writer never waits, the reader gets the
//! latest value and never a backlog. This is how the live view drops frames instead of queueing them.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The mailbox. Share it in an `Arc`.
#[derive(Debug)]
pub(crate) struct Latest<T> {
    slot: Mutex<Slot<T>>,
    ready: Condvar,
}

#[derive(Debug)]
struct Slot<T> {
    value: Option<T>,
    closed: bool,
    overwritten: u64,
}

impl<T> Default for Latest<T> {
    fn default() -> Self {
        Self { slot: Mutex::new(Slot { value: None, closed: false, overwritten: 0 }), ready: Condvar::new() }
    }
}

impl<T> Latest<T> {
    #[must_use]
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts a value, replacing one not yet taken (which is then dropped). Returns whether one was dropped.
    pub(crate) fn put(&self, value: T) -> bool {
        let mut s = self.lock();
        let dropped = s.value.replace(value).is_some();
        if dropped {
            s.overwritten += 1;
        }
        self.ready.notify_all();
        dropped
    }

    /// Takes the value, waiting up to `timeout` for one. `None` on timeout or when closed and empty.
    pub(crate) fn take_timeout(&self, timeout: Duration) -> Option<T> {
        let mut s = self.lock();
        if s.value.is_none() && !s.closed {
            s = self
                .ready
                .wait_timeout_while(s, timeout, |s| s.value.is_none() && !s.closed)
                .map_or_else(|e| e.into_inner().0, |r| r.0);
        }
        s.value.take()
    }

    /// Marks the stream ended: waiting readers wake up.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    #[must_use]
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// How many values were replaced before anyone took them (dropped frames).
    #[must_use]
    pub(crate) fn overwritten(&self) -> u64 {
        self.lock().overwritten
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn newest_wins_and_drops_are_counted() {
        let l = Latest::new();
        assert!(!l.put(1));
        assert!(l.put(2));
        assert!(l.put(3));
        assert_eq!(l.take_timeout(Duration::ZERO), Some(3));
        assert_eq!(l.take_timeout(Duration::from_millis(1)), None);
        assert_eq!(l.overwritten(), 2);
    }

    #[test]
    fn close_wakes_a_waiting_reader() {
        let l = Arc::new(Latest::<u8>::new());
        let l2 = Arc::clone(&l);
        let h = std::thread::spawn(move || l2.take_timeout(Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        l.close();
        assert_eq!(h.join().unwrap(), None);
    }
}
