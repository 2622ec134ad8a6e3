//! Differential: the verifier's strict ballot decoder
//! (`valurna_verifier::ballot::Ballot::decode`, written from record.md
//! §5.1 and §9.2) and the engine's (`valurna_engine::ballot::Ballot::decode`)
//! accept exactly the same bytes for the same contests; the tracker is the
//! same; and on a ballot both accept, both verify or both refuse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valurna_engine::ballot::Ballot as EngineBallot;
use valurna_verifier::ballot::{Ballot, Part, tracker};
use valurna_verifier::decode::{Identity, point};

fuzz_target!(|data: &[u8]| {
    let ctx = valurna_fuzz::ballot_context();
    let shapes = valurna_fuzz::verifier_shapes();
    let engine = EngineBallot::decode(data, ctx);
    let ours = Ballot::decode(data, &shapes);
    assert_eq!(
        engine.is_ok(),
        ours.is_ok(),
        "engine {:?}, verifier {:?}",
        engine.as_ref().err(),
        ours.as_ref().err()
    );
    assert_eq!(EngineBallot::tracker(data), tracker(data));
    let (Ok(engine), Ok(ours)) = (engine, ours) else {
        return;
    };
    assert_eq!(&ours.credential.bytes, engine.credential.as_bytes());
    assert_eq!(ours.contests.len(), engine.contests.len());
    // Verdicts on the whole ballot, for a voter of the contests it has
    // (which contests a district votes in is checked elsewhere).
    let Ok(key) = point(ctx.key.element().as_bytes(), Identity::Forbidden) else {
        return;
    };
    let Ok(verifier_ok) = ours.holds(&ctx.base_hash, &key, Part::All) else {
        return;
    };
    let mut district: Vec<u32> = engine.contests.iter().map(|(i, _)| *i).collect();
    district.dedup();
    let engine_ok = engine.verify(ctx, &district).is_ok();
    assert_eq!(
        engine_ok, verifier_ok,
        "the engine and the verifier disagree on a ballot"
    );
});
