//! Answer quality floors on the development question set, and the search on hostile input.

mod support;

use proptest::prelude::*;
use support::Target;
use svp::core::question::TextError;
use svp::core::{AskError, Bot};

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn bot() -> Bot {
    static TARGET: std::sync::OnceLock<(Target, Bot)> = std::sync::OnceLock::new();
    let (_, bot) = TARGET.get_or_init(|| {
        let target = Target::sqlite();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let bot = rt.block_on(async { target.open().await.bot().clone() });
        (target, bot)
    });
    bot.clone()
}

/// Evaluates the bot on a question set of `eval/`, with a one-line summary for failure messages.
fn evaluate(file: &str) -> (svp::eval::Report, String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let cases = svp::eval::read_cases(&path).unwrap();
    let report = svp::eval::evaluate(&bot(), &cases, today()).unwrap();
    let summary = format!(
        "{file}: r@1={:.3} r@3={:.3} mrr={:.3} precision={:.3} answer_rate={:.3} oos_escalation={:.3}",
        report.recall_at_1,
        report.recall_at_3,
        report.mrr_at_10,
        report.answered_precision,
        report.in_scope_answer_rate,
        report.out_of_scope_escalation_rate
    );
    eprintln!("{summary}");
    (report, summary)
}

/// Floors just under what the bot reaches, so that a regression fails CI.
#[test]
fn development_set_quality_floors() {
    let (report, summary) = evaluate("eval/dev.jsonl");
    assert!(report.recall_at_1 >= FLOOR_R1, "{summary}");
    assert!(report.recall_at_3 >= FLOOR_R3, "{summary}");
    assert!(report.mrr_at_10 >= FLOOR_MRR, "{summary}");
    assert!(report.answered_precision >= FLOOR_PRECISION, "{summary}");
    assert!(report.out_of_scope_escalation_rate >= FLOOR_OOS, "{summary}");
    assert!(report.in_scope_answer_rate >= FLOOR_ANSWER_RATE, "{summary}");
}

const FLOOR_R1: f64 = 0.92;
const FLOOR_R3: f64 = 0.98;
const FLOOR_MRR: f64 = 0.94;
const FLOOR_PRECISION: f64 = 0.965;
const FLOOR_OOS: f64 = 0.95;
const FLOOR_ANSWER_RATE: f64 = 0.73;

/// The independent set (written without seeing the development set or the articles'
/// phrasings) guards against tuning that only fits the development set.
#[test]
fn independent_set_quality_floors() {
    let (report, summary) = evaluate("eval/independent.jsonl");
    assert!(report.recall_at_1 >= 0.95, "{summary}");
    assert!(report.recall_at_3 >= 0.98, "{summary}");
    assert!(report.answered_precision >= 0.97, "{summary}");
    assert!(report.out_of_scope_escalation_rate >= 0.95, "{summary}");
    assert!(report.in_scope_answer_rate >= 0.78, "{summary}");
}

/// Questions in everyday words (« l'aide pour le loyer », « la carte de 10 ans »), by a writer who
/// saw only the articles' titles and short answers: measured, never tuned on.
#[test]
fn everyday_words_quality_floors() {
    let (report, summary) = evaluate("eval/everyday.jsonl");
    assert!(report.recall_at_1 >= 0.88, "{summary}");
    assert!(report.recall_at_3 >= 0.98, "{summary}");
    assert!(report.answered_precision >= 0.96, "{summary}");
    assert!(report.out_of_scope_escalation_rate >= 0.95, "{summary}");
    assert!(report.in_scope_answer_rate >= 0.40, "{summary}");
}

