"""The labeling configs (Label Studio XML, Community-edition tags only) of the six task kinds.

Each kind has a stable project title (`corpusloop · <kind>`), a labeling config, bilingual
(Chinese / English) instructions for annotators, and a config version: a short hash of the config
and instructions, written into the project description so `label init` knows when to update.

| kind | shows | annotator gives (result `from_name`) |
| --- | --- | --- |
| write_instruction | topic, target category | `instruction` (TextArea), `category` (Choices) |
| write_instruction_in_context | dialogue so far (Paragraphs) | `next_turn` (TextArea) |
| write_answer | dialogue ending with a user turn | `answer` (TextArea) |
| judge_answer | dialogue ending with the assistant | `verdict`, `errors` (multi, when incorrect), `reason` |
| revise_answer | prompt, model answer | `revised` (TextArea pre-filled with the model answer) |
| rank_answers | prompt, 2+ answers (List) | `rank` (Ranker: ids best first) |
| rank_answers_pair | prompt, answers A and B | `preference` (Pairwise: left or right) |

`rank_answers_pair` is the two-answer variant of kind 6 (Pairwise instead of Ranker); `push
rank_answers` sends items with exactly two answers there.
"""

from __future__ import annotations

import hashlib
from html import escape

KINDS = (
    "write_instruction",
    "write_instruction_in_context",
    "write_answer",
    "judge_answer",
    "revise_answer",
    "rank_answers",
)
PAIR_KIND = "rank_answers_pair"  # Pairwise variant of rank_answers for exactly two answers
ALL_KINDS = (*KINDS, PAIR_KIND)
TITLE_PREFIX = "corpusloop · "
VERSION_MARK = "corpusloop-config-version:"
MAX_TITLE = 50  # Label Studio refuses longer project titles

# Aquila-style instruction categories (name, Chinese label); configs/labeling.yaml may replace them.
DEFAULT_CATEGORIES = (
    ("open_qa", "开放问答"),
    ("closed_qa", "封闭问答"),
    ("brainstorming", "头脑风暴"),
    ("classification", "分类"),
    ("extraction", "信息抽取"),
    ("generation", "写作生成"),
    ("rewriting", "改写"),
    ("summarization", "摘要"),
    ("translation", "翻译"),
    ("code", "代码"),
    ("math", "数学"),
    ("reasoning", "推理"),
    ("chitchat", "闲聊"),
    ("role_play", "角色扮演"),
    ("safety", "安全"),
    ("other", "其他"),
)
ERROR_TYPES = (
    ("factual_error", "事实错误"),
    ("ignores_instruction", "未遵循指令"),
    ("incomplete", "回答不完整"),
    ("unsafe", "不安全"),
    ("wrong_language", "语言错误"),
    ("format", "格式问题"),
    ("reasoning_error", "推理错误"),
    ("other", "其他"),
)

INSTRUCTIONS = {
    "write_instruction": (
        "根据给定的主题和目标类别，写一条真实用户会提出的指令；确认或更正类别。",
        "Given the topic and the target category, write one instruction a real user would give; "
        "confirm or correct the category.",
    ),
    "write_instruction_in_context": (
        "阅读已有对话，写出用户的下一轮提问，要自然地承接上文。",
        "Read the dialogue so far and write the user's next turn; it must follow on naturally.",
    ),
    "write_answer": (
        "阅读对话，写出助手对最后一轮用户消息的回答：准确、完整、与用户使用同一种语言。",
        "Read the dialogue and write the assistant's answer to the last user turn: correct, "
        "complete, in the user's language.",
    ),
    "judge_answer": (
        "判断助手最后一轮回答是否正确；若不正确，选择所有错误类型，并写明理由。",
        "Judge whether the assistant's last answer is correct; if it is not, pick every error type "
        "that applies and write the reason.",
    ),
    "revise_answer": (
        "下方文本框中已填入模型的回答，请直接修改为一个正确、完整的回答后提交。",
        "The model's answer is pre-filled in the box below: edit it into a correct, complete answer "
        "and submit.",
    ),
    "rank_answers": (
        "把回答从好到差拖动排序（最好的在最上面）。",
        "Drag the answers into order from best to worst (best on top).",
    ),
    PAIR_KIND: (
        "点击更好的回答（A 或 B）。",
        "Click the better answer (A or B).",
    ),
}


def _choices(pairs: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f'      <Choice value="{escape(name)}" hint="{escape(zh)}"/>' for name, zh in pairs)


def _header(kind: str) -> str:
    zh, en = INSTRUCTIONS[kind]
    return f'  <Header value="{escape(en)}" size="5"/>\n  <Header value="{escape(zh)}" size="5"/>'


DIALOGUE = (
    '  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue" nameKey="role" textKey="content"/>'
)


BOX = "flex: 1; padding: 0.5em 1em; border: 1px solid #d4d4d8; border-radius: 8px"


