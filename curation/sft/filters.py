"""SFT filters: score first (`score`), decide second (`decide`), as pipelines/text/quality.py does.

`score(rec)` writes named numbers on `rec.signals` (lengths, repetition, refusal and boilerplate
flags, language match, PII and sensitive-term counts) and sets `rec.lang` (the instruction's
language) and `meta["answer_lang"]`; `decide(rec, cfg)` returns the first failing rule's reason
or None. Reasons, in the order they are checked (the record's `drop` is `filter:<reason>`):

    empty_turn              a user or assistant turn is empty (whitespace only)
    instruction_too_short   first user turn under `min_instruction_chars`
    instruction_too_long    first user turn over `max_instruction_chars`
    answer_too_short        last answer under the category's minimum (`min_answer_chars`)
    answer_too_long         last answer over `max_answer_chars`
    answer_repetition       the answer repeats itself (repeated character n-grams, lines or paragraphs)
    refusal                 the answer opens with a refusal ("抱歉，我无法…", "I'm sorry, but I can't…")
    ai_boilerplate          "作为一个AI语言模型…", "As an AI language model…" in an answer
    lang_mismatch           answer language differs from the instruction's, and no other language was asked
    pii                     personal data (compliance.pii) in any turn
    sensitive               a sensitive-lexicon category over its threshold (compliance.sensitive), only
                            with `sensitive_action: drop`; the default "tag" lists them in meta["sensitive"]

Lengths are in characters of the stripped text. `quality_score(rec, cfg)` turns the signals into
one number in [0, 1] that dedup and the rebalancer use to pick the best answer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from classifiers.langid import LanguageIdentifier, script_shares
from compliance.pii import find_pii
from compliance.sensitive import SensitiveConfig, SensitiveMatcher, over_threshold
from curation.sft.records import SFTRecord, answer_text, instruction_text, turns
from pipelines.text.minhash import fold_lower
from pipelines.text.quality import compute_signals

REASONS = (
    "empty_turn",
    "instruction_too_short",
    "instruction_too_long",
    "answer_too_short",
    "answer_too_long",
    "answer_repetition",
    "refusal",
    "ai_boilerplate",
    "lang_mismatch",
    "pii",
    "sensitive",
)
STAGE = "filter"
REP_NGRAM = 10  # characters: a repeated 10-character run is a repeated phrase in Chinese or English
REFUSAL_HEAD = 80  # characters of the answer's opening where a refusal is looked for
LANG_CHARS = 200  # characters of a prompt or answer given to language id (lid.176 is sure long before)

# Minimum answer length by category: a classification label or a number is a full answer, an
# essay or a list of ideas is not. Categories not listed use `min_answer_chars`.
DEFAULT_MIN_ANSWER_BY_CATEGORY = {
    "classification": 1,
    "closed_qa": 1,
    "extract": 1,
    "math": 1,
    "translation": 1,
    "chat": 2,
    "rewrite": 4,
    "open_qa": 8,
    "summarization": 8,
    "code": 8,
    "brainstorming": 16,
    "generation": 16,
}

_REFUSAL = re.compile(
    r"^\W*(?:"
    r"(?:很|非常)?(?:抱歉|对不起|不好意思)[，,。!！]?\s*(?:我|但我|但是我)?(?:无法|不能|没办法|不可以|做不到)"
    r"|我(?:无法|不能|没办法)(?:提供|回答|帮助|协助|完成|满足|给出|生成|为您|为你|透露|讨论)"
    r"|(?:i\s*(?:am|'m)\s+)?sorry,?\s+(?:but\s+)?i\s*(?:can(?:no|')t|cannot|am\s+unable|'m\s+unable|won't)"
    r"|(?:i\s*(?:am|'m)\s+)?(?:unable|not\s+able)\s+to\s+(?:help|assist|provide|comply|answer|fulfill)"
    r"|i\s*(?:can(?:no|')t|cannot|won't)\s+(?:help|assist|provide|comply|answer|fulfill|do\s+that)"
    r"|i\s+apologi[sz]e,?\s+but\s+i"
    r")",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"作为(?:一[个名款]|一个)?(?:AI|人工智能)?(?:语言)?模型"
    r"|作为(?:一[个名款])?(?:AI|人工智能)(?:助手|程序)?，我(?:没有|无法|不能|不具备)"
    r"|as\s+an?\s+(?:ai|artificial\s+intelligence)\s+(?:language\s+)?model"
    r"|as\s+a\s+(?:large\s+)?language\s+model"
    r"|i\s*(?:am|'m)\s+(?:just\s+)?an?\s+(?:ai|artificial\s+intelligence)\s+(?:language\s+)?model",
    re.IGNORECASE,
)
_TRANSLATION = re.compile(
    r"翻译|译成|译为|译作|翻成|用(?:英文|英语|中文|汉语|日语|法语|德语)|(?:英文|英语|中文)(?:怎么说|是什么|回答|写)"
    r"|(?:英|中|汉)译(?:中|英|汉)|另一种语言|外语|(?:法|德|日|韩|俄|西班牙|意大利|拉丁)语"
    r"|translat|(?:another|other|foreign)\s+language"
    r"|in\s+(?:english|chinese|mandarin)|(?:into|to)\s+(?:english|chinese|mandarin)"
    r"|\b(?:japanese|french|german|spanish|korean|italian|russian|latin|portuguese)\b",
    re.IGNORECASE,
)
CODE_MARKS = ("```", "def ", "function", "#include", "SELECT ", "import ", "class ", "=>", ";\n", "{\n")
_SPACES = re.compile(r"\s+")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
# lid.176 names Chinese varieties apart; a Wu- or Cantonese-looking sentence is still a Chinese answer
ZH_MIN_HAN_SHARE = 0.3  # "地球ol是基于JAVA的还是C++的？" is Chinese whatever lid.176 says (as minhash.py)
CHINESE_VARIETIES = frozenset(["zh", "wuu", "yue", "gan", "hak", "lzh", "cdo", "nan", "hsn"])


@dataclass(frozen=True)
class FilterConfig:
    """Thresholds of the SFT filters (configs/sft.yaml `filter:`); None turns a length rule off."""

    min_instruction_chars: int = 2  # "hi" is a (chat) instruction; "?" is not
    max_instruction_chars: int | None = 16000  # a long passage to summarize still fits
    min_answer_chars: int = 2  # for categories not in min_answer_chars_by_category
    min_answer_chars_by_category: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_MIN_ANSWER_BY_CATEGORY)
    )
    max_answer_chars: int | None = 16000
    # repetition: share of the answer's 10-character n-grams seen before in it (after folding case
    # and removing spaces); degenerate loops ("好的好的好的…") are near 1, ordinary answers near 0;
    # not applied to code and JSON answers, whose keys and syntax repeat by nature
    max_answer_rep_frac: float = 0.5
    max_answer_dup_para_char_frac: float = 0.3  # Gopher's duplicate-paragraph character share (0.2 on web)
    rep_min_chars: int = 40  # answers shorter than this are not checked for repetition
    refusal_allowed_categories: tuple[str, ...] = ("safety",)  # refusing is the right answer there
    check_lang: bool = True
    lang_min_chars: int = 8  # both texts need this many characters (no spaces) for a language verdict
    lang_min_score: float = 0.5  # and a language-id probability at least this
    lang_exempt_categories: tuple[str, ...] = ("translation", "code")
    pii_min_matches: int = 1  # PII matches over all turns that drop the record; 0 turns the rule off
    # SFT turns are short: two hits in a 100-character answer are already 20 per 1,000 characters,
    # so a record needs three hits (the corpus default is two) besides the per-category rate
    sensitive: SensitiveConfig = field(default_factory=lambda: SensitiveConfig(min_hits=3))
    # "tag": count hits as signals and list the categories in meta["sensitive"]; "drop": drop the record.
    # Tag by default: SFT answers that discuss crime or abuse responsibly are what a model should learn.
    sensitive_action: str = "tag"
    check_sensitive: bool = True

    def __post_init__(self) -> None:
        if self.sensitive_action not in ("tag", "drop"):
            raise ValueError(f"sensitive_action must be tag or drop, got {self.sensitive_action!r}")

    def min_answer_for(self, category: str | None) -> int:
        return self.min_answer_chars_by_category.get(category or "", self.min_answer_chars)


class Scorer:
    """Computes the filter signals of records; builds the language-id and lexicon matchers once."""

    def __init__(self, cfg: FilterConfig = FilterConfig(), lid: LanguageIdentifier | None = None) -> None:
        self.cfg = cfg
        self.lid = lid or LanguageIdentifier()
        self._sensitive: SensitiveMatcher | None = None

    def _matcher(self) -> SensitiveMatcher:
        if self._sensitive is None:
            self._sensitive = SensitiveMatcher(self.cfg.sensitive)
        return self._sensitive

    def lang_of(self, text: str) -> tuple[str, float]:
        """(language, probability); Chinese varieties, and text at least half Han characters, are "zh"."""
        text = text[:LANG_CHARS]
        p = self.lid.predict(text)
        if p.lang in CHINESE_VARIETIES:
            return "zh", p.score
        if p.lang != "zh" and script_shares(text)[0] >= ZH_MIN_HAN_SHARE and not _KANA_HANGUL.search(text):
            return "zh", 1.0
        return p.lang, p.score

    def score(self, rec: SFTRecord) -> SFTRecord:
        """Set `rec.signals`, `rec.lang` (instruction language) and `meta["answer_lang"]`; returns rec."""
        cfg = self.cfg
        instruction, answer = instruction_text(rec), answer_text(rec)
        user, assistant = turns(rec, "user"), turns(rec, "assistant")
        s: dict[str, float] = {
            "n_turns": float(len(user) + len(assistant)),
            "empty_turns": float(sum(not t.strip() for t in user + assistant) + (not assistant)),
            "instruction_chars": float(len(instruction.strip())),
            "answer_chars": float(len(answer.strip())),
        }
        long_enough = s["answer_chars"] >= cfg.rep_min_chars  # shorter answers are not checked
        s["answer_rep_frac"] = round(repeated_ngram_frac(answer), 4) if long_enough else 0.0
        s["answer_dup_para_char_frac"] = (
            compute_signals(answer, "en", "book")["dup_para_char_frac"] if long_enough else 0.0
        )
        head = answer.strip()[:REFUSAL_HEAD]
        s["refusal"] = float(bool(_REFUSAL.search(head)))
        s["ai_boilerplate"] = float(
            any(_BOILERPLATE.search(t) for t in assistant if "模型" in t or "odel" in t.lower())
        )
        s["translation_task"] = float(bool(_TRANSLATION.search(instruction)) or rec.category == "translation")
        s["code_answer"] = float(any(mark in answer for mark in CODE_MARKS))
        ilang, iscore = self.lang_of(instruction)
        alang, ascore = self.lang_of(answer) if answer.strip() else ("unknown", 0.0)
        # the record's language is the instruction's; a short prompt lid.176 is unsure of ("Why do
        # cats purr?" → ca 0.29) takes the answer's when that one is sure
        if iscore < cfg.lang_min_score and ascore >= cfg.lang_min_score:
            rec.lang = alang
        elif ilang != "unknown":
            rec.lang = ilang
        rec.meta["answer_lang"] = alang
        s["instruction_lang_score"], s["answer_lang_score"] = iscore, ascore
        decided = (
            iscore >= cfg.lang_min_score
            and ascore >= cfg.lang_min_score
            and _visible(instruction) >= cfg.lang_min_chars
            and _visible(answer) >= cfg.lang_min_chars
        )
        s["lang_match"] = (1.0 if ilang == alang else 0.0) if decided else -1.0  # -1: no verdict
        texts = [str(m.get("content") or "") for m in rec.messages]
        if rec.chosen is not None:
            texts.append(str(rec.chosen.get("content") or ""))
        whole = "\n".join(texts)
        s["pii_matches"] = float(len(find_pii(whole))) if cfg.pii_min_matches else 0.0
        if cfg.check_sensitive:
            lang = "zh" if (rec.lang == "zh" or alang == "zh") else "en"
            hits = self._matcher().hits(whole, lang)
            for c, n in hits.items():
                s[f"sensitive_{c}"] = float(n)
            over = over_threshold(hits, len(whole), cfg.sensitive)
            s["sensitive_over"] = float(len(over))
            if over:
                rec.meta["sensitive"] = list(over)
        rec.signals = {**rec.signals, **s}
        return rec


def _visible(text: str) -> int:
    return len(_SPACES.sub("", text))


def repeated_ngram_frac(text: str, n: int = REP_NGRAM) -> float:
    """Share of the text's character n-grams that already occurred earlier in it (ChineseWebText's
    position measure of inner repetition). Case is folded and whitespace removed first, so it works
    alike for Chinese and English."""
    norm = _SPACES.sub("", fold_lower(text))
    total = len(norm) - n + 1
    if total <= 1:
        return 0.0
    return 1.0 - len({norm[i : i + n] for i in range(total)}) / total


def decide(rec: SFTRecord, cfg: FilterConfig = FilterConfig()) -> str | None:
    """The first failing rule's reason (see REASONS) for a scored record, or None to keep it."""
    s = rec.signals
    if s["empty_turns"] > 0:
        return "empty_turn"
    if s["instruction_chars"] < cfg.min_instruction_chars:
        return "instruction_too_short"
    if cfg.max_instruction_chars is not None and s["instruction_chars"] > cfg.max_instruction_chars:
        return "instruction_too_long"
    if s["answer_chars"] < cfg.min_answer_for(rec.category):
        return "answer_too_short"
    if cfg.max_answer_chars is not None and s["answer_chars"] > cfg.max_answer_chars:
        return "answer_too_long"
    if s["answer_chars"] >= cfg.rep_min_chars and (
        (s["answer_rep_frac"] > cfg.max_answer_rep_frac and not s["code_answer"])
        or s["answer_dup_para_char_frac"] > cfg.max_answer_dup_para_char_frac
    ):
        return "answer_repetition"
    allowed = rec.category in cfg.refusal_allowed_categories
    if s["refusal"] and not allowed:
        return "refusal"
    if s["ai_boilerplate"] and not allowed:
        return "ai_boilerplate"
    if (
        cfg.check_lang
        and s["lang_match"] == 0.0
        and not s["translation_task"]
        and not s["code_answer"]
        and rec.category not in cfg.lang_exempt_categories
    ):
        return "lang_mismatch"
    if cfg.pii_min_matches and s["pii_matches"] >= cfg.pii_min_matches:
        return "pii"
    if cfg.sensitive_action == "drop" and s.get("sensitive_over", 0.0) > 0:
        return "sensitive"
    return None


