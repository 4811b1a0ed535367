//! One HTTP/1.1 exchange, sans-IO: bytes in, events out, no socket inside
//! (the shape of rustls's `Connection` or Python's h11).
//!
//! Every client path of the crate reads replies through [`Response`]: the
//! per-call transport, the streamed firmware upload, media downloads, and
//! the fleet engine. Heads and chunk-size lines are parsed by `httparse`,
//! strictly: `Content-Length` is digits only and one value, `chunked` is the
//! only transfer coding accepted, `Content-Length` beside `chunked` is an
//! error, interim 1xx heads are skipped (a few at most), trailers are
//! bounded in count and bytes and then dropped, and every buffer has a cap.
//!
//! # How a driver uses it
//!
//! A driver owns the socket; the [`Response`] owns the receive buffer.
//!
//! 1. Write the request ([`Request::write_head`] makes the head bytes).
//! 2. Call [`Response::advance`] until it returns something other than
//!    [`Event::NeedData`], acting on each event:
//!    - [`Event::Interim`]: a 1xx head was read and dropped (the upload
//!      uses `100` as its cue to send the body); keep going.
//!    - [`Event::Head`]: the final head; [`Head::status`] and
//!      [`Head::header`] tell the rest. `advance` again for the body.
//!    - [`Event::Body`]: some body bytes, borrowed from the buffer until
//!      the next call on the `Response`; copy or write them out now.
//!    - [`Event::Done`]: the reply is complete. `reusable` says whether
//!      the connection may carry another request: false after
//!      `Connection: close`, HTTP/1.0 without keep-alive, a body that
//!      ended with the connection, or any byte past the end of the reply
//!      (bytes nobody asked for mean the device is out of step).
//! 3. On [`Event::NeedData`], when the socket is readable: read into
//!    [`Response::read_buf`] and report the count with
//!    [`Response::filled`], or call [`Response::eof`] when the read
//!    returned 0. (A driver with its own buffer may call
//!    [`Response::feed`] instead.) Then `advance` again.
//!
//! `advance` does at most one unit of work per call (a head, a chunk of
//! body, a bounded run of chunk framing or trailer lines), so a driver
//! checks its deadline between calls and no device can hold it past the
//! deadline by sending many small units. An error ([`HttpError`]) is
//! final: the connection must be closed.
//!
//! ```
//! use ultrastream::http::{Event, Limits, Response};
//! let mut r = Response::new(Limits::default());
//! r.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
//! let mut body = Vec::new();
//! loop {
//!     match r.advance().unwrap() {
//!         Event::NeedData => unreachable!("all of it was fed"),
//!         Event::Interim(_) => {}
//!         Event::Head(h) => assert_eq!(h.status(), 200),
//!         Event::Body(b) => body.extend_from_slice(b),
//!         Event::Done { reusable } => {
//!             assert!(reusable);
//!             break;
//!         }
//!     }
//! }
//! assert_eq!(body, b"ok");
//! ```
//!
//! After `Done { reusable: true }` the same `Response` (and its buffer)
//! reads the next reply on that connection after [`Response::reset`].
//!
//! Layer: below the client, on `error` only.

#![warn(missing_docs)]

mod head;
mod request;
mod response;

/// The strict digits-only number reading, shared with the simulator.
#[cfg(feature = "simulator")]
pub(crate) use head::digits;
pub use head::{ContentRange, Framing, Head};
pub use request::{Request, USER_AGENT};
pub use response::{Event, HttpError, Limits, Response};
