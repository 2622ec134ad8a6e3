//! The pages' words in English and Swedish.
//!
//! The language comes from the `valurna_lang` cookie that the switch in
//! every page's header sets, else from the browser's `Accept-Language`
//! (the first of `sv` or `en` it names), else English. Every key has both
//! languages; a test checks it. The booth's script gets its strings from
//! the page ([`js_strings`]), so there is one table.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "valurna_lang";

/// A page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Swedish.
    Sv,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }

    /// From a tag (`en`, `sv`, `sv-SE`, …).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "sv" => Some(Lang::Sv),
            _ => None,
        }
    }

    /// The other language (the switch's target).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Sv,
            Lang::Sv => Lang::En,
        }
    }

    /// The language's own name.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Sv => "Svenska",
        }
    }

    /// The text of `key` in this language (the key itself if it is
    /// missing, which the tests rule out for every key used).
    pub fn t(self, key: &str) -> &'static str {
        match STRINGS.iter().find(|(k, _, _)| *k == key) {
            Some((_, en, sv)) => match self {
                Lang::En => en,
                Lang::Sv => sv,
            },
            None => {
                tracing::warn!(key, "missing string");
                ""
            }
        }
    }

    /// The language a request asks for.
    pub fn of_headers(headers: &axum::http::HeaderMap) -> Lang {
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()));
        if let Some(lang) = cookie {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .filter_map(|item| {
                        let mut parts = item.split(';');
                        let tag = parts.next()?;
                        let q = parts
                            .find_map(|p| p.trim().strip_prefix("q="))
                            .and_then(|q| q.parse::<f32>().ok())
                            .unwrap_or(1.0);
                        Some((Lang::parse(tag)?, q))
                    })
                    .filter(|(_, q)| *q > 0.0)
                    .fold(None, |best: Option<(Lang, f32)>, (l, q)| match best {
                        Some((_, bq)) if bq >= q => best,
                        _ => Some((l, q)),
                    })
                    .map(|(l, _)| l)
            })
            .unwrap_or(Lang::En)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::of_headers(&parts.headers))
    }
}

