//! Uploading the rendered files over SFTP (russh, pure Rust: no system SSH libraries needed).
//!
//! Each file is uploaded as `name.tmp` and renamed only once every file is on the server, so
//! Winningtemp never picks up half a file and sees the new set of files within moments of each
//! other. Errors name host, port, user and file, and pass on what the server said; the private
//! key is parsed here and never leaves this module.

use super::config::{Env, SftpConfig};
use super::error::FilesError;
use super::host_key::{Expected, Refusal, describe};
use super::render::RenderedFile;
use russh::client;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::RawSftpSession;
use russh_sftp::protocol::{FileAttributes, OpenFlags, Packet, StatusCode};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long connecting and authenticating may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes per SFTP write request: 32 KiB is what every server accepts.
const CHUNK: usize = 32 * 1024;

/// Everything the upload needs, secrets resolved; lives only for the upload.
pub(crate) struct Upload {
    host: String,
    port: u16,
    user: String,
    key: PrivateKey,
    path: String,
    expected: Expected,
}

impl Upload {
    /// Resolves host, user and key from the environment and parses the key and the host key
    /// policy, so that every configuration error shows up before anything is written.
    pub(crate) fn prepare(cfg: &SftpConfig, env: &dyn Env) -> Result<Upload, FilesError> {
        let host = cfg.host.resolve(env, "sftp.host")?;
        let user = cfg.user.resolve(env, "sftp.user")?;
        let text = env
            .var(&cfg.key_env)
            .ok_or_else(|| FilesError::MissingEnv {
                name: cfg.key_env.clone(),
                setting: "sftp.key".into(),
            })?;
        // Error details from the key parser are dropped: only a fixed reason is shown.
        let key = russh::keys::decode_secret_key(&text, None).map_err(|e| FilesError::Key {
            name: cfg.key_env.clone(),
            reason: match e {
                russh::keys::Error::KeyIsEncrypted => {
                    "it is protected by a passphrase, which wtmap cannot enter"
                }
                _ => "it is not a private key in OpenSSH or PEM format",
            },
        })?;
        Ok(Upload {
            host,
            port: cfg.port,
            user,
            key,
            path: cfg.path.clone(),
            expected: Expected::new(&cfg.host_key, env)?,
        })
    }

    /// `user@host:port`, for reports.
    pub(crate) fn destination(&self) -> String {
        format!("{}@{}:{}:{}", self.user, self.host, self.port, self.path)
    }

