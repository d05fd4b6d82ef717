//! The SMTP client: lettre's protocol code on sockets of our own, kept open between jobs.
//!
//! lettre's transport writes a message body and its closing `\r\n.\r\n` as two writes on a
//! socket without `TCP_NODELAY`; Nagle's algorithm then holds the terminator until the body is
//! acknowledged, which the server delays (~40 ms) because it has nothing to say before it sees
//! the terminator: ~23 e-mails/s per worker. Here every socket has `TCP_NODELAY`, and
//! connections (TLS handshake and login included) are reused by the next job.

use super::MailError;
use crate::config::SmtpSecurity;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A connection idle for longer than this is checked (`NOOP`) before it is trusted again:
/// servers close idle sessions, and a job must not fail for that.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(5);

pub struct SmtpClient {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
    /// Open connections not in use, with when each was last used; at most `max_idle`.
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    max_idle: usize,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl SmtpClient {
    pub fn new(
        host: &str,
        port: u16,
        security: SmtpSecurity,
        credentials: Option<Credentials>,
        timeout: Duration,
        max_idle: usize,
    ) -> Result<Self, MailError> {
        let tls = match security {
            SmtpSecurity::Tls => Some(Arc::new(rustls_config()?)),
            _ => None,
        };
        Ok(SmtpClient {
            host: host.to_owned(),
            port,
            security,
            credentials,
            timeout,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            max_idle,
            tls,
        })
    }

    /// Sends one message on an open connection (or a new one); the connection goes back to
    /// the idle set only after a clean exchange.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), MailError> {
        let mut connection = match self.reuse().await {
            Some(connection) => connection,
            None => self.connect().await?,
        };
        let sent = tokio::time::timeout(self.timeout, connection.send(envelope, message)).await;
        match sent {
            Ok(Ok(_)) => {
                self.put_back(connection);
                Ok(())
            }
            // lettre aborts the session on any error: the connection is dropped here.
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(MailError::transient("SMTP: timed out")),
        }
    }

    async fn reuse(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut connection, last_used) = self.lock_idle().pop()?;
            if connection.has_broken() {
                continue;
            }
            if last_used.elapsed() < CHECK_AFTER_IDLE
                || tokio::time::timeout(self.timeout, connection.test_connected())
                    .await
                    .unwrap_or(false)
            {
                return Some(connection);
            }
        }
    }

    fn put_back(&self, connection: AsyncSmtpConnection) {
        let mut idle = self.lock_idle();
        if idle.len() < self.max_idle {
            idle.push((connection, Instant::now()));
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<(AsyncSmtpConnection, Instant)>> {
        // A panic while holding this lock can't leave the list inconsistent (push/pop only).
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        tokio::time::timeout(self.timeout, self.open())
            .await
            .map_err(|_| MailError::transient("SMTP: connecting timed out"))?
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, MailError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| MailError::transient(format!("SMTP: connecting: {e}")))?;
        tcp.set_nodelay(true)
            .map_err(|e| MailError::transient(format!("SMTP: socket: {e}")))?;
        let stream: Box<dyn AsyncTokioStream> = match &self.tls {
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|e| MailError::permanent(format!("SMTP host name: {e}")))?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| MailError::transient(format!("SMTP: TLS: {e}")))?;
                Box::new(ImplicitTls(tls))
            }
            None => Box::new(tcp),
        };
        let mut connection = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(classify)?;
        if self.security == SmtpSecurity::StartTls {
            let parameters = TlsParameters::new(self.host.clone())
                .map_err(|e| MailError::permanent(format!("SMTP TLS setup: {e}")))?;
            connection
                .starttls(parameters, &self.hello)
                .await
                .map_err(classify)?;
        }
        if let Some(credentials) = &self.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(classify)?;
        }
        Ok(connection)
    }
}

fn classify(e: lettre::transport::smtp::Error) -> MailError {
    if e.is_permanent() {
        MailError::permanent(format!("SMTP refused: {e}"))
    } else {
        MailError::transient(format!("SMTP: {e}"))
    }
}

fn rustls_config() -> Result<rustls::ClientConfig, MailError> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MailError::permanent(format!("SMTP TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Port 465: TLS from the first byte, on our `TCP_NODELAY` socket.
#[derive(Debug)]
struct ImplicitTls(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
