//! `fleet-fuzz [--seconds N] [target…]`: runs each parser target (see the library) for its share
//! of N seconds with fresh random seeds, and prints how many cases each ran and any failure with
//! its shrunk input. `cargo xtask fuzz` builds and runs it.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use fleet_fuzz::TARGETS;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seconds = 60u64;
    let mut wanted: Vec<String> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--seconds" {
            seconds = rest.next().and_then(|s| s.parse().ok()).unwrap_or(seconds);
        } else {
            wanted.push(arg.clone());
        }
    }
    let targets: Vec<_> = TARGETS
        .iter()
        .filter(|t| wanted.is_empty() || wanted.iter().any(|w| w == t.name))
        .collect();
    if targets.is_empty() {
        eprintln!(
            "no such target; known: {}",
            TARGETS
                .iter()
                .map(|t| t.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::FAILURE;
    }
    let share = Duration::from_secs(seconds) / targets.len() as u32;
    let mut failed = false;
    println!("fleet-fuzz: {} target(s), {:?} each", targets.len(), share);
    for target in targets {
        let started = Instant::now();
        let mut cases = 0u64;
        let mut round = 0u64;
        while started.elapsed() < share {
            round += 1;
            let mut seed = [0u8; 32];
            let nanos = started.elapsed().as_nanos() as u64 ^ round.rotate_left(17);
            seed[..8].copy_from_slice(&nanos.to_le_bytes());
            seed[8..16].copy_from_slice(&round.to_le_bytes());
            let config = Config {
                cases: 2_000,
                failure_persistence: None,
                ..Config::default()
            };
            let mut runner =
                TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
            match (target.run)(&mut runner) {
                Ok(ran) => cases += ran,
                Err(failure) => {
                    println!(
                        "  {:<32} FAILED after {cases} cases: {failure}",
                        target.name
                    );
                    failed = true;
                    break;
                }
            }
        }
        if !failed {
            println!(
                "  {:<32} {cases:>10} cases in {:.0?}, no failure",
                target.name,
                started.elapsed()
            );
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
