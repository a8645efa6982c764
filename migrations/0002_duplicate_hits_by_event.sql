-- Search and lookup resolve a redelivered event id through duplicate_hits.event_id.
CREATE INDEX duplicate_hits_by_event ON duplicate_hits (event_id);
