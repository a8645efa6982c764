//! Command-line parsing and dispatch. Every command calls the same library code as the console.

mod demo;
mod inspect;
mod lag;
pub mod logging;
mod lookup_text;
mod out;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use verdict::settings::{Overrides, Settings};

/// verdict: an operations console for LLM agents on at-least-once event streams.
#[derive(Debug, Parser)]
#[command(name = "verdict", version, about, propagate_version = true)]
pub struct Args {
    /// Config file (see config.example.toml).
    #[arg(
        long,
        short,
        global = true,
        env = "VERDICT_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// Database URL (postgres://... or sqlite://PATH); beats the config file.
    #[arg(
        long,
        global = true,
        env = "VERDICT_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub db: Option<String>,

    /// Kafka bootstrap servers HOST:PORT,...; beats the config file.
    #[arg(
        long,
        global = true,
        env = "VERDICT_KAFKA_BROKERS",
        value_name = "HOST:PORT,..."
    )]
    pub brokers: Option<String>,

    /// Refuse every write, whatever the config says.
    #[arg(long, global = true)]
    pub read_only: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded demo (SQLite + mock Kafka + simulated agents) and open the console.
    Demo(verdict::demo::DemoArgs),
    /// Apply pending database migrations.
    Migrate {
        #[arg(long)]
        json: bool,
    },
    /// Show the decision an idempotency key, event id, entity key or decision id resolves to.
    Lookup {
        /// An idempotency key, an event id (original or redelivered), an entity key (its newest
        /// decision) or a decision id.
        key_or_event_id: String,
        #[arg(long)]
        json: bool,
    },
    /// The Overview figures: decisions, duplicate hits, mismatches, in-flight and stuck sagas.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Consumer lag per group and partition, with a Burrow-like status.
    Lag {
        /// Watch only this group (repeatable); default: configured and listed groups.
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        #[arg(long)]
        json: bool,
        /// Refresh on the configured interval until Ctrl-C.
        #[arg(long)]
        watch: bool,
    },
}

/// Runs the parsed command.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        db: args.db.clone(),
        brokers: args.brokers.clone(),
        read_only: args.read_only,
    };
    let settings = Settings::resolve(args.config.as_deref(), overrides)?;
    match args.command {
        None => console(settings).await,
        Some(Command::Demo(demo)) => {
            refuse_if_read_only(&settings, "the demo writes decisions to its database")?;
            demo::run(demo, settings).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Migrate { json }) => {
            refuse_if_read_only(&settings, "migrate changes the database schema")?;
            inspect::migrate(&settings, json).await
        }
        Some(Command::Lookup {
            key_or_event_id,
            json,
        }) => inspect::lookup(&settings, &key_or_event_id, json).await,
        Some(Command::Stats { json }) => inspect::stats(&settings, json).await,
        Some(Command::Lag {
            groups,
            json,
            watch,
        }) => lag::run(&settings, groups, json, watch).await,
    }
}

/// Stops a writing command when the session is read-only (`--read-only` or the config's
/// `read_only`), saying what it would have written.
fn refuse_if_read_only(settings: &Settings, what: &str) -> anyhow::Result<()> {
    if settings.read_only {
        anyhow::bail!("read-only session: {what}; drop --read-only (or read_only in the config)");
    }
    Ok(())
}

/// Opens the console on the configured database and Kafka cluster.
async fn console(settings: Settings) -> anyhow::Result<ExitCode> {
    settings.require_db()?;
    verdict::ui::run(settings).await.context("console")?;
    Ok(ExitCode::SUCCESS)
}
