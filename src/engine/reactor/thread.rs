//! The reactor's thread (layer: engine): `Engine` starts it, hands it
//! commands from other threads through a queue and a waker, and stops it;
//! `run` is its loop (wait for readiness or the next timer, then events,
//! commands, timers).

use super::Reactor;
use crate::client::{Error, Result};
use mio::{Events, Poll, Token, Waker};
use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Work handed to the reactor from another thread.
pub(crate) type Command = Box<dyn FnOnce(&mut Reactor) + Send>;

const WAKER: Token = Token(usize::MAX);

struct Inbox {
    cmds: Mutex<Vec<Command>>,
    waker: Waker,
    stop: AtomicBool,
}

/// A running reactor thread. Commands reach it through a queue and a
/// waker; `stop` ends it and joins it.
pub(crate) struct Engine {
    inbox: Arc<Inbox>,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    /// Start a reactor thread named `name`.
    pub fn start(name: &str) -> Result<Engine> {
        let poll = Poll::new().map_err(|e| Error::Io(format!("cannot start the engine: {e}")))?;
        let waker = Waker::new(poll.registry(), WAKER)
            .map_err(|e| Error::Io(format!("cannot start the engine: {e}")))?;
        let inbox = Arc::new(Inbox {
            cmds: Mutex::new(Vec::new()),
            waker,
            stop: AtomicBool::new(false),
        });
        let ib = Arc::clone(&inbox);
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .stack_size(512 * 1024)
            .spawn(move || run(Reactor::new(poll), &ib))
            .map_err(|e| Error::Io(format!("cannot start the engine thread: {e}")))?;
        Ok(Engine {
            inbox,
            thread: Some(thread),
        })
    }

    /// Run `f` on the reactor thread, soon.
    pub fn send(&self, f: Command) -> Result<()> {
        if self.inbox.stop.load(Ordering::SeqCst) {
            return Err(Error::Io("the engine has stopped".into()));
        }
        self.inbox
            .cmds
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(f);
        self.inbox
            .waker
            .wake()
            .map_err(|e| Error::Io(format!("cannot wake the engine: {e}")))
    }

    /// Ask the reactor to stop (calls in progress are dropped, their
    /// sockets closed) without waiting.
    pub fn halt(&self) {
        self.inbox.stop.store(true, Ordering::SeqCst);
        let _ = self.inbox.waker.wake();
    }

    /// Stop and wait for the thread to end.
    pub fn stop(&mut self) {
        self.halt();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Halt and wait (at most `bound`) for the thread to have ended,
    /// through a shared reference (the process-wide engine at exit).
    #[cfg_attr(not(unix), allow(dead_code))] // used by Unix-only code
    pub fn halt_and_wait(&self, bound: std::time::Duration) {
        self.halt();
        let until = std::time::Instant::now() + bound;
        while self.thread.as_ref().is_some_and(|t| !t.is_finished())
            && std::time::Instant::now() < until
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Let the thread run on without anyone joining it.
    pub fn detach(&mut self) {
        self.thread = None;
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.halt();
        if let Some(t) = self.thread.take() {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

fn run(mut r: Reactor, inbox: &Inbox) {
    let mut events = Events::with_capacity(1024);
    let mut ids: Vec<usize> = Vec::with_capacity(1024);
    loop {
        if inbox.stop.load(Ordering::SeqCst) {
            return;
        }
        let timeout = r
            .timers
            .peek()
            .map(|t| t.at.saturating_duration_since(Instant::now()));
        if let Err(e) = r.poll.poll(&mut events, timeout) {
            if e.kind() != ErrorKind::Interrupted {
                // Nothing sensible to do but not spin.
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        ids.clear();
        ids.extend(
            events
                .iter()
                .map(|e| e.token())
                .filter(|t| *t != WAKER)
                .map(|t| t.0),
        );
        for &id in &ids {
            r.on_event(id);
            if inbox.stop.load(Ordering::SeqCst) {
                return;
            }
        }
        let cmds = std::mem::take(&mut *inbox.cmds.lock().unwrap_or_else(|p| p.into_inner()));
        for c in cmds {
            c(&mut r);
        }
        r.fire_timers();
    }
}
