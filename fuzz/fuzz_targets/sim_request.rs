//! Bytes a client sends to the simulator, delivered in pieces (the first
//! byte picks their size): the request reader (httparse heads, strict
//! framing, chunked bodies, trailers) and every decoder a request meets.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ultrastream::fuzzing::sim_request(data);
});