    /// Uploads on a private runtime in its own thread, so callers need not be async and may
    /// even be inside another runtime.
    pub(crate) fn run(self, files: &[RenderedFile]) -> Result<(), FilesError> {
        let failed = |message: &str| FilesError::Sftp {
            host: self.host.clone(),
            port: self.port,
            user: self.user.clone(),
            file: None,
            message: message.to_string(),
        };
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| failed(&e.to_string()))?;
                    rt.block_on(self.upload(files))
                })
                .join()
                .unwrap_or_else(|_| Err(failed("the upload thread stopped unexpectedly")))
        })
    }

    fn error(&self, file: Option<&str>, message: impl ToString) -> FilesError {
        FilesError::Sftp {
            host: self.host.clone(),
            port: self.port,
            user: self.user.clone(),
            file: file.map(str::to_string),
            message: message.to_string(),
        }
    }

    fn remote(&self, name: &str) -> String {
        match self.path.trim_end_matches('/') {
            "" if self.path.starts_with('/') => format!("/{name}"),
            "" | "." => name.to_string(),
            dir => format!("{dir}/{name}"),
        }
    }

    async fn upload(&self, files: &[RenderedFile]) -> Result<(), FilesError> {
        let session = self.connect().await?;
        let channel = session
            .channel_open_session()
            .await
            .map_err(|e| self.error(None, e))?;
        channel
            .request_subsystem(true, "sftp")
            .await
            .map_err(|e| self.error(None, e))?;
        let sftp = RawSftpSession::new(channel.into_stream());
        let version = sftp
            .init()
            .await
            .map_err(|e| self.error(None, format!("the SFTP subsystem did not start: {e}")))?;
        let has = |ext: &str| version.extensions.get(ext).is_some_and(|v| v == "1");
        let (fsync, posix_rename) = (has("fsync@openssh.com"), has("posix-rename@openssh.com"));

        let mut uploaded = Vec::new();
        let mut result = Ok(());
        for f in files {
            let tmp = self.remote(&format!("{}.tmp", f.kind.file_name()));
            uploaded.push(tmp.clone());
            result = self.put(&sftp, &tmp, &f.bytes, fsync).await;
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() {
            for f in files {
                let name = self.remote(f.kind.file_name());
                let tmp = format!("{name}.tmp");
                result = self.rename(&sftp, &tmp, &name, posix_rename).await;
                if result.is_err() {
                    break;
                }
                uploaded.retain(|t| *t != tmp);
            }
        }
        // Best effort: leave no temporary files behind after a failure.
        for tmp in &uploaded {
            let _ = sftp.remove(tmp.as_str()).await;
        }
        let _ = sftp.close_session();
        let _ = session
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
        result
    }

    async fn connect(&self) -> Result<client::Handle<Client>, FilesError> {
        let config = Arc::new(client::Config {
            inactivity_timeout: Some(Duration::from_secs(60)),
            ..Default::default()
        });
        let verdict = Arc::new(Mutex::new(None));
        let handler = Client {
            host: self.host.clone(),
            port: self.port,
            expected: self.expected.clone(),
            verdict: verdict.clone(),
        };
        let addr = (self.host.as_str(), self.port);
        let connected =
            tokio::time::timeout(CONNECT_TIMEOUT, client::connect(config, addr, handler))
                .await
                .map_err(|_| self.error(None, "no answer within 30 s"));
        let refused = || -> Option<FilesError> {
            let (fingerprint, outcome) = verdict.lock().ok()?.take()?;
            let Refusal { reason, help } = outcome.err()?;
            Some(FilesError::HostKey {
                host: self.host.clone(),
                port: self.port,
                fingerprint,
                reason,
                help,
            })
        };
        let mut session = match connected {
            Ok(Ok(session)) => session,
            Ok(Err(e)) => return Err(refused().unwrap_or_else(|| self.error(None, e))),
            Err(e) => return Err(e),
        };
        // RSA keys need the server's choice of signature hash; other keys have none.
        let hash = if self.key.algorithm().is_rsa() {
            session
                .best_supported_rsa_hash()
                .await
                .map_err(|e| self.error(None, e))?
                .flatten()
        } else {
            None
        };
        let key = PrivateKeyWithHashAlg::new(Arc::new(self.key.clone()), hash);
        let auth = tokio::time::timeout(
            CONNECT_TIMEOUT,
            session.authenticate_publickey(self.user.clone(), key),
        )
        .await
        .map_err(|_| self.error(None, "no answer to authentication within 30 s"))?
        .map_err(|e| self.error(None, e))?;
        if !auth.success() {
            return Err(FilesError::Auth {
                host: self.host.clone(),
                port: self.port,
                user: self.user.clone(),
            });
        }
        Ok(session)
    }

    async fn put(
        &self,
        sftp: &RawSftpSession,
        path: &str,
        bytes: &[u8],
        fsync: bool,
    ) -> Result<(), FilesError> {
        let err = |e: russh_sftp::client::error::Error| self.error(Some(path), e);
        let flags = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE;
        let handle = sftp
            .open(path, flags, FileAttributes::empty())
            .await
            .map_err(err)?
            .handle;
        let mut written = Ok(());
        for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
            let offset = (i * CHUNK) as u64;
            written = sftp
                .write(handle.as_str(), offset, chunk.to_vec())
                .await
                .map(|_| ());
            if written.is_err() {
                break;
            }
        }
        if written.is_ok() && fsync {
            written = sftp.fsync(handle.as_str()).await.map(|_| ());
        }
        let closed = sftp.close(handle.as_str()).await.map(|_| ());
        written.and(closed).map_err(err)
    }

    async fn rename(
        &self,
        sftp: &RawSftpSession,
        from: &str,
        to: &str,
        posix: bool,
    ) -> Result<(), FilesError> {
        let err = |e: String| self.error(Some(to), e);
        if posix {
            // OpenSSH's atomic replace; plain SFTP rename refuses an existing target.
            let mut data = Vec::new();
            for s in [from, to] {
                data.extend_from_slice(&(s.len() as u32).to_be_bytes());
                data.extend_from_slice(s.as_bytes());
            }
            return match sftp.extended("posix-rename@openssh.com", data).await {
                Ok(Packet::Status(s)) if s.status_code == StatusCode::Ok => Ok(()),
                Ok(Packet::Status(s)) => {
                    Err(err(format!("{}: {}", s.status_code, s.error_message)))
                }
                Ok(_) => Err(err("unexpected answer to rename".into())),
                Err(e) => Err(err(e.to_string())),
            };
        }
        // Without the extension the old file must go first; the gap is a single round trip.
        match sftp.remove(to).await {
            Ok(_) => {}
            Err(russh_sftp::client::error::Error::Status(s))
                if s.status_code == StatusCode::NoSuchFile => {}
            Err(e) => return Err(err(e.to_string())),
        }
        sftp.rename(from, to)
            .await
            .map(|_| ())
            .map_err(|e| err(e.to_string()))
    }
}

/// The server key's description and whether it was accepted.
type Seen = (String, Result<(), Refusal>);

/// Host key verification for one connection; remembers what it saw for the error message.
struct Client {
    host: String,
    port: u16,
    expected: Expected,
    /// The server key's description and the verdict.
    verdict: Arc<Mutex<Option<Seen>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_public_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let (seen, outcome) = match server_public_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => (
                describe(key),
                self.expected.verify(&self.host, self.port, key),
            ),
            PublicKeyOrCertificate::Certificate(_) => (
                "a host certificate".to_string(),
                Err(Refusal {
                    reason: "it presented a host certificate, which wtmap does not verify".into(),
                    help: "configure the server to offer a plain host key".into(),
                }),
            ),
        };
        let ok = outcome.is_ok();
        if let Ok(mut v) = self.verdict.lock() {
            *v = Some((seen, outcome));
        }
        Ok(ok)
    }
}
