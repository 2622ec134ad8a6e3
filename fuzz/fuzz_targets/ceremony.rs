//! The key ceremony's messages (record.md §6): `ceremony.json` as a whole,
//! and each message a trustee uploads (an announcement, its encrypted
//! shares, its complaints, its confirmation). What decodes strictly
//! re-encodes to the same JSON values (hex is lower case only).
#![no_main]

use libfuzzer_sys::fuzz_target;
use valurna_engine::record::{
    AnnouncementJson, CeremonyFile, ComplaintJson, ConfirmationJson, EncryptedShareJson,
};

fn empty() -> CeremonyFile {
    CeremonyFile {
        ceremony_id: String::new(),
        announcements: Vec::new(),
        shares: Vec::new(),
        complaints: Vec::new(),
        confirmations: Vec::new(),
        public_shares: Vec::new(),
    }
}

fn check(file: &CeremonyFile) {
    let _ = file.ceremony_id();
    let transcript = file.transcript();
    let public = file.public_shares();
    if let (Ok(t), Ok(p)) = (transcript, public) {
        let mut again = CeremonyFile::new(&[0; 16], &t, &p);
        again.ceremony_id.clone_from(&file.ceremony_id);
        assert_eq!(&again, file, "strict decode → encode is not the input");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => {
            if let Ok(f) = serde_json::from_slice::<CeremonyFile>(json) {
                check(&f);
            }
        }
        1 => {
            if let Ok(a) = serde_json::from_slice::<AnnouncementJson>(json) {
                check(&CeremonyFile {
                    announcements: vec![a],
                    ..empty()
                });
            }
        }
        2 => {
            if let Ok(s) = serde_json::from_slice::<Vec<EncryptedShareJson>>(json) {
                check(&CeremonyFile {
                    shares: s,
                    ..empty()
                });
            }
        }
        3 => {
            if let Ok(c) = serde_json::from_slice::<Vec<ComplaintJson>>(json) {
                check(&CeremonyFile {
                    complaints: c,
                    ..empty()
                });
            }
        }
        _ => {
            if let Ok(c) = serde_json::from_slice::<ConfirmationJson>(json) {
                check(&CeremonyFile {
                    confirmations: vec![c],
                    ..empty()
                });
            }
        }
    }
});
