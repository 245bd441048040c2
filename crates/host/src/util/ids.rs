//! Random identifiers and hex text, one way for every id the host makes.

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `{prefix}_{hex of len random bytes}`, such as `acc_0f3a…`.
pub fn random_id(prefix: &str, len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the system random source works");
    format!("{prefix}_{}", hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_random_hex() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        let (a, b) = (random_id("acc", 10), random_id("acc", 10));
        assert!(a.starts_with("acc_") && a.len() == 24 && a != b);
    }
}
