//! `Ballot::decode` (record.md §5.1) against a context with an approval
//! contest and a ranked contest. The encoding is canonical: whatever
//! decodes re-encodes to the same bytes. A decoded ballot's verification
//! must return a verdict, not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valurna_engine::ballot::Ballot;

fuzz_target!(|data: &[u8]| {
    let ctx = valurna_fuzz::ballot_context();
    let Ok(ballot) = Ballot::decode(data, ctx) else {
        return;
    };
    assert_eq!(ballot.to_bytes(), data, "decode → encode is not the input");
    let indices: Vec<u32> = ballot.contests.iter().map(|(i, _)| *i).collect();
    assert!(
        ctx.entry_preferences(&indices).is_ok(),
        "a decoded ballot's entries are out of order"
    );
    // Both districts' views: the whole ballot, and the ranked contest only.
    let _ = ballot.clone().verify(ctx, &[0, 1]);
    let _ = ballot.verify(ctx, &[1]);
});
