//! A reply body as the client handles it: the validating scan for the
//! top-level code, every typed view, the error messages and their scrubbing.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ultrastream::fuzzing::reply(data));
