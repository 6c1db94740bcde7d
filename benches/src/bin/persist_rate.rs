//! `persist_rate`: rows/s that `alphapulse persist` writes into SQLite from a real journal (the
//! shipped sample's backtest, or `--journal DIR` of a larger run), the median of `--runs N` fresh
//! databases; written to `latency-reports/persist.md` and printed. `--smoke`: one run, no report
//! file (a CI check that it works). PostgreSQL: not measured yet (no back end on this branch).
//!
//! `cargo run --release -p alphapulse-benches --bin persist_rate -- [--journal DIR] [--runs 5]`
//! (the sample's journal is made with the `alphapulse` binary beside this one: build it first).

use std::path::PathBuf;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut journal, mut runs, mut smoke, mut batch) = (None::<PathBuf>, 5usize, false, 5000usize);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--journal" => journal = args.next().map(PathBuf::from),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).unwrap_or(5),
            "--batch" => batch = args.next().and_then(|v| v.parse().ok()).unwrap_or(5000),
            "--smoke" => smoke = true,
            other => {
                anyhow::bail!("unknown argument `{other}` (--journal DIR, --runs N, --batch N, --smoke)")
            }
        }
    }
    if smoke {
        runs = 1;
    }
    let work = std::env::temp_dir().join(format!("persist-rate-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let journal = match journal {
        Some(j) => j,
        None => {
            let exe = std::env::current_exe()?.with_file_name("alphapulse");
            let j = work.join("journal");
            let st = std::process::Command::new(&exe)
                .args(["backtest", "-q", "--journal"])
                .arg(&j)
                .stdout(std::process::Stdio::null())
                .status()
                .map_err(|e| anyhow::anyhow!("{}: {e} (build the alphapulse binary first)", exe.display()))?;
            anyhow::ensure!(st.success(), "backtest of the sample failed");
            j
        }
    };
    let mut rates = Vec::new();
    let mut rows = 0u64;
    for i in 0..runs {
        let db = work.join(format!("r{i}.db"));
        let status = work.join(format!("r{i}.status.json"));
        let args = alphapulse_tools::persist::Args {
            journal: journal.clone(),
            db: format!("sqlite:{}", db.display()),
            follow: false,
            batch,
            interval: "1m".into(),
            status: Some(status.clone()),
        };
        let t = Instant::now();
        alphapulse_tools::persist::main(args)?;
        let secs = t.elapsed().as_secs_f64();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&status)?)?;
        rows = v["rows_written"].as_u64().unwrap_or(0);
        rates.push(rows as f64 / secs);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    let median = rates[rates.len() / 2];
    let text = format!(
        "# persist rows/s\n\n`cargo run --release -p alphapulse-benches --bin persist_rate -- --runs {runs}`\n\n\
         | back end | journal | rows | batch | runs | median rows/s |\n|---|---|---|---|---|---|\n\
         | SQLite (WAL, synchronous=NORMAL) | {} | {rows} | {batch} | {runs} | {median:.0} |\n\n\
         PostgreSQL: not measured (its back end is not written yet).\n",
        journal.display()
    );
    print!("{text}");
    if !smoke {
        std::fs::write("latency-reports/persist.md", &text)?;
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
