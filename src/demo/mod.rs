//! The embedded demo: SQLite, librdkafka's mock cluster and simulated agents.

use crate::settings::Settings;

/// Options of `verdict demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Run the workload without the console.
    #[arg(long)]
    pub no_ui: bool,
}

/// Runs the demo. (Being built.)
pub async fn run(_args: DemoArgs, _settings: Settings) -> crate::Result<()> {
    Err(crate::Error::Invalid("the demo is not built yet".into()))
}
