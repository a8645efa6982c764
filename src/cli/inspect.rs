//! `verdict migrate`, `verdict lookup` and `verdict stats`.

use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use verdict::clock::{format_us, Clock, SystemClock};
use verdict::settings::Settings;
use verdict::store::Store;
use verdict::text::{printable as p, printable_multiline};

/// Connects to the configured database, naming it (password hidden) when that fails.
async fn connect(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.require_db()?;
    Store::connect(url, 2)
        .await
        .with_context(|| format!("cannot connect to {}", settings.display_db()))
}

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub async fn migrate(settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
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
        println!(
            "{}: schema is up to date (version {})",
            store.display_url(),
            after.last().unwrap_or(&0)
        );
    } else {
        println!("{}: applied migrations {:?}", store.display_url(), applied);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn lookup(settings: &Settings, needle: &str, json: bool) -> anyhow::Result<ExitCode> {
    let store = connect(settings).await?;
    let Some(decision) = store.lookup(needle).await? else {
        if json {
            print_json(&serde_json::json!({ "found": false, "query": needle }))?;
        } else {
            eprintln!("no decision for '{}' (searched idempotency keys, event ids, redelivered event ids and decision ids)", p(needle));
        }
        return Ok(ExitCode::from(3));
    };
    let context = store
        .decision_context(&decision.decision_id)
        .await?
        .context("decision vanished while being read")?;
    if json {
        print_json(&context)?;
        return Ok(ExitCode::SUCCESS);
    }
    let d = &context.decision;
    println!("decision        {}", p(&d.decision_id));
    println!("idempotency key {}", p(&d.idempotency_key));
    println!("event id        {}", p(&d.event_id));
    println!("entity          {}", p(&d.entity_key));
    if let Some(s) = &d.source {
        println!(
            "source          {}[{}]@{}",
            p(&s.topic),
            s.partition,
            s.offset
        );
    }
    println!(
        "model           {} {}",
        p(&d.model.name),
        p(&d.model.version)
    );
    println!("label           {}", p(d.label.as_deref().unwrap_or("-")));
    println!(
        "confidence      {}",
        d.confidence.map_or("-".into(), |c| format!("{c:.3}"))
    );
    println!("decided at      {}", format_us(d.decided_at_us));
    println!(
        "duplicate hits  {}",
        context.dedup_key.as_ref().map_or(0, |k| k.hit_count)
    );
    for (saga, steps) in &context.sagas {
        println!(
            "saga            {} {} ({})",
            p(&saga.saga_type),
            p(&saga.saga_id),
            saga.state.as_str()
        );
        for s in steps {
            println!(
                "  {:>2}. {:<20} {}",
                s.step_index + 1,
                p(&s.name),
                s.status.as_str()
            );
        }
    }
    println!(
        "output{}",
        if d.output_is_json {
            ""
        } else {
            " (raw, not JSON)"
        }
    );
    println!(
        "{}",
        printable_multiline(&verdict::ui_text::pretty_output(&d.raw_output))
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn stats(settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    let store = connect(settings).await?;
    let stats = store.stats(SystemClock.now_us()).await?;
    if json {
        print_json(&stats)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("decisions            {}", stats.decisions);
    println!("duplicate hits       {}", stats.duplicate_hits);
    println!("mismatched payloads  {}", stats.mismatched_payloads);
    println!("keys in progress     {}", stats.keys_in_progress);
    println!("sagas in flight      {}", stats.sagas_in_flight);
    println!("sagas stuck          {}", stats.sagas_stuck);
    println!("sagas failed         {}", stats.sagas_failed);
    Ok(ExitCode::SUCCESS)
}
