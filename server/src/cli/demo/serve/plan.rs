//! The demo's election: its districts, candidates and members, and the
//! roll it imports.

use std::collections::HashSet;
use std::fmt::Write as _;

use valurna_engine::credential::VotingCode;

use crate::error::CliError;

/// The database [`prepare`](super::prepare) drops and creates afresh on every run.
pub const DEMO_DATABASE: &str = "valurna_demo";
/// The election's id within the organisation.
pub const ELECTION_ID: &str = "delegates-demo";
/// The election's title.
pub const TITLE: &str = "Delegates 2027";
/// The organisation's name.
pub const ORGANISATION: &str = "Demo Co-op";
/// The organisation's slug.
pub const ORGANISATION_SLUG: &str = "demo-coop";
/// Trustees holding shares of the election key.
pub const TRUSTEES: u32 = 3;
/// Trustees needed to decrypt.
pub const THRESHOLD: u32 = 2;
/// The committee's username.
pub const COMMITTEE: &str = "committee";
/// Voting codes per district shown in the printout.
pub const CODES_SHOWN: usize = 5;
/// The most voters per district.
pub const MAX_VOTERS: u32 = 100_000;

/// A district of the demo: its name, seats, member-number prefix and its
/// candidates (name, presentation).
pub(super) struct DistrictPlan {
    pub(super) name: &'static str,
    pub(super) seats: u32,
    pub(super) prefix: &'static str,
    pub(super) candidates: &'static [(&'static str, &'static str)],
}

/// North: 3 seats, 10 candidates (the ballot the browser booth is
/// benchmarked on); South: 2 seats, 4 candidates.
pub(super) const DISTRICTS: [DistrictPlan; 2] = [
    DistrictPlan {
        name: "North",
        seats: 3,
        prefix: "N",
        candidates: &[
            (
                "Astrid Lindqvist",
                "Member since 2009 and shop steward at the Umeå store. I want fair opening \
                 hours and a stronger voice for the staff at the annual meeting.",
            ),
            (
                "Oliver Bennett",
                "I run the co-op's repair café. I will push for more second-hand goods and \
                 local suppliers on our shelves.",
            ),
            (
                "Maja Eriksson",
                "Accountant by trade. I want clearer annual reports and a members' budget \
                 that every district can follow.",
            ),
            (
                "Henrik Sjöberg",
                "Farmer near Skellefteå, supplying our dairy counter. Shorter supply chains \
                 keep the money in the region.",
            ),
            (
                "Charlotte Hughes",
                "Parent of three and chair of the local tenants' group. Affordable staples \
                 and a better app for ordering.",
            ),
            (
                "Erik Nordström",
                "Retired teacher. I will keep our member courses going and open them to \
                 newcomers.",
            ),
            (
                "Sofia Bergman",
                "I work in logistics. Less food waste, electric deliveries and honest \
                 climate figures.",
            ),
            (
                "James Whitfield",
                "Member for twelve years. I want the dividend back and every decision \
                 explained in plain language.",
            ),
            (
                "Ingrid Holm",
                "I run a small bakery in Luleå. Local producers deserve fair terms and a \
                 place on our shelves.",
            ),
            (
                "Lars Petersson",
                "Youth delegate in 2023. Let us make it easier for young members to take \
                 part and to stand for election.",
            ),
        ],
    },
    DistrictPlan {
        name: "South",
        seats: 2,
        prefix: "S",
        candidates: &[
            (
                "Elin Forsberg",
                "Nurse in Malmö. Healthy food at fair prices, and a pharmacy corner in the \
                 larger stores.",
            ),
            (
                "Thomas Clarke",
                "Small-business owner. Better terms for local suppliers and a pricing \
                 policy anyone can read.",
            ),
            (
                "Karin Lundgren",
                "Former board member of our housing co-op. Open books and well-prepared \
                 meetings.",
            ),
            (
                "Gustav Ekström",
                "Student in Lund. Cheaper memberships for students and a vegetarian range \
                 that tastes good.",
            ),
        ],
    },
];

