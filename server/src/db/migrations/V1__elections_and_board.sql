-- Valurna's ballot box: elections loaded after their key ceremony, the
-- public credential list, and the hash-chained board (spec/record.md §4-§5).
-- Nothing here links a member to a credential or a ballot.

CREATE TABLE elections (
    id               BIGSERIAL PRIMARY KEY,
    election_id      TEXT        NOT NULL UNIQUE,
    organisation     TEXT        NOT NULL,
    manifest         BYTEA       NOT NULL,   -- manifest.json, byte for byte
    parameters       BYTEA       NOT NULL,   -- parameters.json
    ceremony         BYTEA       NOT NULL,   -- ceremony.json
    credentials_file BYTEA       NOT NULL,   -- credentials.jsonl, byte for byte
    credentials_hash BYTEA       NOT NULL CHECK (length(credentials_hash) = 32),
    base_hash        BYTEA       NOT NULL CHECK (length(base_hash) = 32),
    receipt_key      BYTEA       NOT NULL CHECK (length(receipt_key) = 32),
    status           TEXT        NOT NULL CHECK (status IN ('open', 'closed')),
    board_count      BIGINT      NOT NULL DEFAULT 0 CHECK (board_count >= 0),
    board_head       BYTEA       NOT NULL CHECK (length(board_head) = 32),
    seal             BYTEA       CHECK (seal IS NULL OR length(seal) = 32),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at        TIMESTAMPTZ
);

CREATE TABLE credentials (
    election   BIGINT NOT NULL REFERENCES elections (id),
    credential BYTEA  NOT NULL CHECK (length(credential) = 32),
    district   TEXT   NOT NULL,
    weight     BIGINT NOT NULL CHECK (weight >= 1),
    PRIMARY KEY (election, credential)
);

CREATE TABLE board (
    election    BIGINT      NOT NULL REFERENCES elections (id),
    position    BIGINT      NOT NULL CHECK (position >= 0),
    tracker     BYTEA       NOT NULL CHECK (length(tracker) = 32),
    ballot      BYTEA       NOT NULL,
    head        BYTEA       NOT NULL CHECK (length(head) = 32),
    credential  BYTEA       NOT NULL CHECK (length(credential) = 32),
    signature   BYTEA       NOT NULL CHECK (length(signature) = 64),
    PRIMARY KEY (election, position),
    UNIQUE (election, tracker)
);

CREATE INDEX board_by_credential ON board (election, credential, position);
