//! `verdict migrate`, `verdict lookup` and `verdict stats`.

use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use verdict::clock::{Clock, SystemClock};
use verdict::settings::Settings;
use verdict::store::Store;
use verdict::ui_text::printable;

use super::{lookup_text, out};

/// Connects to the configured database, naming it (password hidden) when that fails. A
/// missing SQLite file is created: this is `migrate`'s connection.
async fn connect(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.require_db()?;
    Store::connect_or_create(url, 2)
        .await
        .with_context(|| format!("cannot connect to {}", settings.display_db()))
}

/// Connects to a database that must already hold the verdict schema: a missing SQLite
/// file or an unmigrated database is an error saying to run `verdict migrate`.
async fn connect_existing(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.require_db()?;
    let store = Store::connect(url, 2)
        .await
        .with_context(|| format!("cannot connect to {}", settings.display_db()))?;
    store.require_schema().await?;
    Ok(store)
}

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    out::emit(&format!("{}\n", serde_json::to_string_pretty(value)?))
}

pub async fn migrate(settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    out::finish(migrate_inner(settings, json).await)
}

async fn migrate_inner(settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    let store = connect(settings).await?;
    let before = store.applied_migrations().await.unwrap_or_default();
    store.migrate().await.context("migration failed")?;
    let after = store.applied_migrations().await?;
    let applied: Vec<i64> = after
        .iter()
        .filter(|v| !before.contains(v))
        .copied()
        .collect();
    if json {
        print_json(
            &serde_json::json!({ "database": store.display_url(), "applied": applied, "current": after.last() }),
        )?;
    } else if applied.is_empty() {
        out::emit(&format!(
            "{}: schema is up to date (version {})\n",
            store.display_url(),
            after.last().unwrap_or(&0)
        ))?;
    } else {
        out::emit(&format!(
            "{}: applied migrations {:?}\n",
            store.display_url(),
            applied
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn lookup(settings: &Settings, needle: &str, json: bool) -> anyhow::Result<ExitCode> {
    out::finish(lookup_inner(settings, needle, json).await)
}

async fn lookup_inner(settings: &Settings, needle: &str, json: bool) -> anyhow::Result<ExitCode> {
    // Pasted ids often carry spaces; the console's search trims them too.
    let needle = needle.trim();
    let store = connect_existing(settings).await?;
    let Some(decision) = store.lookup(needle).await? else {
        if json {
            print_json(&serde_json::json!({ "found": false, "query": needle }))?;
        } else {
            eprintln!(
                "no decision for '{}' (searched idempotency keys, event ids, redelivered event \
                 ids, entity keys and decision ids)",
                printable(needle)
            );
        }
        return Ok(ExitCode::from(3));
    };
    let context = store
        .decision_context(&decision.decision_id)
        .await?
        .context("decision vanished while being read")?;
    if json {
        print_json(&context)?;
    } else {
        out::emit(&lookup_text::render(&context, needle))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn stats(settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    out::finish(stats_inner(settings, json).await)
}

async fn stats_inner(settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    let store = connect_existing(settings).await?;
    let stats = store.stats(SystemClock.now_us()).await?;
    if json {
        print_json(&stats)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows = [
        ("decisions", stats.decisions),
        ("duplicate hits", stats.duplicate_hits),
        ("mismatched payloads", stats.mismatched_payloads),
        ("keys in progress", stats.keys_in_progress),
        ("sagas in flight", stats.sagas_in_flight),
        ("sagas stuck", stats.sagas_stuck),
        ("sagas failed", stats.sagas_failed),
    ];
    let text: String = rows
        .iter()
        .map(|(name, n)| format!("{name:<20} {n}\n"))
        .collect();
    out::emit(&text)?;
    Ok(ExitCode::SUCCESS)
}
