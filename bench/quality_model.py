"""Quality classifier: held-out precision/recall/AUC per language, and its cost inside the cleaning chain.

    .venv/bin/python bench/quality_model.py [--folds 5] [--configs all|default] [--max-html 300]

Data, all from ../shared/data, normalized as the pipeline's normalize stage does, cut into passages
of about 2,000 characters (at most 60 per source document, spread over it):
- en high quality: Wikipedia articles (llamafactory wiki_demo.txt), 4 Gutenberg books (one edition
  each, licence stripped), NLTK inaugural addresses and State of the Union speeches.
- en low quality: C4 web pages (c4_demo.jsonl), NLTK webtext (forum, chat, personal ads, scripts),
  full-page visible text of trafilatura's evaluation pages (menus, footers and all), and what the
  project's rules dropped when the cleaning chain ran over those pages and the C4 pages.
- zh high quality: 红楼梦, the lexos classical pieces, chinese-poetry prose and verse (四书, 古文观止,
  诗经, 楚辞, 宋词三百首, 元曲, 幽梦影, 唐诗三百首, 全唐诗 part 0), Firefly's modern Chinese pretraining
  documents, the main text of GNE's Chinese news articles (extracted by the project), and long
  answers (300+ characters) of the Alpaca-GPT4 zh demo set. There is no Chinese encyclopedia here
  and little modern prose: without these answers the positives are mostly classical and the model
  learns "classical vs modern". (DCLM's positives are instruction answers too, OH-2.5 + ELI5.) They
  are not added for English, which has Wikipedia and books; with them en AUC fell 0.957 → 0.928.
- zh low quality: review pages (10 hotel or food-delivery reviews a page), full-page visible text
  of GNE's news and list pages and trafilatura's Chinese pages, and the rule drops of the chain.

Leakage: held-out scores are out-of-fold: `--folds` folds by *source document group* (a book, an
article, a speech, a review page, a whole GNE site: its article text, full page and rule drops are
one group), so no passage is scored by a model that saw any passage of its document. Each training
fold is balanced per language (larger class cut to the smaller's size).

Ablation (`--configs all`): per-language vs bilingual model, Chinese characters vs jieba words,
English words vs words + character n-grams. Then the default config is trained on all data and run
inside the cleaning chain (`pipelines.stages`, in-process) over the web pages: per-stage time,
one run. Last line: `auc_zh=… auc_en=… docs_per_s=… share_of_chain=…` (default config; docs/s of
the scoring stage alone; share = scoring time / time of the chain's other stages on the same docs).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifiers.langid import LanguageIdentifier  # noqa: E402
from classifiers.quality import QualityModel, QualityModelParams  # noqa: E402
from pipelines.quality_model import Example, balance, chunks, metrics  # noqa: E402
from pipelines.readers import decode_html, strip_gutenberg  # noqa: E402
from pipelines.records import Doc  # noqa: E402
from pipelines.stages import QualityModelStage, build_stages, load_corpus_config  # noqa: E402
from pipelines.text.extract import extract_main_text  # noqa: E402
from pipelines.text.normalize import normalize_text  # noqa: E402

DATA = Path(os.environ.get("CORPUSLOOP_SHARED", ROOT.parent / "shared")) / "data"
CHUNK_CHARS = 2000
MAX_CHUNKS = 60
MIN_CHARS = 50

CONFIGS = {
    "default": QualityModelParams(),  # per-language, zh chars, en words, epoch 25, dim 32
    "epoch10": QualityModelParams(epoch=10),
    "zh_words": QualityModelParams(zh_features="words"),
    "en_subwords": QualityModelParams(en_features="subwords"),
    "bilingual": QualityModelParams(per_language=False),
    "bilingual_zh_words": QualityModelParams(per_language=False, zh_features="words"),
    "trigrams": QualityModelParams(word_ngrams=3),
    "dim64": QualityModelParams(dim=64),
}


@dataclasses.dataclass
class Source:
    """Documents of one kind: (group, text) pairs, a label and a language."""

    name: str
    lang: str
    label: int
    docs: list[tuple[str, str]]


def visible_text(html: str) -> str:
    """All visible text of a page, one text node a line: menus, footers and all (no extraction)."""
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except Exception:
        return ""
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


def read_html(path: Path) -> str:
    return decode_html(path.read_bytes(), None)[0]


def english_html_pages(limit: int, lid: LanguageIdentifier) -> list[tuple[str, str]]:
    """(name, html) of trafilatura evaluation pages that are English, cache first, then the tarball."""
    base = DATA / "web" / "trafilatura_eval"
    pages: list[tuple[str, str]] = []
    for path in sorted((base / "tests" / "cache").glob("*.htm*")):
        pages.append((path.name, read_html(path)))
    with tarfile.open(base / "eval_html.tar.gz") as tar:
        for member in tar:
            if len(pages) >= 4 * limit:
                break
            if member.isfile() and member.name.endswith((".html", ".htm")):
                f = tar.extractfile(member)
                if f is not None:
                    pages.append((member.name.rsplit("/", 1)[-1], decode_html(f.read(), None)[0]))
    out = []
    for name, html in pages:
        text = visible_text(html)
        if text and lid.predict(text).lang == "en":
            out.append((name, html))
        if len(out) >= limit:
            break
    return out


def json_strings(obj: object, keys: tuple[str, ...] = ("paragraphs", "content", "para")) -> list[str]:
    """Text strings under `keys` anywhere in a chinese-poetry JSON object, in order."""
    out: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys and isinstance(v, str):
                out.append(v)
            elif k in keys and isinstance(v, list):
                for item in v:
                    out.extend([item] if isinstance(item, str) else json_strings(item, keys))
            elif isinstance(v, dict | list):
                out.extend(json_strings(v, keys))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(json_strings(v, keys))
    return out


def instruction_answers(lang: str, min_chars: int = 300) -> list[tuple[str, str]]:
    """Long answers of the Alpaca-GPT4 demo set (DCLM's positives are instruction answers, OH-2.5)."""
    path = DATA / "sft" / "llamafactory_demo" / f"alpaca_{lang}_demo.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    return [(f"alpaca_{lang}#{i}", it["output"]) for i, it in enumerate(items)
            if len(it["output"]) >= min_chars]


