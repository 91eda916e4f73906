//! CURVE keypairs (CurveZMQ, RFC 26), made by libzmq; the key type is [`Key`].

use super::error::TransportError;
pub use crate::auth::Key;

/// A keypair: a certificate's two keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurveKeys {
    pub public: Key,
    pub secret: Key,
}

impl CurveKeys {
    /// A new random keypair.
    pub fn generate() -> Result<CurveKeys, TransportError> {
        require()?;
        let pair =
            zmq::CurveKeyPair::new().map_err(|e| TransportError::option("make CURVE keys", e))?;
        Ok(CurveKeys {
            public: Key(pair.public_key),
            secret: Key(pair.secret_key),
        })
    }
}

/// True when this build's libzmq has CURVE (libsodium linked in).
pub fn has_curve() -> bool {
    zmq::has("curve").unwrap_or(false)
}

/// Fails unless this build's libzmq has CURVE.
pub fn require() -> Result<(), TransportError> {
    if has_curve() {
        Ok(())
    } else {
        Err(TransportError::NoCurve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_build_has_curve_and_makes_distinct_keys() {
        let (a, b) = (
            CurveKeys::generate().unwrap(),
            CurveKeys::generate().unwrap(),
        );
        assert_ne!(a.public, b.public);
        assert_ne!(a.public, a.secret);
    }
}