/// First names of the members who are not candidates.
pub(super) const FIRST_NAMES: [&str; 30] = [
    "Anna", "Erik", "Emma", "Johan", "Sara", "Oscar", "Linnea", "Karl", "Elsa", "Nils", "Hanna",
    "Axel", "Ida", "Viktor", "Ebba", "Emil", "Alice", "William", "Freja", "Hugo", "Olivia",
    "George", "Grace", "Harry", "Lucy", "Daniel", "Amelia", "Samuel", "Chloe", "Jack",
];

/// Last names of the members who are not candidates.
pub(super) const LAST_NAMES: [&str; 31] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Green",
    "Hall",
    "Wood",
    "Berg",
];

/// A member of the demo roll.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub(super) number: String,
    pub(super) name: String,
    pub(super) contact: String,
    pub(super) district: &'static str,
    /// The presentation, for a candidate.
    pub(super) presentation: Option<&'static str>,
}

/// A name as the local part of an e-mail address: lower case, ASCII.
pub(super) fn mailbox(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'å' | 'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ø' | 'ó' => Some('o'),
            'é' | 'è' => Some('e'),
            ' ' => Some('.'),
            c if c.is_ascii_alphanumeric() || c == '-' => Some(c),
            _ => None,
        })
        .collect()
}

/// The roll: per district its candidates first, then other members up to
/// `voters`; every contact unique.
pub(super) fn roll(voters: u32) -> Vec<Member> {
    let mut taken = HashSet::new();
    let mut contact = |name: &str| {
        let base = mailbox(name);
        let mut n = 1;
        let mut c = format!("{base}@example.org");
        while !taken.insert(c.clone()) {
            n += 1;
            c = format!("{base}{n}@example.org");
        }
        c
    };
    let mut members = Vec::new();
    let mut k = 0usize;
    for d in &DISTRICTS {
        for i in 0..voters as usize {
            let (name, presentation) = match d.candidates.get(i) {
                Some((name, text)) => ((*name).to_string(), Some(*text)),
                None => {
                    k += 1;
                    let first = FIRST_NAMES.get(k % FIRST_NAMES.len()).unwrap_or(&"Anna");
                    let last = LAST_NAMES.get(k % LAST_NAMES.len()).unwrap_or(&"Berg");
                    (format!("{first} {last}"), None)
                }
            };
            members.push(Member {
                number: format!("{}{:04}", d.prefix, i + 1),
                contact: contact(&name),
                name,
                district: d.name,
                presentation,
            });
        }
    }
    members
}

pub(super) fn roll_csv(members: &[Member]) -> String {
    let mut out = String::from("member_number,name,contact,district\n");
    for m in members {
        let _ = writeln!(out, "{},{},{},{}", m.number, m.name, m.contact, m.district);
    }
    out
}

/// The 8-digit sign-in code in a message.
pub(super) fn sign_in_code(body: &str) -> Option<String> {
    body.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.len() == 8 && w.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

/// The voting code in a message, in its printed form.
pub(super) fn voting_code(body: &str) -> Option<String> {
    body.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| w.len() > 20 && w.contains('-'))
        .find_map(|w| VotingCode::parse(w).ok())
        .map(|c| c.display())
}

// ---------------------------------------------------------------------------
// Seeding

/// Checks the voters per district (at least the most candidates of a
/// district, at most [`MAX_VOTERS`]) and the staff accounts' password.
pub(super) fn check_options(voters: u32, password: &str) -> Result<(), CliError> {
    let most = DISTRICTS
        .iter()
        .map(|d| d.candidates.len())
        .max()
        .unwrap_or(0);
    if (voters as usize) < most || voters > MAX_VOTERS {
        return Err(CliError::Usage(format!(
            "--voters is per district: {most} to {MAX_VOTERS} (North has {most} candidates)"
        )));
    }
    crate::election::accounts::check_new_account(COMMITTEE, password).map_err(|e| {
        CliError::Usage(format!(
            "the demo's password (VALURNA_DEMO_PASSWORD): {}",
            e.message
        ))
    })
}
