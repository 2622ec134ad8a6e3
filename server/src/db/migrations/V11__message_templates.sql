-- The messages an election sends (server/src/election/messages.rs): the
-- language they go out in, and the committee's own templates, per kind
-- and language (none: the default text). A template never holds a code.
ALTER TABLE setups
    ADD COLUMN message_lang TEXT NOT NULL DEFAULT 'en'
        CHECK (message_lang IN ('sv', 'nb', 'da', 'fi', 'en'));

CREATE TABLE message_templates (
    setup    BIGINT      NOT NULL REFERENCES setups (id) ON DELETE CASCADE,
    kind     TEXT        NOT NULL CHECK (kind IN ('nominations_open', 'sign_in_code',
                         'nominated', 'voting_code', 'reminder', 'result')),
    lang     TEXT        NOT NULL CHECK (lang IN ('sv', 'nb', 'da', 'fi', 'en')),
    subject  TEXT        NOT NULL,
    body     TEXT        NOT NULL,
    saved_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (setup, kind, lang)
);
