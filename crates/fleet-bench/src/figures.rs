//! Figures a machine can read. Every bench reports each figure here besides printing it: its
//! value, the baseline it was measured against in the same run (if any), the ratio, and the goal.
//! `cargo xtask bench` sets `FLEETDESK_BENCH_FIGURES` to a JSON-lines file, gathers the lines
//! into `target/bench/latest.json`, and with `--check` fails when a figure misses its goal.

use std::io::Write;

use serde_json::json;

/// What a figure must stay under.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// `value / baseline` at most this.
    RatioAtMost(f64),
    /// The value itself at most this (in the figure's unit).
    AtMost(f64),
    /// Reported, no goal.
    None,
}

/// Records one figure (and does nothing when not run by `cargo xtask bench`).
pub fn report(name: &str, unit: &str, value: f64, baseline: Option<f64>, goal: Goal) {
    let ratio = baseline.filter(|b| *b > 0.0).map(|b| value / b);
    let (goal_json, met) = match goal {
        Goal::RatioAtMost(limit) => (
            json!({ "ratio_at_most": limit }),
            Some(ratio.is_some_and(|r| r <= limit)),
        ),
        Goal::AtMost(limit) => (json!({ "at_most": limit }), Some(value <= limit)),
        Goal::None => (serde_json::Value::Null, None),
    };
    let line = json!({
        "name": name,
        "unit": unit,
        "value": value,
        "baseline": baseline,
        "ratio": ratio,
        "goal": goal_json,
        "met": met,
    });
    let Ok(path) = std::env::var("FLEETDESK_BENCH_FIGURES") else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(err) = written {
        eprintln!("could not record the figure {name} in {path}: {err}");
    }
}

/// Milliseconds of a duration, for figures.
pub fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
