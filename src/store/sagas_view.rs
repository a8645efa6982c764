//! The console's Sagas list: stuck sagas first, then the ones in flight, then the failed,
//! one bounded keyset page at a time.
//!
//! Every query reads one state through the `sagas_by_state (state, deadline_at_us)` index in
//! index order with a `LIMIT`, so a page costs at most six short index range reads however
//! large the table is. "Recently failed" is ordered by deadline, newest first: the index has
//! no `updated_at_us`, and a saga's deadline is its start plus its plan's allowance, so this
//! is close to most-recently-started first.

use super::rows::{self, SAGA_COLUMNS};
use super::Store;
use crate::clock::Micros;
use crate::error::Result;
use crate::model::{Saga, SagaState};

/// Where a saga falls in the list, in list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SagaSection {
    /// In flight (running or compensating) past its deadline; oldest deadline first.
    Stuck,
    /// In flight within its deadline; nearest deadline first.
    InFlight,
    /// Failed or compensation failed; newest deadline first.
    Failed,
}

impl SagaSection {
    const ALL: [SagaSection; 3] = [Self::Stuck, Self::InFlight, Self::Failed];

    fn states(self) -> [SagaState; 2] {
        match self {
            Self::Stuck | Self::InFlight => [SagaState::Running, SagaState::Compensating],
            Self::Failed => [SagaState::Failed, SagaState::CompensationFailed],
        }
    }
}

/// One row of the list: the saga, its section and the name of its current step.
#[derive(Debug, Clone, PartialEq)]
pub struct SagaRow {
    pub section: SagaSection,
    pub saga: Saga,
    /// `None` once the saga is past its last step (or the step row is missing).
    pub step_name: Option<String>,
}

impl SagaRow {
    /// The cursor that continues after this row.
    pub fn cursor(&self) -> SagaCursor {
        SagaCursor {
            section: self.section,
            deadline_at_us: self.saga.deadline_at_us,
            saga_id: self.saga.saga_id.clone(),
        }
    }
}

/// A keyset position in the list: the section, then `(deadline_at_us, saga_id)` in that
/// section's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SagaCursor {
    pub section: SagaSection,
    pub deadline_at_us: Micros,
    pub saga_id: String,
}

/// The current step's name, looked up by primary key for each row.
const STEP_NAME: &str = "(SELECT st.name FROM saga_steps st WHERE st.saga_id = sagas.saga_id \
     AND st.step_index = sagas.current_step) AS step_name";

impl Store {
    /// Up to `limit` rows of the Sagas list strictly after `after` (from the top when
    /// `None`), with "stuck" meaning a deadline before `now_us`.
    pub async fn sagas_page(
        &self,
        now_us: Micros,
        after: Option<&SagaCursor>,
        limit: u32,
    ) -> Result<Vec<SagaRow>> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        for section in SagaSection::ALL {
            if out.len() >= limit || after.is_some_and(|c| c.section > section) {
                continue;
            }
            let from = after.filter(|c| c.section == section);
            let want = limit - out.len();
            out.extend(self.section_page(section, now_us, from, want).await?);
        }
        Ok(out)
    }

    /// One section's next rows: each state read in index order, then merged.
    async fn section_page(
        &self,
        section: SagaSection,
        now_us: Micros,
        after: Option<&SagaCursor>,
        limit: usize,
    ) -> Result<Vec<SagaRow>> {
        let mut rows = Vec::new();
        for state in section.states() {
            rows.extend(
                self.state_page(section, state, now_us, after, limit)
                    .await?,
            );
        }
        let key = |r: &SagaRow| (r.saga.deadline_at_us, r.saga.saga_id.clone());
        match section {
            SagaSection::Failed => rows.sort_by_key(|r| std::cmp::Reverse(key(r))),
            SagaSection::Stuck | SagaSection::InFlight => rows.sort_by_key(key),
        }
        rows.truncate(limit);
        Ok(rows)
    }

    async fn state_page(
        &self,
        section: SagaSection,
        state: SagaState,
        now_us: Micros,
        after: Option<&SagaCursor>,
        limit: usize,
    ) -> Result<Vec<SagaRow>> {
        let (range, keyset, order) = match section {
            SagaSection::Stuck => ("deadline_at_us < $2", ">", "ASC"),
            SagaSection::InFlight => ("deadline_at_us >= $2", ">", "ASC"),
            SagaSection::Failed => ("$2 = $2", "<", "DESC"),
        };
        let (deadline, saga_id) = match (after, order) {
            (Some(c), _) => (c.deadline_at_us, c.saga_id.as_str()),
            (None, "ASC") => (Micros::MIN, ""),
            (None, _) => (Micros::MAX, ""),
        };
        let sql = format!(
            "SELECT {SAGA_COLUMNS}, {STEP_NAME} FROM sagas \
             WHERE state = $1 AND {range} AND (deadline_at_us, saga_id) {keyset} ($3, $4) \
             ORDER BY deadline_at_us {order}, saga_id {order} LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(state.as_str())
            .bind(now_us)
            .bind(deadline)
            .bind(saga_id)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?;
        let row = |r: &sqlx::any::AnyRow| -> sqlx::Result<SagaRow> {
            use sqlx::Row;
            Ok(SagaRow {
                section,
                saga: rows::saga(r)?,
                step_name: r.try_get("step_name")?,
            })
        };
        Ok(rows.iter().map(row).collect::<sqlx::Result<_>>()?)
    }
}
