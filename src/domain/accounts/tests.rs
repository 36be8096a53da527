use super::Passwords;
use super::passwords::NO_ACCOUNT_HASH;
use super::registration::normalize_email;
use argon2::password_hash::PasswordHash;

#[test]
fn emails_are_trimmed_lower_cased_and_plausible() {
    assert_eq!(
        normalize_email("  Amina@Example.ORG "),
        Some("amina@example.org".to_string())
    );
    for bad in [
        "",
        "amina",
        "@example.org",
        "amina@example",
        "a b@example.org",
        "a@.org",
    ] {
        assert_eq!(normalize_email(bad), None, "{bad}");
    }
}

#[tokio::test]
async fn passwords_hash_with_argon2id_and_verify() {
    let passwords = Passwords::default();
    assert!(
        PasswordHash::new(NO_ACCOUNT_HASH).is_ok(),
        "a well-formed hash"
    );
    let hash = passwords.hash("correct horse battery").await.expect("hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(
        passwords
            .verify("correct horse battery", &hash)
            .await
            .expect("verify")
    );
    assert!(
        !passwords
            .verify("wrong horse battery", &hash)
            .await
            .expect("verify")
    );
    assert!(
        !passwords
            .verify("anything", NO_ACCOUNT_HASH)
            .await
            .expect("verify")
    );
}
