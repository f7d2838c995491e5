//! Native timings of the core operations in `kassa_core_js::ops`, one JSON line each:
//! `{"op":"…","ns_per_op":…,"iterations":…}`. Run by `make bench`.

use kassa_core_js::ops::{Fixture, OPERATIONS};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let Some(fixture) = Fixture::new() else {
        eprintln!("bench fixture could not be built");
        return ExitCode::FAILURE;
    };
    for op in OPERATIONS {
        // Calibrate to roughly 200 ms per operation, then take the best of five batches:
        // the minimum is the figure least disturbed by whatever else the machine is doing.
        let mut iterations: u32 = 1;
        loop {
            let start = Instant::now();
            for _ in 0..iterations {
                black_box(fixture.run(black_box(op)));
            }
            if start.elapsed() > Duration::from_millis(40) || iterations >= 1 << 24 {
                break;
            }
            iterations *= 2;
        }
        let mut best = f64::MAX;
        for _ in 0..5 {
            let start = Instant::now();
            for _ in 0..iterations {
                if black_box(fixture.run(black_box(op))).is_none() {
                    eprintln!("operation {op} failed");
                    return ExitCode::FAILURE;
                }
            }
            best = best.min(start.elapsed().as_nanos() as f64 / f64::from(iterations));
        }
        println!("{{\"op\":\"{op}\",\"ns_per_op\":{best:.1},\"iterations\":{iterations}}}");
    }
    ExitCode::SUCCESS
}
