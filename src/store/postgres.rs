//! The shared backend: a PostgreSQL database, through the `postgres` crate (rust-postgres,
//! synchronous) with TLS by rustls.
//!
//! A target is written as libpq tools accept it: a `postgres://` or `postgresql://` URL, or
//! `key=value` pairs, or `postgres:` alone; whatever it leaves out comes from the `PG*`
//! environment variables (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`,
//! `PGPASSFILE`, `PGOPTIONS`, `PGAPPNAME`, `PGSSLMODE`, `PGSSLROOTCERT`,
//! `PGCONNECT_TIMEOUT`), then from libpq's defaults (the Unix socket, the user's login name,
//! `~/.pgpass`). `sslmode` is libpq's: `disable`, `prefer` (the default), `require` (encrypted;
//! the certificate is checked as by `verify-ca` when a root certificate is given), `verify-ca`
//! and `verify-full` (the certificate chain and, for `verify-full`, the host name, against
//! `sslrootcert`: a PEM file, `system` for the system's roots, by default
//! `~/.postgresql/root.crt`).
//!
//! [`Conn`] keeps one connection and makes a new one after the server went away; [`listen`]
//! keeps a LISTEN connection of its own.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use postgres::Client;
use postgres::config::Host;
use postgres::fallible_iterator::FallibleIterator;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::pem::PemObject;

use super::{Plan, Schema, VERSION_TABLE};
use crate::runtime::Shutdown;

/// How long a connection attempt may take unless the target says (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long sent data may stay unacknowledged before the connection counts as cut.
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(20);
/// After a failed connection attempt, the next waits this long (requests meanwhile fail at
/// once instead of each waiting for its own attempt).
const RETRY: Duration = Duration::from_millis(250);

/// Whether a `--store` string names a PostgreSQL database.
pub fn is_postgres(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("postgres://")
        || t.starts_with("postgresql://")
        || t == "postgres:"
        || t == "postgresql:"
        || looks_like_conninfo(t)
}

/// `key=value` pairs, as libpq reads them: a first word made of letters and underscores,
/// then `=`.
fn looks_like_conninfo(text: &str) -> bool {
    let key: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    !key.is_empty() && text[key.len()..].trim_start().starts_with('=')
}

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, TargetError> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" | "allow" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(TargetError(format!(
                    "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )));
            }
        })
    }
}

/// A PostgreSQL target that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct TargetError(String);

/// A database to connect to: the crate's settings plus what libpq adds (`sslmode`'s
/// verification, `sslrootcert`).
#[derive(Clone)]
pub struct Target {
    config: postgres::Config,
    ssl: SslMode,
    root_cert: Option<String>,
    shown: String,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({})", self.shown)
    }
}

/// Without the password: for logs and errors.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Settings the crate does not read, taken out of the target before it parses the rest.
#[derive(Default)]
struct Extra {
    sslmode: Option<String>,
    sslrootcert: Option<String>,
}

