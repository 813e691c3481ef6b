"""Writes pii_labelled.jsonl, the labelled PII set, from the templates below (deterministic by SEED).

    .venv/bin/python tests/compliance/data/make_pii_set.py          # rewrite the file
    .venv/bin/python tests/compliance/data/make_pii_set.py --check  # exit 1 when the file is stale

Each line is `{"text": ..., "spans": [[start, end, kind], ...]}`. The texts are written here (no
copied text). Personal data enters a template in two ways, and its span is recorded as it is
inserted, so labels are right by construction:
- `{slot}`: a generated value: resident IDs with a valid region, birth date and MOD 11-2 check
  character, bank cards with a network prefix and a Luhn digit, mobiles, landlines, foreign
  numbers, e-mails, global IPv4/IPv6 addresses, QQ numbers. Negative slots (`{order}`, `{isbn13}`,
  `{ts}`, `{version4}`, `{private_ip}` ...) insert unlabelled look-alikes.
- `[[KIND|literal]]`: a hand-written value.
Every template is instantiated REPEAT times with fresh values.

Labelling conventions (what the detector is held to): a phone span includes its `+86`/`0086`/`(+86)`
prefix and any parentheses around the area code; a QQ span is the number only; private, loopback
and documentation IPs are not personal data; numbers after an order/tracking/model/ISBN word are
codes; 400/800 hotlines and 5-digit service numbers are not personal.
"""
# ruff: noqa: E501

from __future__ import annotations

import ipaddress
import json
import random
import re
import sys
from pathlib import Path

SEED = 20240901
REPEAT = 3
OUT = Path(__file__).with_name("pii_labelled.jsonl")

# --- generated values ------------------------------------------------------------------------------
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_REGIONS = (
    "110105", "110108", "120101", "130102", "140105", "150102", "210102", "220102", "230103", "310104",
    "310115", "320102", "330106", "340104", "350203", "360102", "370202", "410105", "420106", "430104",
    "440305", "440106", "450103", "460105", "500103", "510107", "520102", "530102", "540102", "610113",
    "620102", "630104", "640104", "650102",
)
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152", "155",
    "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "186", "187", "188", "189",
    "191", "198", "199",
)
_AREAS = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0755", "0571", "0512",
          "0531", "0731", "0871", "0351", "0991", "0592", "0411")
_MAIL_USERS = ("zhangwei", "li.na", "wang_fang88", "liuyang", "chen.jing", "yang.lei", "zhao.min2019",
               "huang_xin", "sunhao", "zhou.ting", "wu.qiang", "xu_lin", "emily.carter", "jsmith",
               "m.garcia", "olivia.brown42", "dan.okafor", "priya.n", "tom_h", "k.yamada")
_MAIL_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "foxmail.com", "gmail.com", "outlook.com",
                 "yahoo.co.uk", "pku.edu.cn", "mail.ustc.edu.cn", "hotmail.com", "proton.me",
                 "tsinghua.org.cn", "example-trading.com.cn")
# (IIN, length, grouping) of cards that are issued: UnionPay debit/credit, Visa, Mastercard, Amex.
_CARDS = (("622202", 19, (4, 4, 4, 4, 3)), ("621700", 19, (4, 4, 4, 4, 3)), ("622848", 19, (4, 4, 4, 4, 3)),
          ("623052", 19, (4, 4, 4, 4, 3)), ("622588", 16, (4, 4, 4, 4)), ("625807", 16, (4, 4, 4, 4)),
          ("621226", 19, (4, 4, 4, 4, 3)), ("438088", 16, (4, 4, 4, 4)), ("427020", 16, (4, 4, 4, 4)),
          ("552599", 16, (4, 4, 4, 4)), ("518710", 16, (4, 4, 4, 4)), ("378282", 15, (4, 6, 5)))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def resident_id(rng: random.Random) -> str:
    """A valid 18-character resident ID (region, birth date 1950-2005, sequence, check)."""
    region = rng.choice(_REGIONS)
    year, month = rng.randint(1950, 2005), rng.randint(1, 12)
    day = rng.randint(1, 28 if month == 2 else 30)
    body = f"{region}{year:04d}{month:02d}{day:02d}{_digits(rng, 3)}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
    number = body + check
    if rng.random() < 0.1:
        return f"{number[:6]} {number[6:14]} {number[14:]}"  # written in groups: region, birth date, rest
    return number.lower() if check == "X" and rng.random() < 0.3 else number


