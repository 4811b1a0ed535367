//! The reactor's timer heap (layer: engine): connection deadlines, the
//! sweep of idle connections, and work set for a time (a watcher's next
//! poll). Stale deadlines are skipped by a generation check, not removed.

use super::Reactor;
use std::cmp::Ordering as CmpOrdering;
use std::time::Instant;

type TimerFn = Box<dyn FnOnce(&mut Reactor)>;

pub(super) struct Timer {
    pub(super) at: Instant,
    pub(super) seq: u64,
    pub(super) what: TimerWhat,
}

pub(super) enum TimerWhat {
    Conn {
        id: usize,
        generation: u64,
    },
    /// Close idle connections older than `MAX_IDLE_AGE`.
    Sweep,
    Run(TimerFn),
}

impl PartialEq for Timer {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, o: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timer {
    /// Reversed: `BinaryHeap` is a max-heap, the earliest timer must top it.
    fn cmp(&self, o: &Self) -> CmpOrdering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

impl Reactor {
    /// Run `f` on the reactor thread at `at` (or at once if it is past).
    pub fn at(&mut self, at: Instant, f: impl FnOnce(&mut Reactor) + 'static) {
        self.push_timer(at, TimerWhat::Run(Box::new(f)));
    }

    pub(super) fn push_timer(&mut self, at: Instant, what: TimerWhat) {
        self.seq += 1;
        self.timers.push(Timer {
            at,
            seq: self.seq,
            what,
        });
    }

    pub(super) fn fire_timers(&mut self) {
        let now = Instant::now();
        while self.timers.peek().is_some_and(|t| t.at <= now) {
            let Some(t) = self.timers.pop() else { break };
            match t.what {
                TimerWhat::Conn { id, generation } => self.on_timer(id, generation, now),
                TimerWhat::Sweep => self.sweep(now),
                TimerWhat::Run(f) => f(self),
            }
        }
    }
}
