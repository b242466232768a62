//! Developer tool: the benchmark's HTTP section alone (`POST /api/v1/ask` with 32 clients, the
//! desk's queue, page weights), to profile it under `perf record` without the rest of
//! `svp bench`.
//!
//! `cargo run --release --example http_ask -- [ASKS_PER_CLIENT] [OPEN_TICKETS]` (defaults 100 and
//! 100) prints the report section.

use svp::bench::http::{Scale, run};
use svp::config::{Overrides, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let asks_per_client = args.first().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let open_tickets = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(100);
    let settings = Settings::load(&Overrides::default())?;
    let work = tempfile::tempdir()?;
    let scale = Scale { asks_per_client, open_tickets, queue_requests: 10 };
    println!("{}", run(&settings, &scale, work.path()).await?);
    Ok(())
}