def label_config(kind: str, categories: tuple[tuple[str, str], ...] = DEFAULT_CATEGORIES) -> str:
    """The Label Studio XML of `kind` (categories: (name, Chinese label) pairs for write_instruction)."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown labeling kind {kind!r}; known: {', '.join(ALL_KINDS)}")
    head = _header(kind)
    if kind == "write_instruction":
        body = f"""  <Header value="Topic · 主题" size="6"/>
  <Text name="topic" value="$topic"/>
  <Header value="Target category · 目标类别: $category" size="6"/>
  <TextArea name="instruction" toName="topic" rows="5" maxSubmissions="1" required="true"
            placeholder="Instruction · 指令"/>
  <Choices name="category" toName="topic" choice="single" required="true" showInline="true">
{_choices(categories)}
  </Choices>"""
    elif kind == "write_instruction_in_context":
        body = f"""{DIALOGUE}
  <TextArea name="next_turn" toName="dialogue" rows="4" maxSubmissions="1" required="true"
            placeholder="Next user turn · 用户下一轮"/>"""
    elif kind == "write_answer":
        body = f"""{DIALOGUE}
  <TextArea name="answer" toName="dialogue" rows="8" maxSubmissions="1" required="true" editable="true"
            placeholder="Assistant answer · 助手回答"/>"""
    elif kind == "judge_answer":
        body = f"""{DIALOGUE}
  <Choices name="verdict" toName="dialogue" choice="single-radio" required="true" showInline="true">
      <Choice value="correct" hint="正确"/>
      <Choice value="incorrect" hint="不正确"/>
  </Choices>
  <View visibleWhen="choice-selected" whenTagName="verdict" whenChoiceValue="incorrect">
    <Header value="Error types · 错误类型" size="6"/>
    <Choices name="errors" toName="dialogue" choice="multiple" showInline="true">
{_choices(ERROR_TYPES)}
    </Choices>
  </View>
  <TextArea name="reason" toName="dialogue" rows="3" maxSubmissions="1" placeholder="Reason · 理由"/>"""
    elif kind == "revise_answer":
        body = f"""{DIALOGUE}
  <Header value="Model answer · 模型回答" size="6"/>
  <Text name="answer" value="$answer"/>
  <Header value="Revised answer · 修改后的回答" size="6"/>
  <TextArea name="revised" toName="answer" rows="8" maxSubmissions="1" required="true" editable="true"/>"""
    elif kind == "rank_answers":
        body = f"""{DIALOGUE}
  <List name="answers" value="$answers" title="Answers · 回答"/>
  <Ranker name="rank" toName="answers"/>"""
    elif kind == PAIR_KIND:
        body = f"""{DIALOGUE}
  <Pairwise name="preference" toName="left,right"
            selectionStyle="background-color: #dbeafe; outline: 2px solid #3b82f6"/>
  <View style="display: flex; gap: 1em">
    <View style="{BOX}">
      <Header value="Answer A · 回答 A" size="6"/>
      <Text name="left" value="$left"/>
    </View>
    <View style="{BOX}">
      <Header value="Answer B · 回答 B" size="6"/>
      <Text name="right" value="$right"/>
    </View>
  </View>"""
    else:
        raise ValueError(f"unknown labeling kind {kind!r}; known: {', '.join(ALL_KINDS)}")
    return f"<View>\n{head}\n{body}\n</View>\n"


def instructions_html(kind: str) -> str:
    """The bilingual instructions shown to annotators (Label Studio's `expert_instruction`)."""
    zh, en = INSTRUCTIONS[kind]
    return f'<p lang="zh">{escape(zh)}</p>\n<p lang="en">{escape(en)}</p>'


def config_version(kind: str, categories: tuple[tuple[str, str], ...] = DEFAULT_CATEGORIES) -> str:
    """12 hex digits that change whenever the config or the instructions of `kind` change."""
    text = label_config(kind, categories) + "\0" + instructions_html(kind)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def project_title(kind: str, suffix: str = "") -> str:
    """The stable title that `label init` matches projects by (`suffix`: e.g. a team or a test run)."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown labeling kind {kind!r}; known: {', '.join(ALL_KINDS)}")
    title = TITLE_PREFIX + kind + (f" [{suffix}]" if suffix else "")
    if len(title) > MAX_TITLE:
        raise ValueError(f"project title {title!r} is longer than Label Studio's {MAX_TITLE} characters")
    return title


def description(kind: str, version: str) -> str:
    """Project description: what the kind is, plus the config-version mark `label init` reads back."""
    zh, en = INSTRUCTIONS[kind]
    return f"{en}\n{zh}\n{VERSION_MARK} {version}"


def version_in(description_text: str | None) -> str | None:
    """The config version written by `description`, or None."""
    for line in (description_text or "").splitlines():
        if line.startswith(VERSION_MARK):
            return line[len(VERSION_MARK) :].strip()
    return None
