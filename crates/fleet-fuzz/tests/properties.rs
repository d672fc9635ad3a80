//! Every parser target, in `cargo test`, with a fixed case budget (deterministic: the seed is
//! fixed, so a failure here reproduces). `cargo xtask fuzz` runs the same targets for longer.

use fleet_fuzz::TARGETS;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Cases per target in `cargo test`.
const CASES: u32 = 512;

#[test]
fn every_parser_keeps_its_properties() {
    for target in TARGETS {
        let config = Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
        match (target.run)(&mut runner) {
            Ok(ran) => assert!(ran >= u64::from(CASES), "{}: only {ran} cases", target.name),
            Err(failure) => panic!("{}: {failure}", target.name),
        }
    }
}
