//! Replays every file of `corpus/<target>/` through its target on the
//! stable toolchain.

use std::path::Path;

#[test]
fn replay_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut total = 0;
    for (name, target) in sio_fuzz::TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus {} missing: {e}", dir.display()));
        let mut count = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            target(&data);
            count += 1;
        }
        assert!(count > 0, "corpus {name} is empty");
        total += count;
    }
    println!("replayed {total} corpus entries");
}

#[test]
fn arbitrary_inputs_never_panic() {
    // A cheap deterministic sweep on top of the corpus (xorshift bytes).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in 0..400 {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for (_, target) in sio_fuzz::TARGETS {
            target(&data);
        }
    }
}