impl Extra {
    /// Takes `key=value` if it is one of ours; false if it is left for the crate.
    fn take(&mut self, key: &str, value: &str) -> Result<bool, TargetError> {
        match key {
            "sslmode" => self.sslmode = Some(value.to_string()),
            "sslrootcert" => self.sslrootcert = Some(value.to_string()),
            "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" => {
                return Err(TargetError(format!(
                    "{key} (client certificates) is not supported; use a password or trust \
                     authentication over sslmode=verify-full"
                )));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Target {
    /// Reads a URL, `key=value` pairs, or `postgres:`; fills in from the environment.
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        Target::parse_with(text, &|name| std::env::var(name).ok())
    }

    /// [`Target::parse`] with the environment given (for tests).
    pub fn parse_with(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Target, TargetError> {
        let text = text.trim();
        let mut extra = Extra::default();
        let rest = if text == "postgres:" || text == "postgresql:" {
            String::new()
        } else if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            strip_url(&url_ports(text, env("PGPORT").as_deref()), &mut extra)?
        } else {
            strip_conninfo(text, &mut extra)?
        };
        let mut config = if rest.is_empty() {
            postgres::Config::new()
        } else {
            postgres::Config::from_str(&rest)
                .map_err(|e| TargetError(format!("cannot read the PostgreSQL target: {e}")))?
        };
        apply_environment(&mut config, env)?;
        let ssl: SslMode = extra
            .sslmode
            .or_else(|| env("PGSSLMODE"))
            .as_deref()
            .unwrap_or("prefer")
            .parse()?;
        config.ssl_mode(match ssl {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        });
        let root_cert = extra.sslrootcert.or_else(|| env("PGSSLROOTCERT"));
        if config.get_password().is_none()
            && let Some(password) = pgpass_password(&config, env)
        {
            config.password(password);
        }
        let shown = shown(&config, ssl);
        Ok(Target {
            config,
            ssl,
            root_cert,
            shown,
        })
    }

    pub fn ssl_mode(&self) -> SslMode {
        self.ssl
    }

    /// The database name, as the server will use it (the user's name when none is given).
    pub fn dbname(&self) -> &str {
        self.config
            .get_dbname()
            .or(self.config.get_user())
            .unwrap_or("postgres")
    }

    /// The same server with another database (tests make one database each).
    pub fn with_dbname(&self, dbname: &str) -> Target {
        let mut t = self.clone();
        t.config.dbname(dbname);
        t.shown = shown(&t.config, t.ssl);
        t
    }

    /// One connection.
    pub fn connect(&self) -> Result<Client> {
        let tls = self.tls()?;
        self.config
            .connect(tls)
            .with_context(|| format!("cannot connect to {self}"))
    }

    /// The TLS set-up `sslmode` asks for.
    fn tls(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .context("cannot set up TLS")?;
        let roots = self.roots()?;
        let config = match (self.ssl, roots) {
            (SslMode::VerifyFull, Some(roots)) => builder.with_root_certificates(roots),
            (SslMode::VerifyCa | SslMode::Require, Some(roots)) => {
                let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .context("cannot set up TLS")?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AnyName(inner)))
            }
            (SslMode::VerifyCa | SslMode::VerifyFull, None) => anyhow::bail!(
                "sslmode={} needs the server's root certificate: set sslrootcert=FILE (or \
                 PGSSLROOTCERT), put it in ~/.postgresql/root.crt, or use sslrootcert=system",
                if self.ssl == SslMode::VerifyCa {
                    "verify-ca"
                } else {
                    "verify-full"
                }
            ),
            (_, _) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))),
        }
        .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }

    /// The root certificates to check the server's against: `sslrootcert` (a file, or
    /// `system`), else `~/.postgresql/root.crt` if it exists; none for `disable`/`prefer`.
    fn roots(&self) -> Result<Option<rustls::RootCertStore>> {
        if matches!(self.ssl, SslMode::Disable | SslMode::Prefer) {
            return Ok(None);
        }
        let path = match self.root_cert.as_deref() {
            Some("system") => return system_roots().map(Some),
            Some(path) => PathBuf::from(path),
            None => match home().map(|h| h.join(".postgresql/root.crt")) {
                Some(p) if p.exists() => p,
                _ => return Ok(None),
            },
        };
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(&path)
            .with_context(|| format!("cannot read sslrootcert {}", path.display()))?
        {
            let cert =
                cert.with_context(|| format!("cannot read sslrootcert {}", path.display()))?;
            roots
                .add(cert)
                .with_context(|| format!("a certificate in {} is not usable", path.display()))?;
        }
        if roots.is_empty() {
            anyhow::bail!("sslrootcert {} holds no certificate", path.display());
        }
        Ok(Some(roots))
    }
}

/// The system's root certificates (sslrootcert=system).
fn system_roots() -> Result<rustls::RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        anyhow::bail!("sslrootcert=system: no root certificates found on this system");
    }
    Ok(roots)
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// How the target is shown: `postgres://USER@HOST:PORT/DB` (no password), plus sslmode when
/// it is not the default.
fn shown(config: &postgres::Config, ssl: SslMode) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().unwrap_or(user);
    let mut s = format!("postgres://{user}@{}:{port}/{db}", hosts.join(","));
    if !matches!(ssl, SslMode::Prefer) {
        let mode = match ssl {
            SslMode::Disable => "disable",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            _ => "verify-full",
        };
        s.push_str(&format!("?sslmode={mode}"));
    }
    s
}

