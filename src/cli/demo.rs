//! `verdict demo`: the embedded workload with the console on top, or with `--no-ui` a short
//! progress line every few seconds until Ctrl-C, SIGTERM, `--duration` or `--events`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::time::Instant;
use verdict::clock::{Clock, SystemClock};
use verdict::demo::{DemoArgs, Progress, Workload};
use verdict::settings::Settings;
use verdict::store::{sqlite_url, Store};

/// Time between two progress lines.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);

/// Where the demo writes: the `--db` database, or a fresh SQLite file in the state directory.
struct DemoDb {
    url: String,
    /// The SQLite file verdict created, when it chose the database itself.
    path: Option<PathBuf>,
    /// Held for the whole run when verdict chose the file, so that a second demo cannot
    /// delete it under the first; released when dropped.
    _lock: Option<std::fs::File>,
}

pub async fn run(args: DemoArgs, settings: Settings) -> anyhow::Result<()> {
    let db = demo_db(&settings)?;
    let store = Store::connect_and_migrate(&db.url, 8)
        .await
        .with_context(|| {
            format!(
                "cannot open the demo database {}",
                verdict::config::redact_url(&db.url)
            )
        })?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let workload = Workload::start(args.workload_config(), store.clone(), clock)
        .await
        .context("cannot start the demo workload")?;
    print_header(&args, &db, &workload);

    let outcome = if args.no_ui {
        headless(&args, &workload, &store).await;
        Ok(())
    } else {
        console(&workload, settings, &db).await
    };

    let progress = workload.shutdown().await;
    if args.no_ui {
        println!("stopped: {}", progress_line(&progress, &store).await);
    }
    store.pool().close().await;
    outcome
}

/// The `--db` URL, or a fresh `demo.db` in verdict's state directory.
fn demo_db(settings: &Settings) -> anyhow::Result<DemoDb> {
    if let Some(url) = settings.db_url.clone() {
        return Ok(DemoDb {
            url,
            path: None,
            _lock: None,
        });
    }
    let dir = super::logging::state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("demo.db");
    let lock = lock_demo_file(&dir, &path)?;

    // The seeded stream would replay the last run's keys as duplicates: start from empty.
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(&file)
                .with_context(|| format!("cannot remove {}", file.display()))?;
        }
    }
    Ok(DemoDb {
        url: sqlite_url(&path),
        path: Some(path),
        _lock: Some(lock),
    })
}

/// Takes the demo's lock file, or says which database to use instead.
fn lock_demo_file(dir: &std::path::Path, db: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let path = dir.join("demo.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another `verdict demo` is running on {}; stop it, watch it with \
             `verdict --db {}`, or give this demo its own database with --db sqlite://OTHER.db",
            db.display(),
            sqlite_url(db)
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

fn print_header(args: &DemoArgs, db: &DemoDb, workload: &Workload) {
    let config = workload.config();
    let url = verdict::config::redact_url(&db.url);
    match &db.path {
        Some(path) => println!("verdict demo: fresh database {}", path.display()),
        None => println!("verdict demo: database {url}"),
    }
    println!("  watch it from another terminal: verdict --db {url}");
    println!(
        "  mock Kafka {} | topic {} ({} partitions) | group {} | {} agents | seed {} | \
         {} events/s baseline",
        workload.bootstrap_servers(),
        config.topic,
        config.partitions,
        config.group,
        config.agents,
        args.seed,
        args.rate,
    );
}

/// Runs the console on the demo; returns when the operator quits it.
async fn console(workload: &Workload, settings: Settings, db: &DemoDb) -> anyhow::Result<()> {
    let mut settings = settings;
    settings.db_url = Some(db.url.clone());
    settings.brokers = Some(workload.bootstrap_servers().to_owned());
    settings.config.kafka.groups = vec![workload.config().group.clone()];
    // The mock cluster does not answer ListGroups.
    settings.config.kafka.list_groups = false;
    verdict::ui::run(settings).await.context("console")
}

/// Prints progress until a signal, `--duration`, or (with `--events`) the last event handled.
async fn headless(args: &DemoArgs, workload: &Workload, store: &Store) {
    let started = Instant::now();
    let stop_at = args.duration().map(|d| started + d);
    let signal = terminated();
    tokio::pin!(signal);
    let mut next_line = started + PROGRESS_EVERY;
    loop {
        let wake = stop_at.map_or(next_line, |s| s.min(next_line));
        tokio::select! {
            _ = &mut signal => return,
            _ = workload.wait_until(wake - Instant::now(), Progress::drained) => {}
        }
        if workload.progress().drained() {
            return;
        }
        if stop_at.is_some_and(|s| Instant::now() >= s) {
            return;
        }
        if Instant::now() >= next_line {
            let elapsed = started.elapsed().as_secs();
            println!(
                "[{elapsed:>4}s] {}",
                progress_line(&workload.progress(), store).await
            );
            next_line += PROGRESS_EVERY;
        }
    }
}

/// One line of figures: the workload's counters and the sagas by state from the database.
async fn progress_line(p: &Progress, store: &Store) -> String {
    let redelivered = p.redelivered_identical + p.redelivered_new_id + p.redelivered_changed;
    let sagas = saga_tally(store).await;
    format!(
        "sent {} ({redelivered} redelivered) | decided {} | duplicate hits {} ({} mismatched) | \
         backlog {} | sagas: {sagas}",
        p.produced, p.decided, p.duplicate_hits, p.mismatched, p.backlog,
    )
}

async fn saga_tally(store: &Store) -> String {
    let now = SystemClock.now_us();
    let counts = match store.saga_counts_by_state().await {
        Ok(counts) => counts,
        Err(e) => return format!("unavailable ({e})"),
    };
    let stuck = store
        .live_saga_counts(now)
        .await
        .map(|(_, stuck, _)| stuck)
        .unwrap_or(0);
    let mut parts: Vec<String> = counts
        .iter()
        .map(|(state, n)| format!("{n} {}", state.as_str()))
        .collect();
    parts.push(format!("{stuck} stuck"));
    parts.join(", ")
}

/// Resolves on Ctrl-C or SIGTERM.
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
