-- Sign-in limits (SECURITY.md, signing in): requests and failures counted
-- per key (an account's name, a member of an election, a client address),
-- whether or not the account or member exists, so that a limit's answer
-- says nothing of who exists. A key's count starts again when it has had
-- no hit for its policy's window.
CREATE TABLE throttle (
    key          TEXT        PRIMARY KEY,
    count        INTEGER     NOT NULL,
    last_at      TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);
