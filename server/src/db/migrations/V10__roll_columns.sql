-- The register's own columns for the roll's fields, per organisation
-- (server/src/election/roll/columns.rs): saved by the last import that
-- used them, offered again by the next.
CREATE TABLE roll_columns (
    organisation BIGINT      PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    columns      JSONB       NOT NULL,
    saved_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
