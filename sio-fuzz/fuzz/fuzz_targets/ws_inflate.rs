#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sio_fuzz::ws_inflate::run(data));