def quality_score(rec: SFTRecord, cfg: FilterConfig = FilterConfig()) -> float:
    """One number in [0, 1] for picking among duplicates: longer (within bounds), no repetition,
    no refusal or boilerplate, answer in the instruction's language. Needs `score` first."""
    s = rec.signals
    n = s.get("answer_chars", 0.0)
    too_long = cfg.max_answer_chars is not None and n > cfg.max_answer_chars
    floor = max(cfg.min_answer_for(rec.category), 1)
    # log-length credit: the category's minimum is 0.25, 16x the minimum (or 400 characters) is 1
    full = max(16 * floor, 400)
    length = 0.0
    if not too_long and n >= floor:
        length = min(1.0, 0.25 + 0.75 * math.log(n / floor + 1) / math.log(full / floor + 1))
    clean = 1.0 - min(1.0, s.get("answer_rep_frac", 0.0))
    manners = 0.0 if s.get("refusal") or s.get("ai_boilerplate") else 1.0
    lang = {1.0: 1.0, -1.0: 0.75}.get(s.get("lang_match", -1.0), 0.0)
    if s.get("translation_task") or s.get("code_answer"):
        lang = 1.0
    return round(0.4 * length + 0.2 * clean + 0.25 * manners + 0.15 * lang, 6)


def filter_stats(reasons: Counter[str]) -> dict[str, Any]:
    """Drops by reason in REASONS order (only the reasons that occurred)."""
    return {r: reasons[r] for r in REASONS if reasons.get(r)}
