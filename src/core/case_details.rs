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
        ConceptInfo { text: text.into(), idf: if known { 2.0 } else { 0.0 }, known, corrected: None, synonym: false, max_score: 1.0 }
    }

    #[test]
    fn unknown_towns_names_and_numbers_are_details() {
        for text in ["Montreuil", "Aubervilliers", "34", "4200"] {
            assert!(is_case_detail(&concept(text, false)), "{text}");
        }
    }

    #[test]
    fn the_question_itself_is_not() {
        for (text, known) in [("banque", true), ("Nantes", true), ("5", true), ("AAH", false), ("MDPH", false), ("surendettement", false), ("a", false)] {
            assert!(!is_case_detail(&concept(text, known)), "{text}");
        }
    }
}
