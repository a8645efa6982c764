//! The Overview figures: counts over the log, the dedup window and the sagas.

use serde::{Deserialize, Serialize};

use super::Store;
use crate::clock::Micros;
use crate::error::Result;

/// Counts at one instant. `verdict stats` and the console's Overview read the same struct.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// When the counts were taken.
    pub as_of_us: Micros,
    pub decisions: i64,
    pub duplicate_hits: i64,
    /// Duplicate hits whose payload differed from the original's under the same key.
    pub mismatched_payloads: i64,
    /// Keys claimed by a worker whose decision has not committed yet.
    pub keys_in_progress: i64,
    /// Sagas running or compensating.
    pub sagas_in_flight: i64,
    /// In-flight sagas past their deadline.
    pub sagas_stuck: i64,
    /// Sagas that failed or whose compensation failed: they need an operator.
    pub sagas_failed: i64,
}

/// Counts over a recent window, for rates; cheap on any table size (index range scans).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCounts {
    pub decisions: i64,
    pub duplicate_hits: i64,
}

impl Store {
    /// Exact totals. The log and hit counts scan their tables: meant for `verdict stats`,
    /// not for a poll loop on a ten-million-row log.
    pub async fn stats(&self, now_us: Micros) -> Result<Stats> {
        let live = self.live_saga_counts(now_us).await?;
        Ok(Stats {
            as_of_us: now_us,
            decisions: self.count("SELECT COUNT(*) FROM decisions", &[]).await?,
            duplicate_hits: self
                .count("SELECT COUNT(*) FROM duplicate_hits", &[])
                .await?,
            mismatched_payloads: self
                .count(
                    "SELECT COUNT(*) FROM duplicate_hits WHERE payload_matched = $1",
                    &[0],
                )
                .await?,
            keys_in_progress: self
                .count_text(
                    "SELECT COUNT(*) FROM dedup_keys WHERE status = $1",
                    "in_progress",
                )
                .await?,
            sagas_in_flight: live.0,
            sagas_stuck: live.1,
            sagas_failed: live.2,
        })
    }

    /// Decisions and duplicate hits at or after `since_us`.
    pub async fn window_counts(&self, since_us: Micros) -> Result<WindowCounts> {
        Ok(WindowCounts {
            decisions: self
                .count(
                    "SELECT COUNT(*) FROM decisions WHERE decided_at_us >= $1",
                    &[since_us],
                )
                .await?,
            duplicate_hits: self
                .count(
                    "SELECT COUNT(*) FROM duplicate_hits WHERE delivered_at_us >= $1",
                    &[since_us],
                )
                .await?,
        })
    }

    /// (in flight, stuck, failed) saga counts, from the `sagas_by_state` index.
    pub async fn live_saga_counts(&self, now_us: Micros) -> Result<(i64, i64, i64)> {
        let in_flight: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sagas WHERE state IN ('running', 'compensating')")
                .fetch_one(self.pool())
                .await?;
        let stuck: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM sagas WHERE state IN ('running', 'compensating') \
             AND deadline_at_us < $1",
        )
        .bind(now_us)
        .fetch_one(self.pool())
        .await?;
        let failed: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM sagas WHERE state IN ('failed', 'compensation_failed')",
        )
        .fetch_one(self.pool())
        .await?;
        Ok((in_flight.0, stuck.0, failed.0))
    }

    async fn count(&self, sql: &str, args: &[i64]) -> Result<i64> {
        let mut q = sqlx::query_as::<_, (i64,)>(sql);
        for a in args {
            q = q.bind(*a);
        }
        Ok(q.fetch_one(self.pool()).await?.0)
    }

    async fn count_text(&self, sql: &str, arg: &str) -> Result<i64> {
        Ok(sqlx::query_as::<_, (i64,)>(sql)
            .bind(arg)
            .fetch_one(self.pool())
            .await?
            .0)
    }
}
