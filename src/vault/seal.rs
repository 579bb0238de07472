//! Encrypting a wrapping token to the agent's age X25519 recipient, so the
//! proposal's status never holds it in clear.

use super::VaultError;
use std::str::FromStr;

/// Encrypts `secret` to `recipient` (`age1...`), ASCII-armoured
/// (`-----BEGIN AGE ENCRYPTED FILE-----`), as `age -r RECIPIENT -a` would.
pub fn encrypt_to_recipient(recipient: &str, secret: &str) -> Result<String, VaultError> {
    let parsed = age::x25519::Recipient::from_str(recipient.trim()).map_err(|e| {
        VaultError::BadRecipient {
            recipient: recipient.to_string(),
            reason: e.to_string(),
        }
    })?;
    age::encrypt_and_armor(&parsed, secret.as_bytes()).map_err(|e| VaultError::Age {
        doing: "encryption",
        reason: e.to_string(),
    })
}

/// Decrypts armoured (or binary) age text with `identity` (`AGE-SECRET-KEY-1...`),
/// as the agent does.
pub fn decrypt_with_identity(identity: &str, armoured: &str) -> Result<String, VaultError> {
    let failed = |reason: String| VaultError::Age {
        doing: "decryption",
        reason,
    };
    let parsed =
        age::x25519::Identity::from_str(identity.trim()).map_err(|e| failed(e.to_string()))?;
    let plain = age::decrypt(&parsed, armoured.as_bytes()).map_err(|e| failed(e.to_string()))?;
    String::from_utf8(plain).map_err(|e| failed(e.to_string()))
}

/// A fresh age X25519 key pair: (identity `AGE-SECRET-KEY-1...`, recipient `age1...`).
pub fn generate_key_pair() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    (identity.to_string().expose_secret().to_string(), recipient)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_encrypted_to_a_recipient_decrypts_with_its_identity_only() {
        let (identity, recipient) = generate_key_pair();
        let (other, _) = generate_key_pair();
        let sealed = encrypt_to_recipient(&recipient, "hvs.wrapping").expect("encrypt");
        assert!(
            sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
            "{sealed}"
        );
        assert!(!sealed.contains("hvs.wrapping"));
        assert_eq!(
            decrypt_with_identity(&identity, &sealed).expect("decrypt"),
            "hvs.wrapping"
        );
        assert!(decrypt_with_identity(&other, &sealed).is_err());
    }

    #[test]
    fn a_bad_recipient_is_named_in_the_error() {
        let err = encrypt_to_recipient("ssh-ed25519 AAAA", "t").expect_err("refused");
        assert!(
            err.to_string().contains("not an age X25519 recipient"),
            "{err}"
        );
    }
}
