-- One election, one id. A committee's election (`setups`) and its ballot
-- box (`elections`, from V1) are the same election: when voting opens the
-- ballot box is made with the set-up's own id, so every step from draft to
-- tallied is addressed as `/api/elections/{id}`.
--
-- Both tables draw ids from one sequence, so an election loaded from files
-- (`valurna election load`, no set-up) never takes an id a set-up has.

ALTER TABLE credentials DROP CONSTRAINT credentials_election_fkey,
    ADD CONSTRAINT credentials_election_fkey FOREIGN KEY (election)
        REFERENCES elections (id) ON UPDATE CASCADE;
ALTER TABLE board DROP CONSTRAINT board_election_fkey,
    ADD CONSTRAINT board_election_fkey FOREIGN KEY (election)
        REFERENCES elections (id) ON UPDATE CASCADE;
ALTER TABLE setups DROP CONSTRAINT setups_ballot_box_fkey,
    ADD CONSTRAINT setups_ballot_box_fkey FOREIGN KEY (ballot_box)
        REFERENCES elections (id) ON UPDATE CASCADE;

-- Ballot boxes opened before this migration take their set-up's id.
UPDATE elections e SET id = s.id FROM setups s
    WHERE s.ballot_box = e.id AND s.id <> e.id;

SELECT setval('setups_id_seq', greatest(
    (SELECT coalesce(max(id), 0) FROM setups),
    (SELECT coalesce(max(id), 0) FROM elections)) + 1, false);
ALTER TABLE elections ALTER COLUMN id SET DEFAULT nextval('setups_id_seq');

-- `ballot_box` now only says that voting has opened.
ALTER TABLE setups ADD CONSTRAINT setups_ballot_box_is_the_election
    CHECK (ballot_box IS NULL OR ballot_box = id);
