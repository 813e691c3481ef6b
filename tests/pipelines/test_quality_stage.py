import dataclasses
import gzip
import json
import pickle
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from classifiers.quality import QualityModel
from pipelines import quality_model as qm
from pipelines.config import ConfigError
from pipelines.records import Doc
from pipelines.stages import CorpusConfig, QualityModelStage, build_stages, load_corpus_config
from pipelines.text.quality import QualityConfig, QualityModelConfig, load_quality_config
from pipelines.transforms import CleanCorpus
from tests.classifiers.quality_fixtures import FAST, HELD_OUT, tiny_corpus

GOOD_EN, BAD_EN = HELD_OUT[("en", 1)], HELD_OUT[("en", 0)]
GOOD_ZH, BAD_ZH = HELD_OUT[("zh", 1)], HELD_OUT[("zh", 0)]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("quality_model")
    QualityModel(FAST).fit(*tiny_corpus()).save(path)
    return str(path)


def doc(text: str, lang: str, source: str = "web", doc_id: str = "d1") -> Doc:
    return Doc(id=doc_id, text=text, source=source, locator=f"test:{doc_id}", lang=lang,
               signals={"n_chars": 1.0})


# --- the stage -------------------------------------------------------------------------------------------


def test_no_model_configured_passes_every_record_through_unchanged():
    stage = QualityModelStage(QualityModelConfig())
    stage.setup()
    for d in (doc(BAD_EN, "en"), doc(BAD_ZH, "zh"), doc("", "en", "book")):
        before = dataclasses.replace(d)
        assert stage.process(d) == before
    assert stage.model is None


def test_the_default_chain_ends_with_a_pass_through_model_stage():
    stages = build_stages(CorpusConfig())
    assert [s.name for s in stages][-2:] == ["quality", "quality_model"]
    assert stages[-1].cfg.path is None


def test_score_goes_into_signals_and_low_scores_drop_with_the_exact_reason(model_dir):
    stage = QualityModelStage(QualityModelConfig(path=model_dir))
    stage.setup()
    for good, bad, lang in ((GOOD_EN, BAD_EN, "en"), (GOOD_ZH, BAD_ZH, "zh")):
        kept = stage.process(doc(good, lang))
        assert kept.drop is None
        assert kept.signals["quality"] >= 0.5
        assert kept.signals["n_chars"] == 1.0  # other signals stay
        dropped = stage.process(doc(bad, lang))
        assert dropped.drop == "quality_model:low_score"
        assert dropped.signals["quality"] < 0.5
        assert dropped.signals["quality"] == QualityModel.load(model_dir).score(bad, lang)


def test_threshold_is_per_language_and_sources_outside_the_list_are_only_scored(model_dir):
    stage = QualityModelStage(QualityModelConfig(path=model_dir, threshold={"en": 0.0, "zh": 1.01}))
    assert stage.process(doc(BAD_EN, "en")).drop is None  # threshold 0: nothing is below
    assert stage.process(doc(GOOD_ZH, "zh")).drop == "quality_model:low_score"
    score_only = QualityModelStage(QualityModelConfig(path=model_dir, threshold={"en": None}))
    out = score_only.process(doc(BAD_EN, "en"))
    assert out.drop is None and out.signals["quality"] < 0.5
    assert score_only.process(doc(BAD_ZH, "zh")).drop is None  # zh not in the mapping: score only
    book = QualityModelStage(QualityModelConfig(path=model_dir)).process(doc(BAD_EN, "en", source="book"))
    assert book.drop is None and "quality" in book.signals


def test_language_the_model_lacks_passes_unscored(tmp_path):
    texts, labels, langs = tiny_corpus()
    en = [i for i, lg in enumerate(langs) if lg == "en"]
    QualityModel(FAST).fit([texts[i] for i in en], [labels[i] for i in en], ["en"] * len(en)).save(tmp_path)
    stage = QualityModelStage(QualityModelConfig(path=str(tmp_path)))
    d = doc(BAD_ZH, "zh")
    assert stage.process(d) == d


