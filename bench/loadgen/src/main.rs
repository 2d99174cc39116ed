//! `sio-loadgen <scenario> [options]`: runs one scenario and prints its
//! summary as one JSON line (see the library's docs and `bench/README.md`).

use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(scenario) = args.first().map(String::as_str) else {
        eprintln!("{}", sio_loadgen::USAGE);
        std::process::exit(2);
    };
    if scenario == "-h" || scenario == "--help" {
        println!("{}", sio_loadgen::USAGE);
        return;
    }
    if !sio_loadgen::SCENARIOS.contains(&scenario) {
        eprintln!("unknown scenario {scenario}\n{}", sio_loadgen::USAGE);
        std::process::exit(2);
    }
    let opts = match sio_loadgen::Opts::parse(scenario, &args[1..]) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\n{}", sio_loadgen::USAGE);
            std::process::exit(2);
        }
    };
    let nofile = sio_loadgen::raise_nofile_limit();
    match sio_loadgen::run(scenario, &opts) {
        Ok(mut summary) => {
            summary["nofile_limit"] = nofile.into();
            println!("{summary}");
        }
        Err(e) => {
            // Still one JSON line, so that the runner can tell what failed.
            println!(
                "{}",
                json!({ "scenario": scenario, "fatal": e.to_string() })
            );
            std::process::exit(1);
        }
    }
}
