-- The voting period (server/src/election/schedule.rs): when voting opens
-- and closes by itself. NULL: by the committee's button only.
ALTER TABLE setups
    ADD COLUMN opens_at  TIMESTAMPTZ,
    ADD COLUMN closes_at TIMESTAMPTZ,
    ADD CONSTRAINT setups_voting_period CHECK (opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at);