def test_stage_pickles_without_the_model_and_loads_it_in_setup(model_dir):
    stage = QualityModelStage(QualityModelConfig(path=model_dir))
    stage.setup()
    assert stage.model is not None
    copy = pickle.loads(pickle.dumps(stage))
    assert copy.model is None
    copy.setup()
    assert copy.process(doc(GOOD_EN, "en")) == stage.process(doc(GOOD_EN, "en"))


def test_beam_chain_counts_and_routes_the_drop(model_dir):
    docs = [doc(GOOD_EN, "en", doc_id="good"), doc(BAD_EN, "en", doc_id="bad")]
    with TestPipeline() as p:
        kept, dropped, errors = (
            p | beam.Create(docs) | CleanCorpus([QualityModelStage(QualityModelConfig(path=model_dir))])
        )
        assert_that(kept | "KeptIds" >> beam.Map(lambda d: d.id), equal_to(["good"]), label="kept")
        assert_that(dropped | "DropReasons" >> beam.Map(lambda d: (d.id, d.drop)),
                    equal_to([("bad", "quality_model:low_score")]), label="dropped")
        assert_that(errors, equal_to([]), label="errors")
    result = p.run()
    counters = result.metrics().query(MetricsFilter().with_name("filtered:low_score"))["counters"]
    assert sum(c.committed for c in counters if c.key.metric.namespace == "quality_model") == 1


# --- config ----------------------------------------------------------------------------------------------


def test_default_yaml_has_the_model_section_off():
    cfg = load_quality_config()
    assert cfg.model == QualityModelConfig()
    assert cfg.model.path is None and cfg.model.threshold == {"zh": 0.5, "en": 0.5}
    assert cfg.model.sources == ("web",)


def test_relative_model_path_is_relative_to_the_yaml_and_typos_raise(tmp_path):
    (tmp_path / "q.yaml").write_text("model:\n  path: models/quality\n  threshold: {zh: 0.7, en: null}\n")
    cfg = load_quality_config(tmp_path / "q.yaml")
    assert cfg.model.path == str((tmp_path / "models" / "quality").resolve())
    assert cfg.model.threshold == {"zh": 0.7, "en": None}
    assert cfg.en == QualityConfig().en
    (tmp_path / "corpus.yaml").write_text("quality:\n  model:\n    path: m\n")
    assert load_corpus_config(tmp_path / "corpus.yaml").quality.model.path == str((tmp_path / "m").resolve())
    (tmp_path / "bad.yaml").write_text("model:\n  treshold: {zh: 0.7}\n")
    with pytest.raises(ConfigError, match="treshold"):
        load_quality_config(tmp_path / "bad.yaml")


# --- training data from a corpus run -----------------------------------------------------------------------

BOOK = "\n".join(f"Chapter line {i}: the ship sailed north along the coast past the old lighthouse."
                 for i in range(60))


def rec(doc_id: str, text: str, lang: str, source: str = "web", **fields) -> Doc:
    return Doc(id=doc_id, text=text, source=source, locator=f"loc:{doc_id}", lang=lang, **fields)


def write_run(root: Path) -> Path:
    """A corpus-run-shaped folder: gzip JSONL shards in kept/ and dropped/, records as the job writes them."""
    kept = [
        rec("b1", BOOK, "en", "book"),
        rec("l1", GOOD_ZH, "zh", "literature"),
        rec("w1", GOOD_EN, "en", domain="en.wikipedia.org"),
        rec("w2", BAD_EN + " more words here", "en", signals={"quality": 0.1}),
        rec("w3", GOOD_EN + " and more", "en", signals={"quality": 0.9}),
    ]
    dropped = [
        rec("d1", BAD_EN, "en", drop="quality:c4:too_few_sentences"),
        rec("d2", BAD_ZH, "zh", drop="quality:chinesewebtext:short_text"),
        rec("d3", "Ceci est une page en français, assez longue.", "fr", drop="langid:other_language"),
        rec("d4", GOOD_EN, "en", drop="dedup:near_duplicate"),
    ]
    for part, docs in (("kept", kept), ("dropped", dropped)):
        (root / part).mkdir(parents=True)
        with gzip.open(root / part / "part-00000-of-00001.jsonl.gz", "wt", encoding="utf-8") as f:
            f.writelines(d.to_json() + "\n" for d in docs)
    return root


