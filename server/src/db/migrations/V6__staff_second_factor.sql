-- A second factor for staff sign-in (SECURITY.md, staff accounts): the
-- account's TOTP secret once confirmed, the one being set up, and the last
-- step whose code was taken (a code is taken once).
ALTER TABLE staff
    ADD COLUMN totp_secret BYTEA,
    ADD COLUMN totp_pending BYTEA,
    ADD COLUMN totp_step BIGINT NOT NULL DEFAULT 0;