def review_pages(per_page: int = 10) -> list[tuple[str, str]]:
    pages = []
    for name in ("ChnSentiCorp_htl_all.csv", "waimai_10k.csv"):
        with open(DATA / "text" / "chinese_reviews" / name, encoding="utf-8") as f:
            reviews = [row["review"].strip() for row in csv.DictReader(f) if row.get("review", "").strip()]
        for i in range(0, len(reviews) - per_page + 1, per_page * 8):  # every 8th page: enough data
            pages.append((f"{name}#{i}", "\n".join(reviews[i:i + per_page])))
    return pages


def build_sources(max_html: int) -> tuple[list[Source], list[Doc]]:
    """The labelled sources, and the web Docs (HTML pages and web texts) the chain runs over."""
    lid = LanguageIdentifier()
    s: list[Source] = []
    wiki = (DATA / "sft" / "llamafactory_demo" / "wiki_demo.txt").read_text(encoding="utf-8").splitlines()
    s.append(Source("wikipedia", "en", 1, [(f"wiki#{i}", t) for i, t in enumerate(wiki) if t.strip()]))
    books = []
    editions = (("11", "11-0.txt"), ("1342", "1342-0.txt"), ("3261", "3261.txt"), ("972", "972.txt"))
    for number, name in editions:
        text = (DATA / "books" / "gutenberg_en" / name).read_text(encoding="utf-8", errors="replace")
        books.append((f"gutenberg#{number}", strip_gutenberg(text.replace("\r\n", "\n"))[0]))
    s.append(Source("gutenberg", "en", 1, books))
    for corpus in ("inaugural", "state_union"):
        folder = DATA / "text" / "nltk_corpora" / corpus
        docs = [(f"{corpus}#{p.name}", p.read_text(encoding="utf-8", errors="replace"))
                for p in sorted(folder.glob("*.txt"))]
        s.append(Source(corpus, "en", 1, docs))
    c4_lines = (DATA / "sft" / "llamafactory_demo" / "c4_demo.jsonl").read_text(encoding="utf-8").splitlines()
    c4 = [(f"c4#{i}", json.loads(line)["text"]) for i, line in enumerate(c4_lines)]
    s.append(Source("c4", "en", 0, c4))
    webtext = [(f"webtext#{p.name}", p.read_text(encoding="utf-8", errors="replace"))
               for p in sorted((DATA / "text" / "nltk_corpora" / "webtext").glob("*.txt"))]
    s.append(Source("webtext", "en", 0, webtext))
    en_pages = english_html_pages(max_html, lid)
    s.append(Source("full_page_en", "en", 0, [(f"page#{n}", visible_text(h)) for n, h in en_pages]))

    lexos = DATA / "books" / "lexos_classical_chinese"
    hlm = "\n".join((lexos / f"hongloumeng_{part}.txt").read_text(encoding="utf-8")
                    for part in ("first80", "last40"))
    s.append(Source("hongloumeng", "zh", 1, [("hongloumeng", hlm)]))
    pieces = [(f"lexos#{p.name}", p.read_text(encoding="utf-8"))
              for p in sorted((lexos / "poems_and_songs").glob("*.txt"))]
    s.append(Source("classical_pieces", "zh", 1, pieces))
    poetry = DATA / "books" / "chinese_poetry"
    works = []
    for rel in ("论语/lunyu.json", "四书五经/mengzi.json", "四书五经/daxue.json", "四书五经/zhongyong.json",
                "蒙学/guwenguanzhi.json", "诗经/shijing.json", "楚辞/chuci.json", "宋词/宋词三百首.json",
                "元曲/yuanqu.json", "幽梦影/youmengying.json", "蒙学/tangshisanbaishou.json",
                "全唐诗/poet.tang.0.json"):
        data = json.loads((poetry / rel).read_text(encoding="utf-8"))
        works.append((f"poetry#{rel}", "\n".join(json_strings(data))))
    s.append(Source("chinese_poetry", "zh", 1, works))
    firefly = [(f"firefly#{i}", json.loads(line)["text"]) for i, line in enumerate(
        (DATA / "sft" / "firefly_dummy" / "dummy_pretrain.jsonl").read_text(encoding="utf-8").splitlines())]
    s.append(Source("firefly_pretrain", "zh", 1, firefly))
    gne = DATA / "web" / "gne_zh_news_html"
    articles, full_pages = [], []
    for site in sorted((gne / "tests").iterdir()):
        for page in sorted(site.glob("*.html")):
            html = read_html(page)
            articles.append((f"gne#{site.name}", extract_main_text(html, None)))
            full_pages.append((f"gne#{site.name}", visible_text(html)))
    for site in sorted((gne / "test_list_page").iterdir()):
        for page in sorted(site.glob("*.html")):
            full_pages.append((f"gnelist#{site.name}", visible_text(read_html(page))))
    for page in sorted((DATA / "web" / "trafilatura_eval" / "zh_pages").glob("*.html")):
        full_pages.append((f"zhpage#{page.name}", visible_text(read_html(page))))
    s.append(Source("news_main_text", "zh", 1, articles))
    s.append(Source("instruction_answers", "zh", 1, instruction_answers("zh")))
    s.append(Source("full_page_zh", "zh", 0, full_pages))
    s.append(Source("review_pages", "zh", 0, review_pages()))

    # The web input of the cleaning chain: HTML pages (extracted by the chain) and web texts.
    web: list[Doc] = []
    for n, html in en_pages:
        web.append(Doc(id=f"page#{n}", text="", source="web", locator=f"page#{n}", html=html))
    for site in sorted((gne / "tests").iterdir()):
        for page in sorted(site.glob("*.html")):
            web.append(Doc(id=f"gne#{site.name}", text="", source="web", locator=str(page),
                           html=read_html(page)))
    for group, text in c4 + review_pages():
        web.append(Doc(id=group, text=text, source="web", locator=group))
    return s, web


