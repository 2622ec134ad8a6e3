-- Valurna's election server (issue 5): organisations and their staff,
-- sessions, the append-only audit log, and an election's life before and
-- after voting: the voter roll, nominations, the trustees' ceremony files,
-- the outbox, and the trustees' decryption shares.
--
-- Privacy by construction: the voter roll (members) is only joined to
-- nominations and sign-in codes. The voting codes go to the outbox and
-- leave it when delivered; only public credentials reach `credentials`,
-- which has no column naming a member. Nothing links a member to a ballot.

CREATE TABLE organisations (
    id         BIGSERIAL   PRIMARY KEY,
    slug       TEXT        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
    name       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One role per account; every role but the platform admin's belongs to one
-- organisation.
CREATE TABLE staff (
    id            BIGSERIAL   PRIMARY KEY,
    organisation  BIGINT      REFERENCES organisations (id),
    username      TEXT        NOT NULL UNIQUE,
    password_hash TEXT        NOT NULL,   -- Argon2id, PHC string
    role          TEXT        NOT NULL CHECK (role IN
                  ('platform_admin', 'org_admin', 'committee', 'trustee', 'observer')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((role = 'platform_admin') = (organisation IS NULL))
);

-- Elections as the committee manages them. `ballot_box` is the row in
-- `elections` (V1) once voting opens.
CREATE TABLE setups (
    id           BIGSERIAL   PRIMARY KEY,
    organisation BIGINT      NOT NULL REFERENCES organisations (id),
    election_id  TEXT        NOT NULL,
    title        TEXT        NOT NULL,
    trustees     INTEGER     NOT NULL CHECK (trustees >= 1),
    threshold    INTEGER     NOT NULL CHECK (threshold >= 1 AND threshold <= trustees),
    status       TEXT        NOT NULL CHECK (status IN
                 ('draft', 'nominations', 'ceremony', 'open', 'closed', 'tallied')),
    manifest     BYTEA,                    -- frozen at the end of nominations
    ballot_box   BIGINT      UNIQUE REFERENCES elections (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organisation, election_id)
);

CREATE TABLE districts (
    setup    BIGINT  NOT NULL REFERENCES setups (id),
    district TEXT    NOT NULL,
    seats    INTEGER NOT NULL CHECK (seats >= 1),
    PRIMARY KEY (setup, district)
);

-- The voter roll: only what the election needs.
CREATE TABLE members (
    id            BIGSERIAL PRIMARY KEY,
    setup         BIGINT    NOT NULL REFERENCES setups (id),
    member_number TEXT      NOT NULL,
    name          TEXT      NOT NULL,
    contact       TEXT,                    -- NULL once retention has run
    district      TEXT      NOT NULL,
    UNIQUE (setup, member_number),
    FOREIGN KEY (setup, district) REFERENCES districts (setup, district)
);

CREATE TABLE trustees (
    setup BIGINT  NOT NULL REFERENCES setups (id),
    idx   INTEGER NOT NULL CHECK (idx >= 1),
    staff BIGINT  NOT NULL REFERENCES staff (id),
    PRIMARY KEY (setup, idx),
    UNIQUE (setup, staff)
);

CREATE TABLE nominations (
    id           BIGSERIAL   PRIMARY KEY,
    setup        BIGINT      NOT NULL REFERENCES setups (id),
    nominee      BIGINT      NOT NULL REFERENCES members (id),
    proposer     BIGINT      NOT NULL REFERENCES members (id),
    status       TEXT        NOT NULL CHECK (status IN
                 ('proposed', 'accepted', 'declined', 'approved', 'rejected')),
    reason       TEXT,
    presentation TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (setup, nominee)
);

-- Sign-in sessions of staff and of members (one-time codes); only the
-- tokens' hashes are stored.
CREATE TABLE sessions (
    token_hash BYTEA       PRIMARY KEY CHECK (length(token_hash) = 32),
    staff      BIGINT      REFERENCES staff (id),
    member     BIGINT      REFERENCES members (id) ON DELETE CASCADE,
    csrf       TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    CHECK ((staff IS NULL) <> (member IS NULL))
);

CREATE TABLE login_codes (
    member     BIGINT      PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    code_hash  BYTEA       NOT NULL CHECK (length(code_hash) = 32),
    expires_at TIMESTAMPTZ NOT NULL,
    attempts   INTEGER     NOT NULL DEFAULT 0
);

-- Messages waiting for delivery (sign-in codes, voting codes). A message
-- leaves the outbox when it is sent or exported; voting codes are kept
-- nowhere else.
CREATE TABLE outbox (
    id         BIGSERIAL   PRIMARY KEY,
    setup      BIGINT      NOT NULL REFERENCES setups (id),
    recipient  TEXT        NOT NULL,
    subject    TEXT        NOT NULL,
    body       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The key ceremony's public files, uploaded by the trustees.
CREATE TABLE ceremony_files (
    setup       BIGINT      NOT NULL REFERENCES setups (id),
    name        TEXT        NOT NULL,
    bytes       BYTEA       NOT NULL,
    uploaded_by BIGINT      REFERENCES staff (id),
    uploaded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (setup, name)
);

CREATE TABLE decryption_shares (
    setup   BIGINT  NOT NULL REFERENCES setups (id),
    trustee INTEGER NOT NULL,
    bytes   BYTEA   NOT NULL,
    PRIMARY KEY (setup, trustee)
);

-- Every change made by staff, in order. Rows are never changed or removed.
CREATE TABLE audit_log (
    id           BIGSERIAL   PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor        BIGINT      REFERENCES staff (id),
    organisation BIGINT      REFERENCES organisations (id),
    action       TEXT        NOT NULL,
    detail       JSONB       NOT NULL
);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
