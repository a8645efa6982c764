//! The seeded stream of claim events the demo producer sends, redeliveries included.
//!
//! The sequence depends only on the seed, never on timing, so a seed replays the same stream.
//! About 4% of messages redeliver an earlier event: most as an identical copy, some re-emitted
//! with a new event id (same key, same content), a few with a changed amount under the same key.

use std::collections::VecDeque;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::claims::ClaimEvent;

/// Share of messages that redeliver an earlier event.
const REDELIVERY: f64 = 0.04;

/// Share of new events that appeal an earlier claim instead of opening one.
const APPEAL: f64 = 0.08;

/// How many recent events a redelivery or an appeal may pick from.
const RECENT: usize = 256;

/// How many customers file claims.
const CUSTOMERS: u32 = 240;

/// What kind of message the stream produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A request never sent before: a new idempotency key.
    New,
    /// The same event again: same id, same payload.
    Identical,
    /// The same request re-emitted under a new event id.
    NewEventId,
    /// The same key with a changed payload.
    ChangedPayload,
}

/// A message to send and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub event: ClaimEvent,
    pub kind: Kind,
}

/// An event sent recently, kept for redeliveries and appeals.
#[derive(Debug, Clone)]
struct Sent {
    event: ClaimEvent,
    appealed: bool,
}

/// The event generator.
#[derive(Debug)]
pub struct EventStream {
    rng: ChaCha8Rng,
    /// Claims opened so far; the next claim's number.
    claims: u64,
    /// The most recent new events, oldest first, at most [`RECENT`].
    recent: VecDeque<Sent>,
}

impl EventStream {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            claims: 0,
            recent: VecDeque::new(),
        }
    }

    /// The next message to send.
    pub fn next_message(&mut self) -> Message {
        if !self.recent.is_empty() && self.rng.gen_bool(REDELIVERY) {
            return self.redelivery();
        }
        let event = match self.appealable() {
            Some(i) if self.rng.gen_bool(APPEAL) => self.appeal(i),
            _ => self.new_claim(),
        };
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(Sent {
            event: event.clone(),
            appealed: false,
        });
        Message {
            event,
            kind: Kind::New,
        }
    }

    fn new_claim(&mut self) -> ClaimEvent {
        self.claims += 1;
        let customer = self.rng.gen_range(1..=CUSTOMERS);
        // Mostly small claims, a long tail of large ones.
        let amount = (30.0 * (self.rng.gen_range(0.0..5.0_f64)).exp()).round();
        ClaimEvent {
            event_id: self.event_id(),
            customer: format!("cust-{customer:04}"),
            claim: format!("clm-{:06}", self.claims),
            action: "assess".into(),
            amount,
        }
    }

    /// A recent claim that was assessed and not yet appealed, if one is at hand.
    fn appealable(&mut self) -> Option<usize> {
        let i = self.rng.gen_range(0..self.recent.len().max(1));
        let sent = self.recent.get(i)?;
        (sent.event.action == "assess" && !sent.appealed).then_some(i)
    }

    fn appeal(&mut self, i: usize) -> ClaimEvent {
        let event_id = self.event_id();
        let sent = &mut self.recent[i];
        sent.appealed = true;
        ClaimEvent {
            event_id,
            action: "appeal".into(),
            ..sent.event.clone()
        }
    }

    fn redelivery(&mut self) -> Message {
        let i = self.rng.gen_range(0..self.recent.len());
        let original = self.recent[i].event.clone();
        let draw: f64 = self.rng.gen();
        if draw < 0.65 {
            Message {
                event: original,
                kind: Kind::Identical,
            }
        } else if draw < 0.87 {
            let event = ClaimEvent {
                event_id: self.event_id(),
                ..original
            };
            Message {
                event,
                kind: Kind::NewEventId,
            }
        } else {
            let amount = (original.amount * self.rng.gen_range(1.05..1.5_f64)).round() + 1.0;
            let event = ClaimEvent {
                event_id: self.event_id(),
                amount,
                ..original
            };
            Message {
                event,
                kind: Kind::ChangedPayload,
            }
        }
    }

    fn event_id(&mut self) -> String {
        format!("evt-{:016x}", self.rng.gen::<u64>())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn take(seed: u64, n: usize) -> Vec<Message> {
        let mut stream = EventStream::new(seed);
        (0..n).map(|_| stream.next_message()).collect()
    }

    #[test]
    fn a_seed_replays_the_same_stream() {
        assert_eq!(take(3, 500), take(3, 500));
        assert_ne!(take(3, 50), take(4, 50));
    }

    #[test]
    fn new_messages_have_new_keys_and_redeliveries_reuse_them() {
        let mut keys = HashSet::new();
        for m in take(11, 3_000) {
            let key = m.event.idempotency_key().expect("key");
            let fresh = keys.insert(key.clone());
            assert_eq!(fresh, m.kind == Kind::New, "{key} {:?}", m.kind);
        }
    }

    #[test]
    fn every_kind_of_redelivery_shows_up() {
        let messages = take(11, 3_000);
        let count = |k: Kind| messages.iter().filter(|m| m.kind == k).count();
        let redeliveries = 3_000 - count(Kind::New);
        assert!((60..=180).contains(&redeliveries), "{redeliveries}");
        assert!(count(Kind::Identical) > count(Kind::NewEventId));
        assert!(count(Kind::ChangedPayload) > 0);
        assert!(messages.iter().any(|m| m.event.action == "appeal"));
    }
}