def rule_drops(web: list[Doc]) -> tuple[list[Source], Counter[str]]:
    """Docs the chain's rules dropped, as low-quality sources per language (group: the input doc)."""
    cfg = load_corpus_config()
    stages = [st for st in build_stages(cfg) if not isinstance(st, QualityModelStage)]
    for st in stages:
        st.setup()
    by_lang: dict[str, list[tuple[str, str]]] = {"zh": [], "en": []}
    reasons: Counter[str] = Counter()
    for doc in web:
        out = doc
        for st in stages:
            out = st.process(out)
            if out.drop:
                break
        if out.drop and out.drop.startswith("quality:") and out.lang in by_lang:
            by_lang[out.lang].append((doc.id, out.text))
            reasons[f"{out.lang}/{out.drop}"] += 1
    return [Source("rule_drops", lang, 0, docs) for lang, docs in by_lang.items()], reasons


def passages(sources: list[Source]) -> list[Example]:
    out = []
    for src in sources:
        for group, text in src.docs:
            text = normalize_text(text)
            for piece in chunks(text, CHUNK_CHARS, MAX_CHUNKS):
                if len(piece) >= MIN_CHARS:
                    out.append(Example(piece, src.label, src.lang, group, src.name))
    return out


def fold_of(group: str, folds: int) -> int:
    import hashlib

    return int.from_bytes(hashlib.blake2b(group.encode(), digest_size=8).digest(), "big") % folds