/// The strings the booth's and the forms' scripts use, as a JSON object.
pub fn js_strings(lang: Lang) -> serde_json::Value {
    STRINGS
        .iter()
        .filter(|(k, _, _)| k.starts_with("js."))
        .map(|(k, _, _)| (k.to_string(), serde_json::Value::from(lang.t(k))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// `(key, English, Swedish)`.
pub const STRINGS: &[(&str, &str, &str)] = &[
    // Layout.
    (
        "site.tagline",
        "Verifiable elections for member organisations",
        "Verifierbara val för medlemsorganisationer",
    ),
    ("nav.skip", "Skip to content", "Hoppa till innehållet"),
    ("nav.elections", "Elections", "Val"),
    ("nav.member", "Nominations", "Nomineringar"),
    ("nav.staff", "Committee", "Valkommitté"),
    ("nav.language", "Language", "Språk"),
    (
        "footer.privacy",
        "Your ballot is encrypted on your own device. The server never sees how you voted.",
        "Din röst krypteras i din egen enhet. Servern ser aldrig hur du röstade.",
    ),
    ("error.title", "Something went wrong", "Något gick fel"),
    (
        "error.back",
        "Back to the start page",
        "Tillbaka till startsidan",
    ),
    // Status.
    ("status.draft", "Being prepared", "Förbereds"),
    ("status.nominations", "Nominations open", "Nominering pågår"),
    ("status.ceremony", "Key ceremony", "Nyckelceremoni"),
    ("status.open", "Voting open", "Röstningen pågår"),
    (
        "status.closed",
        "Voting closed, counting",
        "Röstningen stängd, rösträkning",
    ),
    (
        "status.tallied",
        "Result published",
        "Resultatet publicerat",
    ),
    // Home and election.
    ("home.title", "Elections", "Val"),
    (
        "home.none",
        "No elections are published yet.",
        "Inga val är publicerade än.",
    ),
    (
        "home.nominations",
        "Elections taking nominations",
        "Val med pågående nominering",
    ),
    ("election.vote", "Vote", "Rösta"),
    (
        "election.board",
        "The public ballot board",
        "Den öppna röstlistan",
    ),
    ("election.track", "Check my ballot", "Kontrollera min röst"),
    ("election.result", "Result", "Resultat"),
    (
        "election.verify",
        "Verify the election yourself",
        "Granska valet själv",
    ),
    ("election.turnout", "Turnout", "Valdeltagande"),
    (
        "election.ballots",
        "ballots on the board",
        "röster på röstlistan",
    ),
    ("turnout.district", "District", "Valkrets"),
    ("turnout.voted", "Voted", "Har röstat"),
    ("turnout.eligible", "Eligible", "Röstberättigade"),
    (
        "turnout.chart",
        "Turnout per district",
        "Valdeltagande per valkrets",
    ),
    // Board.
    (
        "board.title",
        "The public ballot board",
        "Den öppna röstlistan",
    ),
    (
        "board.intro",
        "Every accepted ballot is listed here by its tracker, in order. The list is chained: each entry's head commits to every entry before it, so no entry can be removed or changed without it showing.",
        "Varje godkänd röst listas här med sin spårkod, i ordning. Listan är kedjad: varje rads huvud binder alla tidigare rader, så ingen rad kan tas bort eller ändras utan att det syns.",
    ),
    ("board.position", "Position", "Plats"),
    ("board.tracker", "Tracker", "Spårkod"),
    ("board.head", "Head after the entry", "Huvud efter raden"),
    ("board.count", "Entries", "Rader"),
    (
        "board.seal",
        "Seal (voting closed)",
        "Försegling (röstningen stängd)",
    ),
    (
        "board.open",
        "Voting is open: the board grows.",
        "Röstningen pågår: listan växer.",
    ),
    ("board.empty", "No ballots yet.", "Inga röster än."),
    ("board.newer", "Earlier entries", "Tidigare rader"),
    ("board.older", "Later entries", "Senare rader"),
    // Track.
    ("track.title", "Check my ballot", "Kontrollera min röst"),
    (
        "track.intro",
        "Enter the tracker from your receipt (the short form XXXX-XXXX-XXXX or the whole code).",
        "Skriv spårkoden från ditt kvitto (kortformen XXXX-XXXX-XXXX eller hela koden).",
    ),
    ("track.label", "Tracker", "Spårkod"),
    ("track.submit", "Check", "Kontrollera"),
    (
        "track.counted",
        "Your ballot is on the board and is the one that counts.",
        "Din röst finns på röstlistan och är den som räknas.",
    ),
    (
        "track.superseded",
        "This ballot is on the board, but you voted again later: only your last ballot counts. The later one is at position",
        "Den här rösten finns på röstlistan, men du röstade igen senare: bara din sista röst räknas. Den senare finns på plats",
    ),
    (
        "track.position",
        "Position on the board",
        "Plats på röstlistan",
    ),
    (
        "track.tallied",
        "The election is counted, and this ballot was included in the tally.",
        "Valet är räknat, och den här rösten ingick i sammanräkningen.",
    ),
    (
        "track.not_tallied",
        "It will be included in the tally when voting closes.",
        "Den räknas in när röstningen stängs.",
    ),
    (
        "track.missing",
        "No ballot with this tracker is on the board. Check that you typed it as on your receipt.",
        "Ingen röst med den spårkoden finns på röstlistan. Kontrollera att du skrev den som på kvittot.",
    ),
    (
        "track.malformed",
        "That is not a tracker: it is XXXX-XXXX-XXXX or 64 hexadecimal digits.",
        "Det är ingen spårkod: den är XXXX-XXXX-XXXX eller 64 hexadecimala tecken.",
    ),
    // Result.
    ("result.title", "Result", "Resultat"),
    (
        "result.pending",
        "The result is published when the trustees have decrypted the tally.",
        "Resultatet publiceras när förtroendepersonerna har dekrypterat sammanräkningen.",
    ),
    ("result.seats", "Seats", "Platser"),
    ("result.candidate", "Candidate", "Kandidat"),
    ("result.votes", "Votes", "Röster"),
    ("result.elected", "Elected", "Vald"),
    (
        "result.lot",
        "The last seat was decided by lot.",
        "Den sista platsen avgjordes genom lottning.",
    ),
    (
        "result.ballots",
        "Ballots on the board (votes cast again included)",
        "Röster på röstlistan (omröstningar medräknade)",
    ),
    (
        "result.voters",
        "Voters (one ballot each counted)",
        "Röstande (en röst var räknad)",
    ),
    (
        "result.chart",
        "Share of the district's voters choosing each candidate",
        "Andel av valkretsens röstande som valde varje kandidat",
    ),
    // Verify.
    (
        "verify.title",
        "Verify the election yourself",
        "Granska valet själv",
    ),
    (
        "verify.intro",
        "Anyone can check this election without trusting the server: download the published record and run the independent verifier. It re-checks every ballot's proofs, the board's chain, the trustees' key ceremony and decryptions, and recounts the result.",
        "Vem som helst kan granska valet utan att lita på servern: ladda ner det publicerade valprotokollet och kör den fristående granskaren. Den kontrollerar varje rösts bevis, röstlistans kedja, förtroendepersonernas nyckelceremoni och dekrypteringar, och räknar om resultatet.",
    ),
    (
        "verify.files",
        "The record's files",
        "Valprotokollets filer",
    ),
    (
        "verify.none",
        "The record is published when voting closes.",
        "Valprotokollet publiceras när röstningen stängs.",
    ),
    (
        "verify.how",
        "How to run the verifier",
        "Så kör du granskaren",
    ),
    (
        "verify.tracker",
        "To check your own ballot in the record as well:",
        "Så kontrollerar du även din egen röst i protokollet:",
    ),
    // Booth (server side).
    ("booth.title", "Vote", "Rösta"),
    (
        "booth.closed",
        "Voting is not open in this election.",
        "Röstningen är inte öppen i det här valet.",
    ),
    (
        "booth.nojs",
        "The voting booth needs JavaScript: your ballot is encrypted on your device before it is sent.",
        "Röstbåset behöver JavaScript: din röst krypteras i din enhet innan den skickas.",
    ),
    (
        "booth.code_heading",
        "1. Your voting code",
        "1. Din röstkod",
    ),
    (
        "booth.code_label",
        "Voting code (from your letter or e-mail)",
        "Röstkod (från ditt brev eller e-post)",
    ),
    (
        "booth.code_help",
        "20 letters and digits. Spaces and dashes do not matter.",
        "20 bokstäver och siffror. Mellanslag och bindestreck spelar ingen roll.",
    ),
    ("booth.continue", "Continue", "Fortsätt"),
    ("booth.choose_heading", "2. Choose", "2. Välj"),
    ("booth.review", "Review my choices", "Granska mina val"),
    (
        "booth.review_heading",
        "3. Check your choices",
        "3. Kontrollera dina val",
    ),
    ("booth.change", "Change", "Ändra"),
    ("booth.seal", "Encrypt my ballot", "Kryptera min röst"),
    (
        "booth.sealed_heading",
        "4. Cast or audit",
        "4. Lägg eller granska",
    ),
    (
        "booth.sealed_intro",
        "Your ballot is encrypted on this device. Note its tracker: you will find it on the public board.",
        "Din röst är krypterad i den här enheten. Notera spårkoden: du hittar den på den öppna röstlistan.",
    ),
    ("booth.cast", "Cast my ballot", "Lägg min röst"),
    (
        "booth.audit",
        "Audit instead (test the device)",
        "Granska i stället (testa enheten)",
    ),
    (
        "booth.audit_help",
        "An audit shows what this device put in the encrypted ballot, so you can check it did not change your choice. An audited ballot can never be cast: you choose again afterwards.",
        "En granskning visar vad enheten lade i den krypterade rösten, så att du kan se att den inte ändrade ditt val. En granskad röst kan aldrig läggas: du väljer igen efteråt.",
    ),
    ("booth.audit_heading", "Audit", "Granskning"),
    (
        "booth.audit_elsewhere",
        "The page that encrypted your ballot also ran this check. To rely on no part of this site, save the audit data and check it on another device with the independent verifier, in a folder holding this election's manifest.json and parameters.json:",
        "Sidan som krypterade din röst gjorde också den här kontrollen. För att inte lita på någon del av den här webbplatsen: spara granskningsdatan och kontrollera den på en annan enhet med den fristående granskaren, i en mapp med valets manifest.json och parameters.json:",
    ),
    ("booth.again", "Start over and vote", "Börja om och rösta"),
    ("booth.receipt_heading", "5. Your receipt", "5. Ditt kvitto"),
    ("booth.tracker", "Tracker", "Spårkod"),
    (
        "booth.position",
        "Position on the board",
        "Plats på röstlistan",
    ),
    ("booth.save", "Save receipt", "Spara kvittot"),
    (
        "booth.find",
        "Find my ballot on the board",
        "Hitta min röst på röstlistan",
    ),
    (
        "booth.revote",
        "You may vote again until voting closes; only your last ballot counts.",
        "Du kan rösta igen tills röstningen stänger; bara din sista röst räknas.",
    ),
    // Booth (script).
    (
        "js.loading",
        "Loading the voting booth…",
        "Laddar röstbåset…",
    ),
    ("js.working", "Working…", "Arbetar…"),
    (
        "js.bad_code",
        "That voting code is not valid for this election.",
        "Röstkoden gäller inte i det här valet.",
    ),
    (
        "js.choose_up_to",
        "Choose up to {max}.",
        "Välj högst {max}.",
    ),
    (
        "js.choose_between",
        "Choose from {min} to {max}.",
        "Välj från {min} till {max}.",
    ),
    ("js.chosen", "{n} of {max} chosen", "{n} av {max} valda"),
    (
        "js.too_few",
        "{contest}: choose at least {min}.",
        "{contest}: välj minst {min}.",
    ),
    ("js.blank", "No one (blank)", "Ingen (blankt)"),
    ("js.presentation", "Presentation", "Presentation"),
    (
        "js.encrypted_in",
        "Encrypted and proven on this device in {ms} ms.",
        "Krypterad och bevisad i den här enheten på {ms} ms.",
    ),
    (
        "js.cast_failed",
        "The ballot was not accepted:",
        "Rösten togs inte emot:",
    ),
    (
        "js.receipt_ok",
        "The ballot box's signature on this receipt checks.",
        "Valurnans underskrift på kvittot stämmer.",
    ),
    (
        "js.audit_ok",
        "Checked: the revealed values open the encrypted ballot, and it held exactly these choices:",
        "Kontrollerat: de visade värdena öppnar den krypterade rösten, och den innehöll exakt dessa val:",
    ),
    (
        "js.audit_bad",
        "The audit does NOT check. Do not use this device to vote, and tell the election committee.",
        "Granskningen stämmer INTE. Rösta inte med den här enheten, och kontakta valkommittén.",
    ),
    (
        "js.audit_data",
        "What the audit revealed (you can check it with another device)",
        "Vad granskningen visade (du kan kontrollera det med en annan enhet)",
    ),
    ("js.save_audit", "Save audit data", "Spara granskningsdata"),
    (
        "js.network",
        "The server could not be reached. Try again.",
        "Servern kunde inte nås. Försök igen.",
    ),
    ("js.done", "Done.", "Klart."),
    ("js.confirm", "Are you sure?", "Är du säker?"),
    // Members.
    ("member.title", "Nominations", "Nomineringar"),
    (
        "member.intro",
        "Sign in with a one-time code to propose a candidate in your district, or to answer a nomination.",
        "Logga in med en engångskod för att föreslå en kandidat i din valkrets, eller för att svara på en nominering.",
    ),
    ("member.election", "Election", "Val"),
    ("member.number", "Member number", "Medlemsnummer"),
    (
        "member.request",
        "Send me a sign-in code",
        "Skicka en inloggningskod",
    ),
    (
        "member.sent",
        "If that member number is on the roll, a code is on its way to the contact the roll has for it. It is valid for 15 minutes.",
        "Om medlemsnumret finns i röstlängden är en kod på väg till kontaktuppgiften i röstlängden. Den gäller i 15 minuter.",
    ),
    (
        "member.code",
        "Sign-in code (8 digits)",
        "Inloggningskod (8 siffror)",
    ),
    ("member.login", "Sign in", "Logga in"),
    (
        "member.none_open",
        "No election is taking nominations now.",
        "Inget val har pågående nominering just nu.",
    ),
    ("member.district", "Your district", "Din valkrets"),
    (
        "member.propose",
        "Propose a candidate",
        "Föreslå en kandidat",
    ),
    (
        "member.propose_help",
        "The member number of a member in your district; your own to stand yourself. The nominee is asked to accept.",
        "Medlemsnumret för en medlem i din valkrets; ditt eget för att själv kandidera. Den nominerade får frågan om att acceptera.",
    ),
    (
        "member.nominee",
        "Nominee's member number",
        "Den nominerades medlemsnummer",
    ),
    ("member.submit", "Propose", "Föreslå"),
    ("member.mine", "Your nominations", "Dina nomineringar"),
    ("member.none", "None yet.", "Inga än."),
    ("member.you_nominated", "You proposed", "Du föreslog"),
    ("member.you_were", "You were nominated", "Du har nominerats"),
    ("member.accept", "Accept", "Acceptera"),
    ("member.decline", "Decline", "Avböj"),
    (
        "member.presentation",
        "Your presentation (shown to voters, at most 2,000 characters)",
        "Din presentation (visas för väljarna, högst 2 000 tecken)",
    ),
    ("member.save", "Save presentation", "Spara presentationen"),
    ("member.logout", "Sign out", "Logga ut"),
    (
        "member.reason",
        "The committee's reason",
        "Valkommitténs motivering",
    ),
    (
        "nomination.proposed",
        "Waiting for the nominee",
        "Väntar på den nominerade",
    ),
    (
        "nomination.accepted",
        "Accepted, waiting for the committee",
        "Accepterad, väntar på valkommittén",
    ),
    ("nomination.declined", "Declined", "Avböjd"),
    (
        "nomination.approved",
        "Approved candidate",
        "Godkänd kandidat",
    ),
    ("nomination.rejected", "Rejected", "Avslagen"),
    // Staff.
    ("staff.title", "Election committee", "Valkommitté"),
    ("staff.username", "User name", "Användarnamn"),
    ("staff.password", "Password", "Lösenord"),
    ("staff.login", "Sign in", "Logga in"),
    ("staff.logout", "Sign out", "Logga ut"),
    ("staff.signed_in", "Signed in as", "Inloggad som"),
    (
        "staff.elections",
        "Your organisation's elections",
        "Organisationens val",
    ),
    (
        "staff.none",
        "No elections yet. Create one through the API (POST /api/organisations/{org}/elections).",
        "Inga val än. Skapa ett genom API:t (POST /api/organisations/{org}/elections).",
    ),
    ("staff.open_it", "Manage", "Hantera"),
    ("staff.progress", "Progress", "Förlopp"),
    ("staff.overview", "Districts", "Valkretsar"),
    ("staff.seats", "Seats", "Platser"),
    ("staff.eligible", "Members", "Medlemmar"),
    ("staff.nominations", "Nominations", "Nomineringar"),
    ("staff.accepted", "Accepted", "Accepterade"),
    ("staff.approved", "Approved", "Godkända"),
    ("staff.lacking", "Lacking candidates", "Saknar kandidater"),
    (
        "staff.lacking_list",
        "Districts with fewer approved candidates than seats:",
        "Valkretsar med färre godkända kandidater än platser:",
    ),
    ("staff.trustees", "Trustees", "Förtroendepersoner"),
    (
        "staff.threshold",
        "needed to decrypt",
        "behövs för att dekryptera",
    ),
    ("staff.roll", "Voter roll", "Röstlängd"),
    (
        "staff.roll_help",
        "A CSV file with the columns member_number,name,contact,district. You see what would change before anything is imported.",
        "En CSV-fil med kolumnerna member_number,name,contact,district. Du ser vad som ändras innan något importeras.",
    ),
    ("staff.roll_file", "Roll file (CSV)", "Röstlängdsfil (CSV)"),
    ("staff.roll_check", "Check the file", "Kontrollera filen"),
    ("staff.roll_apply", "Import it", "Importera den"),
    (
        "staff.nominations_open",
        "Open nominations",
        "Öppna nomineringen",
    ),
    (
        "staff.review",
        "Nominations to review",
        "Nomineringar att granska",
    ),
    ("staff.nominee", "Nominee", "Nominerad"),
    ("staff.proposer", "Proposed by", "Föreslagen av"),
    ("staff.status", "Status", "Status"),
    ("staff.approve", "Approve", "Godkänn"),
    ("staff.reject", "Reject", "Avslå"),
    (
        "staff.reason",
        "Reason for rejecting",
        "Motivering till avslag",
    ),
    (
        "staff.freeze",
        "Close nominations and fix the ballot",
        "Stäng nomineringen och fastställ valsedeln",
    ),
    ("staff.ceremony", "Key ceremony", "Nyckelceremoni"),
    (
        "staff.ceremony_help",
        "Each trustee runs the ceremony's commands on their own machine and uploads the public files. Files uploaded so far:",
        "Varje förtroendeperson kör ceremonins kommandon på sin egen dator och laddar upp de öppna filerna. Uppladdade filer hittills:",
    ),
    ("staff.open", "Open voting", "Öppna röstningen"),
    (
        "staff.outbox",
        "Export the voting codes to send",
        "Exportera röstkoderna att skicka",
    ),
    (
        "staff.outbox_help",
        "Each member's voting code leaves the server once, in this file (or by e-mail when the server has an SMTP relay). Afterwards the server holds no voting code.",
        "Varje medlems röstkod lämnar servern en gång, i den här filen (eller med e-post när servern har en SMTP-relä). Därefter har servern ingen röstkod.",
    ),
    (
        "staff.outbox_codes",
        "Export the sign-in codes to send",
        "Exportera inloggningskoderna att skicka",
    ),
    (
        "staff.outbox_codes_help",
        "Members who asked to sign in get a one-time code. Without an SMTP relay, send them the codes in this file.",
        "Medlemmar som bett om att logga in får en engångskod. Utan SMTP-relä skickar ni koderna i den här filen.",
    ),
    (
        "staff.turnout_live",
        "Live turnout (updates by itself)",
        "Valdeltagande just nu (uppdateras av sig själv)",
    ),
    ("staff.close", "Close voting", "Stäng röstningen"),
    (
        "staff.close_help",
        "Closing seals the board and publishes the record up to the encrypted tally. The trustees then decrypt it.",
        "Stängningen förseglar röstlistan och publicerar valprotokollet fram till den krypterade sammanräkningen. Förtroendepersonerna dekrypterar den sedan.",
    ),
    ("staff.tally", "Tally", "Sammanräkning"),
    (
        "staff.shares",
        "valid decryption shares of",
        "giltiga dekrypteringsandelar av",
    ),
    (
        "staff.upload_share",
        "Upload my decryption share",
        "Ladda upp min dekrypteringsandel",
    ),
    (
        "staff.share_help",
        "Trustee: download the record, run `valurna trustee decrypt --record DIR --share YOUR-SHARE` on your own machine, and upload the file it writes.",
        "Förtroendeperson: ladda ner valprotokollet, kör `valurna trustee decrypt --record KATALOG --share DIN-ANDEL` på din egen dator, och ladda upp filen den skriver.",
    ),
    (
        "staff.share_file",
        "Decryption share file (JSON)",
        "Fil med dekrypteringsandel (JSON)",
    ),
    (
        "staff.record",
        "The published record",
        "Det publicerade valprotokollet",
    ),
    ("staff.see_result", "See the result", "Se resultatet"),
    ("staff.public_page", "Public page", "Offentlig sida"),
    ("staff.added", "added", "tillagda"),
    ("staff.removed", "removed", "borttagna"),
    ("staff.changed", "changed", "ändrade"),
    ("staff.unchanged", "unchanged", "oförändrade"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (k, en, sv) in STRINGS {
            assert!(seen.insert(*k), "{k} twice");
            assert!(!en.is_empty() && !sv.is_empty(), "{k}");
        }
    }

    /// Every `t("key")` in the pages' sources and the booth's script names
    /// a key of the table.
    #[test]
    fn every_key_used_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
        let mut sources: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|f| std::fs::read_to_string(f.path()).ok())
            .collect();
        sources.push(include_str!("../../../web/static/booth.js").to_string());
        let mut used = 0;
        for text in &sources {
            for piece in text.split("t(\"").skip(1) {
                let Some(key) = piece.split('"').next() else {
                    continue;
                };
                if key.contains('.') && !key.contains(' ') {
                    used += 1;
                    assert!(
                        STRINGS.iter().any(|(k, _, _)| *k == key),
                        "the key {key} is used but not in the table"
                    );
                }
            }
        }
        assert!(used > 100, "only {used} keys found: the scan is broken");
    }

    #[test]
    fn the_browser_and_the_cookie_choose_the_language() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut h = axum::http::HeaderMap::new();
            for (k, v) in pairs {
                if let (Ok(k), Ok(v)) = (
                    axum::http::HeaderName::try_from(*k),
                    axum::http::HeaderValue::try_from(*v),
                ) {
                    h.append(k, v);
                }
            }
            h
        };
        assert_eq!(Lang::of_headers(&headers(&[])), Lang::En);
        assert_eq!(
            Lang::of_headers(&headers(&[("accept-language", "sv-SE,sv;q=0.9,en;q=0.8")])),
            Lang::Sv
        );
        assert_eq!(
            Lang::of_headers(&headers(&[("accept-language", "de-DE,en;q=0.5,sv;q=0.7")])),
            Lang::Sv
        );
        assert_eq!(
            Lang::of_headers(&headers(&[("accept-language", "en-GB,sv;q=0.5")])),
            Lang::En
        );
        assert_eq!(
            Lang::of_headers(&headers(&[
                ("accept-language", "sv"),
                ("cookie", "a=b; valurna_lang=en")
            ])),
            Lang::En
        );
        assert_eq!(Lang::Sv.t("booth.cast"), "Lägg min röst");
    }
}
