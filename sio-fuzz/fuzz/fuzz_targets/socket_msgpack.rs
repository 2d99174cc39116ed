#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sio_fuzz::socket_msgpack::run(data));