/// Fills what the target left out from the `PG*` variables and libpq's defaults.
fn apply_environment(
    config: &mut postgres::Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), TargetError> {
    if config.get_hosts().is_empty() {
        match env("PGHOST").filter(|h| !h.is_empty()) {
            Some(hosts) => {
                for host in hosts.split(',') {
                    add_host(config, host);
                }
            }
            None => {
                let dir = ["/var/run/postgresql", "/tmp"]
                    .into_iter()
                    .find(|d| Path::new(d).is_dir())
                    .unwrap_or("/tmp");
                config.host_path(dir);
            }
        }
    }
    if config.get_ports().is_empty()
        && let Some(port) = env("PGPORT")
    {
        for p in port.split(',') {
            let p = p
                .trim()
                .parse::<u16>()
                .map_err(|_| TargetError(format!("PGPORT={port} is not a port number")))?;
            config.port(p);
        }
    }
    if config.get_user().is_none() {
        match env("PGUSER").or_else(login_name) {
            Some(user) => config.user(&user),
            None => {
                return Err(TargetError(
                    "no PostgreSQL user: set user= or PGUSER".into(),
                ));
            }
        };
    }
    if config.get_dbname().is_none()
        && let Some(db) = env("PGDATABASE")
    {
        config.dbname(&db);
    }
    if config.get_password().is_none()
        && let Some(password) = env("PGPASSWORD")
    {
        config.password(password);
    }
    if config.get_options().is_none()
        && let Some(options) = env("PGOPTIONS")
    {
        config.options(&options);
    }
    if config.get_application_name().is_none() {
        config.application_name(&env("PGAPPNAME").unwrap_or_else(|| "zmqtool".into()));
    }
    if config.get_connect_timeout().is_none() {
        let timeout = match env("PGCONNECT_TIMEOUT") {
            Some(t) => Duration::from_secs(t.trim().parse::<u64>().map_err(|_| {
                TargetError(format!("PGCONNECT_TIMEOUT={t} is not a number of seconds"))
            })?),
            None => CONNECT_TIMEOUT,
        };
        config.connect_timeout(timeout);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(TCP_USER_TIMEOUT);
    }
    config.keepalives_idle(Duration::from_secs(30));
    Ok(())
}

fn add_host(config: &mut postgres::Config, host: &str) {
    if host.starts_with('/') {
        config.host_path(host);
    } else {
        config.host(host);
    }
}

/// The login name of the user running this process, as libpq takes by default.
fn login_name() -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .or_else(|| std::env::var("USER").ok())
}

