//! The console's one boundary for data text: every string that arrives from the database or
//! the brokers goes through [`crate::ui_text::printable`] before it is kept in console state,
//! so nothing drawn can carry a control sequence to the terminal.
//!
//! The structs are destructured field by field (no `..`), so a string field added to one of
//! them does not compile here until it is scrubbed too.

use std::sync::Arc;

use crate::kafka::lag::{GroupLag, LagSnapshot, Member, PartitionLag, SharedSnapshot};
use crate::model::{
    Decision, DedupKey, DuplicateHit, ModelId, ReadModelRow, Saga, SagaStep, SourcePosition,
};
use crate::store::sagas_view::SagaRow;
use crate::store::{DecisionContext, DecisionSummary};
use crate::ui::poller::PollerMsg;
use crate::ui_text::{printable, printable_multiline};

/// Escapes the control characters of every string it holds.
pub trait Scrub {
    /// Rewrites the strings that need it; true when one did.
    fn scrub(&mut self) -> bool;
}

impl Scrub for String {
    fn scrub(&mut self) -> bool {
        let clean = match printable(self) {
            std::borrow::Cow::Borrowed(_) => return false,
            std::borrow::Cow::Owned(clean) => clean,
        };
        *self = clean;
        true
    }
}

impl<T: Scrub> Scrub for Option<T> {
    fn scrub(&mut self) -> bool {
        self.as_mut().is_some_and(Scrub::scrub)
    }
}

impl<T: Scrub> Scrub for Vec<T> {
    fn scrub(&mut self) -> bool {
        self.iter_mut()
            .fold(false, |dirty, item| item.scrub() | dirty)
    }
}

impl<A: Scrub, B: Scrub> Scrub for (A, B) {
    fn scrub(&mut self) -> bool {
        self.0.scrub() | self.1.scrub()
    }
}

/// Scrubs each listed field and says whether any changed (every field is visited).
macro_rules! scrub_all {
    ($($field:expr),+ $(,)?) => {
        false $(| $field.scrub())+
    };
}

/// Multi-line text: newlines are kept, every other control character escaped.
pub fn scrub_multiline(text: &mut String) -> bool {
    let clean = match printable_multiline(text) {
        std::borrow::Cow::Borrowed(_) => return false,
        std::borrow::Cow::Owned(clean) => clean,
    };
    *text = clean;
    true
}

impl Scrub for DecisionSummary {
    fn scrub(&mut self) -> bool {
        let Self {
            decision_id,
            idempotency_key,
            event_id,
            entity_key,
            model_version,
            label,
            confidence: _,
            output_is_json: _,
            decided_at_us: _,
        } = self;
        scrub_all!(
            decision_id,
            idempotency_key,
            event_id,
            entity_key,
            model_version,
            label
        )
    }
}

impl Scrub for Decision {
    /// `raw_output` keeps its newlines; the caller pretty-prints JSON before this.
    fn scrub(&mut self) -> bool {
        let Self {
            decision_id,
            idempotency_key,
            event_id,
            source,
            entity_key,
            model,
            raw_output,
            output_is_json: _,
            label,
            confidence: _,
            inference_latency_us: _,
            decided_at_us: _,
        } = self;
        let output = scrub_multiline(raw_output);
        output
            | scrub_all!(
                decision_id,
                idempotency_key,
                event_id,
                source,
                entity_key,
                model,
                label
            )
    }
}

impl Scrub for SourcePosition {
    fn scrub(&mut self) -> bool {
        self.topic.scrub()
    }
}

impl Scrub for ModelId {
    fn scrub(&mut self) -> bool {
        let Self { name, version } = self;
        scrub_all!(name, version)
    }
}

impl Scrub for DedupKey {
    fn scrub(&mut self) -> bool {
        scrub_all!(self.idempotency_key, self.payload_hash, self.decision_id)
    }
}

impl Scrub for DuplicateHit {
    fn scrub(&mut self) -> bool {
        let Self {
            hit_id,
            idempotency_key,
            event_id,
            decision_id,
            delivered_at_us: _,
            payload_hash,
            payload_matched: _,
        } = self;
        scrub_all!(hit_id, idempotency_key, event_id, decision_id, payload_hash)
    }
}

impl Scrub for ReadModelRow {
    fn scrub(&mut self) -> bool {
        scrub_all!(self.entity_key, self.state, self.last_decision_id)
    }
}

impl Scrub for Saga {
    fn scrub(&mut self) -> bool {
        scrub_all!(
            self.saga_id,
            self.saga_type,
            self.entity_key,
            self.decision_id
        )
    }
}

impl Scrub for SagaStep {
    fn scrub(&mut self) -> bool {
        scrub_all!(self.saga_id, self.name, self.compensation, self.last_error)
    }
}

impl Scrub for SagaRow {
    fn scrub(&mut self) -> bool {
        let Self {
            section: _,
            saga,
            step_name,
        } = self;
        scrub_all!(saga, step_name)
    }
}

impl Scrub for DecisionContext {
    fn scrub(&mut self) -> bool {
        let Self {
            decision,
            dedup_key,
            duplicate_hits,
            sagas,
            read_model,
        } = self;
        scrub_all!(decision, dedup_key, duplicate_hits, sagas, read_model)
    }
}

impl Scrub for Member {
    fn scrub(&mut self) -> bool {
        let Self {
            member_id,
            client_id,
            host,
        } = self;
        scrub_all!(member_id, client_id, host)
    }
}

impl Scrub for PartitionLag {
    fn scrub(&mut self) -> bool {
        scrub_all!(self.topic, self.owner, self.reason, self.error)
    }
}

impl Scrub for GroupLag {
    fn scrub(&mut self) -> bool {
        scrub_all!(
            self.name,
            self.state,
            self.members,
            self.partitions,
            self.error,
            self.reason
        )
    }
}

impl Scrub for LagSnapshot {
    fn scrub(&mut self) -> bool {
        scrub_all!(self.groups, self.error, self.notices)
    }
}

/// The snapshot with its strings made printable: the same `Arc` when nothing needed it, a
/// scrubbed copy otherwise (the tailer keeps its own).
pub fn scrub_snapshot(snapshot: SharedSnapshot) -> SharedSnapshot {
    let mut copy = LagSnapshot::clone(&snapshot);
    if copy.scrub() {
        Arc::new(copy)
    } else {
        snapshot
    }
}

impl<T: Scrub> Scrub for Box<T> {
    fn scrub(&mut self) -> bool {
        T::scrub(self)
    }
}

impl<T: Scrub, E: Scrub> Scrub for Result<T, E> {
    fn scrub(&mut self) -> bool {
        match self {
            Ok(value) => value.scrub(),
            Err(error) => error.scrub(),
        }
    }
}

impl Scrub for PollerMsg {
    fn scrub(&mut self) -> bool {
        match self {
            Self::Connected { display_url, .. } => display_url.scrub(),
            Self::Unreachable { error, .. } => error.scrub(),
            Self::Overview(_) => false,
            Self::Tail { rows, .. } => rows.scrub(),
            Self::Page { result, .. } => result.scrub(),
            Self::Search { result, .. } => result.scrub(),
            Self::Detail { result, .. } => result.scrub(),
            Self::DetailSagas { result, .. } => result.scrub(),
            Self::Sagas { result, .. } => result.scrub(),
            Self::SagaSteps { result, .. } => result.scrub(),
        }
    }
}
