//! A real OpenSSH `sshd` for tests: loopback only, on a free port, with a throw-away host key,
//! client key and config in a temporary folder, running as the current user. Stopped (killed)
//! when dropped.
//!
//! When `/usr/sbin/sshd` is missing the test fails, unless `WTMAP_SKIP_PEERS=1` marked it ignored.
#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "each test binary uses a subset; a broken test set-up fails loudly"
)]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

/// A running sshd.
pub struct Sshd {
    child: Child,
    /// Port on 127.0.0.1.
    pub port: u16,
    /// The user to log in as (the current user).
    pub user: String,
    /// Temporary folder with keys, config and `upload/`.
    pub dir: tempfile::TempDir,
    /// Where uploads go (absolute, the SFTP `path`).
    pub upload: PathBuf,
    /// The authorized client key's private text.
    pub client_key: String,
    /// Another key's private text, not authorized.
    pub wrong_key: String,
    /// The host key's public line (`ssh-ed25519 AAAA… comment`).
    pub host_public: String,
    /// The host key's fingerprint (`SHA256:…`).
    pub host_fingerprint: String,
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn keygen(path: &Path) -> String {
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "wtmap-test", "-f"])
        .arg(path));
    std::fs::read_to_string(path).unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until the port answers with an SSH banner.
fn wait_ready(port: u16, child: &mut Child) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut banner = [0u8; 4];
            if s.read_exact(&mut banner).is_ok() && &banner == b"SSH-" {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

impl Sshd {
    /// Starts sshd; fails the test when it is not installed.
    pub fn start() -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: run scripts/test.sh as root (it installs openssh-server), or opt \
             out of peer tests with WTMAP_SKIP_PEERS=1"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let client_key = keygen(&d.join("client_key"));
        let wrong_key = keygen(&d.join("wrong_key"));
        keygen(&d.join("host_key"));
        let host_public = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
        let fingerprint = run(Command::new("ssh-keygen")
            .args(["-l", "-E", "sha256", "-f"])
            .arg(d.join("host_key.pub")));
        let host_fingerprint = fingerprint.split_whitespace().nth(1).unwrap().to_string();
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        let upload = d.join("upload");
        std::fs::create_dir(&upload).unwrap();
        let user = run(Command::new("id").arg("-un")).trim().to_string();
        // As root, sshd insists on its privilege separation folder.
        if user == "root" {
            std::fs::create_dir_all("/run/sshd").unwrap();
        }

        for _attempt in 0..3 {
            let port = free_port();
            let config = format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nAuthorizedKeysFile {ak}\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
                 StrictModes no\nPermitRootLogin prohibit-password\n\
                 Subsystem sftp internal-sftp\nPidFile {pid}\n",
                hk = d.join("host_key").display(),
                ak = d.join("authorized_keys").display(),
                pid = d.join("sshd.pid").display(),
            );
            std::fs::write(d.join("sshd_config"), config).unwrap();
            let log = std::fs::File::create(d.join("sshd.log")).unwrap();
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(d.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            if wait_ready(port, &mut child) {
                return Sshd {
                    child,
                    port,
                    user,
                    dir,
                    upload,
                    client_key,
                    wrong_key,
                    host_public: host_public.trim().to_string(),
                    host_fingerprint,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "sshd did not start; its log:\n{}",
            std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
        );
    }

    /// sshd's log so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
