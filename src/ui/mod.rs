//! The console. (Being built.)

use crate::settings::Settings;

/// Opens the console.
pub async fn run(_settings: Settings) -> crate::Result<()> {
    Err(crate::Error::Invalid("the console is not built yet".into()))
}
