//! Unit tests of the redaction rules; the large table is `tests/redaction_table.rs`.

use super::*;

#[test]
fn removes_personal_data() {
    let cases: &[(&str, PiiKind, &str)] = &[
        ("appelez le 06 12 34 56 78 svp", PiiKind::Phone, "appelez le [téléphone] svp"),
        ("tel 06.12.34.56.78", PiiKind::Phone, "tel [téléphone]"),
        ("tel 0612345678.", PiiKind::Phone, "tel [téléphone]."),
        ("joignable au +33 6 12 34 56 78", PiiKind::Phone, "joignable au [téléphone]"),
        ("joignable au +33612345678", PiiKind::Phone, "joignable au [téléphone]"),
        ("ou +33 (0)1 45 67 89 10", PiiKind::Phone, "ou [téléphone]"),
        ("ou 0033 1 45 67 89 10", PiiKind::Phone, "ou [téléphone]"),
        ("fixe 01-45-67-89-10", PiiKind::Phone, "fixe [téléphone]"),
        ("écrire à jean.dupont@gmail.com merci", PiiKind::Email, "écrire à [courriel] merci"),
        ("NIR 1 85 05 78 006 084 36", PiiKind::SocialSecurity, "NIR [n° de sécurité sociale]"),
        ("sécu 185057800608436", PiiKind::SocialSecurity, "sécu [n° de sécurité sociale]"),
        ("NIA 7 99 12 99 123 456 12", PiiKind::SocialSecurity, "NIA [n° de sécurité sociale]"),
        ("corse 2 85 05 2A 006 084", PiiKind::SocialSecurity, "corse [n° de sécurité sociale]"),
        ("son n° étranger 7512345678", PiiKind::ForeignerNumber, "son n° étranger [n° étranger]"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", PiiKind::Iban, "IBAN [IBAN]"),
        ("iban fr7630006000011234567890189", PiiKind::Iban, "iban [IBAN]"),
        ("M. Diallo a reçu", PiiKind::Name, "M. [nom] a reçu"),
        ("pour M. D., son API", PiiKind::Name, "pour M. [nom], son API"),
        ("Mme Fatoumata Diallo Keita est", PiiKind::Name, "Mme [nom] est"),
        ("Madame Nguyen", PiiKind::Name, "Madame [nom]"),
        ("Monsieur AHMADI demande", PiiKind::Name, "Monsieur [nom] demande"),
        ("Mlle Öztürk", PiiKind::Name, "Mlle [nom]"),
        ("la famille B. réclame", PiiKind::Name, "la famille [nom] réclame"),
        ("Mme N'Diaye", PiiKind::Name, "Mme [nom]"),
    ];
    for (input, kind, expected) in cases {
        let r = redact(input);
        assert_eq!(r.text, *expected, "input: {input}");
        assert_eq!(r.removed.first().map(|(k, _)| *k), Some(*kind), "input: {input}");
    }
}

#[test]
fn keeps_what_is_not_personal() {
    let keep = [
        "RSA 646,52 € par mois depuis le 1er avril 2025",
        "une dette de 4 200 € en 2023",
        "CESEDA L.262-4 et R.431-15-3, article L. 424-1",
        "rendez-vous le 12/03/2024 ou le 2024-03-12",
        "CAF de Seine-Saint-Denis, 93000 Bobigny ; préfecture 75014 Paris",
        "décret n° 2024-361 du 19 avril 2024",
        "plafond 1 710 € net, loyer 650 €",
        "né en 1987, arrivé en 2019, 3 enfants de 4, 7 et 12 ans",
        "M. le préfet et Mme la directrice du CPH",
        "la famille monoparentale, une famille de 5 personnes",
        "appeler le 115 ou le 3919",
        "Monsieur le Maire a refusé",
        "numéro fiscal à 13 chiffres sur l'avis",
        "délai de 30 jours, 2 mois, 9 mois et 3 mois",
    ];
    for text in keep {
        let r = redact(text);
        assert_eq!(r.text, text, "must survive: {text}");
        assert!(!r.changed());
    }
}

#[test]
fn tells_what_was_removed_in_french() {
    let r = redact("M. Diallo, 06 12 34 56 78, et Mme Sow");
    assert_eq!(r.removed, vec![(PiiKind::Name, 2), (PiiKind::Phone, 1)]);
    assert_eq!(
        r.notice().unwrap(),
        "Pour protéger les personnes accompagnées, nous avons retiré de votre message : 2 noms de personnes et un numéro de téléphone."
    );
    assert_eq!(r.searchable().split_whitespace().collect::<Vec<_>>(), ["M.", ",", ",", "et", "Mme"]);
    assert!(redact("rien").notice().is_none());
}

#[test]
fn is_idempotent() {
    let once = redact("Mme Sow 06 12 34 56 78 a@b.fr");
    assert_eq!(redact(&once.text).text, once.text);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Ordinary lower-case French words, digits-free: redaction must leave such text alone.
    const WORDS: &[&str] = &[
        "le", "la", "réfugié", "demande", "titre", "séjour", "caf", "rsa", "préfecture", "logement", "famille",
        "enfants", "droit", "ans", "rendez-vous", "dossier", "numéro", "avec", "sans", "pour", "est", "a", "il",
        "elle", "madame", "monsieur", "les", "mois", "après", "avant", "recours", "refus", "visa", "et", "ou",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn never_panics_and_is_idempotent(text in "\\PC{0,200}") {
            let once = redact(&text);
            prop_assert_eq!(redact(&once.text).text, once.text);
        }

        #[test]
        fn numbers_and_names_mixed_are_idempotent(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[0-9]{1,12}", "\\+[0-9]{2,3} [0-9 ]{6,14}", "M\\.? ?[A-Z][a-z]{2,8}", "[a-z]{1,8}",
                    "[ .\\-/]", "[a-z]{3,6}@[a-z]{3,6}\\.fr", "Mme [a-z]{3,8}",
                ],
                0..12,
            )
        ) {
            let text = parts.concat();
            let once = redact(&text);
            prop_assert_eq!(redact(&once.text).text, once.text);
        }

        /// Text with no digit, no `@` and no title is never touched (the words here are ordinary
        /// lower-case French words; « madame » and « monsieur » followed by one of them name no one).
        #[test]
        fn leaves_plain_words_alone(words in proptest::collection::vec(proptest::sample::select(WORDS), 0..30)) {
            let text = words.join(" ");
            prop_assert_eq!(redact(&text).text, text);
        }
    }
}