/// The password for this target in the password file (`PGPASSFILE`, else `~/.pgpass`), as
/// libpq reads it: `host:port:database:user:password`, `*` matching anything, `\` escaping.
fn pgpass_password(
    config: &postgres::Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let path = env("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".pgpass")))?;
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match config.get_hosts().first()? {
        Host::Tcp(name) => name.clone(),
        // libpq matches a socket connection with "localhost".
        Host::Unix(_) => "localhost".into(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user()?.to_string();
    let db = config
        .get_dbname()
        .map(str::to_string)
        .unwrap_or(user.clone());
    pgpass_lookup(&text, [&host, &port, &db, &user])
}

fn pgpass_lookup(text: &str, wanted: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() != 5 {
            continue;
        }
        if fields[..4]
            .iter()
            .zip(wanted)
            .all(|(f, w)| f == "*" || f == w)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field").push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

/// Gives the URL's hosts that have no port the one from `PGPORT` (the crate would take 5432
/// for them, where libpq takes the environment's).
fn url_ports(url: &str, pgport: Option<&str>) -> String {
    let Some(pgport) = pgport.filter(|p| !p.is_empty()) else {
        return url.to_string();
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (user, hosts) = match authority.rfind('@') {
        Some(at) => authority.split_at(at + 1),
        None => ("", authority),
    };
    if hosts.is_empty() {
        return url.to_string();
    }
    let ports: Vec<&str> = pgport.split(',').collect();
    let hosts: Vec<String> = hosts
        .split(',')
        .enumerate()
        .map(|(i, host)| {
            let has_port = match host.rfind(']') {
                Some(close) => host[close..].contains(':'),
                None => host.contains(':'),
            };
            let port = ports.get(i).or(ports.first()).copied().unwrap_or("5432");
            if has_port || host.is_empty() {
                host.to_string()
            } else {
                format!("{host}:{}", port.trim())
            }
        })
        .collect();
    format!("{scheme}://{user}{}{tail}", hosts.join(","))
}

/// Takes libpq-only settings out of a URL's query; returns the URL the crate reads.
fn strip_url(url: &str, extra: &mut Extra) -> Result<String, TargetError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok(url.to_string());
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !extra.take(&percent_decode(key), &percent_decode(value))? {
            kept.push(pair);
        }
    }
    Ok(if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Takes libpq-only settings out of `key=value` pairs; returns the pairs the crate reads.
fn strip_conninfo(text: &str, extra: &mut Extra) -> Result<String, TargetError> {
    let mut kept = Vec::new();
    for (key, value) in conninfo_pairs(text)? {
        if !extra.take(&key, &value)? {
            let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
            kept.push(format!("{key}='{quoted}'"));
        }
    }
    Ok(kept.join(" "))
}

/// Splits libpq `key = value` pairs; a value may be single-quoted, `\` escapes a character.
fn conninfo_pairs(text: &str) -> Result<Vec<(String, String)>, TargetError> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    loop {
        skip_space(&mut chars);
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        skip_space(&mut chars);
        if chars.next() != Some('=') {
            return Err(TargetError(format!(
                "cannot read the PostgreSQL target: {key:?} has no \"=value\""
            )));
        }
        skip_space(&mut chars);
        let mut value = String::new();
        let quoted = chars.peek() == Some(&'\'');
        if quoted {
            chars.next();
        }
        loop {
            match chars.next() {
                None if quoted => {
                    return Err(TargetError(format!(
                        "cannot read the PostgreSQL target: the value of {key} has no closing quote"
                    )));
                }
                None => break,
                Some('\\') => value.extend(chars.next()),
                Some('\'') if quoted => break,
                Some(c) if c.is_whitespace() && !quoted => break,
                Some(c) => value.push(c),
            }
        }
        pairs.push((key, value));
    }
}

/// `sslmode=prefer`/`require` without a root certificate: encrypted, and like libpq, the
/// server's certificate is not checked.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must lead to a root given; the name is not checked.
#[derive(Debug)]
struct AnyName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Why no connection could be had.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the store {store} is unavailable: {why}")]
pub struct Unavailable {
    pub store: String,
    pub why: String,
}

/// One connection, made again after the server went away.
pub struct Conn {
    target: Target,
    client: Option<Client>,
    /// After a failed attempt: no new one before then, and why it failed.
    failed: Option<(Instant, String)>,
    /// Incremented at each new connection (statements prepared on an older one are gone).
    generation: u64,
}

impl Conn {
    /// Connects now (a target that cannot be reached at start is an error).
    pub fn open(target: Target) -> Result<Conn> {
        let client = target.connect()?;
        Ok(Conn {
            target,
            client: Some(client),
            failed: None,
            generation: 1,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Which connection [`Conn::client`] returns: a new number after each reconnection.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The connection, made again if it was lost (at most one attempt per [`RETRY`]).
    pub fn client(&mut self) -> Result<&mut Client, Unavailable> {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            log::warn!("lost the connection to {}; reconnecting", self.target);
            self.client = None;
        }
        if self.client.is_none() {
            if let Some((at, why)) = &self.failed
                && at.elapsed() < RETRY
            {
                return Err(self.unavailable(why.clone()));
            }
            match self.target.connect() {
                Ok(client) => {
                    self.failed = None;
                    log::warn!("connected to {} again", self.target);
                    self.generation += 1;
                    self.client = Some(client);
                }
                Err(e) => {
                    let why = format!("{:#}", e);
                    if self.failed.is_none() {
                        log::warn!("{why}");
                    }
                    self.failed = Some((Instant::now(), why.clone()));
                    return Err(self.unavailable(why));
                }
            }
        }
        Ok(self.client.as_mut().expect("connected just above"))
    }

    fn unavailable(&self, why: String) -> Unavailable {
        Unavailable {
            store: self.target.to_string(),
            why,
        }
    }

    /// After `error`: drops the connection if it is gone or in doubt, so that the next
    /// [`Conn::client`] makes a new one. A server error (a constraint, a cancelled query)
    /// leaves it.
    pub fn failed(&mut self, error: &postgres::Error) {
        let lost = error.is_closed()
            || error.as_db_error().is_none()
            || self.client.as_ref().is_some_and(Client::is_closed);
        if lost {
            log::warn!(
                "lost the connection to {}: {error}; reconnecting",
                self.target
            );
            self.client = None;
        }
    }
}

fn has_table(client: &mut impl postgres::GenericClient, table: &str) -> Result<bool> {
    Ok(client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])?
        .get(0))
}

/// The version row and legacy table, for [`Schema::plan`].
fn found(
    client: &mut impl postgres::GenericClient,
    schema: &Schema<'_>,
) -> Result<(Option<u32>, bool)> {
    let version = if has_table(client, VERSION_TABLE)? {
        client
            .query_opt(
                &format!("SELECT version FROM {VERSION_TABLE} WHERE component = $1"),
                &[&schema.component],
            )?
            .map(|row| row.get::<_, i32>(0).max(0) as u32)
    } else {
        None
    };
    let legacy = match schema.legacy_table {
        Some(table) => has_table(client, table)?,
        None => false,
    };
    Ok((version, legacy))
}

/// Creates or upgrades `schema`'s tables in one transaction, serialised between processes
/// that start together by an advisory lock; refuses a store it cannot use.
pub fn ensure_schema(client: &mut Client, store: &str, schema: &Schema<'_>) -> Result<()> {
    let mut tx = client.transaction()?;
    // The same number for every zmqtool: 0x7a6d71 ("zmq").
    tx.execute("SELECT pg_advisory_xact_lock(8023409)", &[])?;
    let (version, legacy) = found(&mut tx, schema)?;
    let plan = schema.plan(store, version, legacy)?;
    if plan == Plan::Current {
        return Ok(());
    }
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (
             component TEXT PRIMARY KEY,
             version   INTEGER NOT NULL
         );"
    ))?;
    for step in schema.steps(plan) {
        tx.batch_execute(step).with_context(|| {
            format!("cannot prepare the {} tables in {store}", schema.component)
        })?;
    }
    tx.execute(
        &format!(
            "INSERT INTO {VERSION_TABLE} (component, version) VALUES ($1, $2)
             ON CONFLICT (component) DO UPDATE SET version = excluded.version"
        ),
        &[&schema.component, &(schema.version as i32)],
    )?;
    tx.commit()?;
    if let Plan::Upgrade(from) = plan {
        log::warn!(
            "upgraded the {} tables in {store} from version {from} to {}",
            schema.component,
            schema.version
        );
    }
    Ok(())
}

/// For readers: the store must hold `schema` at this zmqtool's version.
pub fn check_schema(client: &mut Client, store: &str, schema: &Schema<'_>) -> Result<()> {
    let (version, legacy) = found(client, schema)?;
    Ok(schema.check_readable(store, version, legacy)?)
}

/// Keeps a connection of its own that LISTENs on `channel`, and calls `wake` for each
/// notification, and once after each (re)connection (what was notified while it was not
/// listening is not lost to the caller). Ends when `stop` is requested.
pub fn listen(
    target: Target,
    channel: &'static str,
    stop: Shutdown,
    mut wake: impl FnMut() + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reported = false;
        while !stop.requested() {
            let mut client = match listening(&target, channel) {
                Ok(c) => c,
                Err(e) => {
                    if !reported {
                        log::warn!("cannot listen for new requests: {e:#}; retrying");
                        reported = true;
                    }
                    stop.sleep(Duration::from_secs(1));
                    continue;
                }
            };
            if reported {
                log::warn!("listening for new requests on {target} again");
                reported = false;
            }
            wake();
            while !stop.requested() {
                let (woke, failed) = wait_notification(&mut client);
                if woke {
                    wake();
                }
                if failed || client.is_closed() {
                    break;
                }
            }
        }
    })
}

