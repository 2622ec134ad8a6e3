-- Who an outbox message is for, where the roll says it: printed letters
-- (the outbox's letters export) carry the member's name and number, by
-- which an organisation's mailing merges the postal address from its own
-- register. Deleted with the message, like the rest of it.
ALTER TABLE outbox
    ADD COLUMN member_number TEXT,
    ADD COLUMN name          TEXT;