def test_run_assembly_labels_by_source_domain_drop_stage_and_score(tmp_path):
    run = str(write_run(tmp_path / "run"))
    cfg = qm.AssemblyConfig(positive_domains=("wikipedia.org",), negative_below=0.3, chunk_chars=500)
    got = list(qm.examples_from_run(run, cfg))
    by_doc: dict[str, set] = {}
    for ex in got:
        by_doc.setdefault(ex.group.rsplit("#", 1)[1], set()).add((ex.label, ex.lang, ex.origin))
    assert by_doc == {
        "b1": {(1, "en", "kept:book")},
        "l1": {(1, "zh", "kept:literature")},
        "w1": {(1, "en", "kept:reference_domain")},
        "w2": {(0, "en", "kept:low_score")},
        "d1": {(0, "en", "dropped:quality:c4")},
        "d2": {(0, "zh", "dropped:quality:chinesewebtext")},
    }  # w3 (plain web, scored high), the langid drop and the dedup drop are no training data
    book = [ex for ex in got if ex.group.endswith("#b1")]
    assert len(book) == 10 and all(len(ex.text) <= 500 for ex in book)  # 60 lines of ~80 chars, cut at lines
    plain = list(qm.examples_from_run(run, qm.AssemblyConfig()))
    assert {ex.group.rsplit("#", 1)[1] for ex in plain} == {"b1", "l1", "d1", "d2"}


def test_not_a_run_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="no kept/ or dropped/ shards"):
        list(qm.examples_from_run(str(tmp_path), qm.AssemblyConfig()))


def test_chunks_are_spread_and_the_split_keeps_documents_whole():
    text = "\n".join(f"line {i:03d} " + "x" * 90 for i in range(100))
    pieces = qm.chunks(text, 1000, 4)
    assert len(pieces) == 4 and pieces[0].startswith("line 000") and not pieces[1].startswith("line 009")
    examples = [qm.Example(f"t{i}", i % 2, "en", f"doc{i // 5}", "x") for i in range(200)]
    train, test = qm.split_by_group(examples, 0.3, seed=1)
    assert train and test and len(train) + len(test) == 200
    assert not {e.group for e in train} & {e.group for e in test}


def test_balance_cuts_the_larger_class_per_language():
    examples = [qm.Example(f"p{i}", 1, "en", f"g{i}", "x") for i in range(10)]
    examples += [qm.Example(f"n{i}", 0, "en", f"h{i}", "x") for i in range(3)]
    examples += [qm.Example(f"z{i}", i % 2, "zh", f"z{i}", "x") for i in range(4)]
    got = qm.counts(qm.balance(examples))
    assert got["en"] == {"hq": 3, "lq": 3} and got["zh"] == {"hq": 2, "lq": 2}


def test_auc_and_metrics_match_hand_computed_values():
    assert qm.roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert qm.roc_auc([0.5, 0.5], [0, 1]) == 0.5  # a tie counts half
    assert qm.roc_auc([0.2, 0.3], [1, 1]) is None
    m = qm.metrics([0.9, 0.6, 0.4, 0.2], [1, 0, 1, 0], 0.5)
    assert (m["precision"], m["recall"], m["auc"]) == (0.5, 0.5, 0.75)


