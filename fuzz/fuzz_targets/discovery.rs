//! A discovery datagram as the search sorts it, and the UPnP description
//! parser that fetched LOCATIONs go through.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ultrastream::fuzzing::datagram(data));
