use std::io::Write;

use anyhow::Result;

use super::render;
use crate::cli::KeygenArgs;
use crate::runtime::Exit;
use crate::transport::CurveKeys;

pub fn run(args: KeygenArgs, json: bool) -> Result<Exit> {
    let keys = CurveKeys::generate()?;
    let mut out = std::io::stdout().lock();
    if let Some(path) = &args.out {
        let (public, secret) = crate::cert::write_pair(path, &keys)?;
        log::warn!(
            "wrote {} (public) and {} (secret, mode 0600)",
            public.display(),
            secret.display()
        );
    }
    if json {
        let (public, secret) = (keys.public.to_z85(), keys.secret.to_z85());
        // With --out the secret stays in its file.
        let secret = args.out.is_none().then_some(secret.as_str());
        render::json_line(
            &mut out,
            &render::Keypair {
                public: &public,
                secret,
            },
        )?;
    } else {
        writeln!(out, "public-key = \"{}\"", keys.public.to_z85())?;
        if args.out.is_none() {
            writeln!(out, "secret-key = \"{}\"", keys.secret.to_z85())?;
        }
    }
    Ok(Exit::Success)
}