#[test]
fn configured_public_numbers_are_kept() {
    let text = "standard de la préfecture : 01 45 67 89 10, portable de la dame : 06 12 34 56 78";
    let redactor = Redactor::new(&["+33 1 45 67 89 10"]).expect("valid number");
    assert_eq!(
        redactor.redact(text).text,
        "standard de la préfecture : 01 45 67 89 10, portable de la dame : [téléphone]"
    );
    assert_eq!(redact(text).removed, vec![(PiiKind::Phone, 2)]);
    let err = Redactor::new(&["12"]).expect_err("not a phone number");
    assert!(err.contains("« 12 »"), "{err}");
}

#[test]
fn the_issue_examples() {
    for (input, expected) in [
        ("Tél. 06\u{a0}12\u{a0}34\u{a0}56\u{a0}78", "Tél. [téléphone]"),
        ("Tél. 06\u{202f}12\u{202f}34\u{202f}56\u{202f}78", "Tél. [téléphone]"),
        ("06/12/34/56/78", "[téléphone]"),
        ("sa femme au +224 621 23 45 67", "sa femme au [téléphone]"),
        ("son frère au +93 70 123 4567", "son frère au [téléphone]"),
        ("née le 12/03/1990 à Conakry", "née le [date de naissance] à Conakry"),
        ("né le 3 mars 1987", "né le [date de naissance]"),
        ("DDN 01/01/1985", "DDN [date de naissance]"),
        ("passeport n° 18AB12345", "passeport n° [numéro]"),
        ("numéro allocataire CAF 1234567", "numéro allocataire CAF [numéro]"),
        ("AGDREF 75 0234 5678", "AGDREF [n° étranger]"),
        ("rendez-vous le 05.03.2024 14:30", "rendez-vous le 05.03.2024 14:30"),
        ("appeler le 115, le 3919 ou le 39 49", "appeler le 115, le 3919 ou le 39 49"),
        ("Madame La Préfète a signé", "Madame La Préfète a signé"),
    ] {
        assert_eq!(redact(input).text, expected, "input: {input}");
    }
}
