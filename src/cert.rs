//! CURVE certificates as CZMQ writes them (zcert: ZPL text, RFC 4), so that keys made here
//! work with CZMQ tools and the other way round:
//!
//! ```text
//! metadata
//! curve
//!     public-key = "<40 Z85 characters>"
//!     secret-key = "<40 Z85 characters>"      (only in NAME_secret, mode 0600)
//! ```
//!
//! Also the forms the command line takes a key in: 40 Z85 characters, or a certificate file;
//! and the allow lists of a CURVE server: a directory of public certificates (as CZMQ's zauth
//! reads them) or a file of Z85 keys, one a line.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::auth::Key;
use crate::transport::CurveKeys;

/// The keys found in a certificate file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Certificate {
    pub public: Key,
    pub secret: Option<Key>,
}

impl Certificate {
    /// Reads a zcert file (public or secret).
    pub fn read(path: &Path) -> Result<Certificate> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read certificate {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("{} is not a CURVE certificate", path.display()))
    }

    /// Parses zcert text: `public-key` (and `secret-key`) in the `curve` section.
    pub fn parse(text: &str) -> Result<Certificate> {
        let mut section = "";
        let (mut public, mut secret) = (None, None);
        for line in text.lines() {
            // Only whole lines are comments: '#' is also a Z85 character.
            let content = line.trim_end();
            if content.trim().is_empty() || content.trim_start().starts_with('#') {
                continue;
            }
            if !content.starts_with([' ', '\t']) {
                section = content.trim();
                continue;
            }
            let Some((name, value)) = content.trim().split_once('=') else {
                continue;
            };
            if section != "curve" {
                continue;
            }
            let value = value.trim().trim_matches('"');
            let key = Key::from_z85(value)
                .with_context(|| format!("{} is not 40 Z85 characters", name.trim()))?;
            match name.trim() {
                "public-key" => public = Some(key),
                "secret-key" => secret = Some(key),
                _ => {}
            }
        }
        let Some(public) = public else {
            bail!("no public-key in its curve section");
        };
        Ok(Certificate { public, secret })
    }

    /// The keypair of a secret certificate.
    pub fn keys(self, path: &Path) -> Result<CurveKeys> {
        match self.secret {
            Some(secret) => Ok(CurveKeys {
                public: self.public,
                secret,
            }),
            None => bail!(
                "{} holds no secret key (give the _secret file that `zmqtool keygen --out` wrote)",
                path.display()
            ),
        }
    }
}

/// Reads the keypair of a secret certificate (`--curve-secret FILE`), warning when others
/// may read it.
pub fn read_secret(path: &Path) -> Result<CurveKeys> {
    use std::os::unix::fs::PermissionsExt;
    let keys = Certificate::read(path)?.keys(path)?;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        log::warn!(
            "{} is readable by others; it holds a secret key (chmod 600 it)",
            path.display()
        );
    }
    Ok(keys)
}

/// A public key given on the command line: 40 Z85 characters, or a certificate file.
pub fn read_public(key_or_file: &str) -> Result<Key> {
    if let Some(key) = Key::from_z85(key_or_file) {
        return Ok(key);
    }
    let path = Path::new(key_or_file);
    if path.exists() {
        return Ok(Certificate::read(path)?.public);
    }
    bail!("{key_or_file:?} is neither a key (40 Z85 characters) nor a certificate file")
}

/// The client keys a CURVE server admits (`--curve-allow`): every public certificate in a
/// directory, or the Z85 keys of a file, one a line (blank lines and `#` comments skipped).
pub fn read_allowed(path: &Path) -> Result<HashSet<Key>> {
    let mut keys = HashSet::new();
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .with_context(|| format!("cannot read --curve-allow directory {}", path.display()))?;
        for entry in entries {
            let file = entry?.path();
            // CZMQ's zauth reads every certificate; a secret one names its public key too.
            match Certificate::read(&file) {
                Ok(cert) => {
                    keys.insert(cert.public);
                }
                Err(e) => log::warn!("skipped {}: {e:#}", file.display()),
            }
        }
    } else {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --curve-allow file {}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            // '#' is a Z85 character, but no key starts with it (its value would be over
            // 2^32): a line that does is a comment.
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let key = Key::from_z85(line).with_context(|| {
                format!(
                    "{}:{}: not a key (40 Z85 characters)",
                    path.display(),
                    n + 1
                )
            })?;
            keys.insert(key);
        }
    }
    if keys.is_empty() {
        bail!("--curve-allow {} names no keys", path.display());
    }
    Ok(keys)
}

