import gzip
import json
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.records import Doc, ErrorRecord
from pipelines.stages import LangIdConfig, LangIdStage, NormalizeStage, Stage
from pipelines.text.normalize import NormalizeConfig
from pipelines.transforms import CleanCorpus, ShardWriter, WriteSortedShards, build_stats, shard_of

ZH = "今天上午，市图书馆举办了一场关于古籍修复的讲座，吸引了很多年轻读者参加。"
EN = "The city library held a talk this morning on repairing old books, and many young readers came."
JA = "今朝、市立図書館で古い本の修復についての講演会が開かれ、多くの若い読者が参加しました。"


def doc(i: int, text: str, source: str = "web") -> Doc:
    return Doc(id=f"d{i}", text=text, source=source, locator=f"test.jsonl:{i}")


class ExplodeOnMarker(Stage):
    """A stage that fails on one document, to show the dead-letter path."""

    name = "explode"

    def process(self, d: Doc) -> Doc:
        if "BOOM" in d.text:
            raise ValueError("cannot handle BOOM")
        return d


def test_clean_corpus_routes_kept_dropped_and_errors() -> None:
    docs = [doc(1, ZH), doc(2, EN), doc(3, JA), doc(4, "   \n "), doc(5, EN + " BOOM")]
    stages = [NormalizeStage(NormalizeConfig()), ExplodeOnMarker(), LangIdStage(LangIdConfig())]
    with TestPipeline() as p:
        kept, dropped, errors = p | beam.Create(docs) | CleanCorpus(stages)
        assert_that(
            kept | "KeptIds" >> beam.Map(lambda d: (d.id, d.lang)),
            equal_to([("d1", "zh"), ("d2", "en")]),
            label="kept",
        )
        assert_that(
            dropped | "Drops" >> beam.Map(lambda d: (d.id, d.drop)),
            equal_to([("d3", "langid:other_language"), ("d4", "normalize:empty_text")]),
            label="dropped",
        )
        assert_that(
            errors | "Errs" >> beam.Map(lambda e: (e.locator, e.stage, e.reason, e.detail)),
            equal_to([("test.jsonl:5", "explode", "exception:ValueError", "cannot handle BOOM")]),
            label="errors",
        )


def test_stage_counters_follow_the_naming_scheme() -> None:
    p = TestPipeline()
    _ = p | beam.Create([doc(1, ZH), doc(2, JA), doc(3, JA)]) | CleanCorpus([LangIdStage(LangIdConfig())])
    result = p.run()
    result.wait_until_finish()
    counters = {
        c.key.metric.name: c.committed
        for c in result.metrics().query(MetricsFilter().with_namespace("langid"))["counters"]
    }
    assert counters == {"passed": 1, "filtered:other_language": 2}


def test_sorted_shards_are_byte_identical_whatever_the_input_order(tmp_path) -> None:
    lines = [
        (f"id{i:03d}", json.dumps({"id": f"id{i:03d}", "text": "文本" * i}, ensure_ascii=False))
        for i in range(50)
    ]
    outputs = []
    for run, order in enumerate((lines, list(reversed(lines)))):
        out = tmp_path / f"run{run}"
        with TestPipeline() as p:
            _ = p | beam.Create(order) | WriteSortedShards(str(out), num_shards=3)
        outputs.append({f.name: f.read_bytes() for f in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
    assert sorted(outputs[0]) == [f"part-0000{i}-of-00003.jsonl.gz" for i in range(3)]
    ids = [
        json.loads(line)["id"]
        for data in outputs[0].values()
        for line in gzip.decompress(data).decode().splitlines()
    ]
    assert sorted(ids) == [k for k, _ in lines]
    for data in outputs[0].values():  # each shard is sorted
        shard_ids = [json.loads(line)["id"] for line in gzip.decompress(data).decode().splitlines()]
        assert shard_ids == sorted(shard_ids)


def test_shard_of_is_stable_and_in_range() -> None:
    assert shard_of("abc", 7) == shard_of("abc", 7)
    assert {shard_of(f"k{i}", 4) for i in range(100)} == {0, 1, 2, 3}


def test_build_stats_accounts_and_groups() -> None:
    counts = [
        (("read", "web"), 7),
        (("read", "book"), 2),
        (("kept", "web/zh"), 3),
        (("kept", "book/en"), 2),
        (("dropped", "langid:other_language"), 1),
        (("dropped", "quality:c4:too_few_sentences"), 2),
        (("errors", "read:not_json"), 1),
    ]
    stats = build_stats(counts)
    assert (stats["read"], stats["kept"], stats["dropped"], stats["errors"]) == (9, 5, 3, 1)
    assert stats["accounted"] is True
    assert stats["dropped_by_stage"] == {
        "langid": {"other_language": 1},
        "quality": {"c4:too_few_sentences": 2},
    }
    assert stats["errors_by_stage"] == {"read": {"not_json": 1}}
    assert stats["kept_by_source_lang"] == {"book/en": 2, "web/zh": 3}
    assert build_stats(counts[1:])["accounted"] is False


def test_error_record_json_has_locator() -> None:
    line = ErrorRecord(
        locator="a.jsonl:3", stage="read", reason="not_json", detail="x", source="web"
    ).to_json()
    assert json.loads(line) == {
        "locator": "a.jsonl:3",
        "stage": "read",
        "reason": "not_json",
        "detail": "x",
        "source": "web",
    }


def test_doc_pickles_as_a_tuple_and_round_trips_every_field() -> None:
    import dataclasses as dc
    import pickle

    values = {f.name: f"value {i}" for i, f in enumerate(dc.fields(Doc))}
    values.update(meta={"k": [1, 2]}, signals={"quality": 0.5}, cluster_size=3, lang_score=0.9)
    doc = Doc(**values)
    data = pickle.dumps(doc, 5)
    assert pickle.loads(data) == doc
    assert b"duplicate_of" not in data  # field values only, not names


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_shard_writer_streams_lines_and_reads_back(tmp_path, fmt: str, monkeypatch) -> None:
    monkeypatch.setattr(ShardWriter, "FLUSH_CHARS", 100)  # several blocks, not one
    docs = [Doc(id=f"d{i}", text=f"第{i}行", source="web", locator=f"f:{i}", lang="zh") for i in range(50)]
    writer = ShardWriter(str(tmp_path), 2, 5, fmt)
    for doc in docs:
        writer.write(doc.to_json())
    path = writer.close()
    assert path.endswith(f"part-00002-of-00005.{'parquet' if fmt == 'parquet' else 'jsonl.gz'}")
    if fmt == "parquet":
        assert [r["id"] for r in pq.read_table(path).to_pylist()] == [d.id for d in docs]
    else:
        lines = gzip.decompress(Path(path).read_bytes()).decode().splitlines()
        assert lines == [d.to_json() for d in docs]
    empty = ShardWriter(str(tmp_path), 0, 1, "jsonl").close()
    assert gzip.decompress(Path(empty).read_bytes()) == b""
