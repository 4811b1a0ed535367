//! Simulator layer (`sim`), server: the request reader, framing and
//! decoders fed arbitrary bytes in arbitrary pieces, for the fuzzer (see
//! `crate::fuzzing::sim_request`).

use super::route::is_control;
use crate::sim::control;
use crate::sim::http::{self, Budget, Reader, parse_range};
use std::io::Read;
use std::time::Duration;

/// See `sim::fuzz_request_reader`.
pub(crate) fn fuzz_requests(data: &[u8]) -> usize {
    struct Pieces<'a> {
        data: &'a [u8],
        step: usize,
    }
    impl Read for Pieces<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.data.len().min(self.step).min(out.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }
    let Some((&first, data)) = data.split_first() else {
        return 0;
    };
    let step = if first == 0 {
        usize::MAX
    } else {
        1 + first as usize % 64
    };
    let mut src = Pieces { data, step };
    let alive = || true;
    let progress = |_: usize| {};
    let budget = Budget {
        alive: &alive,
        stall: Duration::from_secs(3600),
        request: Duration::from_secs(3600),
        progress: &progress,
    };
    let mut reader = Reader::new();
    let mut n = 0;
    while n < 64 {
        let mut req = match reader.read_head(&mut src, &budget, Duration::ZERO) {
            Ok(Some(r)) => r,
            Ok(None) | Err(_) => break,
        };
        n += 1;
        let _ = (
            req.keep_alive(),
            req.expects_continue(),
            http::cookie_sids(&req),
        );
        let params = http::parse_query(&req.query);
        if let Some(r) = req.header("range") {
            let _ = (
                parse_range(r, 1000),
                parse_range(r, 0),
                parse_range(r, u64::MAX),
            );
        }
        if reader
            .read_body(&mut src, &mut req, &budget, false)
            .is_err()
        {
            break;
        }
        if is_control(&req.path) {
            let _ = control::query_to_json(&params);
            let _ = serde_json::from_slice::<serde_json::Value>(&req.body);
        }
        let _ = http::parse_query(&String::from_utf8_lossy(&req.body));
        let filename = params
            .iter()
            .find(|(k, _)| k == "filename")
            .map(|(_, v)| v.as_str());
        for model in [crate::sim::Model::Hdmi, crate::sim::Model::Sdi] {
            let _ = crate::sim::firmware::inspect_upload(model, &req, filename);
        }
    }
    n
}
