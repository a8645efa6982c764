//! A group as DescribeGroups describes it, and the decoding of a member's assignment (the
//! consumer protocol's `ConsumerProtocolAssignment`: version, then topics with their
//! partitions, then user data).

use std::collections::{BTreeSet, HashMap};

use rdkafka::groups::GroupInfo;

use crate::kafka::collector::Tp;
use crate::kafka::lag::Member;

/// A group as DescribeGroups returned it.
#[derive(Debug, Clone)]
pub struct Described {
    /// The broker's word for the state (`Stable`, `Empty`, ...).
    pub state: String,
    /// Each live member with the partitions it is assigned.
    pub members: Vec<(Member, Vec<Tp>)>,
    /// False when some member's assignment was missing or not a consumer assignment (tansu
    /// 0.6.0 sends none): a partition no member is seen to own may still be owned.
    pub assignments_known: bool,
}

impl Described {
    /// Reads the members and their assignments out of a ListGroups/DescribeGroups answer.
    pub fn from_info(g: &GroupInfo) -> Self {
        let mut assignments_known = true;
        let members = g
            .members()
            .iter()
            .map(|m| {
                let member = Member {
                    member_id: m.id().to_owned(),
                    client_id: m.client_id().to_owned(),
                    host: m.client_host().to_owned(),
                };
                let assigned = m.assignment().and_then(parse);
                assignments_known &= assigned.is_some();
                (member, assigned.unwrap_or_default())
            })
            .collect();
        Self {
            state: g.state().to_owned(),
            members,
            assignments_known,
        }
    }

    /// The topics any member is assigned, each once.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        let topics: BTreeSet<&str> = self
            .members
            .iter()
            .flat_map(|(_, assigned)| assigned.iter().map(|(t, _)| t.as_str()))
            .collect();
        topics.into_iter()
    }

    /// The member each assigned partition belongs to.
    pub fn owners(&self) -> HashMap<&Tp, &Member> {
        let mut owners = HashMap::new();
        for (member, assigned) in &self.members {
            for tp in assigned {
                owners.insert(tp, member);
            }
        }
        owners
    }
}

/// The partitions assigned to one member, or `None` when the bytes are not a consumer
/// assignment (another protocol, or truncated).
pub fn parse(bytes: &[u8]) -> Option<Vec<(String, i32)>> {
    let mut r = Reader { bytes };
    let _version = r.i16()?;
    let topics = r.i32()?;
    let mut assigned = Vec::new();
    for _ in 0..topics.max(0) {
        let topic = r.string()?;
        let partitions = r.i32()?;
        for _ in 0..partitions.max(0) {
            assigned.push((topic.clone(), r.i32()?));
        }
    }
    Some(assigned)
}

/// A cursor over big-endian Kafka protocol fields; every read fails on short input.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.bytes.split_first_chunk::<N>()?;
        self.bytes = rest;
        Some(*head)
    }

    fn i16(&mut self) -> Option<i16> {
        self.take::<2>().map(i16::from_be_bytes)
    }

    fn i32(&mut self) -> Option<i32> {
        self.take::<4>().map(i32::from_be_bytes)
    }

    fn string(&mut self) -> Option<String> {
        let len = usize::try_from(self.i16()?).ok()?;
        let (head, rest) = self.bytes.split_at_checked(len)?;
        self.bytes = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(topics: &[(&str, &[i32])]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(0i16.to_be_bytes());
        b.extend((topics.len() as i32).to_be_bytes());
        for (name, parts) in topics {
            b.extend((name.len() as i16).to_be_bytes());
            b.extend(name.as_bytes());
            b.extend((parts.len() as i32).to_be_bytes());
            parts.iter().for_each(|p| b.extend(p.to_be_bytes()));
        }
        b.extend((-1i32).to_be_bytes());
        b
    }

    #[test]
    fn decodes_topics_and_partitions() {
        let bytes = encode(&[("orders", &[0, 2]), ("refunds", &[1])]);
        let got = parse(&bytes).expect("valid assignment");
        assert_eq!(
            got,
            vec![
                ("orders".into(), 0),
                ("orders".into(), 2),
                ("refunds".into(), 1)
            ]
        );
    }

    #[test]
    fn truncated_bytes_are_refused_not_panicked_on() {
        let bytes = encode(&[("orders", &[0, 2])]);
        for cut in 0..bytes.len() - 4 {
            assert_eq!(parse(&bytes[..cut]), None, "cut at {cut}");
        }
    }
}
