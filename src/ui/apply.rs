//! How poller and lag tailer messages change the console state (the data half of `App`'s
//! update).

use std::time::Duration;

use super::action::View;
use super::app::{App, Detail};
use super::detail::OutputRows;
use super::lag::{self, LagMsg};
use super::list::ListSource;
use super::poller::{OverviewSample, PollerMsg, Request, SagaWithSteps};
use super::scrub::{scrub_snapshot, Scrub};
use super::state::{count_bar, rate_bar, DbState, KafkaState, Load};
use crate::clock::Micros;
use crate::ui_text::{pretty_output, printable};

impl App {
    /// Applies a message from the database poller. Its text is made printable first (see
    /// [`super::scrub`]); a JSON output is pretty-printed before that, once per load.
    pub fn apply(&mut self, mut msg: PollerMsg) {
        if let PollerMsg::Detail {
            result: Ok(Some(context)),
            ..
        } = &mut msg
        {
            let decision = &mut context.decision;
            if decision.output_is_json {
                decision.raw_output = pretty_output(&decision.raw_output);
            }
        }
        msg.scrub();
        match msg {
            PollerMsg::Connected { at_us, display_url } => {
                self.now_us = self.now_us.max(at_us);
                self.info.db_display = display_url;
                self.db = DbState::Connected { last_ok_us: at_us };
            }
            PollerMsg::Unreachable {
                at_us,
                error,
                attempt,
                retry_in,
            } => {
                self.now_us = self.now_us.max(at_us);
                self.db = DbState::Reconnecting {
                    last_ok_us: self.db.last_ok_us(),
                    error,
                    attempt,
                    retry_at_us: at_us + micros(retry_in),
                };
            }
            PollerMsg::Overview(sample) => {
                self.apply_overview(sample);
                self.refresh_open();
            }
            PollerMsg::Tail { at_us, rows } => {
                self.list.apply_tail(at_us, &rows);
                self.tail = rows;
                self.tail_at_us = Some(at_us);
            }
            PollerMsg::Page { after, result } => self.list.apply_page(&after, result),
            PollerMsg::Search { needle, result } => {
                if let Ok(rows) = &result {
                    self.status = Some(search_note(&needle, rows.len()));
                }
                self.list.apply_search(self.now_us, &needle, result);
            }
            PollerMsg::Detail {
                decision_id,
                result,
            } => self.apply_detail(&decision_id, result),
            PollerMsg::DetailSagas {
                decision_id,
                result,
            } => self.apply_detail_sagas(&decision_id, result),
            PollerMsg::Sagas {
                after,
                at_us,
                result,
            } => self.sagas.apply_page(after, at_us, result),
            PollerMsg::SagaSteps { saga_id, result } => {
                self.sagas.apply_steps(&saga_id, result, self.now_us);
            }
        }
    }

    /// After each poll, asks again for what is open on screen, so it moves with the
    /// database: the Sagas page and a saga's steps while the Sagas view is shown, the
    /// decision detail while it is open, a search that failed.
    fn refresh_open(&mut self) {
        if self.view == View::Sagas {
            self.requests.extend(self.sagas.refresh());
            self.requests.extend(self.sagas.refresh_open());
        }
        let loaded = |d: &&mut Detail| matches!(d.context, Load::Ready { .. }) && !d.refreshing;
        if let Some(detail) = self.detail.as_mut().filter(loaded) {
            detail.refreshing = true;
            self.requests.push(Request::DetailSagas {
                decision_id: detail.decision_id.clone(),
            });
        }
        if let ListSource::Search { needle } = &self.list.source {
            if self.list.error.is_some() && !self.list.search_pending {
                self.list.search_pending = true;
                self.requests.push(Request::Search {
                    needle: needle.clone(),
                });
            }
        }
    }

    /// Applies a message from the lag tailer. Only a snapshot read from a cluster that
    /// answered adds to the lag histories: a stale one repeats old figures.
    pub fn apply_lag(&mut self, msg: LagMsg) {
        let snapshot = match msg {
            LagMsg::Snapshot(snapshot) if snapshot.generation > 0 => scrub_snapshot(snapshot),
            LagMsg::Snapshot(_) => return,
            LagMsg::Stopped { error } => {
                self.kafka = KafkaState::Stopped {
                    error: printable(&error).into_owned(),
                };
                return;
            }
        };
        let at_us = snapshot.taken_at_us;
        self.now_us = self.now_us.max(at_us);
        self.kafka = match &snapshot.error {
            None => KafkaState::Connected { last_ok_us: at_us },
            Some(error) => KafkaState::Unreachable {
                last_ok_us: self.kafka.last_ok_us(),
                error: error.clone(),
            },
        };
        if snapshot.error.is_none() {
            self.history.lag.push(lag::total_lag(&snapshot));
        }
        self.lag.apply(snapshot);
    }

    fn apply_overview(&mut self, sample: OverviewSample) {
        self.now_us = self.now_us.max(sample.at_us);
        self.db = DbState::Connected {
            last_ok_us: sample.at_us,
        };
        self.history
            .decisions
            .push(rate_bar(sample.decisions_per_s()));
        self.history
            .duplicate_hits
            .push(rate_bar(sample.duplicate_hits_per_s()));
        self.history
            .in_flight
            .push(count_bar(sample.sagas_in_flight));
        self.history.stuck.push(count_bar(sample.sagas_stuck));
        self.overview = Some(sample);
    }

    fn apply_detail(
        &mut self,
        decision_id: &str,
        result: Result<Option<Box<crate::store::DecisionContext>>, String>,
    ) {
        let width = self.detail_width();
        let now_us = self.now_us;
        let Some(detail) = self
            .detail
            .as_mut()
            .filter(|d| d.decision_id == decision_id)
        else {
            return;
        };
        detail.refreshing = false;
        detail.context = match result {
            Ok(Some(context)) => Load::Ready {
                value: context,
                at_us: now_us,
            },
            Ok(None) => Load::Failed(format!("decision {decision_id} is not in the log")),
            Err(e) => Load::Failed(e),
        };
        detail.output = OutputRows::default();
        detail.fit(width);
    }

    /// A refresh of the open decision's sagas: their steps move, the decision does not.
    fn apply_detail_sagas(
        &mut self,
        decision_id: &str,
        result: Result<Vec<SagaWithSteps>, String>,
    ) {
        let Some(detail) = self
            .detail
            .as_mut()
            .filter(|d| d.decision_id == decision_id)
        else {
            return;
        };
        detail.refreshing = false;
        if let (Load::Ready { value, at_us }, Ok(sagas)) = (&mut detail.context, result) {
            value.sagas = sagas;
            *at_us = self.now_us;
        }
    }

    /// True while the list shows search results rather than the log.
    pub fn is_searching(&self) -> bool {
        matches!(self.list.source, ListSource::Search { .. })
    }
}

fn search_note(needle: &str, found: usize) -> String {
    match found {
        0 => format!("no decision has key, event id or entity '{needle}'"),
        1 => format!("1 decision for '{needle}'"),
        n => format!("{n} decisions for '{needle}'"),
    }
}

fn micros(d: Duration) -> Micros {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