def bad_resident_id(rng: random.Random) -> str:
    """An 18-digit number shaped like an ID with a wrong check character."""
    good = resident_id(rng).upper().replace(" ", "")
    wrong = rng.choice([c for c in "0123456789X" if c != good[-1]])
    return good[:-1] + wrong


def luhn_digit(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _group(number: str, groups: tuple[int, ...], sep: str) -> str:
    out, pos = [], 0
    for g in groups:
        out.append(number[pos : pos + g])
        pos += g
    return sep.join(out)


def bank_card(rng: random.Random) -> str:
    iin, length, groups = rng.choice(_CARDS)
    body = iin + _digits(rng, length - len(iin) - 1)
    number = body + luhn_digit(body)
    style = rng.random()
    return number if style < 0.4 else _group(number, groups, " " if style < 0.85 else "-")


def bad_card(rng: random.Random) -> str:
    """A 16-digit grouped code with a card prefix that fails Luhn (coupon codes, gift codes)."""
    body = "6222" + _digits(rng, 11)
    wrong = str((int(luhn_digit(body)) + rng.randint(1, 9)) % 10)
    return _group(body + wrong, (4, 4, 4, 4), " ")


def mobile(rng: random.Random) -> str:
    n = rng.choice(_MOBILE_PREFIXES) + _digits(rng, 8)
    return rng.choice((
        n, n, n, f"{n[:3]} {n[3:7]} {n[7:]}", f"{n[:3]}-{n[3:7]}-{n[7:]}", f"+86 {n}",
        f"+86 {n[:3]} {n[3:7]} {n[7:]}", f"+86-{n}", f"0086 {n}", f"(+86){n}",
    ))


def mobile_plain(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + _digits(rng, 8)


def landline(rng: random.Random) -> str:
    area = rng.choice(_AREAS)
    sub = str(rng.randint(2, 8)) + _digits(rng, 7 if len(area) == 3 or rng.random() < 0.7 else 6)
    half = len(sub) - 4
    return rng.choice((
        f"{area}-{sub}", f"{area}-{sub}", f"({area}) {sub[:half]} {sub[half:]}", f"（{area}）{sub}",
        f"{area} {sub[:half]} {sub[half:]}", f"{area}{sub}", f"{area}-{sub[:half]} {sub[half:]}",
    ))


def intl(rng: random.Random) -> str:
    d = lambda n: _digits(rng, n)  # noqa: E731
    nxx = lambda: str(rng.randint(2, 9)) + d(2)  # noqa: E731
    return rng.choice((
        f"+44 20 {rng.randint(7, 8)}{d(3)} {d(4)}", f"+44 7{d(3)} {d(6)}", f"+1 ({nxx()}) {nxx()}-{d(4)}",
        f"+1-{nxx()}-{nxx()}-{d(4)}", f"+49 30 {d(8)}", f"+81 3-{d(4)}-{d(4)}", f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
        f"+852 {rng.randint(5, 9)}{d(3)} {d(4)}", f"+886 2 {d(4)} {d(4)}", f"+65 {rng.randint(6, 9)}{d(3)} {d(4)}",
        f"+61 2 {d(4)} {d(4)}", f"+82 10-{d(4)}-{d(4)}", f"+86 10 {rng.randint(5, 8)}{d(3)} {d(4)}",
        f"+86-755-{rng.randint(2, 8)}{d(7)}",
    ))


def nanp(rng: random.Random) -> str:
    a, b, c = str(rng.randint(2, 9)) + _digits(rng, 2), str(rng.randint(2, 9)) + _digits(rng, 2), _digits(rng, 4)
    return rng.choice((f"({a}) {b}-{c}", f"({a}) {b}-{c}", f"1 ({a}) {b}-{c}", f"({a}){b}-{c}"))


def nanp_bare(rng: random.Random) -> str:
    a, b, c = str(rng.randint(2, 9)) + _digits(rng, 2), str(rng.randint(2, 9)) + _digits(rng, 2), _digits(rng, 4)
    return rng.choice((f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"1-{a}-{b}-{c}"))


def email(rng: random.Random) -> str:
    user = rng.choice(_MAIL_USERS)
    if rng.random() < 0.3:
        user += str(rng.randint(1, 999))
    return f"{user}@{rng.choice(_MAIL_DOMAINS)}"


def ipv4(rng: random.Random) -> str:
    while True:
        addr = ipaddress.IPv4Address(rng.randint(1 << 24, (224 << 24) - 1))
        if addr.is_global:
            return str(addr)


def ipv6(rng: random.Random) -> str:
    while True:
        prefix = rng.choice((0x2400DA00, 0x240E03A1, 0x24080000, 0x24098C00, 0x20010DA8, 0x2A001450, 0x26064700))
        low = rng.getrandbits(96)
        if rng.random() < 0.5:
            low &= 0xFFFF  # a compressible address: 2400:da00::6666
        addr = ipaddress.IPv6Address((prefix << 96) | low)
        if addr.is_global:
            return addr.compressed


def qq(rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + _digits(rng, rng.randint(4, 10))


# negatives
def order(rng: random.Random) -> str:
    return f"20{rng.randint(19, 24)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + _digits(rng, rng.choice((10, 11, 12)))


def tracking(rng: random.Random) -> str:
    return rng.choice((f"SF{_digits(rng, 13)}", f"YT{_digits(rng, 13)}", f"JDVA{_digits(rng, 11)}",
                       f"EA{_digits(rng, 9)}CN", f"7{_digits(rng, 13)}", f"4{_digits(rng, 11)}"))


def isbn13(rng: random.Random) -> str:
    pub = rng.choice(("111", "5086", "302", "020", "5217", "115"))
    body = "9787" + pub + _digits(rng, 12 - 4 - len(pub))
    check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
    if rng.random() < 0.5:
        return body + str(check)
    return f"978-7-{pub}-{body[4 + len(pub):]}-{check}"


def isbn10(rng: random.Random) -> str:
    body = "0" + _digits(rng, 8)
    check = (11 - sum(int(c) * (10 - i) for i, c in enumerate(body)) % 11) % 11
    c = "X" if check == 10 else str(check)
    return f"{body[0]}-{body[1:4]}-{body[4:9]}-{c}"


def ts(rng: random.Random) -> str:
    return str(rng.randint(1_500_000_000, 1_750_000_000))


def ts_ms(rng: random.Random) -> str:
    return str(rng.randint(1_500_000_000_000, 1_750_000_000_000))


def datetime_(rng: random.Random) -> str:
    return f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def compact_ts(rng: random.Random) -> str:
    return f"20{rng.randint(15, 24)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"


def price(rng: random.Random) -> str:
    return rng.choice((f"¥{rng.randint(1, 99)},{rng.randint(0, 999):03d}.00", f"${rng.randint(1, 9)},{rng.randint(0, 999):03d}",
                       f"￥{rng.randint(10, 9999)}", f"US${rng.randint(1, 999)}.{rng.randint(0, 99):02d}"))


def pages(rng: random.Random) -> str:
    return str(rng.randint(120, 1800))


def version3(rng: random.Random) -> str:
    return f"v{rng.randint(1, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"


def version4(rng: random.Random) -> str:
    return f"{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(1, 200)}"


def private_ip(rng: random.Random) -> str:
    return rng.choice((f"192.168.{rng.randint(0, 10)}.{rng.randint(1, 254)}", f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                       f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", "127.0.0.1"))


def hotline(rng: random.Random) -> str:
    return rng.choice((f"400-{rng.randint(100, 999)}-{_digits(rng, 4)}", f"800-{rng.randint(100, 999)}-{_digits(rng, 4)}",
                       f"4008{_digits(rng, 6)}", rng.choice(("95588", "95533", "95599", "10086", "12306", "12345"))))


def mac(rng: random.Random) -> str:
    return ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6))


def ean(rng: random.Random) -> str:
    return "690" + _digits(rng, 10)


def order_luhn(rng: random.Random) -> str:
    """An order number that passes Luhn with a card prefix: only its context says it is a code."""
    body = rng.choice(("62", "4", "60")) + _digits(rng, rng.choice((13, 14, 16)))
    return body + luhn_digit(body)


def code_phone_like(rng: random.Random) -> str:
    """A model or part number that happens to have a phone's shape."""
    return rng.choice((mobile_plain(rng), f"{rng.randint(200, 999)}-{rng.randint(200, 999)}-{_digits(rng, 4)}"))


POSITIVE = {
    "mobile": ("PHONE", mobile), "mobile_plain": ("PHONE", mobile_plain), "landline": ("PHONE", landline),
    "intl": ("PHONE", intl), "nanp": ("PHONE", nanp), "nanp_bare": ("PHONE", nanp_bare),
    "email": ("EMAIL", email), "id": ("ID", resident_id), "card": ("BANK_CARD", bank_card),
    "ipv4": ("IP", ipv4), "ipv6": ("IP", ipv6), "qq": ("QQ", qq),
}
NEGATIVE = {
    "order": order, "tracking": tracking, "isbn13": isbn13, "isbn10": isbn10, "ts": ts, "ts_ms": ts_ms,
    "datetime": datetime_, "compact_ts": compact_ts, "price": price, "pages": pages, "version3": version3,
    "version4": version4, "private_ip": private_ip, "hotline": hotline, "bad_id": bad_resident_id,
    "bad_card": bad_card, "mac": mac, "ean": ean, "code": code_phone_like, "order_luhn": order_luhn,
    "mobile_plain_neg": mobile_plain,
}

# --- templates -------------------------------------------------------------------------------------
TEMPLATES_ZH = [
    # positives
    "房东直租，两室一厅，拎包入住，有意者请联系王女士{mobile}，非诚勿扰。",
    "本人急售九成新电动车一辆，价格面议，电话：{mobile}（微信同号）。",
    "招聘前台文员一名，要求形象好、会基本办公软件，简历请发至{email}，或致电{landline}。",
    "各位家长好，周六上午九点在学校礼堂召开家长会，请假请联系班主任李老师，手机{mobile_plain}。",
    "我的快递一直显示派送中，打了快递员电话{mobile}也没人接，太无语了。",
    "如对本次活动有任何疑问，欢迎拨打咨询电话{landline}，工作时间为周一至周五 9:00-17:30。",
    "报名表填写完整后发送到邮箱 {email} ，截止日期为本月二十号。",
    "申请人：张某某，身份证号码：{id}，现住址为北京市朝阳区某小区。",
    "经审理查明，被告人刘某（身份证号{id}）于案发当晚驾车逃离现场。",
    "请核对您的信息：姓名 陈晓明，证件号 {id}，联系电话 {mobile}。",
    "退款将原路返回至您尾号所在的银行卡，如需转账请打到 {card}，开户行：中国建设银行。",
    "收款账号：{card}，户名：上海某某贸易有限公司。",
    "他把自己的银行卡号{card}直接发在了群里，被管理员提醒后才撤回。",
    "这台服务器的公网 IP 是 {ipv4}，登录前请先联系运维开通白名单。",
    "日志显示，攻击来自 IP 地址 {ipv4}，我们已在防火墙中封禁。",
    "解析结果：域名指向 {ipv6}，IPv6 访问正常。",
    "有问题可以加我QQ：{qq}，晚上一般都在线。",
    "欢迎加入本地跑步爱好者交流群，QQ群：{qq}，进群请备注跑龄。",
    "游戏代练，价格实惠，扣扣{qq}，先打后付。",
    "考研资料免费分享，需要的同学加qq号 {qq} 领取。",
    "香港办事处电话 {intl}，新加坡分公司电话 {intl}。",
    "如需英文客服，请致电我们伦敦办公室 {intl}。",
    "联系人：赵经理 {mobile}；传真：{landline}；邮箱：{email}",
    "公司地址：深圳市南山区科技园，电话{landline}，手机{mobile}。",
    "紧急联系人：母亲，电话 {mobile}，身份证 {id}。",
    "订房成功！入住人：孙先生，手机 {mobile_plain}，请携带身份证{id}办理入住。",
    "VPN 节点 {ipv4} 连接超时，请换用备用节点 {ipv4}。",
    "打款后请把截图发到 {email}，QQ {qq} 也可以。",
    "我的信用卡 {card} 昨晚被盗刷了三笔，已经打电话挂失。",
    "小区物业电话：{landline}，维修师傅电话：{mobile}。",
    "学生信息：学号 2021013526，家长手机 {mobile}，家庭邮箱 {email}。",
    "本店新址：杭州市西湖区文三路，订餐热线 {landline}，{mobile}。",
    "注：原告身份证号为{id}，被告身份证号为{id}。",
    "DNS 请设置为 {ipv4} 或 {ipv6}。",
    "客户反馈无法访问 {ipv4}:8080，排查后发现端口未放行。",
    "寻物启事：本人在地铁二号线丢失钱包一个，内有身份证（{id}）和银行卡，拾到者请联系{mobile}，必有重谢。",
    "微信不常看，有事发邮件到{email}或者打我电话{mobile}。",
    "值班表：周一 张工 {mobile_plain}、周二 李工 {mobile_plain}、周三 王工 {mobile_plain}。",
    "两个号码都能打通：{mobile_plain} {mobile_plain}",
    "（{mobile_plain}）这是我的新号，旧号停用了。",
    "请于今晚八点前回复，联系电话 {mobile}.",
    "售后邮箱：{email}。售后电话：{landline}。",
    "客户资料：{id}，{card}，{mobile}，{email}。",
    "服务器列表：{ipv4}、{ipv4}、{ipv4}",
    "访问 http://{ipv4}/admin 进入后台管理页面。",
    "兼职家教，数学英语均可，QQ/微信：{qq}。",
    # negatives
    "您的订单号 {order} 已发货，预计三天内送达。",
    "订单编号：{order}，下单时间：{datetime}，实付款：{price}。",
    "快递单号 {tracking}，顺丰速运，请注意查收。",
    "运单号：{tracking}，当前状态：已签收。",
    "《机器学习》，周志华著，清华大学出版社，ISBN {isbn13}，共 {pages} 页，定价 {price}。",
    "本书 ISBN：{isbn13}，开本 16 开，{pages} 页。",
    "服务器时间戳 {ts}，毫秒时间戳 {ts_ms}，两者相差一千倍。",
    "日志：[{datetime}] INFO request finished in 35ms",
    "文件名为 backup_{compact_ts}.tar.gz，保存在 /data 目录下。",
    "这款手机售价 {price}，比上一代贵了四百元。",
    "全书共 {pages} 页，分为十二章，附录包括习题答案。",
    "固件版本 {version4} 修复了蓝牙断连的问题，建议尽快升级。",
    "App 已更新到 {version3}，新增夜间模式。",
    "当前版本 {version4}，最新版本 {version4}。",
    "路由器默认管理地址是 {private_ip}，默认密码在机身背面。",
    "把打印机的 IP 设成 {private_ip}，子网掩码 255.255.255.0。",
    "全国统一客服热线 {hotline}，7×24 小时服务。",
    "如遇问题请拨打银行客服 {hotline}。",
    "身份证号校验不通过：{bad_id}，请重新输入。",
    "优惠券兑换码 {bad_card}，有效期至月底。",
    "网卡的 MAC 地址为 {mac}，已加入白名单。",
    "商品条码 {ean}，产地：浙江义乌。",
    "型号 {code}，额定功率 1500W，能效等级一级。",
    "货号：{code}，颜色：藏青，尺码：XL。",
    "会议定于{datetime}在三楼会议室召开，请准时参加。",
    "本次共售出 {pages} 张门票，收入 {price}。",
    "2023年第三季度，公司营业收入同比增长 12.5%，净利润 3.2 亿元。",
    "第 {pages} 期彩票开奖号码为 05 12 18 23 31 + 07。",
    "火车 G1234 次于 08:15 从北京南站发车，12:30 到达上海虹桥。",
    "下载地址：https://example.com/download/setup_{version3}.exe",
    "邮编 100080，地址：北京市海淀区中关村大街 27 号。",
    "坐标：北纬 39.9042，东经 116.4074。",
    "QQ音乐 {pages} 万首曲库全面升级，QQ {version3} 版本同步上线。",
    "图片 logo@2x.png 和 banner@3x.jpg 需要重新导出。",
    "比赛最终比分 3-1，观众人数 {pages}00 人。",
    "流水号 {order}，交易金额 {price}。",
    "订单号：{order_luhn}，支付方式：微信支付。",
    "快递单号 {mobile_plain_neg}，已由驿站代收。",
    "第 {pages} 号公告：自{datetime}起，系统升级至 {version4}。",
    "2020 年全国人口为 1411778724 人，其中城镇人口 901991162 人。",
    "电费账单：本月用电 {pages} 度，应缴 {price}，户号 {order}。",
    "考生准考证号 {order}，考场号 012，座位号 27。",
]
TEMPLATES_EN = [
    # positives
    "For questions about your booking, email us at {email} or call {nanp}.",
    "Contact: Sarah Miller, phone {nanp_bare}, email {email}.",
    "Our London office can be reached on {intl}; the Tokyo desk on {intl}.",
    "Please send your CV and a short cover letter to {email} before Friday.",
    "If you found a black wallet near the station, please call me at {nanp_bare}. Reward offered.",
    "Tenant: J. Alvarez, mobile {intl}, alternate contact {email}.",
    "The login attempts came from {ipv4} and {ipv4}, both outside our usual range.",
    "Server {ipv6} stopped answering pings at around midnight.",
    "Add me on QQ: {qq} if you want to practise Chinese together.",
    "Card number {card} was declined; please try another payment method.",
    "I accidentally posted my card number ({card}) in the chat. How do I get it removed?",
    "Passenger record: Li Wei, passport and ID {id}, phone {mobile}.",
    "Call our Shanghai team on {mobile} or our Beijing office on {landline}.",
    "Reply to {email}, cc {email}.",
    "Our resolver at {ipv4} is rate-limited; use {ipv6} instead.",
    "Text me at {nanp_bare} when you land and I'll pick you up.",
    "Fax: {nanp}   Tel: {nanp}",
    "Visitors from {ipv4} were redirected to the mirror.",
    "Support ticket #4471: customer {email} reports a double charge on card {card}.",
    "You can reach the organiser, Mr. Chen, at {mobile} or by email at {email}.",
    "Hi, this is Mark. My number changed, the new one is {intl}.",
    "The form lists the applicant's ID as {id} and the phone as {mobile_plain}.",
    "Wire the deposit to account {card} and send the receipt to {email}.",
    "Our Hong Kong branch: {intl}. Our Sydney branch: {intl}.",
    "Emergency contacts: Anna ({intl}), Ben ({nanp}).",
    "Her e-mail is {email}; his is {email}.",
    "Booking confirmed for {email} (tel. {intl}).",
    "Blocked: {ipv4}, {ipv4}, {ipv6}.",
    # negatives
    "Order #{order} has shipped and should arrive within five business days.",
    "Tracking number {tracking}; the parcel is now at the local depot.",
    "First edition, ISBN {isbn10}, {pages} pages, hardcover, {price}.",
    "ISBN {isbn13} | Paperback | {pages} pp.",
    "The event was logged at unix time {ts} ({datetime} UTC).",
    "Export finished: report_{compact_ts}.csv",
    "The new laptop starts at {price}, about the same as last year's model.",
    "Release notes for {version3}: fixed a crash on startup and improved sync.",
    "Firmware version {version4} is available; update before reinstalling the app.",
    "Build {version4} passed all nightly tests.",
    "Set the gateway to {private_ip} and the DNS to the router's address.",
    "The app listens on {private_ip}:8000 by default.",
    "Call our toll-free line {hotline} for billing questions.",
    "Model {code} ships with a two-year warranty.",
    "SKU {code}, colour: navy, size: M.",
    "The device's MAC address is {mac}.",
    "The population grew from 1,283,000 in 1990 to 1,412,000 in 2020.",
    "Scores: 3.1415926535 is pi to ten decimals, and +3.1415926535 stays positive.",
    "Chapter 7 runs from page 211 to page {pages}.",
    "Meeting moved to {datetime}, room 4.12.",
    "Invoice {order}: total {price}, due in 30 days.",
    "Use @2x assets (icon@2x.png) for retina screens.",
    "The user agent was Mozilla/5.0 Chrome/{version4} Safari/537.36.",
    "Rows 1-0-0-1 in the seating plan are reserved.",
    "Barcode {ean} scanned at checkout.",
    "Order no. {order_luhn} was refunded in full.",
    "Tracking {mobile_plain_neg} (China Post) is delayed.",
    "The file was 1,048,576 bytes and took 0.125 seconds to copy.",
    "Flight CA981 departs at 13:00 and arrives at 14:35 local time.",
]
# Hand-written lines with literal labels.
HAND = [
    "电话：[[PHONE|010-62751234]]（办公室），[[PHONE|(0755) 8888 6666]]（深圳）",
    "邮箱 [[EMAIL|service@jd-example.com.cn]] 已停用，请改发 [[EMAIL|help@jd-example.com.cn]]。",
    "老板的手机是[[PHONE|139 1234 5678]]，座机是[[PHONE|021-5033 2211]]。",
    "有事打[[PHONE|13812345678]]或者发邮件[[EMAIL|13812345678@163.com]]。",
    "[[EMAIL|10001234@qq.com]] 是我的常用邮箱，QQ号[[QQ|10001234]]。",
    "外网地址 [[IP|114.114.114.114]]，内网地址 192.168.31.1，网关 192.168.31.254。",
    "ping [[IP|223.5.5.5]] 正常，ping 10.0.0.1 超时。",
    "版本 1.0.0.1 已停止维护，请升级到 2.0.0.3。",
    "软件 v3.2.1.8 修复了若干漏洞。",
    "Chrome/116.0.0.0 is not an address, but [[IP|8.8.4.4]] is.",
    "Email [[EMAIL|first.last+news@example.org]] for the newsletter; do not write to webmaster@ (it bounces).",
    "Reach us: [[PHONE|+1 (212) 555-0198]], [[PHONE|+44 20 7946 0958]].",
    "我的扣扣是 [[QQ|987654321]]，不是 9876543210 那个。",
    "QQ 2023 年度报告显示，活跃用户数为 5.7 亿。",
    "订单号 2023081512345678901，电话 [[PHONE|13700001111]]。",
    "ISBN 978-7-111-54742-6 / ISBN 0-306-40615-2",
    "时间戳 1693468800 对应 2023-08-31 12:00:00，即 20230831120000。",
    "价格 ¥12,999.00，优惠后 $1,299。",
    "Version 1.0.0.1 was the first stable release; server [[IP|1.0.0.1]] is a public resolver.",
    "IPv6 loopback is ::1 and the link-local prefix is fe80::/10; the server answers on [[IP|2606:4700:4700::1111]].",
    "会议号 123 456 789，密码 8888。",
    "银行卡尾号 1234 的客户请注意，您的账户已冻结。",
    "请把 [[PHONE|186-0101-2233]] 存成紧急联系人。",
    "The time is 12:30:45 and the ratio is 16:9.",
    "中奖号码：13 17 22 28 33 09",
    "工号 20190315，入职日期 2019-03-15。",
    "A bus to Terminal 2 leaves every 15 minutes; the fare is $3.50.",
    "std::vector<int> and a::b are C++ names, not IPv6 addresses.",
    "联系电话：[[PHONE|0571-8702 3456]] 转 8001",
    "微信号 wx_zhang2019，手机[[PHONE|+86 158 2100 3344]]。",
    "Mike: [[PHONE|212-555-0143]], Jen: [[PHONE|917-555-0178]]",
    "If found, please return to Room 12; owner's number [[PHONE|646.555.0112]].",
    "接口文档见第 3.2.1 节；示例请求发往 [[IP|47.95.12.103]]:443。",
    "GPS 坐标 31.2304, 121.4737，海拔 4 米。",
    "Z-Library 的镜像 IP 不再公开，旧地址 [[IP|185.199.108.153]] 已失效。",
    "QQ:[[QQ|2876543210]]（请注明来意）",
    "扣扣群号码 [[QQ|712345678]]，群满请加二群 [[QQ|712345679]]。",
    "他用 [[EMAIL|Zhang.Wei@163.COM]] 注册了账号。",
    "E-MAIL：[[EMAIL|info@hz-example.cn]]；网址：www.hz-example.cn",
    "身份证复印件上的号码（[[ID|11010519491231002X]]）已打码处理不全，请重新上传。",
    "Dial [[PHONE|+86 21 6123 4567]] ext. 809 for the front desk.",
    "My number is [[PHONE|07700 900123]] if you are in the UK.",
    "第 1.2.3.4 条规定适用于所有会员。",
    "温度 36.5℃，血压 120/80，心率 72 次/分。",
    # written after the detector, not tuned against it
    "二手房出售：126 平，南北通透，满五唯一，看房请提前预约 [[PHONE|15921876543]] 刘先生（中介勿扰）",
    "【失物招领】今天下午在图书馆三楼捡到一张校园卡，卡号 2021110345，失主请到服务台认领。",
    "快递柜取件码 856321，请于 24 小时内取件。",
    "你的验证码是 482910，5 分钟内有效，请勿告诉他人。",
    "Your verification code is 771204. It expires in 10 minutes.",
    "合同编号 HT-2023-0815-001，签订日期 2023 年 8 月 15 日，甲方联系电话 [[PHONE|0512-6588 1234]]。",
    "报警电话 110，火警 119，急救 120，交通事故 122。",
    "Customer service: [[EMAIL|support@shop-example.co.uk]] (Mon–Fri), or call [[PHONE|+44 161 496 0000]].",
    "The conference room code is 4417 and the Wi-Fi password is on the whiteboard.",
    "Patient DOB 1987-04-12, MRN 00482913, contact [[PHONE|(617) 555-0100]].",
    "快递员小哥的电话[[PHONE|17712345678]]一直打不通，最后是驿站的座机[[PHONE|0592-5123456]]通知我取件的。",
    "请将申请材料扫描后发送至[[EMAIL|hr@xx-tech.com.cn]]，邮件标题注明“姓名+应聘岗位”。",
    "股票代码 600519，收盘价 1689.00 元，成交量 32156 手。",
    "本帖最后由 user_2019 于 2023-8-31 10:12 编辑",
    "楼主留个QQ呗，我的是[[QQ|593827461]]",
    "IP属地：广东",
    "来自 IP [[IP|36.112.45.201]] 的请求被拒绝（403）。",
    "Listening on 0.0.0.0:5000 and [::]:5000",
    "Pinging [[IP|142.250.72.14]] with 32 bytes of data:",
    "The price dropped from $1,099.99 to $899.99 after the announcement.",
    "全年 GDP 达 126.06 万亿元，比上年增长 5.2%。",
    "Lot 2023-11-07-044, expiry 2025/11/06, batch B1378821.",
    "身份证号码:[[ID|440305198807153312]]",
    "Our Shenzhen office: [[PHONE|+86 755 8601 3388]]; Beijing: [[PHONE|+86 10 5992 8888]].",
    "电话号码格式示例：138xxxx8000（中间四位已隐藏）。",
    "尾号 8000 的用户您好，您的账单已出。",
    "国际标准书号 978-7-5086-9876-3，印数 1-5000 册。",
    "1999 年 12 月 31 日 23:59:59，千年虫问题引发全球关注。",
    "qq浏览器下载量 50000000 次，QQ音乐曲库 40000000 首。",
    "QQ飞车 S 联赛总奖金 1000000 元。",
    "加群先看公告，主群 QQ [[QQ|815432765]]，备用群 QQ [[QQ|815432766]]。",
    "有意者 qq [[QQ|46378291]] 微信 zhao_1990",
    "She wrote her QQ number, [[QQ|306718254]], on the back of the ticket.",
    "新版 QQ 9.9.3 已支持 Windows 11。",
]


_SLOT = re.compile(r"\{(\w+)\}|\[\[(\w+)\|(.+?)\]\]")


def render(template: str, rng: random.Random) -> dict:
    """Fill one template; spans are recorded as values are inserted."""
    out: list[str] = []
    spans: list[list] = []
    pos = 0
    length = 0
    for m in _SLOT.finditer(template):
        out.append(template[pos : m.start()])
        length += m.start() - pos
        if m.group(1):
            name = m.group(1)
            if name in POSITIVE:
                kind, make = POSITIVE[name]
                value = make(rng)
                spans.append([length, length + len(value), kind])
            else:
                value = NEGATIVE[name](rng)
        else:
            kind, value = m.group(2), m.group(3)
            spans.append([length, length + len(value), kind])
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(template[pos:])
    return {"text": "".join(out), "spans": spans}


def build_lines(seed: int = SEED) -> list[dict]:
    """All labelled lines, in a fixed order."""
    rng = random.Random(seed)
    lines = [render(t, rng) for t in TEMPLATES_ZH + TEMPLATES_EN for _ in range(REPEAT)]
    lines += [render(t, rng) for t in HAND]
    return lines


def dumps(lines: list[dict]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def main(argv: list[str]) -> int:
    text = dumps(build_lines())
    if "--check" in argv:
        stale = not OUT.exists() or OUT.read_text(encoding="utf-8") != text
        print(f"{OUT.name}: {'stale' if stale else 'up to date'}")
        return int(stale)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
