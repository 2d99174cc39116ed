//! The `sio-smol` server binary (filled in below).
fn main() {}