/// Chat messages as staff write them (case messages, SMS style, everyday words, two questions
/// in one, out-of-scope questions in the field's words), by a writer who saw only the
/// articles' titles and short answers: measured, never tuned on.
#[test]
fn case_messages_quality_floors() {
    let (report, summary) = evaluate("eval/cases.jsonl");
    assert!(report.recall_at_1 >= 0.92, "{summary}");
    assert!(report.recall_at_3 >= 0.98, "{summary}");
    assert!(report.answered_precision >= 0.96, "{summary}");
    assert!(report.out_of_scope_escalation_rate >= 0.97, "{summary}");
    assert!(report.in_scope_answer_rate >= 0.72, "{summary}");
}

/// The same sets with two typos per question (`eval/make_typos.py`): typo tolerance keeps the
/// bot right and confident enough to answer.
#[test]
fn typo_sets_quality_floors() {
    for (file, r1, precision, answer_rate) in
        [("eval/dev-typos.jsonl", 0.90, 0.96, 0.70), ("eval/independent-typos.jsonl", 0.95, 0.97, 0.78)]
    {
        let (report, summary) = evaluate(file);
        assert!(report.recall_at_1 >= r1, "{summary}");
        assert!(report.answered_precision >= precision, "{summary}");
        assert!(report.out_of_scope_escalation_rate >= 0.90, "{summary}");
        assert!(report.in_scope_answer_rate >= answer_rate, "{summary}");
    }
}

/// A typo is corrected to a word the articles use, before synonyms are matched; names are not.
#[test]
fn typos_are_corrected_but_names_are_left_alone() {
    let index = bot().index().clone();
    let concepts = index.concepts("inscriptoin a franec travail");
    let texts: Vec<(&str, bool)> = concepts.iter().map(|c| (c.text.as_str(), c.corrected)).collect();
    assert_eq!(texts, [("inscriptoin", true), ("franec travail", true)], "{concepts:?}");
    assert!(concepts[1].group.is_some(), "the corrected words match the France Travail synonyms: {concepts:?}");
    let reply = bot().reply("naturalisaton d'un refugie : combien d'anees de residence ?", today()).unwrap();
    assert_eq!(reply.hits[0].slug, "naturalisation-refugie");
    let concepts = index.concepts("il habite a Montreuill");
    assert!(concepts.iter().all(|c| !c.corrected), "{concepts:?}");
    // A typo of a stop word is dropped, not "corrected" to the closest word of the articles
    // (« ecore » is one edit from « école » too).
    let concepts = index.concepts("bonjor, il a pas ecore sa carte");
    let texts: Vec<&str> = concepts.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["pas", "carte"], "{concepts:?}");
}

#[test]
fn hostile_inputs_get_clear_answers() {
    let bot = bot();
    let refused: &[(&str, &str)] = &[
        ("", "empty"),
        ("   \n\t  ", "empty"),
        ("\u{0}\u{7}\u{1b}", "empty"),
        ("?!…;:", "no_words"),
        ("🙂🙏🔥", "no_words"),
        ("\"():*^~", "no_words"),
    ];
    for (input, code) in refused {
        match bot.reply(input, today()) {
            Err(AskError::Invalid(e)) => assert_eq!(e.code(), *code, "{input:?}"),
            other => panic!("{input:?} should be refused, got {other:?}"),
        }
    }
    let long = "RSA ".repeat(600);
    match bot.reply(&long, today()) {
        Err(AskError::Invalid(TextError::TooLong { len, max })) => assert_eq!((len, max), (2399, 2000)),
        other => panic!("too long should be refused, got {other:?}"),
    }
    // Query syntax, SQL and markup are just words: searched safely, never interpreted.
    for input in [
        "RSA: refugies",
        "l'attestation de demande d'asile",
        "title:CAF AND (RSA OR \"prime\")^3 ~2 *",
        "'; DROP TABLE questions; --",
        "<script>alert('CAF')</script>",
        "[CAF](javascript:alert(1)) **RSA**",
        "@everyone RSA ?",
    ] {
        let reply = bot.reply(input, today()).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert!((0.0..=1.0).contains(&reply.confidence));
    }
    // What a query parser would choke on ("RSA: refugies" is a field query to tantivy's) finds
    // the right article.
    let reply = bot.reply("RSA: refugies", today()).unwrap();
    assert_eq!(reply.hits[0].slug, "rsa-conditions-bpi");
    let reply = bot.reply("l'attestation de prolongation d'instruction (API) : elle vaut titre de séjour ?", today()).unwrap();
    assert_eq!(reply.hits[0].slug, "api-recepisse-reconnu-refugie");
}

