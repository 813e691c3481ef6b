"""Render a report dict (`pipelines.report.build_report`) as one self-contained HTML page or Markdown.

Beam-free and network-free: charts are inline SVG drawn here, styles are inline, fonts are the
reader's own (a stack that covers Chinese: Noto Sans CJK, Source Han Sans, WenQuanYi, then the
platform's). Colours are the Okabe–Ito palette, safe for the common colour-vision deficiencies;
no chart relies on colour alone (every bar is labelled). Same dict in, same bytes out.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

# Okabe & Ito (2008), "Color Universal Design".
BLUE, VERMILLION, GREEN, ORANGE = "#0072B2", "#D55E00", "#009E73", "#E69F00"
SKY, PURPLE, YELLOW, GREY = "#56B4E9", "#CC79A7", "#F0E442", "#8C8C8C"
PALETTE = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW)
FIXED = {  # the same thing has the same colour in every chart
    "zh": VERMILLION,
    "en": BLUE,
    "web": GREEN,
    "book": ORANGE,
    "literature": PURPLE,
    "unknown": GREY,
    "other": GREY,
    "before": SKY,
    "after": BLUE,
    "target": SKY,
    "achieved": BLUE,
}
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "Noto Sans SC", '
    '"Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", '
    "sans-serif"
)
CHART_WIDTH = 540
WIDE_WIDTH = 1080  # charts in a card that spans the page
LABEL_MAX = 190  # px given to category labels before they are shortened (full text in the tooltip)

Formatter = Callable[[float], str]


# ---------------------------------------------------------------------------------------------
# numbers


def fmt_int(n: float | None) -> str:
    """12,345 (— for None)."""
    return "—" if n is None else f"{round(n):,}"


def fmt_compact(n: float | None) -> str:
    """1.2k, 3.4M, 5.6B; small numbers as they are."""
    if n is None:
        return "—"
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            v = n / div
            return f"{v:.1f}{suffix}" if abs(v) < 100 else f"{v:.0f}{suffix}"
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.2f}"


def fmt_tick(n: float) -> str:
    """Axis numbers: 500, 1k, 2.5k, 10k, 1M (no trailing .0)."""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{n:.1f}".rstrip("0").rstrip(".")


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """0.4012 → 40.1%."""
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def fmt_signed(n: float | None, fmt: Formatter = fmt_int) -> str:
    """+12 / −12 / ±0, with a real minus sign."""
    if n is None:
        return "—"
    return ("+" if n > 0 else "−" if n < 0 else "±") + fmt(abs(n))


def fmt_pp(pp: float | None) -> str:
    """Percentage points: +1.2 pp."""
    return "—" if pp is None else fmt_signed(pp, lambda v: f"{v:.1f}") + " pp"


def colors_for(keys: Sequence[str]) -> dict[str, str]:
    """A colour per key: fixed ones first, the rest from the palette without repeating a fixed one."""
    free = [c for c in PALETTE if c not in {FIXED[k] for k in keys if k in FIXED}] or list(PALETTE)
    out, i = {}, 0
    for k in keys:
        if k in FIXED:
            out[k] = FIXED[k]
        else:
            out[k] = free[i % len(free)]
            i += 1
    return out


# ---------------------------------------------------------------------------------------------
# SVG primitives


def esc(s: Any) -> str:
    """HTML-escaped text (quotes too: it goes into attributes)."""
    return html.escape(str(s), quote=True)


def text_width(s: str, size: float) -> float:
    """Rough rendered width, on the wide side: CJK and full-width characters 1 em, Latin about 0.6 em."""
    w = 0.0
    for ch in s:
        o = ord(ch)
        if o >= 0x2E80 or 0xFF00 <= o <= 0xFFEF:
            w += 1.0
        elif ch in "il.,:;'|!":
            w += 0.3
        elif ch.isupper() or ch in "mwMW%":
            w += 0.75
        else:
            w += 0.62
    return w * size


def shorten(s: str, max_px: float, size: float) -> str:
    """`s` cut with an ellipsis to fit `max_px` (the full text goes into the tooltip)."""
    if text_width(s, size) <= max_px:
        return s
    while s and text_width(s + "…", size) > max_px:
        s = s[:-1]
    return s + "…"


def _text(
    x: float,
    y: float,
    s: str,
    *,
    size: float = 12,
    anchor: str = "start",
    fill: str = "#222",
    weight: str = "normal",
    title: str | None = None,
    extra: str = "",
) -> str:
    tip = f"<title>{esc(title)}</title>" if title and title != s else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
        f"{' font-weight=' + chr(34) + weight + chr(34) if weight != 'normal' else ''}{extra}>"
        f"{tip}{esc(s)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str = "", rx: float = 2) -> str:
    tip = f"<title>{esc(title)}</title>" if title else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" rx="{rx}" '
        f'fill="{fill}">{tip}</rect>'
    )


def _svg(name: str, width: float, height: float, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart" data-chart="{esc(name)}" role="img" aria-label="{esc(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">' + "".join(body) + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> tuple[list[str], float]:
    """Swatches and names, wrapped to `width`; returns the parts and the height used."""
    parts, cx, cy = [], x, y
    for name, color in items:
        w = 16 + text_width(name, 12) + 18
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 20
        parts.append(_rect(cx, cy + 1, 11, 11, color, rx=2))
        parts.append(_text(cx + 16, cy + 11, name))
        cx += w
    return parts, cy - y + 20


def _label_width(labels: Sequence[str], size: float = 12) -> float:
    """Room for the labels left of the bars: the widest label (at most LABEL_MAX) plus padding."""
    return min(LABEL_MAX, max([text_width(s, size) for s in labels] + [30.0])) + 14


def _axis(vmax: float, ticks: int = 4) -> tuple[float, int]:
    """A round step (1, 2 or 5 × 10^k, at least 1: counts are integers) and the number of steps to vmax."""
    raw = max(vmax, 1) / ticks
    exp = 10 ** math.floor(math.log10(raw))
    step = next(m * exp for m in (1, 2, 5, 10) if m * exp >= raw)
    step = max(step, 1)
    return step, max(1, math.ceil(vmax / step))


# ---------------------------------------------------------------------------------------------
# charts


def hbar_chart(
    name: str,
    rows: Sequence[tuple[str, float]],
    *,
    color: str | Sequence[str] = BLUE,
    fmt: Formatter = fmt_int,
    texts: Sequence[str] | None = None,
    width: float = CHART_WIDTH,
    label: str = "",
) -> str:
    """Horizontal bars, one per (label, value), the value (or `texts[i]`) written after each bar."""
    bar_h, gap, top = 18, 7, 4
    texts = list(texts) if texts is not None else [fmt(v) for _, v in rows]
    lw = _label_width([r[0] for r in rows])
    vw = max([text_width(t, 12) for t in texts] + [20.0]) + 8
    plot = width - lw - vw
    vmax = max([v for _, v in rows] + [0]) or 1
    body = []
    for i, (lab, v) in enumerate(rows):
        y = top + i * (bar_h + gap)
        c = color if isinstance(color, str) else color[i % len(color)]
        w = plot * v / vmax
        body.append(_text(lw - 8, y + 13, shorten(lab, lw - 14, 12), anchor="end", title=lab))
        body.append(_rect(lw, y, max(w, 1 if v else 0), bar_h, c, f"{lab}: {texts[i]}"))
        body.append(_text(lw + w + 5, y + 13, texts[i], fill="#333"))
    height = top + len(rows) * (bar_h + gap) + 2
    return _svg(name, width, height, body, label or name)


def stacked_share_chart(
    name: str,
    rows: Sequence[tuple[str, dict[str, float]]],
    keys: Sequence[str],
    *,
    width: float = CHART_WIDTH,
    label: str = "",
) -> str:
    """One 100% bar per row (e.g. documents, characters, tokens) split by `keys`, with a legend."""
    colors = colors_for(keys)
    bar_h, gap, top = 26, 10, 4
    lw = _label_width([r[0] for r in rows])
    plot = width - lw - 6
    body = []
    for i, (lab, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        total = sum(values.get(k, 0) for k in keys)
        body.append(_text(lw - 8, y + 17, shorten(lab, lw - 14, 12), anchor="end", title=lab))
        x = lw
        if not total:
            body.append(_rect(lw, y, plot, bar_h, "#eee"))
            continue
        for k in keys:
            v = values.get(k, 0)
            if not v:
                continue
            w = plot * v / total
            share = v / total
            body.append(_rect(x, y, w, bar_h, colors[k], f"{k}: {fmt_pct(share)} ({fmt_int(v)})", rx=0))
            text = fmt_pct(share, 0 if share >= 0.995 else 1)
            if w > text_width(text, 11) + 8:
                fill = "#222" if colors[k] in (YELLOW, SKY, ORANGE) else "#fff"
                body.append(_text(x + w / 2, y + 17, text, size=11, anchor="middle", fill=fill))
            x += w
    y = top + len(rows) * (bar_h + gap)
    legend, lh = _legend([(k, colors[k]) for k in keys], lw, y, plot)
    return _svg(name, width, y + lh + 2, body + legend, label or name)


def grouped_hbar_chart(
    name: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    fmt: Formatter = fmt_int,
    width: float = CHART_WIDTH,
    label: str = "",
) -> str:
    """For each category a small group of horizontal bars, one per series (e.g. before / after)."""
    colors = colors_for([s[0] for s in series])
    bar_h, inner, gap, top = 13, 2, 10, 4
    lw = _label_width(categories)
    vw = max([text_width(fmt(v), 11) for _, vals in series for v in vals] + [20.0]) + 8
    plot = width - lw - vw
    vmax = max([v for _, vals in series for v in vals] + [0]) or 1
    group_h = len(series) * (bar_h + inner) - inner
    body = []
    for i, cat in enumerate(categories):
        y0 = top + i * (group_h + gap)
        body.append(_text(lw - 8, y0 + group_h / 2 + 4, shorten(cat, lw - 14, 12), anchor="end", title=cat))
        for j, (sname, vals) in enumerate(series):
            v = vals[i]
            y = y0 + j * (bar_h + inner)
            w = plot * v / vmax
            body.append(
                _rect(lw, y, max(w, 1 if v else 0), bar_h, colors[sname], f"{cat} · {sname}: {fmt(v)}")
            )
            body.append(_text(lw + w + 4, y + 10.5, fmt(v), size=11, fill="#333"))
    y = top + len(categories) * (group_h + gap)
    legend, lh = _legend([(s[0], colors[s[0]]) for s in series], lw, y, plot)
    return _svg(name, width, y + lh + 2, body + legend, label or name)


def histogram_chart(
    name: str,
    labels: Sequence[str],
    lower: Sequence[int],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    x_title: str,
    width: float = CHART_WIDTH,
    label: str = "",
) -> str:
    """Vertical bars per bin (log-spaced bins), one colour per series, counts on a linear axis."""
    colors = colors_for([s[0] for s in series])
    left, right, top, plot_h = 44, 8, 8, 170
    n = len(labels)
    plot_w = width - left - right
    slot = plot_w / max(n, 1)
    bw = max(2.0, (slot - 4) / max(len(series), 1))
    step, n_steps = _axis(max([v for _, vals in series for v in vals] + [1]))
    vmax = step * n_steps
    body = []
    for t in range(n_steps + 1):  # horizontal grid and axis numbers
        v = step * t
        y = top + plot_h - plot_h * t / n_steps
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        body.append(_text(left - 6, y + 4, fmt_tick(v), size=10, anchor="end", fill="#666"))
    every = max(1, math.ceil(n / max(1, plot_w // 38)))
    for i in range(n):
        x0 = left + i * slot + 2
        for j, (sname, vals) in enumerate(series):
            v = vals[i]
            h = plot_h * v / vmax
            body.append(
                _rect(
                    x0 + j * bw,
                    top + plot_h - h,
                    bw - 0.5,
                    h,
                    colors[sname],
                    f"{sname} · {labels[i]}: {fmt_int(v)}",
                    rx=1,
                )
            )
        if i % every == 0:
            body.append(
                _text(
                    left + i * slot,
                    top + plot_h + 14,
                    fmt_tick(lower[i]),
                    size=10,
                    anchor="middle",
                    fill="#555",
                )
            )
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#999"/>'
    )
    body.append(_text(left + plot_w / 2, top + plot_h + 30, x_title, size=11, anchor="middle", fill="#555"))
    y = top + plot_h + 40
    legend, lh = _legend([(s[0], colors[s[0]]) for s in series], left, y, plot_w)
    return _svg(name, width, y + lh + 2, body + legend, label or name)


def line_chart(
    name: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    fmt: Formatter = fmt_compact,
    width: float = CHART_WIDTH,
    height: float = 220,
    label: str = "",
) -> str:
    """One line per (name, values over `x_labels`), a shared y axis from 0, a legend below; None is a gap."""
    left, right, top, bottom = 56, 30, 8, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = max([v for _, vs in series for v in vs if v is not None] + [0.0]) or 1.0
    colors = colors_for([n for n, _ in series])
    n = max(len(x_labels), 1)

    def px(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h * (1 - v / vmax)

    body = [f'<line x1="{left}" y1="{top + plot_h:.1f}" x2="{left + plot_w:.1f}" y2="{top + plot_h:.1f}" '
            'stroke="#999"/>']
    for k in range(5):
        v = vmax * k / 4
        body.append(_text(left - 6, py(v) + 4, fmt(v), size=11, anchor="end", fill="#555"))
    for i, x in enumerate(x_labels):
        body.append(_text(px(i), top + plot_h + 16, x, size=11, anchor="middle", fill="#555"))
    for k, (sname, values) in enumerate(series):
        c = colors[sname]
        dash = ' stroke-dasharray="6,3"' if k >= len(PALETTE) else ""  # colours repeat past the palette
        points = [(px(i), py(v), v, x_labels[i]) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"{dash}/>')
        for x, y, v, xl in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}"><title>{esc(sname)} '
                        f"{esc(xl)}: {esc(fmt(v))}</title></circle>")
    legend, lh = _legend([(sname, colors[sname]) for sname, _ in series], left, height + 4, plot_w)
    return _svg(name, width, height + 4 + lh, body + legend, label or name)


def waterfall_chart(
    name: str,
    start: float,
    steps: Sequence[tuple[str, float]],
    *,
    start_label: str = "records read",
    end_label: str = "kept",
    fmt: Formatter = fmt_int,
    width: float = CHART_WIDTH,
    label: str = "",
) -> str:
    """Start total, then one bar per stage showing what it removed, then what is left."""
    labels = [start_label, *[s for s, _ in steps], end_label]
    bar_h, gap, top = 20, 8, 4
    lw = _label_width(labels)
    vw = 120
    plot = width - lw - vw
    scale = plot / (start or 1)
    body, left = [], start
    rows: list[tuple[str, float, float, str, str]] = [(start_label, 0, start, BLUE, fmt(start))]
    for stage, lost in steps:
        pct = f" ({fmt_pct(lost / start)})" if start else ""
        rows.append((stage, left - lost, left, VERMILLION, fmt_signed(-lost, fmt) + pct))
        left -= lost
    rows.append((end_label, 0, left, BLUE, fmt(left) + (f" ({fmt_pct(left / start)})" if start else "")))
    for i, (lab, a, b, color, text) in enumerate(rows):
        y = top + i * (bar_h + gap)
        body.append(
            _text(
                lw - 8,
                y + 14,
                shorten(lab, lw - 14, 12),
                anchor="end",
                title=lab,
                weight="bold" if i in (0, len(rows) - 1) else "normal",
            )
        )
        body.append(_rect(lw + a * scale, y, max((b - a) * scale, 1), bar_h, color, f"{lab}: {text}"))
        if 0 < i < len(rows) - 1:  # a thin guide showing what is left after the stage
            body.append(
                f'<line x1="{lw + a * scale:.1f}" x2="{lw + a * scale:.1f}" y1="{y + bar_h:.1f}" '
                f'y2="{y + bar_h + gap:.1f}" stroke="#bbb"/>'
            )
        body.append(_text(lw + b * scale + 5, y + 14, text, fill="#333"))
    height = top + len(rows) * (bar_h + gap)
    return _svg(name, width, height, body, label or name)


def diverging_chart(
    name: str,
    rows: Sequence[tuple[str, float]],
    *,
    fmt: Formatter = fmt_pp,
    width: float = CHART_WIDTH,
    label: str = "",
) -> str:
    """Changes around zero: increases to the right (blue), decreases to the left (vermillion)."""
    bar_h, gap, top = 18, 7, 4
    lw = _label_width([r[0] for r in rows])
    vw = max([text_width(fmt(v), 12) for _, v in rows] + [30.0]) + 8
    half = (width - lw - 2 * vw) / 2
    zero = lw + vw + half
    vmax = max([abs(v) for _, v in rows] + [0]) or 1
    body = []
    for i, (lab, v) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = half * abs(v) / vmax
        x = zero if v >= 0 else zero - w
        body.append(_text(lw - 8, y + 13, shorten(lab, lw - 14, 12), anchor="end", title=lab))
        body.append(_rect(x, y, max(w, 1), bar_h, BLUE if v >= 0 else VERMILLION, f"{lab}: {fmt(v)}"))
        tx, anchor = (zero + w + 5, "start") if v >= 0 else (zero - w - 5, "end")
        body.append(_text(tx, y + 13, fmt(v), anchor=anchor, fill="#333"))
    height = top + len(rows) * (bar_h + gap)
    body.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height:.1f}" stroke="#666"/>')
    return _svg(name, width, height, body, label or name)


# ---------------------------------------------------------------------------------------------
# HTML pieces


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = (), cls: str = ""
) -> str:
    """An HTML table; columns listed in `numeric` are right-aligned. Cells are escaped."""
    num = set(numeric)
    head = "".join(f"<th{' class=n' if i in num else ''}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=n' if i in num else ''}>{esc(c)}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def card(title: str, *content: str, wide: bool = False, note: str = "") -> str:
    """A white panel with a title, its content, and an optional note underneath."""
    n = f'<p class="note">{esc(note)}</p>' if note else ""
    return f'<div class="card{" wide" if wide else ""}"><h3>{esc(title)}</h3>{"".join(content)}{n}</div>'


def section(anchor: str, title: str, cards: Sequence[str], intro: str = "") -> str:
    """A titled part of the page holding a grid of cards."""
    p = f'<p class="intro">{esc(intro)}</p>' if intro else ""
    return (
        f'<section id="{anchor}"><h2>{esc(title)}</h2>{p}<div class="grid">{"".join(cards)}</div></section>'
    )


CSS = f"""
*{{box-sizing:border-box}}
body{{margin:0;background:#f4f5f7;color:#1d1f23;font-family:{FONT_STACK};font-size:14px;line-height:1.45}}
header{{background:#1f2a3a;color:#fff;padding:22px 32px 18px}}
header h1{{margin:0 0 4px;font-size:22px;font-weight:600}}
header .sub{{color:#c9d2de;font-size:13px}}
.kpis{{display:flex;flex-wrap:wrap;gap:10px;margin-top:16px}}
.kpi{{background:#2b394d;border-radius:8px;padding:8px 14px;min-width:118px}}
.kpi b{{display:block;font-size:20px;font-weight:600;color:#fff}}
.kpi span{{font-size:12px;color:#c9d2de}}
.kpi.bad b{{color:#ffb38a}}
nav{{background:#fff;border-bottom:1px solid #dde1e6;padding:8px 32px;position:sticky;top:0;z-index:1}}
nav a{{color:#0b5a91;text-decoration:none;margin-right:16px;font-size:13px}}
main{{max-width:1200px;margin:0 auto;padding:8px 24px 40px}}
section{{margin-top:22px}}
h2{{font-size:17px;margin:0 0 4px;font-weight:600}}
.intro{{margin:0 0 10px;color:#555;font-size:13px}}
.grid{{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px}}
.card{{background:#fff;border:1px solid #e1e4e8;border-radius:10px;padding:14px 16px;overflow-x:auto}}
.card.wide{{grid-column:1/-1}}
.card h3{{margin:0 0 10px;font-size:14px;font-weight:600;color:#333}}
svg.chart{{display:block;max-width:100%;height:auto;font-family:{FONT_STACK}}}
table{{border-collapse:collapse;width:100%;font-size:12.5px;margin-top:10px}}
th,td{{padding:4px 8px;border-bottom:1px solid #eef0f2;text-align:left;white-space:nowrap}}
th{{color:#555;font-weight:600;background:#fafbfc}}
td.n,th.n{{text-align:right;font-variant-numeric:tabular-nums}}
tbody tr:nth-child(even){{background:#fafbfc}}
.note{{color:#666;font-size:12px;margin:8px 0 0}}
.notes{{background:#fff8e6;border:1px solid #f0dca8;border-radius:10px;padding:10px 16px;margin-top:22px}}
.notes li{{margin:2px 0}}
.pos{{color:#0b5a91}} .neg{{color:#b34700}}
footer{{color:#777;font-size:12px;text-align:center;padding:20px}}
"""


def _kpi(label: str, value: str, bad: bool = False) -> str:
    return f'<div class="kpi{" bad" if bad else ""}"><b>{esc(value)}</b><span>{esc(label)}</span></div>'


def _header(r: dict[str, Any]) -> str:
    s = r["summary"]
    tok = r["tokenizer"]
    tok_name = "project tokenizer" if tok.get("default") else tok.get("path", "")
    sub = f"{r['run']} · tokens: {tok_name} (vocabulary {fmt_int(tok.get('vocab_size'))})"
    kpis = []
    if r.get("mix"):
        m = r["mix"]
        kpis += [
            _kpi("documents in the mix", fmt_int(m["docs"])),
            _kpi("input documents", fmt_int(m["input_docs"])),
            _kpi("tokens in the mix", fmt_compact(m["tokens"])),
            _kpi("token budget", fmt_compact(m["plan"]["budget"])),
        ]
        for lang, share in sorted(s["token_share_by_lang"].items(), key=lambda kv: -kv[1])[:3]:
            kpis.append(_kpi(f"{lang} share of tokens", fmt_pct(share)))
        return (
            f'<header><h1>{esc(r["title"])}</h1><div class="sub">{esc(sub)}</div>'
            f'<div class="kpis">{"".join(kpis)}</div></header>'
        )
    if s.get("read") is not None:
        kpis.append(_kpi("documents read", fmt_int(s["read"])))
    kpis.append(_kpi("kept", fmt_int(s["kept"])))
    kpis.append(_kpi("dropped", fmt_int(s["dropped"])))
    if s.get("errors") is not None:
        kpis.append(_kpi("errors", fmt_int(s["errors"]), bad=bool(s["errors"])))
    kpis.append(_kpi("kept tokens", fmt_compact(s["kept_tokens"])))
    for lang, share in sorted(s["token_share_by_lang"].items(), key=lambda kv: -kv[1])[:3]:
        kpis.append(_kpi(f"{lang} share of tokens", fmt_pct(share)))
    if s.get("accounted") is not None:
        kpis.append(
            _kpi("read = kept + dropped + errors", "yes" if s["accounted"] else "NO", bad=not s["accounted"])
        )
    return (
        f'<header><h1>{esc(r["title"])}</h1><div class="sub">{esc(sub)}</div>'
        f'<div class="kpis">{"".join(kpis)}</div></header>'
    )


def _shares_section(r: dict[str, Any]) -> str:
    cards = []
    for dim, title in (("lang", "Language"), ("source", "Source kind")):
        rows = r["shares"][dim]
        keys = [row["key"] for row in rows]
        bars = [
            (name, {row["key"]: row[m] for row in rows})
            for m, name in (("docs", "documents"), ("chars", "characters"), ("tokens", "tokens"))
        ]
        chart = stacked_share_chart(
            f"share-{dim}", bars, keys, label=f"{title} shares of documents, characters and tokens"
        )
        t = table(
            [title.lower(), "documents", "share", "characters", "tokens", "share"],
            [
                [
                    row["key"],
                    fmt_int(row["docs"]),
                    fmt_pct(row["docs_share"]),
                    fmt_int(row["chars"]),
                    fmt_int(row["tokens"]),
                    fmt_pct(row["tokens_share"]),
                ]
                for row in rows
            ],
            numeric=(1, 2, 3, 4, 5),
        )
        cards.append(card(f"{title} shares", chart, t))
    sl = r["shares"]["source_lang"]
    sources = sorted({row["key"].split("/")[0] for row in sl})
    langs = [row["key"] for row in r["shares"]["lang"]]
    by = {row["key"]: row["tokens"] for row in sl}
    series = [(lang, [by.get(f"{s}/{lang}", 0) for s in sources]) for lang in langs]
    chart = grouped_hbar_chart(
        "tokens-source-lang",
        sources,
        series,
        fmt=fmt_compact,
        width=WIDE_WIDTH,
        label="Tokens per source kind and language",
    )
    t = table(
        ["source/lang", "documents", "characters", "tokens", "share of tokens", "chars/token"],
        [
            [
                row["key"],
                fmt_int(row["docs"]),
                fmt_int(row["chars"]),
                fmt_int(row["tokens"]),
                fmt_pct(row["tokens_share"]),
                f"{row['chars'] / row['tokens']:.2f}" if row["tokens"] else "—",
            ]
            for row in sl
        ],
        numeric=(1, 2, 3, 4, 5),
    )
    cards.append(card("Tokens per source and language", chart, t, wide=True))
    return section(
        "shares",
        "What the kept corpus is made of",
        cards,
        "Shares of the kept documents by language and source kind, in documents, characters and tokens.",
    )


def _countries_section(r: dict[str, Any]) -> str:
    c = r["countries"]
    cards = []
    for lang, rows in c["tables"].items():
        title = "All web pages" if lang == "*" else f"{lang} web pages"
        chart = hbar_chart(
            f"countries-{'all' if lang == '*' else lang}",
            [(row["country"], row["pages"]) for row in rows[:12]],
            color=[GREY if row["country"] == "unknown" else GREEN for row in rows[:12]],
            label=f"{title} by hosting country",
        )
        t = table(
            ["country", "sites", "pages", "share", "tokens", "share of tokens"],
            [
                [
                    row["country"],
                    fmt_int(row["sites"]),
                    fmt_int(row["pages"]),
                    fmt_pct(row["page_share"]),
                    fmt_int(row["tokens"]),
                    fmt_pct(row["token_share"]),
                ]
                for row in rows
            ],
            numeric=(1, 2, 3, 4, 5),
        )
        icp = c["icp"].get(lang)
        note = (
            (
                f"ICP filing number on {fmt_int(icp['with_icp'])} of {fmt_int(icp['pages'])} pages "
                f"({fmt_pct(icp['coverage'])})"
            )
            if icp
            else ""
        )
        cards.append(card(f"{title} by hosting country", chart, t, note=note))
    db = c.get("country_database")
    intro = "Hosting country of each kept web page (sites are host names), as in the Aquila deck's table."
    if db:
        intro += f" Country database: {db}."
    return section("countries", "Where the web pages are hosted", cards, intro)


def _domains_section(r: dict[str, Any]) -> str:
    td = r["top_domains"]
    cards = []
    for outcome, color in (("kept", GREEN), ("dropped", VERMILLION)):
        rows = td[outcome]
        if not rows:
            continue
        chart = hbar_chart(
            f"domains-{outcome}",
            [(d["domain"], d["docs"]) for d in rows],
            color=color,
            texts=[f"{fmt_int(d['docs'])} · {fmt_compact(d['tokens'])} tokens" for d in rows],
            label=f"Top {outcome} domains by documents",
        )
        total = td["distinct"].get(outcome, 0)
        cards.append(
            card(
                f"Top {outcome} domains (documents · tokens)",
                chart,
                note=f"{fmt_int(total)} distinct domains {outcome}; the top {len(rows)} shown",
            )
        )
    if not cards:
        return ""
    return section("domains", "Top domains", cards, "Domains with the most documents, kept and dropped.")


def _waterfall_section(r: dict[str, Any]) -> str:
    wf = r["waterfall"]
    steps = wf["steps"]
    cards = [
        card(
            "Documents, read to kept",
            waterfall_chart(
                "waterfall-docs",
                wf["start"]["docs"],
                [(s["stage"], s["docs_lost"]) for s in steps],
                label="Documents lost per stage",
            ),
        )
    ]
    if wf["tokens_complete"] and wf["start"]["tokens"]:
        cards.append(
            card(
                "Tokens, read to kept",
                waterfall_chart(
                    "waterfall-tokens",
                    wf["start"]["tokens"],
                    [(s["stage"], s["tokens_lost"]) for s in steps],
                    start_label="tokens read",
                    fmt=fmt_compact,
                    label="Tokens lost per stage",
                ),
                note="Tokens of a dropped document are counted on its text when it was dropped; "
                "pages dropped while reading have no text yet.",
            )
        )
    rows = [
        [
            s["stage"],
            rr["reason"],
            rr["kind"],
            fmt_int(rr["docs"]),
            fmt_int(rr["tokens"]),
            fmt_pct(rr["docs"] / wf["start"]["docs"]) if wf["start"]["docs"] else "—",
        ]
        for s in steps
        for rr in s["reasons"]
    ]
    cards.append(
        card(
            "Every reason",
            table(["stage", "reason", "kind", "documents", "tokens", "of read"], rows, numeric=(3, 4, 5)),
            wide=True,
        )
    )
    return section(
        "waterfall",
        "Where documents were lost",
        cards,
        "Each stage removes documents (dropped with a reason, or errors); what is left goes on.",
    )


def _histograms_section(r: dict[str, Any]) -> str:
    cards = []
    for key, title, axis in (
        ("chars", "Characters per document", "characters (log bins)"),
        ("tokens", "Tokens per document", "tokens (log bins)"),
    ):
        h = r["histograms"][key]
        if not h:
            continue
        chart = histogram_chart(
            f"hist-{key}", h["labels"], h["lower"], list(h["series"].items()), x_title=axis, label=title
        )
        cards.append(card(title, chart))
    if not cards:
        return ""
    return section(
        "lengths",
        "Document lengths",
        cards,
        "Kept documents by length, per language; bins are 1–2–5 per decade.",
    )


def _dedup_stats_table(d: dict[str, Any]) -> str:
    rows = []
    for part in ("exact", "near", "boilerplate"):
        for k, v in (d.get(part) or {}).items():
            if isinstance(v, int | float) and not isinstance(v, bool) and k != "min_pages":
                rows.append([part, k, fmt_int(v)])
    return table(["dedup step", "counter", "value"], rows, numeric=(2,)) if rows else ""


def _clusters_section(r: dict[str, Any]) -> str:
    c = r["clusters"]
    cards = []
    h = c["histogram"]
    if h:
        chart = histogram_chart(
            "hist-cluster",
            h["labels"],
            h["lower"],
            list(h["series"].items()),
            x_title="input documents in the cluster (kept document's cluster_size)",
            label="Duplicate cluster sizes",
        )
        t = table(
            ["language", "kept", "with duplicates", "input docs represented"],
            [
                [lang, fmt_int(v["docs"]), fmt_int(v["from_duplicates"]), fmt_int(v["represented"])]
                for lang, v in c["by_lang"].items()
            ],
            numeric=(1, 2, 3),
        )
        cards.append(card("Duplicate cluster sizes", chart, t))
    if c.get("dedup_stats"):
        cards.append(card("Dedup stage counts", _dedup_stats_table(c["dedup_stats"])))
    return section(
        "duplicates",
        "Duplicates",
        cards,
        "Each kept document stands for its cluster of exact and near duplicates (cluster_size).",
    )


def _compliance_section(r: dict[str, Any]) -> str:
    c = r["compliance"]
    cards = []
    if c["pii"]:
        rows = sorted(c["pii"].items(), key=lambda kv: (-kv[1]["matches"], kv[0]))
        chart = hbar_chart(
            "pii", [(k, v["matches"]) for k, v in rows], color=PURPLE, label="PII redactions per type"
        )
        t = table(
            ["type", "redactions", "documents"],
            [[k, fmt_int(v["matches"]), fmt_int(v["docs"])] for k, v in rows],
            numeric=(1, 2),
        )
        cards.append(card("PII redacted, per type", chart, t))
    else:
        cards.append(
            card("PII redacted, per type", '<p class="note">No PII found in the kept documents.</p>')
        )
    if c["sensitive"]:
        rows = sorted(c["sensitive"].items(), key=lambda kv: (-kv[1]["hits"], kv[0]))
        chart = hbar_chart(
            "sensitive",
            [(k, v["hits"]) for k, v in rows],
            color=ORANGE,
            label="Sensitive lexicon hits per category",
        )
        t = table(
            ["category", "hits", "documents"],
            [[k, fmt_int(v["hits"]), fmt_int(v["docs"])] for k, v in rows],
            numeric=(1, 2),
        )
        cards.append(card("Sensitive-content hits in kept documents", chart, t))
    else:
        cards.append(
            card(
                "Sensitive-content hits in kept documents",
                '<p class="note">No lexicon hits in the kept documents.</p>',
            )
        )
    return section(
        "compliance",
        "Personal data and sensitive content",
        cards,
        "Counts on the kept documents: PII is redacted in place; documents over a threshold were dropped.",
    )


def _sft_section(r: dict[str, Any]) -> str:
    cards = []
    for s in r["sft"]:
        cats = [row["category"] for row in s["rows"]]
        series = [
            ("before", [row["before_share"] * 100 for row in s["rows"]]),
            ("after", [row["after_share"] * 100 for row in s["rows"]]),
        ]
        has_target = any("target_share" in row for row in s["rows"])
        if has_target:
            # not "target": FIXED gives it the colour of "before" (the mix section's pairing)
            series.append(("target share", [(row.get("target_share") or 0) * 100 for row in s["rows"]]))
        chart = grouped_hbar_chart(
            f"sft-{s['name']}",
            cats,
            series,
            fmt=lambda v: f"{v:.1f}%",
            width=WIDE_WIDTH,
            label="SFT category shares before and after",
        )
        t = table(
            ["category", "before", "share", "after", "share", "change"] + (["target"] if has_target else []),
            [
                [
                    row["category"],
                    fmt_int(row["before"]),
                    fmt_pct(row["before_share"]),
                    fmt_int(row["after"]),
                    fmt_pct(row["after_share"]),
                    fmt_pp(row["change_pp"]),
                ]
                + ([fmt_pct(row.get("target_share"))] if has_target else [])
                for row in s["rows"]
            ],
            numeric=(1, 2, 3, 4, 5, 6),
        )
        cards.append(
            card(
                f"{s['name']}: {fmt_int(s['total_before'])} → {fmt_int(s['total_after'])} examples",
                chart,
                t,
                wide=True,
            )
        )
    return section("sft", "SFT categories, before and after rebalancing", cards)


def _loop_section(r: dict[str, Any]) -> str:
    lp = r["loop"]
    xs = [f"iter {i}" for i in lp["iterations"]]
    scores = line_chart(
        "loop-scores", xs, [(row["category"], row["scores"]) for row in lp["rows"]],
        fmt=lambda v: f"{v:.3g}", width=WIDE_WIDTH, label="score per category over loop iterations",
    )
    t = table(
        ["category", "first", "last", "change", "weight (first → last)", "cause"],
        [
            [row["category"], f"{row['first']:.4g}" if row["first"] is not None else "–",
             f"{row['last']:.4g}" if row["last"] is not None else "–",
             f"{row['change']:+.3g}" if row["change"] is not None else "–",
             f"{fmt_pct(row['weight_first'])} → {fmt_pct(row['weight_last'])}", row["cause"] or ""]
            for row in lp["rows"]
        ],
        numeric=(1, 2, 3),
    )
    title = f"{lp['metric']} per category, {len(xs)} iterations of {lp['run']}"
    return section("loop", "The data loop: scores per category", [card(title, scores, t, wide=True)])


def _compare_section(r: dict[str, Any]) -> str:
    c = r["compare"]
    names = {
        "read": "documents read",
        "kept": "kept",
        "dropped": "dropped",
        "errors": "errors",
        "kept_chars": "kept characters",
        "kept_tokens": "kept tokens",
    }
    rows = [
        [
            names[k],
            fmt_int(v["baseline"]),
            fmt_int(v["run"]),
            fmt_signed(v["delta"]),
            fmt_signed(v["relative"], fmt_pct),
        ]
        for k, v in c["totals"].items()
    ]
    cards = [
        card("Totals", table(["", "baseline", "this run", "change", "relative"], rows, numeric=(1, 2, 3, 4)))
    ]
    share_rows = [
        (f"{dim}: {row['key']}", row["token_share_pp"])
        for dim in ("lang", "source")
        for row in c["shares"][dim]
    ]
    if share_rows:
        cards.append(
            card(
                "Share of tokens, change",
                diverging_chart(
                    "compare-shares", share_rows, label="Change of token shares, percentage points"
                ),
            )
        )
    drops = [d for d in c["drops"] if d["delta"]][:15]
    if drops:
        chart = diverging_chart(
            "compare-drops",
            [(d["reason"], d["delta"]) for d in drops],
            fmt=lambda v: fmt_signed(v),
            width=WIDE_WIDTH,
            label="Change of dropped documents per reason",
        )
        t = table(
            ["reason", "baseline", "this run", "change"],
            [[d["reason"], fmt_int(d["baseline"]), fmt_int(d["run"]), fmt_signed(d["delta"])] for d in drops],
            numeric=(1, 2, 3),
        )
        cards.append(card("Drops per reason, change", chart, t, wide=True))
    return section(
        "compare",
        "Compared with the baseline",
        cards,
        f"Baseline: {c['baseline']} → this run: {c['run']}. Changes are this run minus the baseline.",
    )


def _mix_section(r: dict[str, Any]) -> str:
    m = r["mix"]
    cards = []
    for dim, title in (("lang", "Language"), ("source", "Source kind")):
        t = m["achieved"].get(dim)
        if not t:
            continue
        keys = list(t)
        chart = grouped_hbar_chart(
            f"mix-{dim}",
            keys,
            [
                ("target", [t[k]["target"] * 100 for k in keys]),
                ("achieved", [t[k]["achieved"] * 100 for k in keys]),
            ],
            fmt=lambda v: f"{v:.1f}%",
            label=f"{title} shares, target and achieved",
        )
        cards.append(card(f"{title} shares of tokens: target and achieved", chart))
    cells = m["plan"]["cells"]
    rows = [
        [
            k,
            fmt_int(v["docs"]),
            fmt_int(v["tokens"]),
            fmt_pct(v["target_share"]),
            fmt_int(v["target_tokens"]),
            f"{v['factor']:.3f}",
            fmt_int(v["achieved_tokens"]),
            f"{v['achieved_tokens'] / v['tokens']:.2f}×" if v["tokens"] else "—",
        ]
        for k, v in cells.items()
    ]
    cards.append(
        card(
            "Per source and language",
            table(
                [
                    "cell",
                    "input docs",
                    "input tokens",
                    "target share",
                    "target tokens",
                    "factor",
                    "mixed tokens",
                    "upsampling",
                ],
                rows,
                numeric=(1, 2, 3, 4, 5, 6, 7),
            ),
            wide=True,
            note=m["plan"]["note"],
        )
    )
    return section(
        "mix",
        "Mix: shares achieved against the target",
        cards,
        f"Token budget {fmt_int(m['plan']['budget'])}, used {fmt_int(m['tokens'])}; "
        f"upsampling capped at {m['plan']['max_upsample']}×; seed {m['seed']}.",
    )


def render_html(r: dict[str, Any]) -> str:
    """The whole report as one HTML page (no scripts, no external resources)."""
    parts, nav = [], []

    def add(anchor: str, label: str, text: str) -> None:
        if text:
            parts.append(text)
            nav.append(f'<a href="#{anchor}">{esc(label)}</a>')

    if r.get("mix"):
        add("mix", "Mix", _mix_section(r))
    if r.get("compare"):
        add("compare", "Comparison", _compare_section(r))
    add("shares", "Shares", _shares_section(r))
    if r.get("countries"):
        add("countries", "Countries", _countries_section(r))
    add("domains", "Domains", _domains_section(r))
    if r.get("waterfall") and r["waterfall"]["steps"]:
        add("waterfall", "Drops", _waterfall_section(r))
    add("lengths", "Lengths", _histograms_section(r))
    if r.get("clusters"):
        add("duplicates", "Duplicates", _clusters_section(r))
    if r.get("compliance"):
        add("compliance", "PII & sensitive", _compliance_section(r))
    if r.get("sft"):
        add("sft", "SFT", _sft_section(r))
    if r.get("loop"):
        add("loop", "Loop", _loop_section(r))
    notes = ""
    if r["notes"]:
        notes = (
            '<div class="notes"><b>Not in this report</b><ul>'
            + "".join(f"<li>{esc(n)}</li>" for n in r["notes"])
            + "</ul></div>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(r['title'])}</title><style>{CSS}</style></head><body>"
        f"{_header(r)}<nav>{''.join(nav)}</nav><main>{''.join(parts)}{notes}</main>"
        "<footer>corpusloop · counts from Beam combiners over every document · "
        "colours: Okabe–Ito palette</footer></body></html>\n"
    )


# ---------------------------------------------------------------------------------------------
# Markdown


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    """A GitHub-flavoured Markdown table; columns in `numeric` right-aligned."""
    num = set(numeric)
    line = "| " + " | ".join(str(h) for h in headers) + " |"
    sep = "| " + " | ".join("---:" if i in num else "---" for i in range(len(headers))) + " |"
    body = ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join([line, sep, *body])


def render_markdown(r: dict[str, Any]) -> str:
    """A short Markdown summary: the totals and the main tables."""
    s = r["summary"]
    out = [f"# {r['title']}", ""]
    totals = [f"kept **{fmt_int(s['kept'])}**", f"dropped **{fmt_int(s['dropped'])}**"]
    if s.get("read") is not None:
        totals.insert(0, f"read **{fmt_int(s['read'])}**")
    if s.get("errors") is not None:
        totals.append(f"errors **{fmt_int(s['errors'])}**")
    out += [
        ", ".join(totals)
        + f"; kept tokens **{fmt_int(s['kept_tokens'])}**"
        + (
            f" (read = kept + dropped + errors: {'ok' if s['accounted'] else 'MISMATCH'})"
            if s.get("accounted") is not None
            else ""
        ),
        "",
    ]
    if r.get("mix"):
        m = r["mix"]
        out += [
            "## Mix",
            "",
            f"Budget {fmt_int(m['plan']['budget'])} tokens, mixed {fmt_int(m['tokens'])}, "
            f"seed {m['seed']}, upsampling cap {m['plan']['max_upsample']}×.",
            "",
        ]
        for dim, t in m["achieved"].items():
            out += [
                md_table(
                    [dim, "target", "achieved"],
                    [[k, fmt_pct(v["target"]), fmt_pct(v["achieved"])] for k, v in t.items()],
                    (1, 2),
                ),
                "",
            ]
    for dim, title in (("lang", "Language"), ("source", "Source"), ("source_lang", "Source/language")):
        out += [
            f"## {title}",
            "",
            md_table(
                [title.lower(), "documents", "share", "tokens", "share"],
                [
                    [
                        row["key"],
                        fmt_int(row["docs"]),
                        fmt_pct(row["docs_share"]),
                        fmt_int(row["tokens"]),
                        fmt_pct(row["tokens_share"]),
                    ]
                    for row in r["shares"][dim]
                ],
                (1, 2, 3, 4),
            ),
            "",
        ]
    if r.get("countries"):
        for lang, rows in r["countries"]["tables"].items():
            out += [
                f"## Hosting country ({'all' if lang == '*' else lang} web pages)",
                "",
                md_table(
                    ["country", "sites", "pages", "share"],
                    [
                        [
                            row["country"],
                            fmt_int(row["sites"]),
                            fmt_int(row["pages"]),
                            fmt_pct(row["page_share"]),
                        ]
                        for row in rows
                    ],
                    (1, 2, 3),
                ),
                "",
            ]
    if r["top_domains"]["kept"]:
        out += [
            "## Top kept domains",
            "",
            md_table(
                ["domain", "documents", "tokens"],
                [[d["domain"], fmt_int(d["docs"]), fmt_int(d["tokens"])] for d in r["top_domains"]["kept"]],
                (1, 2),
            ),
            "",
        ]
    wf = r.get("waterfall")
    if wf and wf["steps"]:
        out += [
            "## Drops",
            "",
            md_table(
                ["stage", "reason", "documents", "tokens"],
                [
                    [
                        st["stage"],
                        rr["reason"] + (" (error)" if rr["kind"] == "error" else ""),
                        fmt_int(rr["docs"]),
                        fmt_int(rr["tokens"]),
                    ]
                    for st in wf["steps"]
                    for rr in st["reasons"]
                ],
                (2, 3),
            ),
            "",
        ]
    c = r.get("compliance")
    if c:
        out += [
            "## PII and sensitive content",
            "",
            "PII redacted: "
            + (", ".join(f"{k} {fmt_int(v['matches'])}" for k, v in c["pii"].items()) or "none"),
            "",
            "Sensitive hits: "
            + (", ".join(f"{k} {fmt_int(v['hits'])}" for k, v in c["sensitive"].items()) or "none"),
            "",
        ]
    for sft in r.get("sft") or []:
        out += [
            f"## SFT categories: {sft['name']}",
            "",
            md_table(
                ["category", "before", "share", "after", "share"]
                + (["target"] if any("target_share" in row for row in sft["rows"]) else []),
                [
                    [
                        row["category"],
                        fmt_int(row["before"]),
                        fmt_pct(row["before_share"]),
                        fmt_int(row["after"]),
                        fmt_pct(row["after_share"]),
                    ]
                    + ([fmt_pct(row.get("target_share"))] if "target_share" in row else [])
                    for row in sft["rows"]
                ],
                (1, 2, 3, 4, 5),
            ),
            "",
        ]
    lp = r.get("loop")
    if lp:
        its = [f"iter {i}" for i in lp["iterations"]]
        out += [
            f"## The data loop: {lp['metric']} per category ({lp['run']})",
            "",
            md_table(
                ["category", *its, "weight (last)", "cause"],
                [
                    [row["category"], *[("–" if v is None else f"{v:.4g}") for v in row["scores"]],
                     fmt_pct(row["weight_last"]), row["cause"] or ""]
                    for row in lp["rows"]
                ],
                tuple(range(1, len(its) + 2)),
            ),
            "",
        ]
    cmp_ = r.get("compare")
    if cmp_:
        out += [
            f"## Compared with {cmp_['baseline']}",
            "",
            md_table(
                ["", "baseline", "this run", "change"],
                [
                    [k, fmt_int(v["baseline"]), fmt_int(v["run"]), fmt_signed(v["delta"])]
                    for k, v in cmp_["totals"].items()
                ],
                (1, 2, 3),
            ),
            "",
        ]
    if r["notes"]:
        out += ["## Not in this report", "", *[f"- {n}" for n in r["notes"]], ""]
    return "\n".join(out)
