"""Tiny labelled texts for the quality-model tests (written for these tests), and fast model params."""

from __future__ import annotations

from classifiers.quality import QualityModelParams

# Fast and reproducible: small buckets and vectors, one thread, fixed seed, every token counted.
FAST = QualityModelParams(dim=16, epoch=25, lr=0.5, bucket=20_000, min_count=1, seed=7, thread=1)

_EN_GOOD = [
    "The river system drains a basin of about forty thousand square kilometres and feeds three lakes.",
    "Historians have argued that the treaty reshaped trade across the region for the following century.",
    "In the laboratory, the samples were heated slowly and the resulting crystals were measured by hand.",
    "The committee published its final report on the water supply, describing the causes of the shortage.",
    "Her second novel follows a family of fishermen through two winters on a remote northern island.",
    "The cathedral was rebuilt after the fire, and its new tower was completed in the spring of 1889.",
    "Researchers compared the growth of the seedlings under natural light and under artificial lamps.",
    "The essay explains how the printing press changed the way scholars shared and corrected their work.",
]
_EN_BAD = [
    "BUY NOW!!! cheap pills best price click here click here free shipping limited offer",
    "Home | About | Contact | Login | Register | Cart (0) | Privacy | Terms | Sitemap",
    "lol ok see u there!!! ;) ;) call me 555 0101 hot singles in your area click",
    "Sale sale sale 50% off 70% off everything must go >>> click >>> shop now >>>",
    "Copyright 2019 All rights reserved | Powered by WordPress | Back to top",
    "win win win free iphone free gift card enter now enter now claim prize",
    "Share on Facebook Share on Twitter Pin it Email Print Subscribe Follow us",
    "cheap watches replica bags discount code SAVE20 best deals online buy",
]
_ZH_GOOD = [
    "这条河流发源于西部高原，全长约八百公里，沿途灌溉着大片农田，孕育了两岸古老的城镇。",
    "历史学家认为，这份条约在此后一个世纪里深刻地改变了整个地区的贸易格局和社会结构。",
    "研究人员在实验室里缓慢加热样品，并在显微镜下仔细测量了生成晶体的形状和大小。",
    "她的第二部小说讲述了一个渔民家庭在北方海岛上度过的两个漫长冬天，以及他们的悲欢离合。",
    "大火之后，人们重建了这座教堂，新的钟楼在第二年春天落成，成为城市的标志性建筑。",
    "这篇文章介绍了印刷术如何改变学者之间交流知识的方式，并推动了教育的普及。",
    "科学家比较了幼苗在自然光和人工灯光下的生长情况，发现光照时间对产量影响很大。",
    "山城的历史可以追溯到唐代，当时这里是一个重要的驿站，商旅往来十分频繁。",
]
_ZH_BAD = [
    "好吃！！！快递很快，好评好评，下次还来买，五星五星",
    "首页 | 新闻 | 登录 | 注册 | 购物车 | 联系我们 | 网站地图 | 返回顶部",
    "点击领取红包 免费领取 限时抢购 最后一天 赶紧点击 加微信",
    "版权所有 ICP备案号 技术支持 友情链接 关于我们 广告服务",
    "送餐太慢了，凉了，不好吃，差评，再也不点了",
    "特价特价 全场五折 包邮 秒杀 抢购 马上下单 立即购买",
    "分享到微博 分享到微信 收藏 点赞 评论 转发 关注我们",
    "哈哈哈哈 好的好的 没问题 收到 谢谢亲 么么哒",
]


def tiny_corpus() -> tuple[list[str], list[int], list[str]]:
    """(texts, labels, langs): each sentence with a varied tail, 32 per language and class."""
    texts: list[str] = []
    labels: list[int] = []
    langs: list[str] = []
    for lang, good, bad in (("en", _EN_GOOD, _EN_BAD), ("zh", _ZH_GOOD, _ZH_BAD)):
        for i in range(4):
            for label, group in ((1, good), (0, bad)):
                for j, text in enumerate(group):
                    other = group[(j + i + 1) % len(group)]
                    texts.append(f"{text}\n{other}")
                    labels.append(label)
                    langs.append(lang)
    return texts, labels, langs


# Unseen texts of each kind, for checking that the model learned something.
HELD_OUT = {
    ("en", 1): "The museum restored the old ship and wrote a careful history of the voyage and its crew.",
    ("en", 0): "click here buy now free shipping | Login | Cart | best price offer click",
    ("zh", 1): "这座古老的城市位于河流交汇处，历史学家研究了它在唐代的贸易和文化发展。",
    ("zh", 0): "限时抢购 点击领取 包邮 好评 登录 注册 返回顶部 立即购买",
}
