//! A real (minimal) SMTP server on a loopback port: it speaks enough of RFC 5321 for lettre
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message, and can be told to refuse
//! messages with a temporary (451) or permanent (550) error.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    }

    /// The first `http…` link whose path contains `path`, decoded from quoted-printable.
    pub fn link(&self, path: &str) -> Option<String> {
        let decoded = self.data.replace("=\r\n", "").replace("=3D", "=");
        decoded
            .split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
            .find(|w| w.starts_with("http") && w.contains(path))
            .map(str::to_owned)
    }
}

/// 0: accept, 1: refuse with 451 (try again later), 2: refuse with 550 (never).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Accept = 0,
    Temporary = 1,
    Permanent = 2,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    mode: Arc<AtomicU8>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        let port = listener.local_addr().expect("addr").port();
        let sink = SmtpSink {
            port,
            messages: Arc::default(),
            mode: Arc::new(AtomicU8::new(Mode::Accept as u8)),
        };
        let handle = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let handle = handle.clone();
                tokio::spawn(async move {
                    let _ = handle.session(socket).await;
                });
            }
        });
        sink
    }

    pub fn set_mode(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().expect("lock").clone()
    }

    /// Environment for a TestApp that sends here.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("EMAIL_BACKEND", "smtp".to_owned()),
            ("EMAIL_HOST", "127.0.0.1".to_owned()),
            ("EMAIL_PORT", self.port.to_string()),
            ("EMAIL_SECURITY", "none".to_owned()),
            (
                "DEFAULT_FROM_EMAIL",
                "Waypost <no-reply@waypost.test>".to_owned(),
            ),
        ]
    }

    async fn session(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        // Replies are small writes: without this, Nagle + delayed ACKs add ~40 ms per command.
        socket.set_nodelay(true)?;
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
        let mut to = Vec::new();
        while let Some(line) = lines.next_line().await? {
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink.test\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("HELO") {
                b"250 sink.test\r\n"
            } else if upper.starts_with("MAIL FROM") {
                to.clear();
                match self.mode.load(Ordering::SeqCst) {
                    1 => b"451 4.3.0 try again later\r\n",
                    2 => b"550 5.7.1 not accepted\r\n",
                    _ => b"250 OK\r\n",
                }
            } else if upper.starts_with("RCPT TO") {
                to.push(
                    line[8..]
                        .trim()
                        .trim_start_matches(':')
                        .trim()
                        .trim_matches(|c| c == '<' || c == '>')
                        .to_owned(),
                );
                b"250 OK\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push_str("\r\n");
                }
                self.messages.lock().expect("lock").push(Received {
                    to: std::mem::take(&mut to),
                    data,
                });
                b"250 OK queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                // RSET, NOOP and anything else.
                b"250 OK\r\n"
            };
            write.write_all(reply).await?;
        }
        Ok(())
    }
}