fn listening(target: &Target, channel: &str) -> Result<Client> {
    let mut client = target.connect()?;
    client
        .batch_execute(&format!("LISTEN {channel}"))
        .with_context(|| format!("cannot LISTEN on {target}"))?;
    Ok(client)
}

/// Waits up to half a second for notifications; takes all that came. (notified, failed)
fn wait_notification(client: &mut Client) -> (bool, bool) {
    let mut notifications = client.notifications();
    match notifications
        .timeout_iter(Duration::from_millis(500))
        .next()
    {
        Ok(Some(_)) => {}
        Err(_) => return (false, true),
        Ok(None) => return (false, false),
    }
    let mut rest = notifications.iter();
    loop {
        match rest.next() {
            Ok(Some(_)) => {}
            Err(_) => return (true, true),
            Ok(None) => return (true, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn urls_and_conninfo_read_like_libpq() {
        let t = Target::parse_with(
            "postgresql://alice:pw@db.example:5433/jobs?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
            &env(&[]),
        )
        .unwrap();
        assert_eq!(t.ssl, SslMode::VerifyFull);
        assert_eq!(t.root_cert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(t.dbname(), "jobs");
        assert_eq!(
            t.to_string(),
            "postgres://alice@db.example:5433/jobs?sslmode=verify-full"
        );
        let t = Target::parse_with(
            "host=db.example port=6000 dbname = 'my db' user=bob password='it''s' sslmode=require",
            &env(&[]),
        );
        assert!(t.is_err(), "'' is not an escape in libpq");
        let t = Target::parse_with(
            r"host=db.example port=6000 dbname = 'my db' user=bob password='it\'s' sslmode=require",
            &env(&[]),
        )
        .unwrap();
        assert_eq!(t.dbname(), "my db");
        assert_eq!(t.config.get_password(), Some(&b"it's"[..]));
        assert_eq!(t.ssl, SslMode::Require);
        assert!(
            Target::parse_with("host=x sslmode=sometimes", &env(&[]))
                .unwrap_err()
                .to_string()
                .contains("sslmode=sometimes")
        );
        assert!(
            Target::parse_with("host=x sslcert=/c.pem", &env(&[]))
                .unwrap_err()
                .to_string()
                .contains("not supported")
        );
    }

    #[test]
    fn the_environment_fills_what_the_target_leaves_out() {
        let vars = env(&[
            ("PGHOST", "/run/pg"),
            ("PGPORT", "5999"),
            ("PGUSER", "carol"),
            ("PGDATABASE", "titanic"),
            ("PGSSLMODE", "disable"),
        ]);
        let t = Target::parse_with("postgres:", &vars).unwrap();
        assert_eq!(
            t.to_string(),
            "postgres://carol@/run/pg:5999/titanic?sslmode=disable"
        );
        let t = Target::parse_with("postgres://dave@db.example/other", &vars).unwrap();
        assert_eq!(
            t.to_string(),
            "postgres://dave@db.example:5999/other?sslmode=disable",
            "the target wins over the environment"
        );
    }

    #[test]
    fn passwords_come_from_the_password_file() {
        let text = "# comment\nother:*:*:*:no\ndb.example:5432:*:alice:pa\\:ss\n*:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(text, ["db.example", "5432", "jobs", "alice"]).as_deref(),
            Some("pa:ss")
        );
        assert_eq!(
            pgpass_lookup(text, ["elsewhere", "5432", "jobs", "alice"]).as_deref(),
            Some("fallback")
        );
    }

    #[test]
    fn what_counts_as_postgres() {
        assert!(is_postgres("postgres://h/db"));
        assert!(is_postgres("postgresql://h/db"));
        assert!(is_postgres("postgres:"));
        assert!(is_postgres("host=h dbname=d"));
        assert!(is_postgres("dbname = d"));
        assert!(!is_postgres("titanic.db"));
        assert!(!is_postgres("/var/lib/x=y.db"));
        assert!(!is_postgres("memory:"));
    }
}
