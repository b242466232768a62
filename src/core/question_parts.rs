//! The questions of one message. Staff often ask two things at once (« comment déposer la
//! demande HLM, et est-ce que Visale peut servir de caution ? »): no entry answers both, so the
//! whole message escalates for lack of margin between the two. Split into its questions, each
//! can be searched alone, and the bot answers when every one of them is answered with
//! confidence (see [`super::Bot::reply`]).
//!
//! A message splits at each sentence that asks (ends with « ? »), and inside such a sentence at
//! « , et », « et », « ; » or « , » when what follows starts a new question: an interrogative
//! word (« combien », « est-ce que », « peut-il »…) or a subject and a modal verb (« il peut »,
//! « elle doit »). The sentences that only tell the situation are left out.
//!
//! A case message often asks in a short sentence whose subject is in the sentence before it
//! (« Sa conseillère pense qu'il faut cinq ans de titre pour la prime d'activité. A-t-elle
//! raison ? »): [`asking_with_lead_in`] gives that pair as one more reading of the message.

/// A part holds at least this many words, so that a stray « et » does not cut a question.
const MIN_WORDS: usize = 3;
/// At most this many parts are searched.
const MAX_PARTS: usize = 3;

/// Words that open a question.
const INTERROGATIVES: &[&str] = &[
    "est-ce", "combien", "quel", "quelle", "quels", "quelles", "quand", "comment", "où", "qui", "pourquoi", "faut-il",
    "peut-il", "peut-elle", "peut-on", "peuvent-ils", "peuvent-elles", "doit-il", "doit-elle", "doit-on", "a-t-il",
    "a-t-elle", "a-t-on", "y", "jusqu'à", "jusqu'a", "jusqu", "lequel", "laquelle",
];
/// Subjects that, followed by a modal verb, open a question in chat (« il peut … ? »).
const SUBJECTS: &[&str] = &["il", "elle", "on", "ils", "elles"];
/// Modal verbs: « il peut », « elle doit », « il faut » (and « avoir droit »: « il a droit »).
const MODALS: &[&str] = &["peut", "peuvent", "doit", "doivent", "faut", "pourra", "pourront", "devra", "devront"];
/// Words that link two questions and are skipped before looking for the opening word.
const LINKS: &[&str] = &["et", "mais", "aussi", "puis", "d'ailleurs", "sinon", "alors"];

/// The questions of a message, in order: two or more (at most [`MAX_PARTS`]) when it asks
/// several things, else empty.
pub fn question_parts(text: &str) -> Vec<String> {
    let parts: Vec<String> = asking_sentences(text)
        .iter()
        .flat_map(|s| split_sentence(s))
        .filter(|part| count_words(&part.split_whitespace().collect::<Vec<_>>()) >= MIN_WORDS)
        .take(MAX_PARTS)
        .collect();
    if parts.len() >= 2 { parts } else { Vec::new() }
}

/// The sentences of `text` (as [`sentences`] cuts them) that ask (end with « ? »), in order,
/// trimmed. Also what [`super::learning::asking_sentences`] chooses from.
pub(super) fn asking_sentences(text: &str) -> Vec<&str> {
    sentences(text).into_iter().filter(|s| s.ends_with('?')).collect()
}

/// The sentences of `text`, in order, trimmed, empty ones left out: they end at « ! », « ? », a
/// line break, or a full stop that [`ends_a_sentence`]; text after the last end is left out.
fn sentences(text: &str) -> Vec<&str> {
    let mut sentences = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let end = match c {
            '!' | '?' | '\n' => true,
            '.' => ends_a_sentence(&text[start..i], &text[i + 1..]),
            _ => false,
        };
        if end {
            let sentence = text[start..i + c.len_utf8()].trim();
            if !sentence.is_empty() {
                sentences.push(sentence);
            }
            start = i + c.len_utf8();
        }
    }
    sentences
}

/// Whether a full stop between `before` and `after` ends a sentence: not inside a number or a
/// dotted acronym (« 1.050 », « R.S.A. »), nor after a title or an initial (« M. Diallo »,
/// « Mme L. »).
fn ends_a_sentence(before: &str, after: &str) -> bool {
    const TITLES: [&str; 8] = ["M", "MM", "Mme", "Mmes", "Mlle", "Dr", "Pr", "Me"];
    let word = before.rsplit(char::is_whitespace).next().unwrap_or_default();
    let initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    after.chars().next().is_none_or(char::is_whitespace) && !TITLES.contains(&word) && !initial && !word.contains('.')
}

/// Each sentence of `text` that asks, preceded by the sentence just before it when that one
/// only tells (« On m'a dit que le RSA c'est à partir de 25 ans. A-t-elle une chance de
/// l'obtenir ? »): a short asking sentence often names its subject only there. Last first;
/// asking sentences with no telling sentence before them are left out.
pub(super) fn asking_with_lead_in(text: &str) -> Vec<String> {
    let mut readings: Vec<String> = sentences(text)
        .windows(2)
        .filter(|pair| pair[1].ends_with('?') && !pair[0].ends_with('?'))
        .filter(|pair| count_words(&pair[0].split_whitespace().collect::<Vec<_>>()) >= MIN_WORDS)
        .map(|pair| format!("{} {}", pair[0], pair[1]))
        .collect();
    readings.reverse();
    readings
}

