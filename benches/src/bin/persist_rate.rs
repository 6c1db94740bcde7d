//! `persist_rate`: rows/s that `alphapulse persist` writes into SQLite and into PostgreSQL from a
//! real journal (the shipped sample's backtest, or `--journal DIR` of a larger run), the median of
//! `--runs N` fresh databases per back end; written to `latency-reports/persist.md` and printed.
//! `--smoke`: one run of each, no report file (a CI check that both work). PostgreSQL is a
//! throw-away cluster started here (tools/tests/common/pg.rs: Debian's server, Unix socket, default
//! durability settings) unless `--pg postgres://…/DB` names one (its database gets a fresh schema
//! per run: `DROP SCHEMA public CASCADE`).
//!
//! `cargo run --release -p alphapulse-benches --bin persist_rate -- [--journal DIR] [--runs 5] [--pg URL]`
//! (the sample's journal is made with the `alphapulse` binary beside this one: build it first).

#[path = "../../../tools/tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut journal, mut runs, mut smoke, mut batch) = (None::<PathBuf>, 5usize, false, 5000usize);
    let mut pg_url = None::<String>;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--journal" => journal = args.next().map(PathBuf::from),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).unwrap_or(5),
            "--batch" => batch = args.next().and_then(|v| v.parse().ok()).unwrap_or(5000),
            "--smoke" => smoke = true,
            "--pg" => pg_url = args.next(),
            other => {
                anyhow::bail!(
                    "unknown argument `{other}` (--journal DIR, --runs N, --batch N, --pg URL, --smoke)"
                )
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
    let sqlite = measure(&journal, runs, batch, &work, |i| {
        Ok(format!("sqlite:{}", work.join(format!("r{i}.db")).display()))
    })?;
    let cluster = if pg_url.is_none() { Some(pg::Cluster::start("bench")) } else { None };
    let pg = measure(&journal, runs, batch, &work, |i| match (&pg_url, &cluster) {
        (Some(url), _) => {
            let mut c = postgres::Client::connect(url, postgres::NoTls)?;
            c.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")?;
            Ok(url.clone())
        }
        (None, Some(c)) => Ok(c.create_db(&format!("r{i}"))),
        (None, None) => anyhow::bail!("no PostgreSQL"),
    })?;
    drop(cluster);
    let where_pg =
        if pg_url.is_some() { "the server given by --pg" } else { "a local cluster (Unix socket, fsync on)" };
    let text = format!(
        "# persist rows/s\n\n`cargo run --release -p alphapulse-benches --bin persist_rate -- --runs {runs}`\n\n\
         | back end | journal | rows | batch | runs | median rows/s |\n|---|---|---|---|---|---|\n\
         | SQLite (WAL, synchronous=NORMAL) | {} | {} | {batch} | {runs} | {:.0} |\n\
         | PostgreSQL ({where_pg}; binary COPY → staging → INSERT … ON CONFLICT) | {} | {} | {batch} | {runs} | {:.0} |\n",
        journal.display(),
        sqlite.0,
        sqlite.1,
        journal.display(),
        pg.0,
        pg.1,
    );
    print!("{text}");
    if !smoke {
        std::fs::write("latency-reports/persist.md", &text)?;
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// (rows written, median rows/s) of `runs` runs into the databases `db(i)` names.
fn measure(
    journal: &Path,
    runs: usize,
    batch: usize,
    work: &Path,
    mut db: impl FnMut(usize) -> anyhow::Result<String>,
) -> anyhow::Result<(u64, f64)> {
    let mut rates = Vec::new();
    let mut rows = 0u64;
    for i in 0..runs {
        let status = work.join(format!("r{i}.status.json"));
        let args = alphapulse_tools::persist::Args {
            journal: journal.to_path_buf(),
            db: db(i)?,
            follow: false,
            batch,
            interval: "1m".into(),
            status: Some(status.clone()),
            priority: Default::default(), // not applied in-process
        };
        let t = Instant::now();
        alphapulse_tools::persist::main(args)?;
        let secs = t.elapsed().as_secs_f64();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&status)?)?;
        rows = v["rows_written"].as_u64().unwrap_or(0);
        rates.push(rows as f64 / secs);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    Ok((rows, rates[rates.len() / 2]))
}
