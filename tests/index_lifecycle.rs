//! The search index is derived: rebuilt when the knowledge changes, and when it is missing or
//! broken, without a crash; `svp ask --json` keeps its documented shape.

mod support;

use std::path::Path;
use std::process::Command;

use svp::search::{SearchIndex, Staleness};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn knowledge_copy(dir: &Path) -> std::path::PathBuf {
    let kb = dir.join("knowledge");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"), &kb);
    kb
}

#[tokio::test]
async fn index_rebuilds_when_knowledge_changes_or_breaks() {
    let target = support::Target::sqlite();
    let mut settings = target.settings();
    settings.knowledge_dir = knowledge_copy(target.dir.path());
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();

    let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
    let hash = service.bot().kb().content_hash.clone();
    assert_eq!(service.bot().index().state().content_hash, hash);
    assert!(!service.bot().reply("zygomorphe", today).unwrap().hits.iter().any(|h| h.slug == "garantie-visale"));
    drop(service);

    // An edited article: the next start sees a new content hash and rebuilds.
    let path = settings.knowledge_dir.join("logement/garantie-visale.md");
    let text = std::fs::read_to_string(&path).unwrap().replacen("tags: [", "tags: [zygomorphe, ", 1);
    std::fs::write(&path, text).unwrap();
    let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
    assert_ne!(service.bot().kb().content_hash, hash);
    assert_eq!(service.bot().reply("zygomorphe", today).unwrap().hits[0].slug, "garantie-visale");
    drop(service);

    // A corrupt index: rebuilt from the sources, no crash.
    let index_dir = settings.index_dir();
    std::fs::write(index_dir.join("meta.json"), b"{ not json").unwrap();
    let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
    assert_eq!(service.bot().reply("zygomorphe", today).unwrap().hits[0].slug, "garantie-visale");
    drop(service);

    // Segment files deleted under it: same.
    for entry in std::fs::read_dir(&index_dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "idx" || e == "store") {
            std::fs::remove_file(p).unwrap();
        }
    }
    let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
    assert_eq!(service.bot().index().num_docs(), 49);
    drop(service);

    // A missing index folder: built from scratch.
    std::fs::remove_dir_all(&index_dir).unwrap();
    let index = SearchIndex::open(&index_dir, &Default::default()).unwrap();
    assert_eq!(index.staleness(&hash), Staleness::Missing);
}

#[test]
fn ask_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_svp"))
        .args(["ask", "--json", "carte de résident réfugié 10 ans renouvellement"])
        .env("SVP_DATA_DIR", dir.path())
        .env("SVP_KNOWLEDGE_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"))
        .env_remove("SVP_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "answer");
    let confidence = v["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty()));
    let hit = &v["hits"][0];
    assert_eq!(hit["slug"], "carte-resident-refugie");
    assert_eq!(hit["kind"], "article");
    assert!(hit["title"].is_string() && hit["score"].is_number());
    assert!(v["answer"]["sources"][0]["url"].as_str().unwrap().starts_with("http"));
    assert!(v.get("question_id").is_none(), "nothing is recorded without --as");

    // Unusable input: exit 1 with a JSON error in French.
    let out = Command::new(env!("CARGO_BIN_EXE_svp"))
        .args(["ask", "--json", "🙂"])
        .env("SVP_DATA_DIR", dir.path())
        .env("SVP_KNOWLEDGE_DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"], "no_words");
    assert!(v["message"].as_str().unwrap().contains("mot"));
}
