-- The first-run page (SECURITY.md, first run): while no account exists,
-- each `valurna serve` makes a one-time setup token and prints it; whoever
-- gives one on /staff/setup becomes the platform admin. Only the token's
-- SHA-256 is kept, and every token goes when the first account is made.
CREATE TABLE setup_tokens (
    token_hash  BYTEA       PRIMARY KEY,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
