//! Delivery of the outbox by e-mail, when an SMTP relay is configured
//! (`--smtp-url smtp://relay:25`, `--mail-from`).
//!
//! A background task takes the waiting messages to e-mail addresses in
//! order, sends each through the relay, and removes each from the outbox
//! in the same transaction as its sending, so a message is sent once and a
//! crash between the two at worst sends it twice. Messages to phone numbers
//! stay for the organisation's own delivery (`POST …/outbox/export`).
//! The relay is spoken to in plain SMTP: run it on the same host or
//! network (Postfix, for example), and let it do TLS onward.
//!
//! Nothing about a message is logged but its id and whether it failed: its
//! recipient and body are personal data and secrets.

use std::time::Duration;

use deadpool_postgres::Pool;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::db::{StoreError, outbox};

/// How many messages one round takes.
const BATCH: i64 = 100;

/// The relay and the sender's address.
#[derive(Debug, Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why the mailer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL does not parse.
    #[error("SMTP URL: expected smtp://[user:password@]host[:port]")]
    Url,
    /// The sender's address does not parse.
    #[error("sender address: {0}")]
    From(#[from] lettre::address::AddressError),
}

impl Mailer {
    /// A mailer through `smtp_url` (`smtp://[user:password@]host[:port]`),
    /// sending as `from`.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, MailError> {
        let rest = smtp_url.strip_prefix("smtp://").ok_or(MailError::Url)?;
        let rest = rest.trim_end_matches('/');
        let (credentials, address) = match rest.rsplit_once('@') {
            Some((c, a)) => (Some(c), a),
            None => (None, rest),
        };
        let (host, port) = match address.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| MailError::Url)?),
            None => (address, 25),
        };
        if host.is_empty() {
            return Err(MailError::Url);
        }
        // Plain SMTP to a relay the operator runs (module docs).
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(c) = credentials {
            let (user, password) = c.split_once(':').ok_or(MailError::Url)?;
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                    user.to_string(),
                    password.to_string(),
                ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: from.parse()?,
        })
    }

    /// Sends one round of waiting e-mails; returns how many were sent.
    pub async fn send_waiting(&self, pool: &Pool) -> Result<usize, StoreError> {
        let mut client = pool.get().await?;
        let mut sent = 0;
        loop {
            let tx = client.transaction().await?;
            let messages = outbox::lock_emails(&tx, BATCH).await?;
            if messages.is_empty() {
                return Ok(sent);
            }
            let mut done: Vec<i64> = Vec::new();
            for m in &messages {
                let Ok(to) = m.recipient.parse::<Mailbox>() else {
                    tracing::warn!(
                        message = m.id,
                        "outbox: not an e-mail address; left for export"
                    );
                    continue;
                };
                let message = Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(m.subject.clone())
                    // UTF-8 text, said so: the messages are in five languages.
                    .header(ContentType::TEXT_PLAIN)
                    .body(m.body.to_string());
                match message {
                    Ok(built) => match self.transport.send(built).await {
                        Ok(_) => done.push(m.id),
                        Err(e) => {
                            tracing::warn!(message = m.id, error = %e, "outbox: sending failed");
                        }
                    },
                    Err(_) => tracing::warn!(message = m.id, "outbox: message does not build"),
                }
            }
            outbox::delete(&tx, &done).await?;
            tx.commit().await?;
            sent += done.len();
            if done.len() < messages.len() {
                // Something failed: try again in the next round, not now.
                return Ok(sent);
            }
        }
    }

    /// Sends the outbox every `every` until the process ends.
    pub async fn run(self, pool: Pool, every: Duration) {
        loop {
            match self.send_waiting(&pool).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "outbox: e-mails sent"),
                Err(e) => tracing::warn!(error = %e, "outbox: round failed"),
            }
            tokio::time::sleep(every).await;
        }
    }
}
