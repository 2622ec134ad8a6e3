//! The body of `POST /api/elections/{id}/ballots`, as `cast_ballot` reads
//! it before touching the database: the JSON `CastRequest`, the ballot's
//! base64 (canonical only), its tracker, its credential (the first 32
//! bytes), then `Ballot::decode` against the election's context.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use valurna_engine::ballot::Ballot;
use valurna_engine::encoding::{Element, IdentityRule};
use valurna_server::http::ballots::CastRequest;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<CastRequest>(data) else {
        return;
    };
    let base64 = base64::engine::general_purpose::STANDARD;
    let Ok(bytes) = base64.decode(&request.ballot) else {
        return;
    };
    assert_eq!(
        base64.encode(&bytes),
        request.ballot,
        "non-canonical base64 accepted"
    );
    let _tracker = Ballot::tracker(&bytes);
    let Some(_credential) = bytes
        .get(..32)
        .and_then(|c| Element::decode(c, IdentityRule::Forbidden).ok())
    else {
        return;
    };
    let ctx = valurna_fuzz::ballot_context();
    if let Ok(ballot) = Ballot::decode(&bytes, ctx) {
        assert_eq!(ballot.to_bytes(), bytes, "decode → encode is not the input");
        let _ = ballot.verify(ctx, &[0, 1]);
    }
});
