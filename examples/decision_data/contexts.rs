//! Synthetic chat messages around a question, for fitting the decision on what field staff
//! really send: a greeting, the situation of the person (ages, family, status, town, dates,
//! invented names), then the question, then thanks. Written from scratch for this purpose (no
//! evaluation set's sentences); chosen deterministically from a seed.

const GREETINGS: &[&str] = &[
    "Bonjour,",
    "Bonjour à toutes et à tous,",
    "Bonsoir l'équipe,",
    "Hello,",
    "Bonjour, petite question svp.",
    "Salut,",
    "",
];

const SITUATIONS: &[&str] = &[
    "Je suis travailleuse sociale au {place} de {town}.",
    "J'accompagne M. {name}, {age} ans, {nationality}, {status} depuis {month}.",
    "Je suis une famille {nationality} de {n} personnes, les enfants ont {child} et {child2} ans.",
    "Mme {name} ({age} ans) est {status} depuis {month} {year}, elle vit seule avec son fils de {child} ans.",
    "Situation : homme seul de {age} ans, {status}, hébergé au {place} de {town} depuis {n} mois.",
    "Un couple {nationality}, tous deux {status}, arrivés à {town} en {month} dernier.",
    "Jeune de {age} ans, {status} depuis {n} mois, orienté par la mission locale de {town}.",
    "Je suis conseiller en insertion à {town}, pour une dame de {age} ans arrivée en {year}.",
    "M. et Mme {name}, {nationality}, {n} enfants scolarisés, sortis du {place} le {day} {month}.",
    "Monsieur a {age} ans, il est {status} et vit chez un compatriote à {town}.",
];

const OUTROS: &[&str] = &["Merci d'avance !", "Merci pour votre aide.", "Bonne journée,", "Cordialement", "Merci beaucoup", "", ""];

const PLACES: &[&str] = &["CPH", "CADA", "HUDA", "centre d'hébergement", "foyer", "SAS"];
const TOWNS: &[&str] = &["Rouen", "Grenoble", "Clermont-Ferrand", "Besançon", "Montauban", "Poitiers", "Bobigny", "Metz", "Angers", "Nîmes"];
const NAMES: &[&str] = &["Haddad", "Nguyen", "Kouassi", "Rahimi", "Tesfaye", "Popescu", "Diarra", "Yilmaz", "Abdi", "Morales"];
const NATIONALITIES: &[&str] = &["afghane", "érythréenne", "syrienne", "guinéenne", "soudanaise", "ukrainienne", "ivoirienne", "tchadienne"];
const STATUSES: &[&str] = &["réfugié", "réfugiée", "sous protection subsidiaire", "bénéficiaire de la protection internationale", "réfugié statutaire"];
const MONTHS: &[&str] = &["janvier", "mars", "avril", "juin", "septembre", "octobre", "novembre"];

/// A small deterministic generator (SplitMix64).
struct Seed(u64);

impl Seed {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }

    fn number(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// `question` inside a chat message: a greeting, one or two sentences of situation, the
/// question, and thanks.
pub fn case_message(question: &str, seed: u64) -> String {
    let mut rng = Seed(seed);
    let mut parts = vec![rng.pick(GREETINGS).to_string()];
    let situations = 1 + rng.next() % 2;
    for _ in 0..situations {
        let template = rng.pick(SITUATIONS);
        let filled = template
            .replace("{place}", rng.pick(PLACES))
            .replace("{town}", rng.pick(TOWNS))
            .replace("{name}", rng.pick(NAMES))
            .replace("{nationality}", rng.pick(NATIONALITIES))
            .replace("{status}", rng.pick(STATUSES))
            .replace("{month}", rng.pick(MONTHS))
            .replace("{year}", &rng.number(2019, 2025).to_string())
            .replace("{day}", &rng.number(1, 28).to_string())
            .replace("{age}", &rng.number(19, 64).to_string())
            .replace("{child2}", &rng.number(1, 17).to_string())
            .replace("{child}", &rng.number(1, 17).to_string())
            .replace("{n}", &rng.number(2, 7).to_string());
        parts.push(filled);
    }
    parts.push(question.to_string());
    parts.push(rng.pick(OUTROS).to_string());
    parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Two questions in one message.
pub fn double(first: &str, second: &str, seed: u64) -> String {
    let mut rng = Seed(seed);
    let joint = rng.pick(&["Et aussi,", "Autre chose :", "Et", "Deuxième question :", ""]);
    format!("{} {first} {joint} {second}", rng.pick(GREETINGS)).split_whitespace().collect::<Vec<_>>().join(" ")
}
