//! A throw-away PostgreSQL cluster a test starts itself (Debian's server, `tools/setup.sh` installs
//! it): initdb into a temp folder, trust auth, Unix socket only (`listen_addresses=''`, socket in the
//! temp folder), stopped with `pg_ctl stop -m immediate` and removed on Drop. As root, initdb and
//! pg_ctl run as the `postgres` user (`runuser -u postgres --`) on a folder chowned to it.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn initdb_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file())
        .collect();
    found.sort_by_key(|p| {
        p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's initdb/pg_ctl not found under /usr/lib/postgresql/*/bin: run `bash tools/setup.sh` \
             (installs Debian's postgresql) — this test does not skip"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Cluster {
    /// Starts a fresh cluster (user `ap`, database `postgres`); panics naming what failed.
    pub fn start(name: &str) -> Cluster {
        let bin = initdb_dir();
        let as_postgres = is_root();
        let dir = alphapulse_shm::test_scratch::root().join(format!("ap-pg-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if as_postgres {
            let st = Command::new("chown").args(["postgres:postgres"]).arg(&dir).status().unwrap();
            assert!(st.success(), "chown postgres {}", dir.display());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let c = Cluster { dir, bin, port, as_postgres };
        c.run("initdb", &["-A", "trust", "-U", "ap", "-E", "UTF8", "--no-sync", "-D"], Some(&c.data()));
        let opts = format!("-c listen_addresses='' -k {} -p {}", c.dir.display(), c.port);
        let log = c.dir.join("log");
        c.run(
            "pg_ctl",
            &["start", "-w", "-t", "60", "-o", &opts, "-l", &log.display().to_string(), "-D"],
            Some(&c.data()),
        );
        c
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn run(&self, tool: &str, args: &[&str], last: Option<&Path>) -> std::process::Output {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args);
        if let Some(p) = last {
            cmd.arg(p);
        }
        let out = cmd.current_dir(&self.dir).output().unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
        if tool != "pg_ctl" || args.first() != Some(&"stop") {
            assert!(
                out.status.success(),
                "{tool} {args:?}: {}{}\nserver log: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
            );
        }
        out
    }

    /// The URL of database `db` over the Unix socket.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://ap@/{db}?host={}&port={}", self.dir.display(), self.port)
    }

    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(db), postgres::NoTls).unwrap()
    }

    /// Creates database `db` (empty).
    pub fn create_db(&self, db: &str) -> String {
        self.client("postgres").batch_execute(&format!("CREATE DATABASE \"{db}\"")).unwrap();
        self.url(db)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.run("pg_ctl", &["stop", "-m", "immediate", "-D"], Some(&self.data()));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
