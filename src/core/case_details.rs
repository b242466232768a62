//! Words that describe the case rather than the question: a town, a name, an age, an amount.
//! Field questions are full of them ("réfugié de 34 ans, à Montreuil…"); they still search,
//! but an article that does not mention them has not missed the point, so the decision leaves
//! them out of its coverage. Only words the knowledge never mentions qualify: a number or a
//! word the articles use ("5 ans", "Nantes") stays part of the question.

use crate::search::ConceptInfo;

/// Whether a concept of the question is a detail of the case, to leave out of the coverage.
pub fn is_case_detail(concept: &ConceptInfo) -> bool {
    let text = concept.text.trim();
    !concept.known && (text.chars().all(|c| c.is_ascii_digit()) || is_proper_noun(text))
}

/// Whether the `i`-th concept of a question is an age (a number followed by « an(s) ») or a
/// year (1900–2099): how old the person is and since when, which the question's answer seldom
/// depends on. The decision leaves one out of the coverage when the first hit does not mention
/// it (« il a 23 ans, droit au RSA ? » is answered by an article that says « 25 ans »).
pub fn is_age_or_year(concepts: &[ConceptInfo], i: usize) -> bool {
    let Some(text) = concepts.get(i).map(|c| c.text.trim()) else { return false };
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let year = text.len() == 4 && (text.starts_with("19") || text.starts_with("20"));
    let age = concepts.get(i + 1).is_some_and(|next| matches!(next.text.trim().to_lowercase().as_str(), "an" | "ans"));
    year || age
}

/// Whether the `i`-th concept is a nationality (« réfugié afghan », « une Érythréenne »): who the
/// person is, which the answer seldom depends on. Like an age, the decision leaves one out of the
/// coverage when the first hit does not mention it.
pub fn is_nationality(concepts: &[ConceptInfo], i: usize) -> bool {
    concepts.get(i).is_some_and(|c| !c.text.contains(char::is_whitespace) && crate::lexicon::is_nationality(c.text.trim()))
}

/// Capitalised and then lower case ("Montreuil"), unlike an acronym ("AAH") that may name a
/// scheme the knowledge does not cover.
fn is_proper_noun(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.clone().next().is_some() && chars.all(|c| !c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concept(text: &str, known: bool) -> ConceptInfo {
        ConceptInfo { text: text.into(), idf: if known { 2.0 } else { 0.0 }, known, corrected: None, synonym: false, max_score: 1.0, complement: false, forms: Vec::new() }
    }

    #[test]
    fn unknown_towns_names_and_numbers_are_details() {
        for text in ["Montreuil", "Aubervilliers", "34", "4200"] {
            assert!(is_case_detail(&concept(text, false)), "{text}");
        }
    }

    #[test]
    fn ages_and_years_are_told_from_other_numbers() {
        let words = |text: &str| text.split(' ').map(|w| concept(w, true)).collect::<Vec<_>>();
        let q = words("refugie 23 ans depuis 2021 carte 10 mois 1500 euros");
        let flagged: Vec<&str> = (0..q.len()).filter(|&i| is_age_or_year(&q, i)).map(|i| q[i].text.as_str()).collect();
        assert_eq!(flagged, ["23", "2021"]);
        assert!(!is_age_or_year(&q, q.len()), "out of range is no age");
    }

    #[test]
    fn nationalities_in_any_form_are_told_from_other_words() {
        let q: Vec<ConceptInfo> =
            ["afghan", "Érythréennes", "turque", "soudanaise", "kurdes", "refugie", "carte", "permis", "France"].iter().map(|w| concept(w, true)).collect();
        let flagged: Vec<&str> = (0..q.len()).filter(|&i| is_nationality(&q, i)).map(|i| q[i].text.as_str()).collect();
        assert_eq!(flagged, ["afghan", "Érythréennes", "turque", "soudanaise", "kurdes"]);
    }

    #[test]
    fn the_question_itself_is_not() {
        for (text, known) in [("banque", true), ("Nantes", true), ("5", true), ("AAH", false), ("MDPH", false), ("surendettement", false), ("a", false)] {
            assert!(!is_case_detail(&concept(text, known)), "{text}");
        }
    }
}
