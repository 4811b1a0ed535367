//! A device's answer on the wire, cut into pieces at points the input
//! chooses, through the client's HTTP reply reader and then the reply
//! body checks: no panic, buffers bounded, progress on every piece (see
//! `ultrastream::fuzzing::reply_exchange`, which asserts them).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ultrastream::fuzzing::reply_exchange(data);
});
