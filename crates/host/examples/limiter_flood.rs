//! Floods the attempt limiter with a million distinct client addresses and
//! reports what it keeps, the process's memory, and how long a normal
//! request's limit checks take before and after. A measurement, not a test:
//! `cargo run --release -p sps-connect-host --example limiter_flood`.

use sps_connect_host::domain::limits::{Limiter, Subject};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

const FLOOD: u32 = 1_000_000;
const SAMPLES: usize = 10_000;

fn resident_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4
}

/// The median and 99th percentile of a normal connect's limit work: the
/// address checked, the user and Client ID reserved, the reservation settled.
fn normal_request(limiter: &Limiter) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..SAMPLES)
        .map(|n| {
            let user = format!("user-{}", n % 50);
            let started = Instant::now();
            let address = [Subject::address(IpAddr::V4(Ipv4Addr::new(192, 0, 2, (n % 200) as u8)))];
            let _ = limiter.check(&address);
            let reserved = limiter.reserve(&[
                Subject::UserCalls(user.clone()),
                Subject::User(user.clone()),
                Subject::ClientOfUser { client_id: "spsDemoSandboxClient01".into(), user_id: user },
                Subject::ClientId("spsDemoSandboxClient01".into()),
            ]);
            if let Ok(reservation) = reserved {
                reservation.settle(|_| false);
            }
            started.elapsed()
        })
        .collect();
    times.sort();
    (times[SAMPLES / 2], times[SAMPLES * 99 / 100])
}

fn main() {
    let limiter = Limiter::default();
    let (p50_before, p99_before) = normal_request(&limiter);
    let memory_before = resident_kib();
    let flooding = Instant::now();
    for n in 0..FLOOD {
        let address = [Subject::address(IpAddr::V4(Ipv4Addr::from(n)))];
        let _ = limiter.check(&address);
        limiter.record(&address);
    }
    let flood_time = flooding.elapsed();
    let memory_after = resident_kib();
    let (p50_after, p99_after) = normal_request(&limiter);
    println!("distinct addresses flooded: {FLOOD} in {flood_time:.2?}");
    println!("subjects tracked after the flood: {}", limiter.tracked());
    println!("resident memory: {memory_before} KiB before, {memory_after} KiB after");
    println!("a normal connect's limit work, p50 / p99: {p50_before:.2?} / {p99_before:.2?} before, {p50_after:.2?} / {p99_after:.2?} after");
}