/// A topic listed in `knowledge/escalate.toml` goes to an expert even when an article matches
/// well; the article is still offered as a lead.
#[test]
fn expert_only_topics_escalate_whatever_the_search_finds() {
    let bot = bot();
    let plain = "Carte de résident de 10 ans d'un réfugié : combien de temps est-elle valable et se renouvelle-t-elle ?";
    let reply = bot.reply(plain, today()).unwrap();
    assert_eq!((reply.decision.as_str(), reply.hits[0].slug.as_str()), ("answer", "carte-resident-refugie"), "{}", reply.reason);

    let sensitive = format!("{plain} Il vient de recevoir une obligation de quitter le territoire.");
    let reply = bot.reply(&sensitive, today()).unwrap();
    assert_eq!(reply.decision.as_str(), "escalate");
    assert_eq!(reply.confidence, 0.0);
    assert!(reply.reason.contains("éloignement du territoire"), "{}", reply.reason);
    assert!(reply.alternatives.iter().any(|s| s.id == "carte-resident-refugie"), "{:?}", reply.alternatives);
}

/// The expert-only topics do not contradict the articles: none of the phrasings the articles
/// answer mentions one.
#[test]
fn expert_only_topics_spare_what_the_articles_answer() {
    let bot = bot();
    let topics = svp::core::expert_topics::ExpertTopics::new(&bot.kb().escalations);
    for article in bot.kb().published() {
        for q in article.questions.iter().chain([&article.title]) {
            assert_eq!(topics.find(q), None, "{}: {q}", article.slug);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gets_a_reply_or_a_clear_refusal(text in any::<String>()) {
        match bot().reply(&text, today()) {
            Ok(reply) => {
                prop_assert!((0.0..=1.0).contains(&reply.confidence));
                prop_assert!(reply.hits.len() <= 10);
                prop_assert!(!reply.reason.is_empty());
            }
            Err(AskError::Invalid(e)) => prop_assert!(!e.to_string().is_empty()),
            Err(AskError::Search(e)) => prop_assert!(false, "search failed on {:?}: {}", text, e),
        }
    }

    #[test]
    fn french_like_text_never_fails(text in "[a-zA-Zéèêàçùôî'’ \\-:;,.?!()\"*^~0-9]{0,300}") {
        let result = bot().reply(&text, today());
        prop_assert!(!matches!(result, Err(AskError::Search(_))));
    }
}

/// A question of one word many articles use gets a request for precision, not an answer; a
/// scheme that heads an article's title, in the words typed or another term of its synonym
/// group (« APL » for « Aides au logement »), is a topic, which the bot answers (a URL pasted
/// beside it changes nothing); a word inside the titles of several articles is not
/// (« logement » in « Fonds de solidarité pour le logement » and « Demande de logement social »).
#[test]
fn a_one_word_question_is_too_vague_to_answer() {
    for q in ["le plafond est de … ?", "plafond ?", "la CAF ?", "le délai ?", "les allocs ?", "le logement ?"] {
        let reply = bot().reply(q, today()).unwrap();
        assert_eq!(reply.decision, svp::core::Decision::Escalate, "{q}: {}", reply.reason);
        assert!(reply.reason.contains("précisez"), "{q}: {}", reply.reason);
    }
    for q in ["un réfugié peut-il avoir le RSA ?", "https://www.service-public.fr/particuliers/vosdroits/F1234 un réfugié peut-il avoir le RSA ?"] {
        let reply = bot().reply(q, today()).unwrap();
        assert_eq!(reply.answer.as_ref().map(|a| a.id.as_str()), Some("rsa-conditions-bpi"), "{q}: {}", reply.reason);
    }
    let reply = bot().reply("les APL pour un réfugié ?", today()).unwrap();
    assert_eq!(reply.answer.as_ref().map(|a| a.id.as_str()), Some("aides-logement-apl"), "{}", reply.reason);
    let reply = bot().reply("les HLM ?", today()).unwrap();
    assert_eq!(reply.answer.as_ref().map(|a| a.id.as_str()), Some("demande-logement-social"), "{}", reply.reason);
    // The topic names the part of the title after its colon, or follows a parenthesis.
    for (q, slug) in [("le regroupement familial ?", "regroupement-familial-vs-reunification"), ("la carte vitale ?", "nir-definitif-carte-vitale")] {
        let reply = bot().reply(q, today()).unwrap();
        assert!(!reply.reason.contains("précisez"), "{q}: {}", reply.reason);
        assert_eq!(reply.hits.first().map(|h| h.slug.as_str()), Some(slug), "{q}");
    }
}

/// « obtenir » frames the question: an entry whose phrasings ask « comment obtenir » something
/// else (an avis d'imposition) does not outrank the one about the subject.
#[test]
fn what_the_asker_wants_to_obtain_outweighs_the_word_obtain() {
    let reply = bot().reply("comment obtenir un logement social ?", today()).unwrap();
    assert_eq!(reply.hits.first().map(|h| h.slug.as_str()), Some("demande-logement-social"), "{:?}", reply.hits);
    assert_eq!(reply.decision, svp::core::Decision::Answer, "{:?}", reply.features);
}

/// A case message whose question is short (« A-t-elle raison ? ») names its subject in the
/// sentence before: read together, that pair and the whole message find the same article, and
/// the bot answers (the whole message alone stays under the threshold).
#[test]
fn a_short_question_is_read_with_the_sentence_that_leads_into_it() {
    let message = "Bonjour, Mme L, 38 ans, réfugiée érythréenne, mère de quatre enfants, vit à Rennes, travaille de nuit \
                   dans une blanchisserie, salaire de 1 050 euros. Sa conseillère pense qu'il faut cinq ans de titre de séjour \
                   pour la prime d'activité. A-t-elle raison ? Merci";
    let reply = bot().reply(message, today()).unwrap();
    assert_eq!(reply.decision, svp::core::Decision::Answer, "{:?} {}", reply.features, reply.reason);
    assert_eq!(reply.answer.as_ref().map(|a| a.id.as_str()), Some("prime-activite"));
}

/// The asker's age is the case, not the question: an article that says « 25 ans » answers « un
/// réfugié de 23 ans » (one of issue 16's examples, escalated at 0.09 before).
#[test]
fn the_askers_age_does_not_count_against_the_article() {
    let reply = bot().reply("un réfugié de 23 ans peut-il toucher le RSA ?", today()).unwrap();
    assert_eq!(reply.hits.first().map(|h| h.slug.as_str()), Some("rsa-conditions-bpi"), "{:?}", reply.hits);
    assert_eq!(reply.decision, svp::core::Decision::Answer, "{:?}", reply.features);
}

/// « permis de chasse » names a permit the base does not cover: the driving-licence article
/// matches « permis » in another sense and must not answer it; the driving licence itself, and a
/// refugee of some nationality (an adjective, not a kind of refugee), still are.
#[test]
fn a_kind_the_base_does_not_know_is_not_answered_by_another_kind() {
    for q in ["un réfugié peut-il obtenir un permis de chasse ?", "un réfugié peut-il passer le permis bateau ?", "permis de pêche pour un réfugié ?"] {
        let reply = bot().reply(q, today()).unwrap();
        assert_eq!(reply.decision, svp::core::Decision::Escalate, "{q}: {} {:?}", reply.confidence, reply.features);
    }
    for (q, slug) in [
        ("un réfugié peut-il échanger son permis de conduire ?", "echange-permis-conduire"),
        ("un réfugié afghan de 23 ans peut-il toucher le RSA ?", "rsa-conditions-bpi"),
    ] {
        let reply = bot().reply(q, today()).unwrap();
        assert_eq!(reply.answer.as_ref().map(|a| a.id.as_str()), Some(slug), "{q}: {} {:?}", reply.confidence, reply.features);
    }
}

/// A message that asks two things is answered when each is: the card answers one, `also` names
/// the entry that answers the other, and what the asker found helpful teaches neither.
#[test]
fn two_questions_in_one_message_get_both_entries() {
    for (q, first, other) in [
        ("Comment demander la carte Vitale ? Et combien de temps dure le CIR ?", "cir-ofii-contrat-integration", "nir-definitif-carte-vitale"),
        ("Quel est le montant du RSA pour un couple, et peut-il avoir l'APL en plus ?", "rsa-conditions-bpi", "aides-logement-apl"),
    ] {
        let reply = bot().reply(q, today()).unwrap();
        assert_eq!(reply.decision, svp::core::Decision::Answer, "{q}: {:?}", reply.features);
        assert_eq!(reply.answer.as_ref().map(|a| a.id.as_str()), Some(first), "{q}");
        assert_eq!(reply.also.iter().map(|o| o.entry.id.as_str()).collect::<Vec<_>>(), [other], "{q}");
        assert!(reply.also.iter().all(|o| q.to_lowercase().contains(&o.question.to_lowercase())), "{q}: {:?}", reply.also);
        assert!(reply.alternatives.iter().all(|a| a.id != other), "{q}: shown once");
        assert_eq!(svp::core::learning::learnable_text(q), None, "{q}");
    }
    // One question has nothing else to show.
    let reply = bot().reply("un réfugié de 23 ans peut-il toucher le RSA ?", today()).unwrap();
    assert!(reply.also.is_empty());
}

/// Dotted acronyms read as undotted ones, and a pasted link changes nothing.
#[test]
fn dotted_acronyms_and_links_read_as_the_plain_question() {
    let plain = bot().reply("qui délivre l'API après la décision de l'OFPRA ?", today()).unwrap();
    for q in [
        "qui délivre l'A.P.I. après la décision de l'O.F.P.R.A. ?",
        "qui délivre l'API après la décision de l'OFPRA ? https://www.service-public.fr/particuliers/vosdroits/F2741",
    ] {
        let reply = bot().reply(q, today()).unwrap();
        assert_eq!(reply.hits.first().map(|h| &h.slug), plain.hits.first().map(|h| &h.slug), "{q}");
        assert_eq!(reply.decision, plain.decision, "{q}");
    }
}

/// A message that tells a situation before asking: when its asking sentence alone reaches the
/// same article, the bot answers; when the asking sentence says nothing (« que faire ? ») or
/// points elsewhere, the whole message decides.
#[test]
fn the_asking_sentence_of_a_case_message_confirms_the_article() {
    let bot = bot();
    let situation = "Bonjour, je suis une famille de 5 personnes arrivée en mars, le père travaille en intérim depuis deux mois \
                     et la mère suit des cours de français au centre social.";
    let asked = format!("{situation} Peut-on demander la prime d'activité avec un titre de séjour récent ? Merci");
    let reply = bot.reply(&asked, today()).unwrap();
    assert_eq!(reply.decision, svp::core::Decision::Answer, "{:?}", reply.features);
    assert_eq!(reply.answer.as_ref().unwrap().id, "prime-activite");
    assert!(reply.question.starts_with("Bonjour"), "the whole message is what was asked");
    let vague = bot.reply(&format!("{situation} Que faire ?"), today()).unwrap();
    assert_eq!(vague.decision, svp::core::Decision::Escalate, "{:?}", vague.features);
}