/// One sentence cut where a new question starts.
fn split_sentence(sentence: &str) -> Vec<String> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..words.len() {
        let previous = words[i - 1];
        let cut_after_previous = previous.ends_with(',') || previous.ends_with(';');
        let link = is_link(words[i]);
        if !(cut_after_previous || link) || !opens_question(&words[i..]) {
            continue;
        }
        if count_words(&words[start..i]) >= MIN_WORDS && count_words(&words[i..]) >= MIN_WORDS && asks(&words[start..i]) {
            parts.push(tidy(&words[start..i]));
            start = i;
        }
    }
    parts.push(tidy(&words[start..]));
    parts
}

fn lower(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-').to_lowercase().replace('’', "'")
}

fn is_link(word: &str) -> bool {
    LINKS.contains(&lower(word).as_str())
}

/// Whether `words` (after any linking words) start a question.
fn opens_question(words: &[&str]) -> bool {
    let mut rest = words.iter().map(|w| lower(w)).skip_while(|w| LINKS.contains(&w.as_str()));
    let Some(first) = rest.next() else { return false };
    // « est-ce qu'il », « qu'est-ce »: the part before an apostrophe is enough.
    let head = first.split('\'').next().unwrap_or_default().to_string();
    if INTERROGATIVES.contains(&first.as_str()) || INTERROGATIVES.contains(&head.as_str()) || first.starts_with("qu'est-ce") {
        return true;
    }
    if !SUBJECTS.contains(&first.as_str()) {
        return false;
    }
    match rest.next().as_deref() {
        Some(verb) if MODALS.contains(&verb) => true,
        Some("a" | "ont" | "aura" | "auront") => rest.next().as_deref() == Some("droit"),
        _ => false,
    }
}

/// Whether a question opens anywhere in `words` (a situation alone does not ask).
fn asks(words: &[&str]) -> bool {
    (0..words.len()).any(|j| !is_link(words[j]) && opens_question(&words[j..]))
}

fn count_words(words: &[&str]) -> usize {
    words.iter().filter(|w| w.chars().any(char::is_alphanumeric) && !is_link(w)).count()
}

/// The part as shown to the asker: single spaces, no linking word first (« et est-ce que… »
/// reads « Est-ce que… »), no separator at either end.
fn tidy(words: &[&str]) -> String {
    let start = words.iter().position(|w| !is_link(w)).unwrap_or(words.len());
    let text = words[start..].join(" ");
    let mut chars = text.chars();
    let text = match (start, chars.next()) {
        (1.., Some(first)) => first.to_uppercase().chain(chars).collect(),
        _ => text,
    };
    let text = text.trim_start_matches(|c: char| c == ',' || c == ';' || c.is_whitespace());
    let text = text.trim_end_matches(|c: char| c == ',' || c == ';' || c.is_whitespace());
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_does_not_end_at_a_title_an_initial_a_number_or_a_dotted_acronym() {
        assert_eq!(
            sentences("Bonjour, M. Diallo et Mme L. ont 1.050 € par mois. Le R.S.A. est-il possible ? Merci."),
            ["Bonjour, M. Diallo et Mme L. ont 1.050 € par mois.", "Le R.S.A. est-il possible ?", "Merci."]
        );
    }

    #[test]
    fn a_short_asking_sentence_is_also_read_with_the_telling_sentence_before_it() {
        assert_eq!(
            asking_with_lead_in("Bonjour, elle travaille à mi-temps. On lui dit qu'il faut cinq ans de séjour pour la prime d'activité. Est-ce vrai ? Merci"),
            ["On lui dit qu'il faut cinq ans de séjour pour la prime d'activité. Est-ce vrai ?"]
        );
        // The last first; an asking sentence after another, or first in the message, has none.
        assert_eq!(
            asking_with_lead_in("Il a son récépissé. Peut-il travailler ? Et s'inscrire à France Travail ? Il attend sa carte. Combien de temps ?"),
            ["Il attend sa carte. Combien de temps ?", "Il a son récépissé. Peut-il travailler ?"]
        );
        assert!(asking_with_lead_in("Peut-il travailler avec son récépissé ?").is_empty());
        assert!(asking_with_lead_in("Ok. Peut-il travailler avec son récépissé ?").is_empty());
    }

    #[test]
    fn two_questions_in_one_sentence_are_split() {
        assert_eq!(
            question_parts("Pour son appartement : comment déposer la demande HLM, et est-ce que Visale peut servir de caution ?"),
            ["Pour son appartement : comment déposer la demande HLM", "Est-ce que Visale peut servir de caution ?"]
        );
        assert_eq!(
            question_parts("slt il bosse a mi temps : il a droit a la prime d activite ? et il doit declarer ses revenus ?"),
            ["slt il bosse a mi temps : il a droit a la prime d activite ?", "Il doit declarer ses revenus ?"]
        );
    }

    #[test]
    fn two_asking_sentences_are_two_questions_and_the_situation_is_left_out() {
        assert_eq!(
            question_parts("Bonjour, M. X est réfugié. Son API est valable combien de temps ? Et peut-il échanger son permis avec ?"),
            ["Son API est valable combien de temps ?", "Peut-il échanger son permis avec ?"]
        );
    }

    #[test]
    fn one_question_is_not_split() {
        for text in [
            "Un réfugié de 23 ans peut-il toucher le RSA ?",
            "Bonjour, elle a 3 enfants et un CDD, a-t-elle droit à la prime d'activité ?",
            "la caf et la cpam demandent quoi comme papiers ?",
            "Il est réfugié et marié, sa femme peut-elle venir ?",
            "Il a 20 ans, il a droit au RSA ?",
            "",
            "?? ?",
        ] {
            assert!(question_parts(text).is_empty(), "{text}: {:?}", question_parts(text));
        }
    }
}