/// Writes `keys` as CZMQ does: `path` (the public certificate) and `path_secret` (mode 0600).
/// Returns the two paths.
pub fn write_pair(path: &Path, keys: &CurveKeys) -> Result<(PathBuf, PathBuf)> {
    let secret_path = PathBuf::from(format!("{}_secret", path.display()));
    let public = keys.public.to_z85();
    let public_text = format!(
        "#   ****  Generated by zmqtool keygen  ****\n\
         #   ZeroMQ CURVE Public Certificate\n\
         #   Exchange securely, or use a secure mechanism to verify the contents\n\
         #   of this file after exchange.\n\
         \n\
         metadata\n\
         curve\n    public-key = \"{public}\"\n"
    );
    let secret_text = format!(
        "#   ****  Generated by zmqtool keygen  ****\n\
         #   ZeroMQ CURVE **Secret** Certificate\n\
         #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\
         \n\
         metadata\n\
         curve\n    public-key = \"{public}\"\n    secret-key = \"{}\"\n",
        keys.secret.to_z85()
    );
    write_new(&secret_path, &secret_text, 0o600)?;
    write_new(path, &public_text, 0o644)?;
    Ok((path.to_path_buf(), secret_path))
}

/// Creates `path` with `mode`; an existing file is not overwritten.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_round_trip_in_czmq_format() {
        let dir = tempfile::tempdir().unwrap();
        let keys = CurveKeys::generate().unwrap();
        let (public, secret) = write_pair(&dir.path().join("server"), &keys).unwrap();
        assert_eq!(secret, dir.path().join("server_secret"));
        let read = read_secret(&secret).unwrap();
        assert_eq!(read, keys);
        assert_eq!(Certificate::read(&public).unwrap().secret, None);
        assert_eq!(read_public(public.to_str().unwrap()).unwrap(), keys.public);
        assert_eq!(read_public(&keys.public.to_z85()).unwrap(), keys.public);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(
            write_pair(&dir.path().join("server"), &keys).is_err(),
            "never overwrites"
        );
        assert!(Certificate::read(&public).unwrap().keys(&public).is_err());
    }

    /// '#' is a Z85 character: a key holding one is read whole, not cut there as if a
    /// comment began.
    #[test]
    fn keys_may_hold_a_hash() {
        let key = "JTKV#B%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
        let text = format!("curve\n    public-key = \"{key}\"\n");
        assert_eq!(Certificate::parse(&text).unwrap().public.to_z85(), key);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), format!("# a comment\n{key}\n")).unwrap();
        assert_eq!(read_allowed(file.path()).unwrap().len(), 1);
    }

    #[test]
    fn a_czmq_certificate_is_read() {
        // As CZMQ's zcert_save_public writes it.
        let text = "#   ****  Generated on 2026-01-01 by CZMQ  ****\n\
                    #   ZeroMQ CURVE Public Certificate\n\
                    \n\
                    metadata\n    name = \"test\"\n\
                    curve\n    public-key = \"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\"\n";
        let cert = Certificate::parse(text).unwrap();
        assert_eq!(
            cert.public.to_z85(),
            "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
        );
        assert!(Certificate::parse("metadata\ncurve\n").is_err());
    }

    #[test]
    fn allow_lists_come_from_a_directory_or_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            CurveKeys::generate().unwrap(),
            CurveKeys::generate().unwrap(),
        );
        write_pair(&dir.path().join("a"), &a).unwrap();
        write_pair(&dir.path().join("b"), &b).unwrap();
        let keys = read_allowed(dir.path()).unwrap();
        assert_eq!(keys, [a.public, b.public].into_iter().collect());
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), format!("# ops\n{}\n\n", a.public.to_z85())).unwrap();
        assert_eq!(read_allowed(file.path()).unwrap().len(), 1);
        std::fs::write(file.path(), "not a key\n").unwrap();
        assert!(read_allowed(file.path()).is_err());
    }
}
