"""Corpora with planted duplicates of known truth, built from real text in ../shared/data (issue 3).

    .venv/bin/python bench/dedup_data.py --out .bench/dedup/q [--docs 4000] [--seed 7]
    .venv/bin/python bench/dedup_data.py --out .bench/dedup/t --mode throughput --docs 50000

Both modes write `OUT/corpus/part-NNNNN-of-SSSSS.jsonl.gz` (records `id`, `text`, `lang`, `source`,
`domain`), `OUT/truth.jsonl.gz` (`id`, `cluster`, `lang`, `role`, `edits`) and `OUT/manifest.json`.
Everything is a function of (mode, docs, seed, shards, dup_share): the same arguments give the same bytes.

quality (default): originals are whole real documents: 红楼梦 chapters (consecutive chapters are hard
negatives), classical Chinese essays and poems, Gutenberg chapters (one edition per book), State of the
Union and inaugural addresses, C4 and Wikipedia pages, Firefly/Alpaca/ruozhiba answers, long hotel
reviews (>= 200 characters), NLTK web text. Originals that are already near-duplicates of each other
(shingle Jaccard >= 0.5, e.g. 离骚 in two collections) are removed first, so the truth is clean.
About 35% of originals get a cluster of 1-5 planted copies (exact 20%, normcopy 10%, near 70%):
  exact     the same text;
  normcopy  equal after normalisation: full-/half-width punctuation, re-wrapped lines, extra spaces;
  near      1-2 edits: a mirror site's header/footer lines, a few % of units changed (0.5-3% of
            characters for Chinese; of words for English, one typo each: 5-gram shingles are
            characters in one and words in the other), one paragraph dropped (<= 20% of the text), one
            paragraph moved, truncation to 80-95%.
A copy lives on a mirror site (one per ~200 originals, 10 per language at 4 000 docs: copies of one page
can share a site, and a site's template lines recur); 70% of copies of a book/literature original become
web pages (a web copy of a book chapter), the rest keep its source and domain (another edition). A fifth
of the later copies in a cluster are copies of an earlier copy.
Hard negatives: whole books' consecutive chapters and speeches, and `boilerplate` pages: sites whose
15-40 pages share 1-6x their body's length of header/footer lines around different bodies.

throughput: mostly unique documents, each a run of paragraphs; a paragraph is a window of 1-6
consecutive sentences of one real text (so no two documents share a line by chance); zh documents
~1 000 characters, en ~2 500 (log-normal); domains of ~60 pages, a quarter of them templated; a share
`--dup-share` (default 0.2) of the documents are planted copies (exact 35%, normcopy 15%, near 50%).

Without /work/shared/data (or $CORPUSLOOP_SHARED/data) the CLI prints `skipped=1` and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import hashlib
import json
import math
import os
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CORPUSLOOP_SHARED", ROOT.parent / "shared")) / "data"
BENCH_DIR = ROOT / ".bench" / "dedup"
VERSION = 4  # bump when the output for the same arguments changes
NGRAM = 5

# --------------------------------------------------------------------------------------------- shingles
_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), lower case, whitespace runs → one space."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def shingles(text: str, lang: str, n: int = NGRAM) -> set[str]:
    """Character n-grams (spaces removed) for zh, whitespace-word n-grams for en, on `normalize(text)`."""
    t = normalize(text)
    if lang == "zh":
        s = t.replace(" ", "")
        return {s[i : i + n] for i in range(len(s) - n + 1)} if len(s) >= n else ({s} if s else set())
    w = t.split()
    if len(w) < n:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


# ------------------------------------------------------------------------------------------------ texts
@dataclass
class Text:
    """One real document: paragraphs (lines) plus where it came from."""

    key: str
    lang: str
    source: str  # book | literature | web
    domain: str
    category: str  # sampling bucket: book, literature, web, review, speech
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


_ZH_SENT = re.compile(r"(?<=[。！？．!?；;])")
_EN_SENT = re.compile(r"(?<=[.!?\"')\]])\s+(?=[\"'(\[]?[A-Z0-9])")


def sentences(text: str, lang: str) -> list[str]:
    parts = _ZH_SENT.split(text) if lang == "zh" else _EN_SENT.split(text)
    return [p.strip() for p in parts if p and p.strip()]


def _paras(text: str, blank_line: bool = False) -> list[str]:
    sep = re.compile(r"\n\s*\n") if blank_line else re.compile(r"\n")
    out = []
    for p in sep.split(text):
        p = _WS.sub(" ", p).strip() if blank_line else p.strip().strip("\u3000").strip()
        if p:
            out.append(p)
    return out


def _resplit(paras: list[str], lang: str, per: int = 4) -> list[str]:
    """Cut one long paragraph into pseudo-paragraphs of `per` sentences (edits need several)."""
    if len(paras) >= 3:
        return paras
    sents = [s for p in paras for s in sentences(p, lang)]
    joiner = "" if lang == "zh" else " "
    return [joiner.join(sents[i : i + per]) for i in range(0, len(sents), per)] or paras


def _chunks(paras: list[str], max_chars: int) -> Iterator[list[str]]:
    cur: list[str] = []
    size = 0
    for p in paras:
        if cur and size + len(p) > max_chars:
            yield cur
            cur, size = [], 0
        cur.append(p)
        size += len(p)
    if cur:
        yield cur


def _read(rel: str) -> str:
    return (DATA / rel).read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n").lstrip("\ufeff")


def _json(rel: str) -> object:
    with open(DATA / rel, encoding="utf-8") as f:
        return json.load(f)


def _gutenberg_body(text: str) -> str:
    start = re.search(r"\*\*\* ?START OF.*\n", text)
    end = re.search(r"\*\*\* ?END OF", text)
    return text[start.end() if start else 0 : end.start() if end else len(text)]


def load_texts() -> list[Text]:
    """Every real document the builders draw on, in a fixed order."""
    out: list[Text] = []
    add = out.append
    # Chinese books: 红楼梦, one chapter per document (a chapter ends with "…下回分解")
    for name in ("hongloumeng_first80", "hongloumeng_last40"):
        lines = _paras(_read(f"books/lexos_classical_chinese/{name}.txt"))
        cur: list[str] = []
        for line in lines:
            cur.append(line)
            if "下回分解" in line:
                add(Text(f"{name}/{len(out)}", "zh", "book", "hongloumeng", "book", cur))
                cur = []
        if cur:
            add(Text(f"{name}/{len(out)}", "zh", "book", "hongloumeng", "book", cur))
    # Chinese literature: the ten classical pieces (cut at ~4 000 characters), 古文观止 essays, poem groups
    for p in sorted((DATA / "books/lexos_classical_chinese/poems_and_songs").glob("*.txt")):
        for i, ch in enumerate(_chunks(_resplit(_paras(_read(str(p.relative_to(DATA)))), "zh"), 4000)):
            add(Text(f"poems_and_songs/{p.stem}/{i}", "zh", "literature", "lexos", "literature", ch))
    gw = _json("books/chinese_poetry/蒙学/guwenguanzhi.json")
    for vol in gw["content"]:  # type: ignore[index]
        for ess in vol["content"]:
            paras = [p.strip() for p in ess["paragraphs"] if p.strip()]
            if sum(map(len, paras)) >= 300:
                add(
                    Text(
                        f"guwenguanzhi/{ess['chapter']}",
                        "zh",
                        "literature",
                        "guwenguanzhi",
                        "literature",
                        paras,
                    )
                )
    poem_sets = [
        ("shijing", "books/chinese_poetry/诗经/shijing.json", "content", 8),
        ("songci300", "books/chinese_poetry/宋词/宋词三百首.json", "paragraphs", 5),
        ("chuci", "books/chinese_poetry/楚辞/chuci.json", "content", 1),
        ("lunyu", "books/chinese_poetry/论语/lunyu.json", "paragraphs", 1),
    ]
    for name, rel, key, group in poem_sets:
        items = _json(rel)
        for i in range(0, len(items), group):  # type: ignore[arg-type]
            paras = [ln.strip() for it in items[i : i + group] for ln in it[key] if ln.strip()]  # type: ignore[index]
            if sum(map(len, paras)) >= 200:
                for j, ch in enumerate(_chunks(paras, 4000)):
                    add(Text(f"{name}/{i}/{j}", "zh", "literature", name, "literature", ch))
    # Chinese web: Firefly pretraining pages, long Alpaca / ruozhiba answers, long hotel reviews
    with open(DATA / "sft/firefly_dummy/dummy_pretrain.jsonl", encoding="utf-8") as f:
        for i, line in enumerate(f):
            paras = _resplit(_paras(json.loads(line)["text"]), "zh")
            add(Text(f"firefly/{i}", "zh", "web", "firefly", "web", paras))
    for name, rel, min_len in (
        ("alpaca_zh", "sft/llamafactory_demo/alpaca_zh_demo.json", 300),
        ("ruozhiba", "sft/ruozhiba_zh_sft/ruozhiba_qa2449_gpt4o.json", 300),
    ):
        for i, it in enumerate(_json(rel)):  # type: ignore[arg-type]
            if len(it["output"]) >= min_len:
                add(Text(f"{name}/{i}", "zh", "web", name, "web", _resplit(_paras(it["output"]), "zh")))
    with open(DATA / "text/chinese_reviews/ChnSentiCorp_htl_all.csv", encoding="utf-8-sig") as f:
        for i, row in enumerate(csv.DictReader(f)):
            review = (row["review"] or "").strip()
            if len(review) >= 200:
                add(Text(f"hotel/{i}", "zh", "web", "hotel", "review", _resplit(_paras(review), "zh", 3)))
    # English books: one edition of each Gutenberg book, chapter by chapter (Devil's Dictionary: ~6k chars)
    for book, pat in (
        ("11-0", r"(?m)^CHAPTER [IVXL]+\."),
        ("1342-0", r"(?m)^Chapter \d+"),
        ("3261", r"(?m)^CHAPTER "),
    ):
        body = _gutenberg_body(_read(f"books/gutenberg_en/{book}.txt"))
        parts = re.split(pat, body)[1:]
        for i, part in enumerate(parts):
            paras = _paras(part, blank_line=True)
            if sum(map(len, paras)) >= 1000:
                add(Text(f"gutenberg/{book}/{i}", "en", "book", "gutenberg.org", "book", paras))
    dd = _paras(_gutenberg_body(_read("books/gutenberg_en/972.txt")), blank_line=True)
    for i, ch in enumerate(_chunks(dd, 6000)):
        add(Text(f"gutenberg/972/{i}", "en", "book", "gutenberg.org", "book", ch))
    # English speeches: State of the Union and inaugural addresses
    for d in ("state_union", "inaugural"):
        for p in sorted((DATA / "text/nltk_corpora" / d).glob("*.txt")):
            paras = _paras(_read(str(p.relative_to(DATA))), blank_line=True)
            add(Text(f"{d}/{p.stem}", "en", "web", f"{d}.example.gov", "speech", paras))
    # English web: C4 pages, Wikipedia articles (cut at ~6 000 chars), long Alpaca answers, NLTK web text
    with open(DATA / "sft/llamafactory_demo/c4_demo.jsonl", encoding="utf-8") as f:
        for i, line in enumerate(f):
            paras = _resplit(_paras(json.loads(line)["text"]), "en")
            if sum(map(len, paras)) >= 300:
                add(Text(f"c4/{i}", "en", "web", "c4", "web", paras))
    with open(DATA / "sft/llamafactory_demo/wiki_demo.txt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            for j, ch in enumerate(_chunks(_resplit([line.strip()], "en"), 6000)):
                add(Text(f"wiki/{i}/{j}", "en", "web", "en.wikipedia.org", "web", ch))
    for i, it in enumerate(_json("sft/llamafactory_demo/alpaca_en_demo.json")):  # type: ignore[arg-type]
        if len(it["output"]) >= 500:
            add(Text(f"alpaca_en/{i}", "en", "web", "alpaca_en", "web", _resplit(_paras(it["output"]), "en")))
    for name in ("firefox", "overheard", "singles", "wine", "pirates", "grail"):
        lines = _paras(_read(f"text/nltk_corpora/webtext/{name}.txt"))
        for i, ch in enumerate(_chunks(lines, 3000)):
            add(Text(f"webtext/{name}/{i}", "en", "web", f"{name}.webtext", "web", ch))
    return out


def paraphrase_pairs() -> list[dict]:
    """AFQMC dev (zh) and MSRP train+test (en) pairs: `dataset`, `idx`, `label`, `lang`, `a`, `b`."""
    pairs: list[dict] = []
    with open(DATA / "pairs/paraphrase_pairs/afqmc/dev.json", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            pairs.append(
                {
                    "dataset": "afqmc",
                    "idx": f"{r['idx']}",
                    "label": int(r["label"]),
                    "lang": "zh",
                    "a": r["sentence1"],
                    "b": r["sentence2"],
                }
            )
    for split in ("train", "test"):
        with open(
            DATA / f"pairs/paraphrase_pairs/msrp/msr_paraphrase_{split}.txt", encoding="utf-8-sig"
        ) as f:
            rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(rows)
            fixed: list[list[str]] = []
            for row in rows:  # one train line holds two records (a newline is missing after "...0")
                if len(row) == 9 and row[4][-1:] in ("0", "1"):
                    fixed += [[*row[:4], row[4][:-1]], [row[4][-1], *row[5:]]]
                else:
                    fixed.append(row)
            for i, row in enumerate(fixed):
                if len(row) == 5:
                    pairs.append(
                        {
                            "dataset": "msrp",
                            "idx": f"{split}{i}",
                            "label": int(row[0]),
                            "lang": "en",
                            "a": row[3],
                            "b": row[4],
                        }
                    )
    return pairs


# ------------------------------------------------------------------------------------------- boilerplate
_ZH_SITES = ["新闻网", "资讯", "在线", "门户", "日报", "生活网", "财经网", "文学网", "信息港", "之家"]
_ZH_HEAD = [
    "{site}首页 | 新闻 | 财经 | 科技 | 体育 | 娱乐 | 汽车 | 房产 | 教育",
    "当前位置：{site} > {section} > 正文",
    "欢迎访问{site}，请登录 | 免费注册 | 手机版 | 设为首页 | 加入收藏",
    "热门搜索：天气预报 高考 房价 油价 世界杯 疫情 股市 旅游",
    "{site}——权威、及时、全面的{section}资讯平台",
    "本站公告：{site}全新改版上线，欢迎各位读者提出宝贵意见和建议。",
]
_ZH_FOOT = [
    "关于我们 | 联系我们 | 广告服务 | 网站地图 | 免责声明 | 招聘信息 | 意见反馈",
    "Copyright © 2008-2024 {site} 版权所有，未经授权禁止转载或镜像。",
    "{prov}ICP备{num}号-1 {prov}公网安备{num2}号",
    "违法和不良信息举报电话：400-{num3} 举报邮箱：jubao@{host}",
    "本站部分内容转载自互联网，仅供学习交流，如有侵权请联系我们删除，我们将在第一时间处理。",
    "扫描二维码关注{site}官方微信公众号，每天推送精选{section}文章。",
    "声明：本文观点仅代表作者本人，与{site}无关，{site}对文中陈述、观点判断保持中立。",
]
_ZH_VAR = [
    "来源：{site} 作者：{person} 发布时间：{date} 浏览次数：{n}",
    "{date} {time} 来源：{site} 责任编辑：{person}",
    "发布时间：{date} 阅读：{n} 评论：{m}",
    "（责任编辑：{person}）",
]
_EN_SITES = ["Daily", "Herald", "Post", "Times", "Review", "Journal", "Hub", "Digest", "Wire", "Chronicle"]
_EN_HEAD = [
    "Home | World | Business | Tech | Science | Sports | Opinion | Culture | Travel",
    "{site} - Your trusted source for {section} news and analysis",
    "Sign in | Subscribe | Newsletters | Events | Podcasts | Shop",
    "You are here: Home > {section} > Article",
    "Trending: Elections | Markets | Climate | AI | Health | Real Estate",
    "Breaking: sign up for alerts and never miss a story from {site}.",
]
_EN_FOOT = [
    "About Us | Contact | Advertise | Careers | Privacy Policy | Terms of Use | Cookie Settings",
    "© 2024 {site} Media Group. All rights reserved. Reproduction without permission is prohibited.",
    "Subscribe to our newsletter to get the latest {section} stories delivered to your inbox every morning.",
    "Share this article: Facebook | Twitter | LinkedIn | Reddit | Email | Print",
    "This site uses cookies to improve your experience. By continuing you agree to our use of cookies.",
    "{site} takes part in affiliate programs and may earn a commission on purchases made through links.",
    "Have a news tip? Contact the {site} newsroom at tips@{host} or call 555-{num3}.",
]
_EN_VAR = [
    "Posted by {person} on {date} | {n} views | {m} comments",
    "By {person} | Updated {date} {time}",
    "Published {date}. Last modified {date2}.",
    "Filed under {section} | {m} comments",
]
_ZH_SECTIONS = ["国内", "国际", "财经", "科技", "文化", "读书", "旅游", "健康", "教育", "生活"]
_EN_SECTIONS = [
    "World",
    "Business",
    "Technology",
    "Culture",
    "Books",
    "Travel",
    "Health",
    "Education",
    "Life",
]
_ZH_PEOPLE = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴芳", "小编"]
_EN_PEOPLE = [
    "Jane Smith",
    "John Miller",
    "Emily Chen",
    "Michael Brown",
    "Sarah Davis",
    "admin",
    "Staff Writer",
]
_PROVS = ["京", "沪", "粤", "浙", "苏", "川", "鄂", "湘", "鲁", "闽"]


@dataclass
class Site:
    """A web domain with a fixed header/footer template (lines shared by all its pages)."""

    host: str
    lang: str
    head: list[str]
    foot: list[str]
    fill: dict[str, str] = field(default_factory=dict)

    def variable_line(self, rng: random.Random) -> str:
        pool = _ZH_VAR if self.lang == "zh" else _EN_VAR
        return rng.choice(pool).format(**self.fill, **_var_fill(rng, self.lang))

    def wrap(self, body: list[str], rng: random.Random | None = None) -> list[str]:
        """Header + (optional per-page variable line) + body + footer."""
        var = [self.variable_line(rng)] if rng is not None else []
        return self.head + var + body + self.foot


def _var_fill(rng: random.Random, lang: str) -> dict[str, str]:
    y, mo, d = rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28)
    zh = lang == "zh"
    return {
        "date": f"{y}-{mo:02d}-{d:02d}"
        if zh
        else f"{['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun'][mo % 6]} {d}, {y}",
        "date2": f"{y}-{mo:02d}-{min(28, d + 1):02d}",
        "time": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        "n": str(rng.randint(10, 99999)),
        "m": str(rng.randint(0, 500)),
        "person": rng.choice(_ZH_PEOPLE if zh else _EN_PEOPLE),
    }


def make_site(rng: random.Random, lang: str, tag: str, lines: tuple[int, int] = (1, 3)) -> Site:
    """A site with `lines` (min, max) header lines and as many footer lines, drawn from the pools."""
    zh = lang == "zh"
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 8)))
    host = f"www.{word}-{tag}.{'cn' if zh else 'com'}"
    fill = {
        "site": (
            rng.choice(["华夏", "东方", "南方", "中华", "天下", "百姓", "阳光", "蓝天"])
            + rng.choice(_ZH_SITES)
        )
        if zh
        else f"The {word.capitalize()} {rng.choice(_EN_SITES)}",
        "section": rng.choice(_ZH_SECTIONS if zh else _EN_SECTIONS),
        "host": host,
        "prov": rng.choice(_PROVS),
        "num": str(rng.randint(10_000_000, 99_999_999)),
        "num2": str(rng.randint(10**13, 10**14 - 1)),
        "num3": f"{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
    }
    head_pool, foot_pool = (_ZH_HEAD, _ZH_FOOT) if zh else (_EN_HEAD, _EN_FOOT)
    nh = rng.randint(*lines)
    nf = rng.randint(*lines)
    head = [s.format(**fill) for s in rng.sample(head_pool, min(nh, len(head_pool)))]
    foot = [s.format(**fill) for s in rng.sample(foot_pool, min(nf, len(foot_pool)))]
    return Site(host, lang, head, foot, fill)


# ------------------------------------------------------------------------------------------------- edits
_ZH_WIDTH = {"，": ",", "：": ":", "；": ";", "！": "!", "？": "?", "（": "(", "）": ")"}
_ZH_WIDTH_BACK = {v: k for k, v in _ZH_WIDTH.items()}


def _common_chars(texts: Iterable[Text], k: int = 3000) -> str:
    c: Counter[str] = Counter()
    for t in texts:
        if t.lang == "zh":
            c.update(ch for ch in t.text if "\u4e00" <= ch <= "\u9fff")
    return "".join(ch for ch, _ in c.most_common(k))


class Editor:
    """The planted edits; each returns new paragraphs and a short label for the truth file."""

    def __init__(self, rng: random.Random, zh_chars: str):
        self.rng = rng
        self.zh_chars = zh_chars or "的一是在不了有和人这中大为上个国我以要他时来用们"

    # -- normalisation-equivalent copies
    def normcopy(self, paras: list[str], lang: str) -> tuple[list[str], str]:
        rng = self.rng
        if lang == "zh":
            table = _ZH_WIDTH if rng.random() < 0.5 else _ZH_WIDTH_BACK
            paras = ["".join(table.get(c, c) for c in p) for p in paras]
            if rng.random() < 0.5:
                paras = ["\u3000\u3000" + p for p in paras]
            return paras, "normcopy:width"
        if rng.random() < 0.5:  # hard-wrapped at ~70 columns, blank lines between paragraphs
            width = rng.randint(60, 78)
            out = []
            for p in paras:
                line, lines = "", []
                for w in p.split(" "):
                    if line and len(line) + 1 + len(w) > width:
                        lines.append(line)
                        line = w
                    else:
                        line = f"{line} {w}" if line else w
                lines.append(line)
                out.append("\n".join(lines) + "\n")
            return out, "normcopy:wrap"
        return ["  " + p.replace(". ", ".  ") + " " for p in paras], "normcopy:spaces"

    # -- near-duplicate edits
    def header_footer(self, paras: list[str], lang: str, site: Site) -> tuple[list[str], str]:
        return site.wrap(paras, self.rng), "header_footer"

    def unit_noise(self, paras: list[str], lang: str) -> tuple[list[str], str]:
        """Change a share r (0.5-3%) of the units: CJK characters (zh) or words (en, one typo each)."""
        rng = self.rng
        rate = rng.uniform(0.005, 0.03)
        out = []
        for p in paras:
            if lang == "zh":
                chars = list(p)
                for i, c in enumerate(chars):
                    if "\u4e00" <= c <= "\u9fff" and rng.random() < rate:
                        op = rng.random()
                        chars[i] = "" if op < 0.15 else rng.choice(self.zh_chars) + (c if op > 0.85 else "")
                out.append("".join(chars))
            else:
                words = p.split(" ")
                for i, w in enumerate(words):
                    if len(w) > 1 and rng.random() < rate:
                        words[i] = _typo(w, rng)
                out.append(" ".join(words))
        return out, f"unit_noise:{rate:.3f}"

    def drop_paragraph(self, paras: list[str], lang: str) -> tuple[list[str], str] | None:
        total = sum(map(len, paras))
        ok = [i for i, p in enumerate(paras) if len(p) <= 0.2 * total]
        if len(paras) < 5 or not ok:
            return None
        i = self.rng.choice(ok)
        return paras[:i] + paras[i + 1 :], f"drop_paragraph:{len(paras[i]) / total:.2f}"

    def move_paragraph(self, paras: list[str], lang: str) -> tuple[list[str], str] | None:
        if len(paras) < 3:
            return None
        p = list(paras)
        i = self.rng.randrange(len(p))
        para = p.pop(i)
        j = self.rng.choice([k for k in range(len(p) + 1) if k != i])
        p.insert(j, para)
        return p, "move_paragraph"

    def truncate(self, paras: list[str], lang: str) -> tuple[list[str], str] | None:
        text = "\n".join(paras)
        keep = self.rng.uniform(0.8, 0.95)
        cut = int(len(text) * keep)
        # back off to a sentence end when one is near (within 5% of the text)
        ends = [m.end() for m in re.finditer(r"[。！？．.!?]\s*", text[: cut + 1])]
        if ends and cut - ends[-1] < 0.05 * len(text):
            cut = ends[-1]
        out = [p for p in text[:cut].rstrip().split("\n") if p]
        return out, f"truncate:{cut / len(text):.2f}"


def _typo(w: str, rng: random.Random) -> str:
    i = rng.randrange(len(w))
    op = rng.random()
    letters = "etaoinshrdlucmfwypvbgk"
    if op < 0.3:
        return w[:i] + w[i + 1 :]
    if op < 0.6 and i + 1 < len(w):
        return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    if op < 0.8:
        return w[:i] + rng.choice(letters) + w[i + 1 :]
    return w[:i] + rng.choice(letters) + w[i:]


NEAR_EDITS = (
    ("header_footer", 0.35),
    ("unit_noise", 0.25),
    ("drop_paragraph", 0.15),
    ("move_paragraph", 0.1),
    ("truncate", 0.15),
)


def near_copy(ed: Editor, paras: list[str], lang: str, site: Site) -> tuple[list[str], list[str]]:
    """1-2 distinct edits (weights NEAR_EDITS); an edit that does not apply is replaced by another."""
    rng = ed.rng
    names = [n for n, _ in NEAR_EDITS]
    weights = [w for _, w in NEAR_EDITS]
    want = 1 if rng.random() < 0.6 else 2
    done: list[str] = []
    tried: set[str] = set()
    while len(done) < want and len(tried) < len(names):
        name = rng.choices(names, weights)[0]
        if name in tried:
            continue
        tried.add(name)
        res = (
            ed.header_footer(paras, lang, site) if name == "header_footer" else getattr(ed, name)(paras, lang)
        )
        if res is None:
            continue
        paras, label = res
        done.append(label)
    return paras, done


# ------------------------------------------------------------------------------------------------ output
@dataclass
class Doc:
    text: str
    lang: str
    source: str
    domain: str
    cluster: int
    role: str  # original | exact | normcopy | near | boilerplate | unique
    edits: list[str] = field(default_factory=list)
    origin: str = ""


def _write(out: Path, docs: list[Doc], rng: random.Random, shards: int, manifest: dict) -> dict:
    """Shuffle, assign ids, write the shards, the truth and the manifest."""
    order = list(range(len(docs)))
    rng.shuffle(order)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.glob("part-*.jsonl.gz"):
        old.unlink()
    width = max(6, len(str(len(docs))))
    tmp_truth = out / "truth.jsonl.gz.part"
    sizes: Counter[int] = Counter()
    with contextlib.ExitStack() as stack:
        files = [
            stack.enter_context(
                gzip.open(corpus / f"part-{s:05d}-of-{shards:05d}.jsonl.gz", "wt", encoding="utf-8")
            )
            for s in range(shards)
        ]
        tf = stack.enter_context(gzip.open(tmp_truth, "wt", encoding="utf-8"))
        for n, i in enumerate(order):
            d = docs[i]
            did = f"d{n:0{width}d}"
            rec = {"id": did, "text": d.text, "lang": d.lang, "source": d.source, "domain": d.domain}
            files[n * shards // len(docs)].write(json.dumps(rec, ensure_ascii=False) + "\n")
            tf.write(
                json.dumps(
                    {
                        "id": did,
                        "cluster": d.cluster,
                        "lang": d.lang,
                        "role": d.role,
                        "edits": d.edits,
                        "origin": d.origin,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            sizes[d.cluster] += 1
    tmp_truth.replace(out / "truth.jsonl.gz")
    by_lang: dict[str, Counter[str]] = defaultdict(Counter)
    for d in docs:
        by_lang[d.lang][d.role] += 1
    manifest.update(
        docs=len(docs),
        shards=shards,
        roles={k: dict(v) for k, v in sorted(by_lang.items())},
        sources=dict(Counter(d.source for d in docs)),
        domains=len({d.domain for d in docs}),
        true_clusters_gt1=sum(1 for v in sizes.values() if v > 1),
        true_pairs=sum(v * (v - 1) // 2 for v in sizes.values()),
        duplicate_docs=sum(v - 1 for v in sizes.values()),
        chars=sum(len(d.text) for d in docs),
    )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def _cluster_sizes(rng: random.Random) -> int:
    return rng.choices([1, 2, 3, 5], [0.5, 0.25, 0.15, 0.1])[0]


def _plant(ed: Editor, origin: Doc, key: str, mirror: Site, roles: tuple[float, float]) -> Doc:
    """One planted copy of `origin` (exact with prob roles[0], normcopy roles[1], else near)."""
    rng = ed.rng
    paras = origin.text.split("\n")
    r = rng.random()
    src, dom = origin.source, origin.domain
    if origin.source != "web" and rng.random() < 0.7:  # a web copy of a book chapter / a poem
        src, dom = "web", mirror.host
    elif origin.source == "web":
        dom = mirror.host
    if r < roles[0]:
        text, role, edits = origin.text, "exact", []
    elif r < roles[0] + roles[1]:
        p, label = ed.normcopy(paras, origin.lang)
        text, role, edits = "\n".join(p), "normcopy", [label]
    else:
        p, edits = near_copy(ed, paras, origin.lang, mirror)
        text, role = "\n".join(p), "near"
    return Doc(text, origin.lang, src, dom, origin.cluster, role, edits, key)


def _hygiene(texts: list[Text], threshold: float = 0.5) -> tuple[list[Text], list[tuple[str, str, float]]]:
    """Drop originals that are near-duplicates of an earlier one (exact shingle Jaccard >= threshold)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold * 0.8, num_perm=64)
    sets: dict[int, set[str]] = {}
    keep: list[Text] = []
    removed: list[tuple[str, str, float]] = []
    for i, t in enumerate(texts):
        s = shingles(t.text, t.lang)
        m = MinHash(num_perm=64, seed=11)
        m.update_batch([x.encode("utf-8") for x in s])
        hit = None
        for j in lsh.query(m):
            jac = jaccard(s, sets[j])
            if jac >= threshold:
                hit = (texts[j].key, jac)
                break
        if hit:
            removed.append((t.key, hit[0], round(hit[1], 3)))
            continue
        lsh.insert(i, m)
        sets[i] = s
        keep.append(t)
    return keep, removed


