//! Handle maps: opaque `uint64_t` handles with a generation, so a closed or
//! stale handle is an error, never a dangling pointer. The lock is held only
//! to look up or change a slot, never during network I/O.

use super::boundary::{Failure, FfiResult};
use crate::model::codes;
use std::sync::{Arc, Mutex};

struct Slot<T> {
    generation: u32,
    value: Option<Arc<T>>,
}

pub(crate) struct HandleMap<T> {
    slots: Mutex<Vec<Slot<T>>>,
    what: &'static str,
}

impl<T> HandleMap<T> {
    pub const fn new(what: &'static str) -> Self {
        HandleMap {
            slots: Mutex::new(Vec::new()),
            what,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Slot<T>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Store `value`; the handle is `generation << 32 | (index + 1)`, never 0.
    pub fn insert(&self, value: T) -> u64 {
        let mut slots = self.lock();
        let index = match slots.iter().position(|s| s.value.is_none()) {
            Some(i) => i,
            None => {
                slots.push(Slot {
                    generation: 0,
                    value: None,
                });
                slots.len() - 1
            }
        };
        let slot = &mut slots[index];
        slot.generation = slot.generation.wrapping_add(1).max(1);
        slot.value = Some(Arc::new(value));
        ((slot.generation as u64) << 32) | (index as u64 + 1)
    }

    fn locate(handle: u64) -> Option<(usize, u32)> {
        let index = (handle & 0xffff_ffff) as usize;
        let generation = (handle >> 32) as u32;
        if index == 0 || generation == 0 {
            None
        } else {
            Some((index - 1, generation))
        }
    }

    fn invalid(&self, handle: u64) -> Failure {
        Failure::new(
            codes::E_INVALID_HANDLE,
            format!(
                "{} handle {handle:#x} is 0, closed or unknown; open a new one",
                self.what
            ),
        )
    }

    /// The value behind `handle`, shared; the lock is released on return.
    pub fn get(&self, handle: u64) -> FfiResult<Arc<T>> {
        let (i, g) = Self::locate(handle).ok_or_else(|| self.invalid(handle))?;
        let slots = self.lock();
        match slots.get(i) {
            Some(Slot {
                generation,
                value: Some(v),
            }) if *generation == g => Ok(Arc::clone(v)),
            _ => Err(self.invalid(handle)),
        }
    }

    /// Remove `handle`. Calls in flight on other threads keep their `Arc`
    /// and finish; new calls with the handle fail.
    pub fn remove(&self, handle: u64) -> FfiResult<Arc<T>> {
        let (i, g) = Self::locate(handle).ok_or_else(|| self.invalid(handle))?;
        let mut slots = self.lock();
        match slots.get_mut(i) {
            Some(slot) if slot.generation == g && slot.value.is_some() => {
                slot.value.take().ok_or_else(|| self.invalid(handle))
            }
            _ => Err(self.invalid(handle)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_handles_fail() {
        let map: HandleMap<i32> = HandleMap::new("test");
        let a = map.insert(1);
        assert_eq!(*map.get(a).ok().unwrap(), 1);
        map.remove(a).ok().unwrap();
        assert!(map.get(a).is_err());
        let b = map.insert(2);
        assert_ne!(a, b, "a reused slot gets a new generation");
        assert!(map.get(a).is_err());
        assert!(map.get(0).is_err());
        assert!(map.remove(a).is_err());
        assert_eq!(*map.get(b).ok().unwrap(), 2);
    }
}