def test_labels_file_spellings_language_and_errors(tmp_path):
    good = tmp_path / "labels.jsonl"
    rows = [{"text": GOOD_EN, "label": 1}, {"text": BAD_EN, "label": "lq"}, {"text": GOOD_ZH, "label": True},
            {"text": BAD_ZH, "label": "0", "lang": "zh"},
            {"text": "Dies ist ein deutscher Satz über das Wetter in Berlin.", "label": 1}]
    good.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    got = list(qm.read_labels(str(good)))
    assert [(e.label, e.lang) for e in got] == [(1, "en"), (0, "en"), (1, "zh"), (0, "zh")]  # German skipped
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "label": 1}) + "\n" + json.dumps({"text": "y", "label": "maybe"}))
    with pytest.raises(ValueError, match=r"bad.jsonl:2: label 'maybe'"):
        list(qm.read_labels(str(bad)))


# --- command line, end to end ------------------------------------------------------------------------------


def test_cli_train_eval_score_end_to_end(tmp_path, capsys):
    run = write_run(tmp_path / "run")
    texts, labels, langs = tiny_corpus()
    label_file = tmp_path / "labels.jsonl"
    label_file.write_text("".join(json.dumps({"text": t, "label": y, "lang": lg}, ensure_ascii=False) + "\n"
                                  for t, y, lg in zip(texts, labels, langs, strict=True)), encoding="utf-8")
    model = tmp_path / "model"
    args = ["train", "--run", str(run), "--labels", str(label_file), "--output", str(model),
            "--holdout", "0.25", "--dim", "16", "--epoch", "25", "--bucket", "20000", "--min-count", "1",
            "--seed", "7"]
    assert qm.main(args) == 0
    assert "corpusloop quality train" in capsys.readouterr().out
    report = json.loads((model / "training.json").read_text())
    assert report["train"]["en"]["hq"] == report["train"]["en"]["lq"]  # balanced
    assert set(report["metrics"]) == {"en", "zh"} and report["metrics"]["en"]["n"] > 0
    origins = {**report["train"]["origins"], **report["held_out"]["origins"]}
    assert {"en/dropped:quality:c4", "en/kept:book", "en/labels", "zh/labels"} <= set(origins)

    assert qm.main(["eval", "--model", str(model), "--labels", str(label_file),
                    "--threshold", "en=0.5,zh=0.5", "--output", str(tmp_path / "eval.json")]) == 0
    evaluated = json.loads((tmp_path / "eval.json").read_text())
    assert evaluated["metrics"]["en"]["auc"] > 0.9 and evaluated["metrics"]["zh"]["auc"] > 0.9

    inp = tmp_path / "docs.jsonl"
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [
        {"id": "a", "text": GOOD_EN, "extra": 1}, {"id": "b", "text": BAD_ZH, "lang": "zh"},
        {"id": "c", "text": "Dies ist ein deutscher Satz über das Wetter in Berlin."}]), encoding="utf-8")
    out = tmp_path / "scored.jsonl.gz"
    assert qm.main(["score", "--model", str(model), "--input", str(inp), "--output", str(out)]) == 0
    with gzip.open(out, "rt", encoding="utf-8") as f:
        scored = [json.loads(line) for line in f]
    loaded = QualityModel.load(model)
    expected = {"id": "a", "text": GOOD_EN, "extra": 1, "signals": {"quality": loaded.score(GOOD_EN, "en")}}
    assert scored[0] == expected
    assert scored[1]["signals"]["quality"] == loaded.score(BAD_ZH, "zh") < 0.5
    assert "signals" not in scored[2]  # German: no model for it, copied unscored


def test_cli_errors_are_one_line_and_exit_1(tmp_path, capsys):
    assert qm.main(["train", "--output", str(tmp_path / "m")]) == 1
    assert "give training data" in capsys.readouterr().err
    assert qm.main(["score", "--model", str(tmp_path), "--input", "x", "--output", str(tmp_path / "o")]) == 1
    assert "not a quality model folder" in capsys.readouterr().err
