//! Grouping questions that ask the same thing. Questions tied together (joined to one ticket,
//! or in tickets marked duplicates) always share a group; the others join the group whose
//! questions their idf-weighted words (and the bot's first hit, as one more word) resemble most
//! (weighted Jaccard, the measure the desk uses for close tickets), above a threshold, or start
//! their own.

use std::collections::HashMap;

/// Two questions this similar (weighted Jaccard of their stems and the bot's first hit) ask the
/// same thing. Chosen with `svp eval --clusters` on the three question sets and on the
/// out-of-scope questions of `eval/cases.jsonl` (which must stay apart).
pub const SAME_NEED: f32 = 0.25;

/// Term weights of one question (stem → idf).
pub type Weights = HashMap<String, f32>;

/// Weight of the bot's first hit as a pseudo-word of a question: two questions the search sends
/// to the same entry are closer, whatever their words (paraphrases share few words, and the
/// first hit is the right entry for most questions).
/// Measured with `svp eval --clusters` (with [`SAME_NEED`]): see BENCHMARKS.md.
pub const GUESS_WEIGHT: f32 = 5.0;

/// `weights` with the bot's first hit `top` added as a pseudo-word.
pub fn with_guess(mut weights: Weights, top: Option<&str>) -> Weights {
    if let Some(top) = top {
        weights.insert(format!("@{top}"), GUESS_WEIGHT);
    }
    weights
}

/// Weighted Jaccard similarity of two term-weight maps, in [0,1].
pub fn similarity(a: &Weights, b: &Weights) -> f32 {
    let mut shared = 0.0;
    let mut total = 0.0;
    for (term, w) in a {
        if let Some(v) = b.get(term) {
            shared += w.min(*v);
            total += w.max(*v);
        } else {
            total += w;
        }
    }
    total += b.iter().filter(|(t, _)| !a.contains_key(*t)).map(|(_, w)| w).sum::<f32>();
    if total > 0.0 { shared / total } else { 0.0 }
}

/// Groups items: `tie[i]` is a key that forces items with the same key together (a ticket), and
/// `weights[i]` their words. Returns the groups as lists of item indices, each in input order,
/// largest group first (ties: earliest first item).
pub fn cluster(weights: &[Weights], tie: &[Option<i64>], threshold: f32) -> Vec<Vec<usize>> {
    // Items tied by a key form one unit; a unit's words are those of its first item, with the
    // others' added (a need said several ways).
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut by_key: HashMap<i64, usize> = HashMap::new();
    for (i, key) in tie.iter().enumerate() {
        match key.and_then(|k| by_key.get(&k).copied()) {
            Some(u) => units[u].push(i),
            None => {
                if let Some(k) = key {
                    by_key.insert(*k, units.len());
                }
                units.push(vec![i]);
            }
        }
    }
    // Greedy, in order: each unit joins the closest group (by its best-matching member) at or
    // above the threshold, else starts one.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for unit in units {
        let best = groups
            .iter()
            .enumerate()
            .map(|(g, members)| {
                let s = unit
                    .iter()
                    .flat_map(|&i| members.iter().map(move |&j| (i, j)))
                    .map(|(i, j)| similarity(&weights[i], &weights[j]))
                    .fold(0.0, f32::max);
                (g, s)
            })
            .filter(|(_, s)| *s >= threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((g, _)) => groups[g].extend(unit),
            None => groups.push(unit),
        }
    }
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    groups
}

/// The member most similar to the others (the first on ties): the group's representative.
pub fn representative(weights: &[Weights], members: &[usize]) -> usize {
    // Large groups: compare with a bounded sample, enough to find a central question.
    let sample: Vec<usize> = members.iter().copied().take(100).collect();
    members
        .iter()
        .copied()
        .take(300)
        .map(|i| (i, sample.iter().filter(|&&j| j != i).map(|&j| similarity(&weights[i], &weights[j])).sum::<f32>()))
        .fold(None, |best: Option<(usize, f32)>, (i, s)| match best {
            // Sums of floats over hash maps differ in their last bits from run to run: a tie
            // within a margin keeps the earlier question, so the choice is stable.
            Some((_, b)) if b >= s - 1e-4 => best,
            _ => Some((i, s)),
        })
        .map_or(members[0], |(i, _)| i)
}

/// Purity and normalised mutual information (NMI, arithmetic mean normalisation) of a
/// clustering against labels, both in [0,1].
pub fn purity_and_nmi(groups: &[Vec<usize>], labels: &[&str]) -> (f64, f64) {
    let n = labels.len() as f64;
    if n == 0.0 {
        return (1.0, 1.0);
    }
    let mut by_label: HashMap<&str, f64> = HashMap::new();
    for l in labels {
        *by_label.entry(l).or_default() += 1.0;
    }
    let mut purity = 0.0;
    let mut mutual = 0.0;
    let mut h_groups = 0.0;
    for g in groups {
        let size = g.len() as f64;
        h_groups -= size / n * (size / n).ln();
        let mut counts: HashMap<&str, f64> = HashMap::new();
        for &i in g {
            *counts.entry(labels[i]).or_default() += 1.0;
        }
        purity += counts.values().fold(0.0, |a: f64, b| a.max(*b));
        for (label, c) in counts {
            mutual += c / n * (n * c / (size * by_label[label])).ln();
        }
    }
    let h_labels: f64 = by_label.values().map(|c| -c / n * (c / n).ln()).sum();
    let nmi = if h_groups + h_labels > 0.0 { 2.0 * mutual / (h_groups + h_labels) } else { 1.0 };
    (purity / n, nmi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(words: &[&str]) -> Weights {
        words.iter().map(|w| (w.to_string(), 1.0)).collect()
    }

    #[test]
    fn close_questions_group_and_ties_hold_whatever_the_words() {
        let weights = vec![
            w(&["rsa", "jeune", "refugie"]),
            w(&["permis", "conduire", "echange"]),
            w(&["rsa", "jeune", "25", "ans"]),
            w(&["carte", "peche"]),
            w(&["echange", "permis"]),
        ];
        // 3 is tied to 1 (joined the same ticket) although its words differ.
        let tie = vec![None, Some(7), None, Some(7), None];
        let groups = cluster(&weights, &tie, 0.3);
        assert_eq!(groups, vec![vec![1, 3, 4], vec![0, 2]]);
        assert_eq!(representative(&weights, &groups[1]), 0);
    }

    #[test]
    fn a_perfect_clustering_scores_one_and_a_single_blob_scores_zero_nmi() {
        let labels = ["a", "a", "b", "b"];
        let (p, nmi) = purity_and_nmi(&[vec![0, 1], vec![2, 3]], &labels);
        assert!((p - 1.0).abs() < 1e-9 && (nmi - 1.0).abs() < 1e-9);
        let (p, nmi) = purity_and_nmi(&[vec![0, 1, 2, 3]], &labels);
        assert!((p - 0.5).abs() < 1e-9 && nmi.abs() < 1e-9);
    }

    #[test]
    fn similarity_is_symmetric_and_bounded() {
        let a = w(&["a", "b", "c"]);
        let b = w(&["b", "c", "d"]);
        assert!((similarity(&a, &b) - 0.5).abs() < 1e-6);
        assert!((similarity(&a, &b) - similarity(&b, &a)).abs() < 1e-6);
        assert_eq!(similarity(&a, &Weights::new()), 0.0);
    }
}
