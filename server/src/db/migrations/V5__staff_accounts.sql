-- Staff accounts an organisation's admin can disable (SECURITY.md, staff
-- accounts): a disabled account cannot sign in and its sessions are gone.
ALTER TABLE staff ADD COLUMN disabled_at TIMESTAMPTZ;
