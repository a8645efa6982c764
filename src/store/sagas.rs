//! Reading sagas for the console: in-flight and stuck lists, keyset-paginated.

use super::rows::{self, SAGA_COLUMNS};
use super::Store;
use crate::clock::Micros;
use crate::error::Result;
use crate::model::Saga;

impl Store {
    /// One saga by id.
    pub async fn saga(&self, saga_id: &str) -> Result<Option<Saga>> {
        let sql = format!("SELECT {SAGA_COLUMNS} FROM sagas WHERE saga_id = $1");
        let row = sqlx::query(&sql)
            .bind(saga_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(rows::saga).transpose()?)
    }

    /// Sagas in one state whose deadline is before `deadline_before`, oldest deadline first,
    /// at most `limit`. Served by the `sagas_by_state` index.
    pub async fn sagas_in_state(
        &self,
        state: &str,
        deadline_before: Micros,
        limit: i64,
    ) -> Result<Vec<Saga>> {
        let sql = format!(
            "SELECT {SAGA_COLUMNS} FROM sagas WHERE state = $1 AND deadline_at_us < $2 \
             ORDER BY deadline_at_us, saga_id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(state)
            .bind(deadline_before)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(rows::saga).collect::<sqlx::Result<_>>()?)
    }
}
