//! Logging a failure that repeats as two state changes: the first failure, then the
//! recovery with how many attempts failed in between. A database outage of 20 s would
//! otherwise log one warning per retry from every agent.

/// A run of consecutive failures of one retried operation.
#[derive(Debug, Default)]
pub(super) struct FailureRun {
    /// Failures since the last success.
    failed: u64,
}

impl FailureRun {
    /// Counts a failure; true when it starts a run (the one to log).
    pub fn failed(&mut self) -> bool {
        self.failed += 1;
        self.failed == 1
    }

    /// Counts a success; the failures it ends, when it ends a run (the recovery to log).
    pub fn succeeded(&mut self) -> Option<u64> {
        (self.failed > 0).then(|| std::mem::take(&mut self.failed))
    }
}

#[cfg(test)]
mod tests {
    use super::FailureRun;

    #[test]
    fn only_the_first_failure_and_the_recovery_are_reported() {
        let mut run = FailureRun::default();
        assert_eq!(run.succeeded(), None);
        assert!(run.failed());
        assert!(!run.failed());
        assert!(!run.failed());
        assert_eq!(run.succeeded(), Some(3));
        assert_eq!(run.succeeded(), None);
        assert!(run.failed(), "a new outage is reported again");
    }
}
