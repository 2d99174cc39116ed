//! Headless Chromium for browser tests: Debian's `chromium` package,
//! installed with apt-get when missing (a missing browser fails the test,
//! never skips it).

use std::path::Path;
use std::process::Command;

/// Where Debian installs Chromium (and where the drivers look for it).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Makes sure `/usr/bin/chromium` exists, installing Debian's package if
/// needed (under the same cross-process lock as `npm ci`). Panics when it
/// cannot.
pub fn ensure_chromium() {
    if Path::new(CHROMIUM).exists() {
        return;
    }
    crate::with_install_lock("chromium", || {
        if Path::new(CHROMIUM).exists() {
            return;
        }
        eprintln!("installing Debian's chromium (apt-get)...");
        let sudo = if is_root() {
            vec![]
        } else {
            vec!["sudo", "-n"]
        };
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = sudo.clone();
            all.extend_from_slice(args);
            let status = Command::new(all[0])
                .args(&all[1..])
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", all[0]));
            assert!(status.success(), "{all:?} failed with {status}");
        };
        run(&["apt-get", "update", "-q"]);
        run(&[
            "apt-get",
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "chromium",
        ]);
        assert!(
            Path::new(CHROMIUM).exists(),
            "chromium installed but {CHROMIUM} missing"
        );
    });
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}
