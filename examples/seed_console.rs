//! Fills a SQLite or PostgreSQL database with decisions through the gate, for trying the
//! console by hand: `cargo run --example seed_console -- URL [COUNT] [--live]`.

use std::sync::Arc;

use verdict::clock::{Clock, SystemClock};
use verdict::gate::{Event, Gate, GateConfig, ModelOutput};
use verdict::model::{Decision, ModelId, ReadModelRow, SourcePosition};
use verdict::projection::{Projection, Projector};
use verdict::saga::{SagaPlan, StepPlan};
use verdict::store::Store;

struct Refunds;

impl Projector for Refunds {
    fn project(&self, d: &Decision, _c: Option<&ReadModelRow>) -> Projection {
        let saga = (d.label.as_deref() == Some("approve")).then(|| SagaPlan {
            saga_type: "refund".into(),
            steps: vec![
                StepPlan {
                    name: "mark-approved".into(),
                    compensation: "unmark".into(),
                },
                StepPlan {
                    name: "schedule-payout".into(),
                    compensation: "cancel-payout".into(),
                },
            ],
            deadline_us: 2_000_000,
        });
        Projection {
            state: Some("{}".into()),
            saga,
            outbox: vec![],
        }
    }
}

async fn one(gate: &Gate, i: u64) -> verdict::Result<()> {
    let labels = ["approve", "reject", "escalate"];
    let key = format!("cust-{}:order-{}:refund", i % 37, 1000 + i);
    let event = Event {
        event_id: format!("evt-{i}"),
        idempotency_key: key.clone(),
        entity_key: format!("claim-{}", i % 11),
        payload: format!("{{\"order\":{i}}}"),
        source: Some(SourcePosition {
            topic: "claims.events".into(),
            partition: (i % 4) as i32,
            offset: i as i64,
        }),
    };
    let raw = if i % 9 == 4 {
        "The refund looks fine to me but I am not sure.".to_owned()
    } else {
        format!(
            r#"{{"label":"{}","confidence":{:.2},"reason":"order {i} checked"}}"#,
            labels[(i % 3) as usize],
            0.5 + (i % 50) as f64 / 100.0
        )
    };
    let model = ModelId {
        name: "claims-llm".into(),
        version: if i % 5 == 0 {
            "v3.1".into()
        } else {
            "v3".into()
        },
    };
    gate.process(&event, |_| async move {
        Ok(ModelOutput {
            model,
            raw_output: raw,
        })
    })
    .await?;
    if i % 6 == 0 {
        let mut again = event.clone();
        again.event_id = format!("evt-{i}-redelivered");
        if i % 12 == 0 {
            again.payload = "{\"order\":-1}".into();
        }
        gate.process(&again, |_| async { Err("must not run".to_owned()) })
            .await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> verdict::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .cloned()
        .unwrap_or_else(|| "sqlite:///tmp/verdict-console.db".into());
    let count: u64 = args.get(1).and_then(|c| c.parse().ok()).unwrap_or(500);
    let live = args.iter().any(|a| a == "--live");
    let store = Store::connect_and_migrate(&url, 4).await?;
    let gate = Gate::new(
        store,
        Arc::new(SystemClock),
        GateConfig::default(),
        Arc::new(Refunds),
    );
    for i in 0..count {
        one(&gate, i).await?;
    }
    if !live {
        return Ok(());
    }
    // Live keys start past any earlier run's, so they are decisions, not duplicates.
    let start = count.max(SystemClock.now_us().unsigned_abs() / 1000);
    for i in start.. {
        one(&gate, i).await?;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Ok(())
}
