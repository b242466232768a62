//! `svp eval`: answer quality on a labelled question set.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::app;
use crate::config::Settings;
use crate::eval;

#[derive(Debug, Args)]
pub(super) struct EvalArgs {
    /// One JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// List every miss.
    #[arg(long)]
    verbose: bool,
    /// With --json: include every question's outcome and decision features (for tuning).
    #[arg(long, requires = "json")]
    outcomes: bool,
    /// FILE is an expert-loop set (`eval/loop.jsonl`): index each expert answer, then ask its
    /// paraphrases and distractors.
    #[arg(long = "loop")]
    expert_loop: bool,
    /// Measure how the reports' grouping of questions matches the set's labels (purity, NMI).
    #[arg(long, conflicts_with = "expert_loop")]
    clusters: bool,
    /// With --clusters: the similarity at which two questions share a group (default: the
    /// reports' own).
    #[arg(long, requires = "clusters")]
    threshold: Option<f32>,
    /// The question set.
    file: PathBuf,
}

pub(super) async fn run(settings: &Settings, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let EvalArgs { json, verbose, outcomes, expert_loop, clusters, threshold, file } = args;
    if expert_loop {
        return run_loop(settings, &file, json, verbose);
    }
    let cases = eval::read_cases(&file)?;
    let bot = app::open_bot(settings).await?;
    if clusters {
        let report = eval::clusters::evaluate(&bot, &cases, threshold.unwrap_or(crate::core::reports::groups::SAME_NEED));
        if json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!("questions (in scope)  {:>6}  ({} labels)", report.questions, report.labels);
            println!("groups                {:>6}  (similarity ≥ {})", report.groups, report.threshold);
            println!("purity                {:>6.3}", report.purity);
            println!("nmi                   {:>6.3}", report.nmi);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report = eval::evaluate(&bot, &cases, app::today())?;
    if json {
        let mut value = serde_json::to_value(&report)?;
        if outcomes {
            value["outcomes"] = serde_json::to_value(&report.outcomes)?;
        }
        if verbose {
            value["misses"] = serde_json::to_value(report.outcomes.iter().filter(|o| o.is_miss()).collect::<Vec<_>>())?;
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    if verbose {
        for o in report.outcomes.iter().filter(|o| o.is_miss()) {
            let expected = if o.expect.is_empty() { "(escalate)".to_string() } else { o.expect.join("|") };
            println!(
                "MISS {} conf={:.2} rank={} expected={} got={}\n     {}",
                o.decision.as_str(),
                o.confidence,
                o.rank.map_or("-".into(), |r| r.to_string()),
                expected,
                o.ranked.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                o.q
            );
        }
        println!();
    }
    println!("questions                     {:>6}  ({} in scope, {} out of scope)", report.questions, report.in_scope, report.out_of_scope);
    println!("recall_at_1                   {:>6.3}", report.recall_at_1);
    println!("recall_at_3                   {:>6.3}", report.recall_at_3);
    println!("mrr_at_10                     {:>6.3}", report.mrr_at_10);
    println!("answered_precision            {:>6.3}", report.answered_precision);
    println!("in_scope_answer_rate          {:>6.3}", report.in_scope_answer_rate);
    println!("out_of_scope_escalation_rate  {:>6.3}", report.out_of_scope_escalation_rate);
    Ok(ExitCode::SUCCESS)
}

fn run_loop(settings: &Settings, file: &std::path::Path, json: bool, verbose: bool) -> anyhow::Result<ExitCode> {
    let entries = eval::expert_loop::read_entries(file)?;
    let kb = app::load_knowledge(settings)?;
    let report = eval::expert_loop::evaluate(&kb, &settings.search, &settings.limits, &entries, app::today())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    if verbose {
        for m in &report.misses {
            println!("{m}");
        }
        println!();
    }
    println!("expert answers indexed          {:>6}", report.answers);
    println!("paraphrases                     {:>6}", report.paraphrases);
    println!("paraphrases_found_first         {:>6.3}", report.paraphrases_found_first);
    println!("paraphrases_answered            {:>6.3}", report.paraphrases_answered);
    println!("paraphrases_offered             {:>6.3}", report.paraphrases_offered);
    println!("distractors                     {:>6}", report.distractors);
    println!("distractors_answered_from_it    {:>6}", report.distractors_answered_from_it);
    println!("distractors_offered_it          {:>6}", report.distractors_offered_it);
    Ok(ExitCode::SUCCESS)
}
