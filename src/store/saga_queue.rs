//! A saga worker's queue (in-flight sagas still within their deadline) and saga tallies.

use super::rows::{self, SAGA_COLUMNS};
use super::Store;
use crate::clock::Micros;
use crate::error::Result;
use crate::model::{Saga, SagaState};

impl Store {
    /// Sagas in `state` whose deadline is at or after `now_us`, oldest deadline first, at most
    /// `limit`. Served by the `sagas_by_state` index.
    ///
    /// A worker reads its next steps from here; a saga past its deadline drops out and waits
    /// for an operator, which is what makes it count as stuck.
    pub async fn sagas_within_deadline(
        &self,
        state: SagaState,
        now_us: Micros,
        limit: i64,
    ) -> Result<Vec<Saga>> {
        let sql = format!(
            "SELECT {SAGA_COLUMNS} FROM sagas WHERE state = $1 AND deadline_at_us >= $2 \
             ORDER BY deadline_at_us, saga_id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(state.as_str())
            .bind(now_us)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(rows::saga).collect::<sqlx::Result<_>>()?)
    }

    /// How many sagas are in each state; states without sagas are left out.
    pub async fn saga_counts_by_state(&self) -> Result<Vec<(SagaState, i64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM sagas GROUP BY state")
                .fetch_all(self.pool())
                .await?;
        let mut counts: Vec<(SagaState, i64)> = rows
            .into_iter()
            .filter_map(|(state, n)| SagaState::parse(&state).map(|s| (s, n)))
            .collect();
        counts.sort_by_key(|(state, _)| SagaState::ALL.iter().position(|s| s == state));
        Ok(counts)
    }
}
