"""Main-text extraction quality and speed: pipelines.text.extract against trafilatura's defaults and
resiliparse, on the same pages in one run.

    .venv/bin/python bench/extraction_quality.py [--limit N] [--data DIR]

English/multilingual: trafilatura's own benchmark (../shared/data/web/trafilatura_eval, 990 pages,
mostly English and German). Each page has `with` snippets (must appear in the main text) and
`without` snippets (boilerplate that must not). Scored as trafilatura's tests/eval_common.py does:
whitespace-normalised substring match, summed over all pages into TP (with found), FN (with
missed), FP (without found), TN; precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2TP/(2TP+FP+FN).
docs/s is pages over the summed time of the extraction calls alone (one process, decoding excluded).

Chinese: the benchmark's 5 Chinese pages (zh_pages/) and GNE's 62 Chinese news article pages
(../shared/data/web/gne_zh_news_html/tests). Neither set ships a gold body (GNE has no annotations
at all), so each page here carries two hand-picked anchors, the first and the last sentence of
the article body as it reads on the page (title, byline, editor line, related links and
comments left out). The gold body is the page's visible text from the first anchor to the end of
the second, the visible text being every text node outside script/style with block elements on
their own lines, independent of any extractor. Scores are on character 3-grams of that text with
whitespace and punctuation dropped (no word segmentation): recall = share of gold 3-grams found
in the output, precision = share of output 3-grams that are in the gold body (both as multisets),
and "covered" = share of pages with recall >= 0.8. GNE's 4 list/forum pages have no body; for
them the table shows how many characters each backend still returns (less is better). The
benchmark's `with`/`without` snippets for the 5 Chinese pages are scored too.

Page bytes are decoded as the corpus reader would: the charset a <meta> declares (GB2312/GBK read
as GB18030, Latin-1 as cp1252), else UTF-8, else charset-normalizer's guess; a strict decode
that fails moves on to the next step, and valid UTF-8 wins over a legacy declaration (4 GNE
pages declare gb2312 but were saved as UTF-8; pipelines.readers.decode_html handles that).

Exits 0 with `skipped=1` when the shared data is absent.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.readers import decode_html  # noqa: E402
from pipelines.text.extract import ExtractConfig, extract_main_text  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
COVERED_RECALL = 0.8  # a page counts as covered when this share of its gold body comes out

# ---------------------------------------------------------------- decoding and visible text

_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl", "dt"}
    | {"fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td"}
    | {"th", "tr", "ul"}
)
_INVISIBLE = ("script", "style", "noscript", "template", "head", "svg", "iframe", "textarea", "select")


def visible_text(html: str) -> str:
    """Every text node of the page outside script/style/head, block elements on their own lines,
    spaces collapsed: the neutral page text the Chinese gold bodies are cut from."""
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    # libxml2 drops everything after the first </html>; a browser keeps it (pages that include a
    # whole header template put one in the middle)
    html = re.sub(r"</html\s*>", "", html, flags=re.I)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (etree.LxmlError, ValueError):
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
    text = root.text_content()
    lines = (re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- scoring


def _norm_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Confusion:
    """Snippet counts summed over pages, as trafilatura's eval_common.ConfusionMatrix."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    found_share: list[float] = field(default_factory=list)  # per page: `with` snippets found
    avoided_share: list[float] = field(default_factory=list)  # per page: `without` snippets absent

    def add(self, with_: list[str], without: list[str], output: str) -> None:
        out = _norm_ws(output)
        found = sum(1 for s in with_ if _norm_ws(s) in out)
        leaked = sum(1 for s in without if _norm_ws(s) in out)
        self.tp += found
        self.fn += len(with_) - found
        self.fp += leaked
        self.tn += len(without) - leaked
        if with_:
            self.found_share.append(found / len(with_))
        if without:
            self.avoided_share.append(1 - leaked / len(without))

    @property
    def mean_found(self) -> float:
        return sum(self.found_share) / len(self.found_share) if self.found_share else 0.0

    @property
    def mean_avoided(self) -> float:
        return sum(self.avoided_share) / len(self.avoided_share) if self.avoided_share else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 0.0


def char_ngrams(text: str, n: int = 3) -> Counter[str]:
    """Multiset of character n-grams over letters and digits only (CJK included, no segmentation)."""
    chars = "".join(ch for ch in text.lower() if ch.isalnum())
    return Counter(chars[i : i + n] for i in range(len(chars) - n + 1))