def cross_validate(examples: list[Example], params: QualityModelParams, folds: int) -> dict[str, dict]:
    """Out-of-fold scores (folds by group), then metrics per language at 0.5."""
    scores = [0.0] * len(examples)
    for k in range(folds):
        train = balance([e for e in examples if fold_of(e.group, folds) != k])
        test_idx = [i for i, e in enumerate(examples) if fold_of(e.group, folds) == k]
        model = QualityModel(params).fit([e.text for e in train], [e.label for e in train],
                                         [e.lang for e in train])
        got = model.predict_proba([examples[i].text for i in test_idx], [examples[i].lang for i in test_idx])
        for i, sc in zip(test_idx, got, strict=True):
            scores[i] = sc
    out = {}
    for lang in ("zh", "en"):
        idx = [i for i, e in enumerate(examples) if e.lang == lang]
        m = metrics([scores[i] for i in idx], [examples[i].label for i in idx], 0.5)
        per_source = Counter()
        right = Counter()
        for i in idx:
            per_source[examples[i].origin] += 1
            right[examples[i].origin] += int((scores[i] >= 0.5) == bool(examples[i].label))
        m["accuracy_by_source"] = {s: round(right[s] / n, 3) for s, n in sorted(per_source.items())}
        out[lang] = m
    return out


def chain_timing(web: list[Doc], model_dir: str) -> dict[str, float]:
    """One in-process run of the chain with the model stage: seconds per stage and docs reaching the model."""
    cfg = load_corpus_config()
    qcfg = dataclasses.replace(cfg.quality, model=dataclasses.replace(cfg.quality.model, path=model_dir))
    stages = build_stages(dataclasses.replace(cfg, quality=qcfg))
    for st in stages:
        st.setup()  # model loading is not timed (once per worker)
    secs: Counter[str] = Counter()
    scored = 0
    for doc in web:
        out = doc
        for st in stages:
            t = time.perf_counter()
            out = st.process(out)
            secs[st.name] += time.perf_counter() - t
            if st.name == "quality_model":
                scored += 1
            if out.drop:
                break
    model_s = secs.pop("quality_model")
    return {"scored": scored, "model_s": model_s, "chain_s": sum(secs.values()),
            **{f"stage_{k}_s": round(v, 3) for k, v in secs.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--configs", choices=("all", "default"), default="all")
    ap.add_argument("--max-html", type=int, default=300, help="English trafilatura pages (default 300)")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    sources, web = build_sources(args.max_html)
    drops, reasons = rule_drops(web)
    examples = passages(sources + drops)
    table = Counter(f"{e.lang}/{'hq' if e.label else 'lq'}/{e.origin}" for e in examples)
    groups = Counter(f"{lang}/{'hq' if label else 'lq'}" for lang, label, _ in {(e.lang, e.label, e.group)
                                                                                  for e in examples})
    print(f"data built in {time.perf_counter() - t0:.0f} s: passages per lang/label/source:")
    for k, n in sorted(table.items()):
        print(f"  {k:<40} {n:>6}")
    print("  source-document groups: " + ", ".join(f"{k} {n}" for k, n in sorted(groups.items())))
    print("  rule drops: " + ", ".join(f"{k} {n}" for k, n in sorted(reasons.items())))
    names = list(CONFIGS) if args.configs == "all" else ["default"]
    results = {}
    for name in names:
        t = time.perf_counter()
        res = cross_validate(examples, CONFIGS[name], args.folds)
        results[name] = res
        line = "  ".join(
            f"{lang}: auc={r['auc']} p={r['precision']} r={r['recall']} n={r['n']}" for lang, r in res.items()
        )
        print(f"{name:<20} {line}  ({time.perf_counter() - t:.0f} s, {args.folds} folds by document group)")
    for lang in ("zh", "en"):
        print(f"default {lang} accuracy by source: {results['default'][lang]['accuracy_by_source']}")
    with tempfile.TemporaryDirectory() as tmp:
        final = balance(examples)
        model = QualityModel(CONFIGS["default"]).fit([e.text for e in final], [e.label for e in final],
                                                     [e.lang for e in final])
        model.save(tmp)
        timing = chain_timing(web, tmp)
    docs_per_s = timing["scored"] / timing["model_s"]
    share = timing["model_s"] / timing["chain_s"]
    print(f"chain over {len(web)} web docs: {json.dumps(timing)}")
    r = results["default"]
    print(f"auc_zh={r['zh']['auc']} auc_en={r['en']['auc']} docs_per_s={docs_per_s:.0f} "
          f"share_of_chain={share:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
