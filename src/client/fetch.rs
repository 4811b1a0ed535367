//! A streamed GET on its own connection, for media downloads: the reply
//! head first (so the caller can choose append or truncate, and check the
//! range), then the body handed over piece by piece, never held whole.

use super::transport::HostAddrs;
use super::wire::{Peek, Wire};
use crate::error::{Error, Result};
use crate::http::{ContentRange, Event, Limits, Request};
use std::time::{Duration, Instant};

/// Longest reply head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// The final head of a download reply: what the caller decides on.
pub(crate) struct FetchHead {
    pub status: u16,
    pub content_length: Option<u64>,
    pub content_range: Option<ContentRange>,
}

pub(crate) struct Fetch {
    wire: Wire,
    what: String,
    pub head: FetchHead,
}

/// Connect to `authority` (`host:port`), send `GET target` (with
/// `Range: bytes=N-` when `range_from` is given) and read the reply head
/// within `head_timeout` (and `deadline`). `what` names it in errors.
pub(crate) fn get(
    authority: &str,
    target: &str,
    range_from: Option<u64>,
    connect_timeout: Duration,
    head_timeout: Duration,
    deadline: Instant,
    what: &str,
) -> Result<Fetch> {
    let addrs = HostAddrs::new(authority).get()?;
    let stream = super::transport::connect_first(&addrs, what, connect_timeout, deadline)?;
    // No body limit here: the caller sets one from the listing.
    let mut wire = Wire::new(stream, Limits::new(MAX_HEAD, u64::MAX));
    if wire.peek() != Peek::Quiet {
        return Err(Error::BadReply {
            method: what.to_string(),
            detail: "the device sent data or closed before the request (it is out of step); nothing was sent"
                .into(),
        });
    }
    let range = range_from.map(|n| format!("bytes={n}-"));
    let extra = [("Range", range.as_deref().unwrap_or(""))];
    let mut req = Vec::with_capacity(256);
    Request {
        extra: if range.is_some() { &extra } else { &[] },
        close: true,
        ..Request::get(target, authority)
    }
    .write_head(&mut req)
    .map_err(|e| e.into_error(what))?;
    let head_deadline = (Instant::now() + head_timeout).min(deadline);
    wire.write_all(&req, head_deadline, what)
        .map_err(|w| w.error)?;
    let head = loop {
        if Instant::now() >= head_deadline {
            return Err(Error::Timeout(format!("{what}: no answer in time")));
        }
        match wire.resp.advance().map_err(|e| e.into_error(what))? {
            Event::NeedData => wire.fill(head_deadline, what)?,
            Event::Interim(_) => {}
            Event::Head(h) => {
                break FetchHead {
                    status: h.status(),
                    content_length: h.content_length(),
                    content_range: h.content_range(),
                };
            }
            // Body and Done come only after a head.
            Event::Body(_) | Event::Done { .. } => {
                return Err(Error::BadReply {
                    method: what.to_string(),
                    detail: "HTTP protocol error: a body without a head".into(),
                });
            }
        }
    };
    Ok(Fetch {
        wire,
        what: what.to_string(),
        head,
    })
}

impl Fetch {
    /// Refuse a body longer than `max` bytes: the reader stops with an
    /// error before handing out the first byte past it.
    pub fn limit_body(&mut self, max: u64) {
        let mut l = self.wire.resp.limits();
        l.max_body = max;
        self.wire.resp.set_limits(l);
    }

    /// Hand the body to `sink` piece by piece. Each read waits at most
    /// `stall` for data, and all of it ends by `deadline`. An error from
    /// `sink` is returned as it is.
    pub fn body(
        &mut self,
        stall: Duration,
        deadline: Instant,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let what = self.what.as_str();
        loop {
            if Instant::now() >= deadline {
                return Err(Error::Timeout(format!(
                    "{what}: the download took too long"
                )));
            }
            match self.wire.resp.advance().map_err(|e| e.into_error(what))? {
                Event::NeedData => {
                    let until = (Instant::now() + stall).min(deadline);
                    self.wire.fill(until, what)?;
                }
                Event::Body(b) => sink(b)?,
                Event::Done { .. } => return Ok(()),
                Event::Interim(_) | Event::Head(_) => {}
            }
        }
    }
}