def overlap_scores(output: str, gold: str) -> tuple[float, float]:
    """(precision, recall) of output against gold on character 3-gram multisets."""
    out, ref = char_ngrams(output), char_ngrams(gold)
    common = sum((out & ref).values())
    precision = common / sum(out.values()) if out else 0.0
    recall = common / sum(ref.values()) if ref else 0.0
    return precision, recall


# ---------------------------------------------------------------- the systems compared


def _resiliparse_main_content() -> Callable[[str, str | None], str] | None:
    try:
        from resiliparse.extract.html2text import extract_plain_text
    except ImportError:
        return None
    return lambda html, url: extract_plain_text(html, main_content=True)


def _trafilatura_defaults(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def systems() -> dict[str, Callable[[str, str | None], str]]:
    """Name -> extract(html, url). 'chosen' is extract_main_text with the default ExtractConfig."""
    chosen = ExtractConfig()
    found: dict[str, Callable[[str, str | None], str]] = {
        "chosen": lambda html, url: extract_main_text(html, url, chosen),
        "trafilatura-defaults": _trafilatura_defaults,
    }
    resiliparse = _resiliparse_main_content()
    if resiliparse is not None:
        found["resiliparse"] = resiliparse
    return found


@dataclass
class Timed:
    seconds: float = 0.0
    pages: int = 0
    errors: list[str] = field(default_factory=list)

    def run(self, fn: Callable[[str, str | None], str], html: str, url: str | None, where: str) -> str:
        start = time.perf_counter()
        try:
            out = fn(html, url) or ""
        except Exception as exc:  # a crash is scored as an empty page, as trafilatura's eval does
            self.errors.append(f"{where}: {type(exc).__name__}: {exc}")
            out = ""
        self.seconds += time.perf_counter() - start
        self.pages += 1
        return out

    @property
    def docs_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------- the English benchmark


def benchmark_pages(root: Path, limit: int | None) -> Iterator[tuple[str, dict, bytes]]:
    """(url, item, html bytes) for each page of evaldata.json, read from tests/cache or the tarball."""
    items = json.loads((root / "tests" / "evaldata.json").read_text(encoding="utf-8"))
    chosen = list(items.items())[:limit] if limit else list(items.items())
    wanted = {item["file"] for _, item in chosen}
    from_tar: dict[str, bytes] = {}
    with tarfile.open(root / "eval_html.tar.gz") as tar:
        for member in tar:
            name = member.name.split("/", 1)[-1]
            if member.isfile() and name in wanted and not (root / "tests" / "cache" / name).is_file():
                handle = tar.extractfile(member)
                if handle is not None:
                    from_tar[name] = handle.read()
    for url, item in chosen:
        cached = root / "tests" / "cache" / item["file"]
        data = cached.read_bytes() if cached.is_file() else from_tar.get(item["file"])
        if data is not None:
            yield url, item, data


def run_english(
    root: Path, limit: int | None, names: dict[str, Callable]
) -> dict[str, tuple[Confusion, Timed]]:
    results = {name: (Confusion(), Timed()) for name in names}
    for url, item, data in benchmark_pages(root, limit):
        html, _, _ = decode_html(data, None)
        for name, fn in names.items():
            confusion, timed = results[name]
            confusion.add(item["with"], item["without"], timed.run(fn, html, url, item["file"]))
    return results


# ---------------------------------------------------------------- the Chinese pages

# (first sentence of the body, last sentence of the body), as they read in visible_text(page).
# Chosen by reading each page; the gold body is everything between, both included.
ZH_ANCHORS: dict[str, tuple[str, str]] = {
    "trafilatura_eval/xinhuanet.com.c_1125597921.html": (  # 1070 characters
        "“妈妈，为什么还不能出去",
        "（评论员 罗博 萧海川）",
    ),
    "trafilatura_eval/banyuetan.org.1000200033136171577956287380194268_1.html": (  # 1585 characters
        "益水之阳，是名益阳。这个",
        "谈》2019年第24期）",
    ),
    "trafilatura_eval/baike.baidu.com.tanya.html": (  # 9892 characters
        "蔡健雅（Tanya Ch",
        "的淡雅气场（新浪娱乐评）",
    ),
    "trafilatura_eval/archive.org.he.xinhuanet.com.25340717.html": (  # 1500 characters
        "一个约定，信守15年，感",
        "世界观、人生观、价值观。",
    ),
    "trafilatura_eval/chineselyrics4u.com.zhineng.html": (  # 644 characters
        "爱 逝去的爱 讨不回来",
        "ni\nRepeat Chorus\n想念你 想念你\nXiang nian ni xiang nian ni",
    ),
    "gne/tests/163/1.html": (  # 4236 characters
        "（原标题：多地项目连环爆",
        "龙湖给投资者作一个交代。",
    ),
    "gne/tests/163/2.html": (  # 339 characters
        "（原标题：姚明对周琦说了",
        "外加2次抢断、2记盖帽。",
    ),
    "gne/tests/163/3.html": (  # 2483 characters
        "（原标题：单项奖金100",
        "全，人民的生活更幸福!”",
    ),
    "gne/tests/163/4.html": (  # 4010 characters
        "（原标题：5G手机芯片江",
        "要求，文中张严为化名。）",
    ),
    "gne/tests/163/5.html": (  # 983 characters
        "（原标题：民警电话遭停机",
        "技术手段下尽量避免误伤。",
    ),
    "gne/tests/163/6.html": (  # 1289 characters
        "（原标题：“救命啊SOS",
        "孩子做他不喜欢做的事情。",
    ),
    "gne/tests/163/7.html": (  # 773 characters
        "（原标题：“黑五”战役打",
        "并宣布推出百亿补贴计划。",
    ),
    "gne/tests/163/8.html": (  # 993 characters
        "（原标题：国务院联防联控",
        "科学性、精准性、针对性。",
    ),
    "gne/tests/163/9.html": (  # 1122 characters
        "下周一，",
        "能\n平安出行，安全到家。",
    ),
    "gne/tests/baijiahao/1.html": (  # 1139 characters
        "英国汉普郡贝辛斯托克的一",
        "将飞往埃及参加国际决赛。",
    ),
    "gne/tests/baijiahao/2.html": (  # 301 characters
        "IT之家9月30日消息 ",
        "表示“没见过也没用过”。",
    ),
    "gne/tests/baijiahao/3.html": (  # 2087 characters
        "水洗工艺，最大程度凸显你",
        "款休闲裤明星同款运动长裤",
    ),
    "gne/tests/baijiahao/4.html": (  # 2003 characters
        "前段时间，在某平台举办的",
        "他乡，只为传播中华文化。",
    ),
    "gne/tests/cjddsb/1.html": (  # 664 characters
        "为持续推动金融消费者教育",
        "文/图 刘玺东 易赛楠)",
    ),
    "gne/tests/cjn/1.html": (  # 1183 characters
        "长江网10月4日讯（记者",
        "年中国经济增速将达2%。",
    ),
    "gne/tests/cmse/1.html": (  # 707 characters
        "女士们、先生们：",
        "，我愿意回答大家的提问。",
    ),
    "gne/tests/csdn/1.html": (  # 3693 characters
        "摘要：2014年8月22",
        "团队”，余弦骄傲地说道。",
    ),
    "gne/tests/ednchina/1.html": (  # 1963 characters
        "发布含光800芯片时，张",
        "件一体化协同发展的公司。",
    ),
    "gne/tests/gamersky/gamersky.html": (  # 404 characters
        "《逆水寒》每周的版本更新",
        "清醒一下”的花哨动作。”",
    ),
    "gne/tests/gsc/1.html": (  # 1607 characters
        "5月10-12日，201",
        "研究成果和学科发展盛况。",
    ),
    "gne/tests/guancha/2.html": (  # 950 characters
        "9月3日，在第二届全球I",
        "及台资在大陆的企业贡献。",
    ),
    "gne/tests/guancha/3.html": (  # 452 characters
        "据中新网9月9日报道，针",
        "至发稿时，尚未收到回应。",
    ),
    "gne/tests/guancha/guancha.html": (  # 1369 characters
        "“中美贸易战正在变成一场",
        "，中国无惧“比拼耐力”。",
    ),
    "gne/tests/gzggw/1.html": (  # 248 characters
        "1-10月，全县固定资产",
        "稳趋优。（德清县发改局）",
    ),
    "gne/tests/hexun/1.html": (  # 114 characters
        "据财联社9月26日消息，",
        "现“1.5小时交通圈”。",
    ),
    "gne/tests/huanqiu/1.html": (  # 3035 characters
        "西方世界的一些反华分子正",
        "一点，理性一点，可以吗。",
    ),
    "gne/tests/ifeng/1.html": (  # 4000 characters
        "7岁小花（化名）“眼睛被",
        "织观看了校园欺凌教育片。",
    ),
    "gne/tests/ifeng/2.html": (  # 4793 characters
        "杭州市学军中学校长陈立群",
        "道一声：老师，您辛苦了。",
    ),
    "gne/tests/ifeng/3.html": (  # 1187 characters
        "2020年，因为疫情影响",
        "创新的精神，它就是长春！",
    ),
    "gne/tests/ifeng/ifeng.html": (  # 659 characters
        "据台媒报道，艺人董又霖6",
        "成为社交平台的话题人物。",
    ),
    "gne/tests/mingridapan/1.html": (  # 132 characters
        "联合国贸发会议发布了《2",
        "球贸易增长也将严重减缓。",
    ),
    "gne/tests/other/1.html": (  # 233 characters
        "（2007年6月29日第",
        "为53365.53亿元。",
    ),
    "gne/tests/njxfhn/1.html": (  # 2905 characters
        "原标题：江门七旬阿婆接来",
        "不准时可拨打110求证。",
    ),
    "gne/tests/people/1.html": (  # 717 characters
        "父亲的教诲像一盏灯，为我",
        "字里行间都是对儿子的爱。",
    ),
    "gne/tests/qq/2.html": (  # 3430 characters
        "一位接近监管的人士对《棱",
        "整顿仍将持续。",
    ),
    "gne/tests/qq/qq.html": (  # 1689 characters
        "潘振声女儿马莉表示，改成",
        "6个民族新儿歌》等作品。",
    ),
    "gne/tests/readhub/readhub.html": (  # 189 characters
        "根据运营商内部人士透露，",
        "5G 手机直接进行补贴。",
    ),
    "gne/tests/shanxi/1.html": (  # 989 characters
        "跨越千山万水，行程近两万",
        "、阿根廷举行。（张巨峰）",
    ),
    "gne/tests/sina/1.html": (  # 1208 characters
        "原标题：视界丨这个中国人",
        "年人运动场”。（BBC）",
    ),
    "gne/tests/sina/2.html": (  # 216 characters
        "新京报快讯（记者 裴剑飞",
        "正常渠道购票带来的风险。",
    ),
    "gne/tests/sina/3.html": (  # 3754 characters
        "随着低增长、低利率、低通",
        "债券重启量化宽松。（完）",
    ),
    "gne/tests/sina/4.html": (  # 943 characters
        "新浪科技讯 北京时间9月",
        "新iPhone。(李楠)",
    ),
    "gne/tests/sina/5.html": (  # 433 characters
        "原标题：快讯！陈同佳刑满",
        "，陈同佳上车离开了现场。",
    ),
    "gne/tests/sina/sina.html": (  # 1642 characters
        "原标题：最强“中国芯”本",
        "投入上已超过10亿美元。",
    ),
    "gne/tests/stcn/1.html": (  # 208 characters
        "证券时报e公司讯，当升科",
        "公司日本伊戈尔少数股权。",
    ),
    "gne/tests/sxmu/1.html": (  # 9125 characters
        "《中华人民共和国监察法》",
        "国行政监察法》同时废止。",
    ),
    "gne/tests/thepaper/1.html": (  # 2660 characters
        "“以前花一两元就能充满电",
        "电宝的需求量会越来越大。",
    ),
    "gne/tests/thepaper/2.html": (  # 1302 characters
        "本文原标题：《定了！广州",
        "母港\n开始搓搓手了！！！",
    ),
    "gne/tests/thepaper/3.html": (  # 2936 characters
        "【编前语】2020年1月",
        "贯彻落实情况的监督检查。",
    ),
    "gne/tests/thepaper/4.html": (  # 1302 characters
        "本文原标题：《定了！广州",
        "母港\n开始搓搓手了！！！",
    ),
    "gne/tests/thepaper/5.html": (  # 1811 characters
        "此前，发烧、咳嗽被认为是",
        "的症状，对疾控至关重要。",
    ),
    "gne/tests/toutiao/2.html": (  # 90 characters
        "当全世界绝大部分国家都在",
        "界第二大内陆国的蒙古国。",
    ),
    "gne/tests/toutiao/3.html": (  # 3552 characters
        "8岁儿子在四川海螺沟景区",
        "孩子，他一定会回来的。”",
    ),
    "gne/tests/toutiao/4.html": (  # 1545 characters
        "综合消息，近日，较强冷空",
        "，雨天出行注意交通安全。",
    ),
    "gne/tests/toutiao/5.html": (  # 3570 characters
        "最近，武汉一个顺丰小哥汪",
        "能多陪陪家人”。——汪勇",
    ),
    "gne/tests/toutiao/toutiao.html": (  # 377 characters
        "FreeCell",
        "MAC，暂时没有简体中文",
    ),
    "gne/tests/wechat/1.html": (  # 1738 characters
        "今天凌晨，三星在美国旧金",
        "拥有黑、金、紫三色可选。",
    ),
    "gne/tests/wechat/2.html": (  # 1868 characters
        "熟悉 Golang 的同",
        "保始终增加一条日期数据。",
    ),
    "gne/tests/xds/1.html": (  # 1595 characters
        "【证券时报网】A股三大股",
        "券资金使用情况是良好的。",
    ),
    "gne/tests/xinhuanet/1.html": (  # 558 characters
        "新华社巴黎12月9日电（",
        "退休制度改革的总体架构。",
    ),
    "gne/tests/zsnews/1.html": (  # 405 characters
        "2019年2月27日下午",
        "经济发展提供创新驱动力。",
    ),
    "gne/tests/zyyfy/1.html": (  # 572 characters
        "本站讯（职工通讯员 李琴",
        "提高医院的药学服务水平。",
    ),
}

# evaldata.json entries of the benchmark's Chinese pages (nhk.or.jp is Japanese and left out)
ZH_BENCHMARK_FILES = (
    "xinhuanet.com.c_1125597921.html",
    "banyuetan.org.1000200033136171577956287380194268_1.html",
    "baike.baidu.com.tanya.html",
    "archive.org.he.xinhuanet.com.25340717.html",
    "chineselyrics4u.com.zhineng.html",
)


def gold_body(page_text: str, anchors: tuple[str, str], where: str) -> str:
    first, last = anchors
    start = page_text.find(first)
    end = page_text.find(last, max(start, 0))
    if start < 0 or end < 0:
        raise ValueError(f"{where}: gold anchor not in the page text ({first[:20]!r} / {last[:20]!r})")
    return page_text[start : end + len(last)]


@dataclass
class ZhScores:
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    list_page_chars: list[int] = field(default_factory=list)
    snippets: Confusion = field(default_factory=Confusion)
    timed: Timed = field(default_factory=Timed)

    @staticmethod
    def _mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else 0.0

    @property
    def mean_precision(self) -> float:
        return self._mean(self.precision)

    @property
    def mean_recall(self) -> float:
        return self._mean(self.recall)

    @property
    def covered(self) -> float:
        return self._mean([1.0 if r >= COVERED_RECALL else 0.0 for r in self.recall])


def zh_pages(data: Path) -> Iterator[tuple[str, bytes, str | None, dict | None]]:
    """(key, bytes, url, evaldata item or None) for each Chinese page; list pages have no anchors."""
    trafi = data / "web" / "trafilatura_eval"
    items = json.loads((trafi / "tests" / "evaldata.json").read_text(encoding="utf-8"))
    by_file = {item["file"]: (url, item) for url, item in items.items()}
    for name in ZH_BENCHMARK_FILES:
        url, item = by_file[name]
        yield f"trafilatura_eval/{name}", (trafi / "zh_pages" / name).read_bytes(), url, item
    gne = data / "web" / "gne_zh_news_html"
    for path in sorted(gne.rglob("*.html")):
        yield f"gne/{path.relative_to(gne).as_posix()}", path.read_bytes(), None, None


def run_chinese(data: Path, names: dict[str, Callable]) -> tuple[dict[str, ZhScores], list[str]]:
    results = {name: ZhScores() for name in names}
    notes: list[str] = []
    for key, raw, url, item in zh_pages(data):
        html, encoding, how = decode_html(raw, None)  # the reader's decoder, as the pipeline runs it
        if encoding != "utf-8":
            notes.append(f"{key}: decoded as {encoding} ({how})")
        anchors = ZH_ANCHORS.get(key)
        gold = gold_body(visible_text(html), anchors, key) if anchors else None
        is_list_page = "/test_list_page/" in key
        if gold is None and not is_list_page:
            notes.append(f"{key}: no gold anchors, skipped")
            continue
        for name, fn in names.items():
            scores = results[name]
            out = scores.timed.run(fn, html, url, key)
            if item is not None:
                scores.snippets.add(item["with"], item["without"], out)
            if gold is None:
                scores.list_page_chars.append(len(out))
            else:
                precision, recall = overlap_scores(out, gold)
                scores.precision.append(precision)
                scores.recall.append(recall)
    return results, notes


# ---------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N pages of the English benchmark")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    args = parser.parse_args(argv)

    trafi = args.data / "web" / "trafilatura_eval"
    if not (trafi / "eval_html.tar.gz").is_file() or not (args.data / "web" / "gne_zh_news_html").is_dir():
        print(f"shared data not found under {args.data}: nothing to measure")
        print("skipped=1")
        return 0

    names = systems()
    if "resiliparse" not in names:
        print("resiliparse is not installed (pip install resiliparse): its column is left out")
    english = run_english(trafi, args.limit, names)
    chinese, notes = run_chinese(args.data, names)

    n_en = next(iter(english.values()))[1].pages
    n_zh = len(next(iter(chinese.values())).recall)
    n_list = len(next(iter(chinese.values())).list_page_chars)
    chosen_cfg = ExtractConfig()
    print(f"chosen = extract_main_text with {chosen_cfg}")
    print(f"\nEnglish/multilingual benchmark: {n_en} pages (trafilatura_eval), snippet-level")
    print("  found/avoided: mean per page of `with` snippets found / `without` snippets kept out")
    print(
        f"{'system':<22}{'found':>7}{'avoided':>8}{'precision':>10}{'recall':>8}{'F1':>7}"
        f"{'TP':>6}{'FP':>6}{'FN':>6}{'docs/s':>8}"
    )
    for name, (c, t) in english.items():
        print(
            f"{name:<22}{c.mean_found:>7.3f}{c.mean_avoided:>8.3f}{c.precision:>10.3f}{c.recall:>8.3f}"
            f"{c.f1:>7.3f}{c.tp:>6}{c.fp:>6}{c.fn:>6}{t.docs_per_s:>8.1f}"
        )
    print(
        f"\nChinese: {n_zh} article pages with a gold body (5 trafilatura_eval + {n_zh - 5} GNE), "
        f"character-3-gram scores, mean per page; {n_list} GNE list pages"
    )
    print(
        "  covered: share of pages with recall >= 0.8; snip-F1: the 5 benchmark pages' snippets;\n"
        "  list-chars: mean characters returned for a list/forum page (no body: less is better)"
    )
    print(
        f"{'system':<22}{'precision':>10}{'recall':>8}{'covered':>9}{'snip-F1':>9}{'list-chars':>11}"
        f"{'docs/s':>8}"
    )
    for name, z in chinese.items():
        list_chars = sum(z.list_page_chars) / len(z.list_page_chars) if z.list_page_chars else 0.0
        print(
            f"{name:<22}{z.mean_precision:>10.3f}{z.mean_recall:>8.3f}{z.covered:>9.3f}"
            f"{z.snippets.f1:>9.3f}{list_chars:>11.0f}{z.timed.docs_per_s:>8.1f}"
        )
    for name in names:
        for err in english[name][1].errors + chinese[name].timed.errors:
            print(f"error [{name}] {err}")
    for note in notes:
        print(f"note: {note}")

    chosen_en, chosen_zh = english["chosen"], chinese["chosen"]
    # f1_trafilatura is the chosen settings when they use trafilatura, else trafilatura's defaults
    trafilatura_row = chosen_en if chosen_cfg.backend == "trafilatura" else english["trafilatura-defaults"]
    trafilatura_f1 = trafilatura_row[0].f1
    resiliparse_f1 = english["resiliparse"][0].f1 if "resiliparse" in english else float("nan")
    print(
        f"backend={chosen_cfg.backend} f1_trafilatura={trafilatura_f1:.3f} "
        f"f1_trafilatura_defaults={english['trafilatura-defaults'][0].f1:.3f} "
        f"f1_resiliparse={resiliparse_f1:.3f} f1_chosen={chosen_en[0].f1:.3f} "
        f"zh_recall={chosen_zh.mean_recall:.3f} zh_precision={chosen_zh.mean_precision:.3f} "
        f"zh_covered={chosen_zh.covered:.3f} docs_per_s={chosen_en[1].docs_per_s:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
