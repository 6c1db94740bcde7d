//! The whole backtest chain (feed → strategy → risk → router → sim gateway) built by
//! `alphapulse_tools::backtest::build_chain` with the default config, run on one thread by
//! `alphapulse_runtime::run` (event clock). Throughput is capture frames per second.
//!
//! - `chain/one_thread_gzip_sample`: the repo's gzip sample as shipped (decompression included);
//! - `chain/one_thread_plain_in_page_cache`: the same frames decompressed once into a temporary
//!   plain file, warm in the page cache ("frames in memory": no gzip, no disk).
//!
//! Building the chain (opening files, allocating tables) is setup, not timed.

use alphapulse_benches::capture::{Capture, TempCapture};
use alphapulse_benches::config;
use alphapulse_feeds::FeedActor;
use alphapulse_gateways::sim::SimGateway;
use alphapulse_runtime::{run, Actor, Placement, RunOutput};
use alphapulse_strategy::StrategyHost;
use alphapulse_tools::backtest::{build_chain, check, instruments, CHAIN};
use alphapulse_tools::config::Config;
use alphapulse_types::InstrumentTable;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use std::path::PathBuf;
use std::time::Duration;

struct Setup {
    cfg: Config,
    table: InstrumentTable,
    placement: Placement,
}

impl Setup {
    fn new(data: PathBuf) -> Setup {
        let mut cfg = Config { data: vec![data], ..Config::default() };
        check(&mut cfg).expect("backtest config");
        let table = instruments(&cfg).expect("instruments");
        let placement = cfg.placement.resolve(&CHAIN).expect("placement");
        assert_eq!(placement.threads.len(), 1, "the default placement is one thread");
        Setup { cfg, table, placement }
    }
    fn build(&self) -> Vec<Box<dyn Actor>> {
        build_chain(&self.cfg, &self.table, None).expect("build chain").0
    }
    fn run(&self, actors: Vec<Box<dyn Actor>>) -> RunOutput {
        run(actors, &self.placement, Default::default()).expect("run")
    }
}

fn chain(c: &mut Criterion) {
    let cap = Capture::sample();
    let plain = TempCapture::write("chain", cap.lines.iter());
    let mut g = c.benchmark_group("chain");
    g.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(5));
    for (name, data) in
        [("one_thread_gzip_sample", cap.path.clone()), ("one_thread_plain_in_page_cache", plain.path.clone())]
    {
        let s = Setup::new(data);
        let out = s.run(s.build());
        let feed = out.actor::<FeedActor>().expect("feed").stats();
        let agg = out.actor::<StrategyHost>().expect("strategy").stats().aggregator;
        let sim = out.actor::<SimGateway>().expect("sim").stats();
        let frames = feed.frames;
        assert_eq!(frames as usize, cap.lines.len());
        eprintln!(
            "chain/{name}: {frames} frames, {} events, {} intents, {} orders, {} fills; one run {:.3} s = {:.2} M frames/s",
            feed.emitted.iter().sum::<u64>(),
            agg.intents,
            sim.orders_received,
            sim.fills,
            out.elapsed.as_secs_f64(),
            frames as f64 / out.elapsed.as_secs_f64() / 1e6
        );
        g.throughput(Throughput::Elements(frames));
        g.bench_function(name, |b| b.iter_batched(|| s.build(), |a| s.run(a), BatchSize::PerIteration));
    }
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = chain }
criterion_main!(benches);