def build_quality(out: Path, docs: int = 4000, seed: int = 7, shards: int = 2) -> dict:
    """Originals + planted clusters + boilerplate sites (~10% of `docs`); returns the manifest."""
    rng = random.Random(seed)
    all_texts = load_texts()
    texts, removed = _hygiene(all_texts)
    ed = Editor(rng, _common_chars(all_texts))
    n_bp = max(30, docs // 10)
    n_orig = max(10, round((docs - n_bp) / (1 + 0.35 * 1.95)))
    # boilerplate sites take short web bodies (reviews, C4 pages, answers) that no other document uses
    pool: dict[tuple[str, str], list[Text]] = defaultdict(list)
    for t in texts:
        pool[(t.lang, t.category)].append(t)
    for v in pool.values():
        rng.shuffle(v)
    bodies = {
        "zh": [t for t in pool[("zh", "review")] if len(t.text) <= 400][: n_bp // 2],
        "en": [t for t in pool[("en", "web")] if 300 <= len(t.text) <= 1500][: n_bp - n_bp // 2],
    }
    used = {t.key for v in bodies.values() for t in v}
    weights = {"book": 0.25, "literature": 0.2, "web": 0.3, "review": 0.25, "speech": 0.25}
    originals: list[Text] = []
    for lang, n in (("zh", n_orig // 2), ("en", n_orig - n_orig // 2)):
        cats = {c: [t for t in v if t.key not in used] for (lg, c), v in pool.items() if lg == lang}
        picked: list[Text] = []
        while len(picked) < n and any(cats.values()):
            live = [c for c in cats if cats[c]]
            c = rng.choices(live, [weights[x] for x in live])[0]
            picked.append(cats[c].pop())
        originals += picked
    short = n_orig - len(originals)
    out_docs: list[Doc] = []
    cluster = 0
    for t in originals:
        out_docs.append(Doc(t.text, t.lang, t.source, t.domain, cluster, "original", [], t.key))
        cluster += 1
    # planted clusters on ~10 mirror sites per language, so their templates are real boilerplate
    mirrors = {
        lang: [make_site(rng, lang, f"m{i}") for i in range(max(3, n_orig // 200))] for lang in ("zh", "en")
    }
    planted = 0
    for o in list(out_docs):
        if rng.random() >= 0.35:
            continue
        made = [o]
        for _ in range(_cluster_sizes(rng)):
            base = rng.choice(made[1:]) if len(made) > 1 and rng.random() < 0.2 else o
            mirror = rng.choice(mirrors[o.lang])
            copy = _plant(ed, base, o.origin, mirror, (0.2, 0.1))
            if base is not o:
                copy.edits = ["copy_of_copy", *copy.edits]
            made.append(copy)
            out_docs.append(copy)
            planted += 1
    # hard negatives: sites whose pages share long header/footer blocks around different bodies
    n_sites = 0
    for lang, bs in bodies.items():
        i = 0
        while i < len(bs):
            k = rng.randint(15, 40)
            site = make_site(rng, lang, f"b{n_sites}", (3, 6))
            n_sites += 1
            for t in bs[i : i + k]:
                body = t.paragraphs
                tmpl = sum(map(len, site.head + site.foot))
                # trim the body so that the template is 1-6x its length
                want = max(60, int(tmpl / rng.uniform(1, 6)))
                text = "\n".join(body)[: max(want, 60)]
                out_docs.append(
                    Doc(
                        "\n".join(site.wrap([text])),
                        lang,
                        "web",
                        site.host,
                        cluster,
                        "boilerplate",
                        [],
                        t.key,
                    )
                )
                cluster += 1
            i += k
    manifest = {
        "mode": "quality",
        "version": VERSION,
        "seed": seed,
        "requested_docs": docs,
        "originals": len(originals),
        "originals_short_of_plan": short,
        "planted_copies": planted,
        "boilerplate_sites": n_sites,
        "hygiene_removed": len(removed),
        "hygiene_removed_examples": removed[:10],
        "texts_available": len(all_texts),
    }
    return _write(out, out_docs, rng, shards, manifest)


# -------------------------------------------------------------------------------------------- throughput
class Composer:
    """Makes unique documents from windows of consecutive real sentences."""

    def __init__(self, texts: list[Text], rng: random.Random):
        self.rng = rng
        self.sents: dict[str, list[list[str]]] = {"zh": [], "en": []}
        self.cum: dict[str, list[int]] = {}
        for t in texts:
            s = [
                x
                for p in t.paragraphs
                for x in sentences(p, t.lang)
                if len(x) >= (6 if t.lang == "zh" else 20)
            ]
            if len(s) >= 2:
                self.sents[t.lang].append(s)
        for lang, lst in self.sents.items():
            acc, c = 0, []
            for s in lst:
                acc += len(s)
                c.append(acc)
            self.cum[lang] = c

    def doc(self, lang: str) -> list[str]:
        rng = self.rng
        median = 1000 if lang == "zh" else 2500
        target = min(max(int(rng.lognormvariate(math.log(median), 0.6)), median // 5), median * 5)
        texts, cum = self.sents[lang], self.cum[lang]
        joiner = "" if lang == "zh" else " "
        paras: list[str] = []
        size = 0
        while size < target:
            s = texts[_bisect(cum, rng.randrange(cum[-1]))]
            w = rng.randint(1, 6)
            start = rng.randrange(max(1, len(s) - w + 1))
            p = joiner.join(s[start : start + w])
            paras.append(p)
            size += len(p)
        return paras


def _bisect(cum: list[int], x: int) -> int:
    lo, hi = 0, len(cum)
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def build_throughput(
    out: Path,
    docs: int = 50_000,
    seed: int = 7,
    shards: int = 4,
    dup_share: float = 0.2,
    zh_share: float = 0.5,
) -> dict:
    """`docs` documents, a share `dup_share` of them planted copies; returns the manifest."""
    rng = random.Random(seed)
    texts = load_texts()
    comp = Composer(texts, rng)
    ed = Editor(rng, _common_chars(texts))
    n_dup = round(docs * dup_share)
    n_uniq = docs - n_dup
    sites = {
        lang: [make_site(rng, lang, f"t{i}") for i in range(max(10, docs // 60))] for lang in ("zh", "en")
    }
    templated = {lang: {s.host for s in v if rng.random() < 0.25} for lang, v in sites.items()}
    out_docs: list[Doc] = []
    for c in range(n_uniq):
        lang = "zh" if rng.random() < zh_share else "en"
        site = rng.choice(sites[lang])
        paras = comp.doc(lang)
        if site.host in templated[lang]:
            paras = site.wrap(paras)
        out_docs.append(Doc("\n".join(paras), lang, "web", site.host, c, "unique", [], f"u{c}"))
    for _ in range(n_dup):
        base = out_docs[rng.randrange(len(out_docs))]
        mirror = rng.choice(sites[base.lang])
        copy = _plant(ed, base, base.origin, mirror, (0.35, 0.15))
        out_docs.append(copy)
    manifest = {
        "mode": "throughput",
        "version": VERSION,
        "seed": seed,
        "dup_share": dup_share,
        "zh_share": zh_share,
        "planted_copies": n_dup,
        "sentence_texts": {k: len(v) for k, v in comp.sents.items()},
    }
    return _write(out, out_docs, rng, shards, manifest)


# ------------------------------------------------------------------------------------------------ access
def corpus_dir(mode: str, docs: int, seed: int, dup_share: float = 0.2) -> Path:
    tag = f"-dup{dup_share:g}" if mode == "throughput" else ""
    return BENCH_DIR / f"{mode}-{docs}-s{seed}{tag}"


def ensure(
    mode: str,
    docs: int,
    seed: int = 7,
    shards: int | None = None,
    dup_share: float = 0.2,
    out: Path | None = None,
) -> tuple[Path, dict]:
    """Build (or reuse, when the manifest matches) a corpus; returns (folder, manifest)."""
    shards = shards or (2 if mode == "quality" else 4)
    out = out or corpus_dir(mode, docs, seed, dup_share)
    mf = out / "manifest.json"
    if mf.exists():
        m = json.loads(mf.read_text())
        same = (m.get("version"), m.get("seed"), m.get("shards")) == (VERSION, seed, shards)
        if same and (m.get("requested_docs", m.get("docs")) == docs) and (out / "truth.jsonl.gz").exists():
            return out, m
    out.mkdir(parents=True, exist_ok=True)
    if mode == "quality":
        m = build_quality(out, docs, seed, shards)
    else:
        m = build_throughput(out, docs, seed, shards, dup_share)
    return out, m


def read_jsonl(paths: Iterable[Path]) -> Iterator[dict]:
    for p in paths:
        opener = gzip.open if str(p).endswith(".gz") else open
        with opener(p, "rt", encoding="utf-8") as f:  # type: ignore[operator]
            for line in f:
                if line.strip():
                    yield json.loads(line)


def load_truth(folder: Path) -> dict[str, dict]:
    return {r["id"]: r for r in read_jsonl([folder / "truth.jsonl.gz"])}


def digest(folder: Path) -> str:
    """sha1 over the corpus shards and the truth file (a determinism check)."""
    h = hashlib.sha1()
    for p in [*sorted((folder / "corpus").glob("*.jsonl.gz")), folder / "truth.jsonl.gz"]:
        with gzip.open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="output folder (default: .bench/dedup/<mode>-<docs>-s<seed>)")
    ap.add_argument("--mode", choices=("quality", "throughput"), default="quality")
    ap.add_argument(
        "--docs", type=int, default=None, help="documents (default 4000 quality, 50000 throughput)"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shards", type=int, default=None, help="output files (default 2 quality, 4 throughput)")
    ap.add_argument("--dup-share", type=float, default=0.2, help="throughput: share of planted copies")
    ap.add_argument("--digest", action="store_true", help="also print a sha1 of the output")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"no shared data at {DATA}\nskipped=1")
        return 0
    docs = args.docs or (4000 if args.mode == "quality" else 50_000)
    out, m = ensure(args.mode, docs, args.seed, args.shards, args.dup_share, args.out)
    print(json.dumps(m, ensure_ascii=False))
    extra = f" sha1={digest(out)}" if args.digest else ""
    print(
        f"out={out} docs={m['docs']} duplicate_docs={m['duplicate_docs']} true_pairs={m['true_pairs']}{extra}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
