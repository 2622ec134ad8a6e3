-- Staff accounts by invitation (SECURITY.md, staff accounts): an admin
-- makes a one-time link for a role; the person who opens it chooses their
-- own username and password. Only the token's SHA-256 is kept.
CREATE TABLE staff_invitations (
    id            BIGSERIAL   PRIMARY KEY,
    organisation  BIGINT      NOT NULL REFERENCES organisations (id),
    role          TEXT        NOT NULL,
    token_hash    BYTEA       NOT NULL UNIQUE,
    note          TEXT        NOT NULL,
    created_by    BIGINT      NOT NULL REFERENCES staff (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    used_by       BIGINT      REFERENCES staff (id),
    used_at       TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX staff_invitations_organisation ON staff_invitations (organisation);
