//! Benchmark: the Decisions view's queries on a large decision log.
//!
//! Seeds `VERDICT_BENCH_ROWS` decisions (default 10,000,000) into a SQLite file and, when
//! `VERDICT_BENCH_PG` names a PostgreSQL server URL, into a fresh database there; then times
//! the newest page, a page deep in the log through a keyset cursor, an exact search and the
//! Overview's window counts. Run with `cargo bench --bench decisions_page`.

use std::time::{Duration, Instant};

use verdict::store::{Backend, Store};

const PAGE: u32 = 100;
const REPEAT: u32 = 50;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo test --all-targets` runs bench targets too, without `--bench`: then a small
    // smoke run checks the bench still works without spending minutes seeding.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let default_rows = if smoke { 2_000 } else { 10_000_000 };
    let rows: i64 = std::env::var("VERDICT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_rows);
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    bench(&sqlite, rows).await?;
    if let (false, Ok(admin)) = (smoke, std::env::var("VERDICT_BENCH_PG")) {
        let (url, name) = fresh_pg(&admin).await?;
        let result = bench(&url, rows).await;
        let store = Store::connect(&admin, 1).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(store.pool())
            .await?;
        result?;
    }
    Ok(())
}

/// Creates an empty database; returns its URL and name.
async fn fresh_pg(admin: &str) -> Result<(String, String), Box<dyn std::error::Error>> {
    let store = Store::connect(admin, 1).await?;
    let name = format!("verdict_bench_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(store.pool())
        .await?;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    Ok((format!("{base}/{name}"), name))
}

async fn bench(url: &str, rows: i64) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::connect_and_migrate(url, 2).await?;
    let started = Instant::now();
    seed(&store, rows).await?;
    println!(
        "{}: seeded {rows} decisions in {:.1?}",
        store.backend().name(),
        started.elapsed()
    );

    let newest = time(|| async { store.decisions_page(None, PAGE).await.map(|p| p.len()) }).await?;
    let middle = store.decisions_page(None, 1).await?;
    let mid_cursor = verdict::store::DecisionCursor {
        decided_at_us: middle[0].decided_at_us - rows / 2 * 1_000,
        decision_id: String::new(),
    };
    let deep = time(|| async {
        store
            .decisions_page(Some(&mid_cursor), PAGE)
            .await
            .map(|p| p.len())
    })
    .await?;
    let n = rows / 3;
    let key = format!("cust-{}:claim-{n}:review", n % 1000);
    let search = time(|| async { store.search_decisions(&key, 20).await.map(|p| p.len()) }).await?;
    let since = middle[0].decided_at_us - 60_000_000;
    let window = time(|| async {
        store
            .window_counts(since)
            .await
            .map(|c| c.decisions as usize)
    })
    .await?;
    println!("  newest page ({PAGE} rows)      {:>10.3?}", newest);
    println!("  page at the middle ({PAGE} rows) {:>10.3?}", deep);
    println!("  search by idempotency key    {:>10.3?}", search);
    println!("  decisions in the last minute {:>10.3?}", window);
    store.pool().close().await;
    Ok(())
}

/// The median time of `REPEAT` runs; also checks the query returned rows.
async fn time<F, Fut>(f: F) -> Result<Duration, Box<dyn std::error::Error>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = verdict::Result<usize>>,
{
    let mut times = Vec::with_capacity(REPEAT as usize);
    for _ in 0..REPEAT {
        let t = Instant::now();
        let n = f().await?;
        times.push(t.elapsed());
        if n == 0 {
            return Err("query returned no rows".into());
        }
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// Fills the log with one decision a millisecond, generated inside the database.
async fn seed(store: &Store, rows: i64) -> Result<(), Box<dyn std::error::Error>> {
    let series = match store.backend() {
        Backend::Postgres => "SELECT g AS n FROM generate_series(1, $1) AS g",
        Backend::Sqlite => {
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $1) \
             SELECT n FROM s"
        }
    };
    let id = match store.backend() {
        Backend::Postgres => "lpad(n::text, 12, '0')",
        Backend::Sqlite => "printf('%012d', n)",
    };
    let sql = format!(
        "INSERT INTO decisions (decision_id, idempotency_key, event_id, source_topic, \
             source_partition, source_offset, entity_key, model_name, model_version, raw_output, \
             output_is_json, label, confidence, inference_latency_us, decided_at_us) \
         SELECT {id}, 'cust-' || (n % 1000) || ':claim-' || n || ':review', 'evt-' || n, \
             'claims', n % 8, n / 8, 'claim-' || n, 'claims-llm', 'v1', \
             '{{\"label\":\"approve\",\"confidence\":0.9}}', 1, 'approve', 0.9, 20000, \
             1700000000000000 + n * 1000 FROM ({series}) AS seq"
    );
    sqlx::query(&sql).bind(rows).execute(store.pool()).await?;

    // A production log is analyzed by autovacuum; without statistics PostgreSQL plans the
    // recent-window count as a sequential scan.
    sqlx::query("ANALYZE decisions")
        .execute(store.pool())
        .await?;
    Ok(())
}
