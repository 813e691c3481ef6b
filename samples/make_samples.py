"""Write the bundled sample data under samples/ (web WARC + JSONL, books, literature, README).

Every sentence in these files was written for corpusloop; nothing is copied from elsewhere.
The output is deterministic: fixed dates, uuid5 record ids, gzip members with mtime 0 and a
fixed write order, so running this twice gives byte-identical files.

Run from the repository root:  .venv/bin/python samples/make_samples.py
"""

from __future__ import annotations

import html
import json
import random
import struct
import textwrap
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
CRAWL_START = datetime(2023, 9, 14, 8, 0, 0)  # every WARC-Date is this plus a fixed offset
RECORD_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://corpusloop.invalid/samples/web")
USER_AGENT = "corpusloop-sample-crawler/0.1 (+https://corpusloop.invalid/bot)"


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------


def paras(block: str, lang: str) -> tuple[str, ...]:
    """Split a text block into paragraphs on blank lines; join wrapped lines by language."""
    joiner = "" if lang == "zh" else " "
    out = []
    for chunk in block.strip().split("\n\n"):
        lines = [line.strip() for line in chunk.strip().splitlines()]
        out.append(joiner.join(line for line in lines if line))
    return tuple(out)


def fullwidth(text: str) -> str:
    """Map printable ASCII to its full-width form (A -> Ａ, 1 -> １); spaces stay as they are."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def mojibake(text: str) -> str:
    """Return text as it looks after its UTF-8 bytes were wrongly decoded as Windows-1252.

    The text must avoid bytes that cp1252 leaves undefined (decode raises) and 0xA0 / 0xAD
    (no-break space, soft hyphen), which HTML extractors rewrite, making the damage unfixable.
    """
    data = text.encode("utf-8")
    assert 0xA0 not in data and 0xAD not in data, text
    out = data.decode("cp1252")
    assert out != text, text
    return out


def esc(text: str) -> str:
    """Escape text for HTML element content."""
    return html.escape(text, quote=False)


def http_date(when: datetime) -> str:
    """Format a naive UTC datetime as an HTTP date (English names, no locale)."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{days[when.weekday()]}, {when.day:02d} {months[when.month - 1]} {when.year} {when:%H:%M:%S} GMT"


# ---------------------------------------------------------------------------------------------
# Web pages: article bodies (original text)
# ---------------------------------------------------------------------------------------------

ZH_LIBRARY = """
本报讯（记者 周敏）从本月起，清河市图书馆将周一至周五的闭馆时间由晚上八点推迟到十点，
周末则全天开放至晚上九点。馆方表示，这项调整是在今年春季读者问卷的基础上作出的，
共有四千多名读者参与了调查，其中超过六成的人希望下班后还能有地方安静地看书。

记者昨晚九点来到图书馆三楼的自习区，看到大部分座位都有人。在附近一家设计公司上班的
刘女士说，她以前只能在周末来借书，现在下班吃完饭再过来，还能坐上一个多小时。
“家里孩子多，很难静下心来，这里的灯光和气氛都让人踏实。”她一边说，
一边把刚借的两本园艺书放进包里。

为了配合延时开放，图书馆增加了两个班次的工作人员，并招募了三十多名志愿者，
负责夜间的书架整理和咨询服务。馆长陈建华介绍，夜间时段主要开放自习区、
期刊阅览室和少儿绘本区，古籍部和地方文献部仍按原时间开放。
“古籍的借阅需要专业馆员在场，我们还在培训人手，争取明年也能延长。”

安全和交通也是读者关心的问题。记者了解到，图书馆已经与公交公司沟通，
途经馆前的12路和35路公交车末班时间将推迟到晚上十点半。
馆内停车场晚间免费开放，自行车停放区也加装了照明。

不少市民对这项举措表示欢迎，也提出了一些建议。退休教师王先生希望馆里能多举办一些晚间讲座，
“白天上班的年轻人没时间参加活动，晚上正好。”也有读者建议在自习区增设电源插座，
方便使用笔记本电脑。对此，馆方回应说，将在下个月完成自习区的线路改造，
新增一百二十个插座，并计划每月举办两场面向上班族的晚间读书分享会。

据统计，去年全年清河市图书馆接待读者约一百一十万人次，外借图书六十八万册。
馆方预计，延长开放时间后，全年接待量有望再增加一成以上。
"""

ZH_TEA = """
清明前一个星期，朋友阿芸发来消息，说她家山上的茶开始采了，问我要不要去住几天。
我几乎没有犹豫，请了假，背上一个小包就出发了。从市区坐两个小时的大巴到县城，
再换乘一辆只有十几个座位的中巴，沿着盘山公路绕了四十多分钟，才到她家所在的村子。

茶园在村子后面的坡上，一层一层的茶垄顺着山势铺开，远远看去像是谁用梳子把整座山梳了一遍。
早上六点多，雾还没散，阿芸的妈妈已经戴着斗笠在地里了。她教我只摘最顶上的一芽一叶，
用拇指和食指轻轻一提，不能用指甲掐，否则断口会发红，炒出来的茶就带了苦味。
我学了半个小时，手指酸了，竹篓底还没有铺满。

中午回到屋里，鲜叶摊在竹匾上晾着，满屋子都是青草一样的香气。下午是炒茶的时间。
灶膛里烧的是去年修剪下来的茶枝，锅烧到烫手，阿芸的爸爸抓起一把鲜叶丢进去，
噼噼啪啪响成一片。他的手在锅里翻、抖、压、抹，动作快得我看不清。
他说这门手艺学了二十年，火候全凭手感，温度高一点叶子就焦，低一点又闷黄了。

第二天下了一场小雨，采茶暂停。我们坐在屋檐下，用前一天炒好的新茶泡了一壶。
茶汤很淡，颜色像是初春的柳枝，入口有一点涩，咽下去以后喉咙里却慢慢回甜。
阿芸说，村里的年轻人大多出去打工了，这几年靠着网上卖茶，才有一些人回来。
她自己也是去年辞了城里的工作，回来帮家里拍视频、打包发货。

第三天一早我要走，阿芸的妈妈往我包里塞了两罐茶，说是自家喝的，不卖。
坐在下山的车上，我打开罐子闻了闻，想起那口灶、那片雾，还有她手指上被茶汁染出的淡绿色。
城里的茶店里什么茶都有，可我知道，以后喝茶的时候，总会想起这三天。
"""

# The battery article carries full-width ASCII and one mojibake sentence on purpose.
ZH_BATTERY_QUOTE = "回收是终点，也是新的起点。"
ZH_BATTERY = f"""
本网讯 9月12日，东岭循环科技有限公司位于江北工业园的动力电池回收新产线正式投产。
据介绍，该产线总投资约{fullwidth("3.5")}亿元，设计年处理退役电池{fullwidth("2")}万吨，
可从中回收锂、镍、钴、锰等多种金属。公司{fullwidth("CEO")}林涛在投产仪式上说，
这是公司成立以来规模最大的一笔投资。

与传统的高温熔炼工艺不同，这条产线采用的是“物理拆解{fullwidth("+")}湿法冶金”的路线。
退役电池包进厂后，先经过放电和自动拆解，把外壳、线束和电芯分开，再将电芯破碎、分选，
得到含有金属的“黑粉”。黑粉随后进入浸出和萃取环节，
最终制成可以直接用于正极材料生产的硫酸盐产品。公司技术负责人介绍，
整条线的锂回收率可以达到{fullwidth("90%")}以上，镍和钴的回收率在{fullwidth("98%")}左右。

记者在现场看到，拆解车间里有四台编号为{fullwidth("DL-300")}的自动拆解机，
每台每小时可以处理约六十个标准电池模组。车间主任说，过去拆一个电池包需要三名工人
花上近一个小时，现在机器只要十几分钟，工人主要负责上料和质检，安全风险也大大降低。

近年来，随着第一批新能源汽车陆续进入报废期，退役动力电池的数量快速增长。
业内人士估计，到{fullwidth("2025")}年，国内每年退役的动力电池将超过数十万吨。
如果处理不当，电池中的电解液和重金属可能对土壤和水体造成污染；
而如果回收得当，这些电池就是一座“城市矿山”。

不过，电池回收行业也面临不少难题。一方面，电池型号五花八门，
不同厂家的电池包结构差别很大，自动化拆解难以做到通用；
另一方面，不少退役电池流入了没有资质的小作坊，正规企业反而“吃不饱”。
东岭循环的负责人表示：“{mojibake(ZH_BATTERY_QUOTE)}”
他呼吁建立更完善的电池溯源制度，让每一块电池从出厂到报废都有据可查。
"""

ZH_BASKETBALL = """
上周六下午，第三届“邻里杯”社区篮球联赛在镜湖体育公园开幕。本届联赛共有十六支球队报名，
队员全部来自附近的二十多个小区，年龄最小的十七岁，最大的已经五十八岁。
联赛将持续六周，每个周末进行小组赛，十月底决出冠军。

揭幕战在“南苑老友队”和“新港青年队”之间进行。南苑老友队的队员平均年龄超过四十五岁，
大多是在同一个小区住了二十多年的老邻居，而新港青年队则是附近一家物流公司的年轻员工
临时凑起来的。比赛一开始，年轻人就凭借速度打了几波快攻，第一节结束时领先了九分。
老友队并不着急，他们把节奏放慢，靠着默契的挡拆和稳定的中距离投篮一点点追分。
第四节还剩两分钟时，老友队的老队长一记三分球把比分反超，最终以五十二比四十八赢下了比赛。

赛后，老队长一边擦汗一边笑着说，他们几个人每周三晚上都会在小区的球场打球，
已经坚持了十几年。“年轻人跑得快，但篮球不光靠跑，还要靠脑子。”
新港青年队的队长则表示，输给前辈们心服口服，接下来要多练配合。

联赛组委会介绍，“邻里杯”最初是由几个小区的业主自发组织的，
后来得到了街道和体育部门的支持，规模越来越大。今年，组委会专门邀请了三名有资质的裁判执法，
还在场边设置了医疗点，配备了急救箱和自动体外除颤器。
每场比赛都不收门票，附近居民可以随时来看。

不少居民带着孩子来到场边加油。住在附近的李女士说，平时邻居们见面最多点个头，
因为这个比赛，大家有了共同的话题，“楼下几个老人现在天天讨论战术，比看电视剧还起劲。”

据了解，本届联赛还设置了一个“最佳邻里奖”，由观众投票选出最有体育精神的球队。
组委会希望，通过这样的活动，让更多人走出家门，认识住在身边的人。
"""

ZH_MARKET = """
在槐树街住了三十年的赵大妈，最近买菜的心情好了不少。她常去的槐树街菜市场
经过四个月的改造，上个月重新开门营业。原来坑坑洼洼的水泥地换成了防滑地砖，
头顶上新装了排风扇和照明灯，过道也从一米多拓宽到了两米半。
“以前一下雨，地上全是泥水，推着小车根本走不动，现在干干净净的。”

这座菜市场建于上世纪九十年代，共有一百二十多个摊位，是周边几个社区居民买菜的主要去处。
由于年久失修，市场里存在排水不畅、电线老化、通道狭窄等问题，居民反映多年。
今年三月，街道办联合市场经营方启动了改造工程，改造期间在附近空地上搭建了临时市场，
保证居民买菜不受影响。

改造后的市场按照蔬菜、肉类、水产、熟食和干货分成五个区域，每个区域都有醒目的指示牌。
水产区的地面做了专门的排水设计，肉类区加装了冷藏柜。市场入口处还新设了一台公平秤
和一块电子屏，电子屏上每天更新主要蔬菜的价格，方便居民比较。

卖了十五年蔬菜的摊主老孙说，改造之后，摊位的租金没有上涨，但顾客明显多了。
“以前年轻人嫌这里脏乱，都去超市或者在手机上买，现在周末也能看到不少年轻面孔。”
他的摊位上还贴了一个收款二维码，老人可以付现金，年轻人可以扫码，两不耽误。

街道办的工作人员介绍，这次改造还保留了市场原有的一些特色，
比如入口处那棵老槐树和几家经营了二十多年的老字号摊位。
“菜市场不只是买卖的地方，也是街坊们见面聊天的地方，我们希望改造以后，这种烟火气还在。”

下一步，街道计划在市场二楼开设一个社区食堂，为周边的老年人提供实惠的午餐和晚餐，
预计年底前投入使用。
"""

ZH_CANAL = """
从高速公路下来，再开二十分钟，就到了临水镇。这是一座沿着古运河发展起来的小镇，
镇上的主街只有一公里多长，一边是临河的木结构老屋，一边是青石板铺成的窄巷。
据镇上的老人说，一百多年前，这里是往来货船歇脚的码头，街上开满了米行、布庄和茶馆。

如今，货船早已不见踪影，河面上只剩下几条供游客乘坐的摇橹船。船夫老周今年六十二岁，
他的祖父和父亲都在这条河上撑船。他一边摇橹一边给我们讲镇上的旧事：哪座桥是清代修的，
哪户人家出过举人，哪家的酱菜曾经卖到上海。说到兴起，他还会唱上两句当地的小调，
声音不高，却在水面上传得很远。

中午，我们在河边一家小饭馆吃饭。老板推荐了三样招牌菜：红烧河鱼、酱爆螺蛳
和一碗用本地青菜做的菜饭。鱼是早上刚从河里捞上来的，肉质细嫩，酱汁微甜。
饭馆的墙上挂着几张老照片，照片里的码头挤满了船，岸上的人挑着担子来来往往，
和今天的安静完全是两个样子。

下午，镇上的文化站正在举办一场传统手工艺展。展厅不大，却摆满了竹编、刺绣、木雕和蓝印花布。
一位做竹编的老师傅坐在门口，手里的竹篾上下翻飞，不到半个小时，一只小巧的提篮就编好了。
他说，现在愿意学这门手艺的年轻人不多，但镇上的小学开了兴趣课，每周都有孩子来跟他学。

傍晚时分，沿河的灯笼一盏盏亮起来，倒映在水里，像是另一条街。游客渐渐散去，
本地人搬出小板凳坐在门口乘凉、聊天。我们沿着河边慢慢走，
听见谁家的收音机里正放着戏曲，和远处的狗叫声混在一起。

在这里，时间好像走得比别处慢一些。离开的时候，我在镇口的小店买了一罐酱菜，
店主用旧报纸仔细包好，叮嘱我回家以后放在阴凉的地方。
"""

# Contains 喆 and 镕, which GBK has and GB2312 lacks; the page still declares gb2312.
ZH_PINGPONG = """
各位球友大家好，我是俱乐部的老会员李喆。上周日，我们在社区活动中心办了一场小型的
十周年庆祝活动，来了五十多位球友，有几位早就搬走的老朋友也专程赶了回来。
借这个帖子，跟大家聊聊这十年的事。

十年前，俱乐部刚成立的时候，只有六个人、两张旧球台。那张球台的网子是用晾衣绳绑上去的，
球拍也是各自从家里带来的。当时的发起人陈镕师傅退休前是厂里的钳工，
他自己动手把一间闲置的仓库收拾出来，又到处联系，从一所学校借来了两张淘汰的球台。
大家每天晚上七点准时集合，打到九点，雷打不动。

后来，会员越来越多，街道给我们换了场地，又添了四张新球台。我们开始每个月组织一次内部比赛，
每年和周边几个俱乐部搞一次联谊赛。会员里有退休的老人，有上班族，也有刚上初中的孩子。
年纪最大的刘老师今年七十六岁，每周还要打三次球，反手推挡比很多年轻人都稳。

这次活动，我们先是进行了一场“老带新”的双打表演赛，每组由一位老会员和一位新会员搭档。
比赛没有人计较输赢，打到精彩的地方，场边的掌声一阵接一阵。之后，
陈师傅给大家讲了俱乐部最初的那些故事，说到当年那张用晾衣绳绑网的球台，好几个人都笑出了眼泪。

最后，我们给坚持十年的八位老会员颁发了纪念奖牌，奖牌是会员王喆设计的，
正面是一个乒乓球拍，背面刻着每个人的名字。大家还商量好了，
明年开始每个季度办一次面向全社区的免费教学，欢迎更多的邻居来玩。

照片太多，先传几张，其他的放在群相册里了。有什么想说的，欢迎在下面跟帖！
想报名明年教学班的邻居可以直接打我电话 139 1234 5678，或者发邮件到 lizhe.pingpong@example.com，
也可以加俱乐部的QQ群 645823917，进群请备注小区和楼号。
"""

ZH_APPLES = """
十月的塬上，成片的果园里挂满了红彤彤的苹果。在青石村，果农马建国和家人天刚亮就下了地，
摘果、分拣、装箱，一直忙到天黑。今年他家的十二亩果园预计能产苹果四万多斤，
比去年多了将近两成。

青石村地处黄土高原，海拔一千二百多米，昼夜温差大，光照充足，种出来的苹果糖分高、口感脆。
不过，过去很长一段时间里，这里的苹果并不好卖。村子离县城远，路况差，收购商上门压价，
果农往往辛苦一年也挣不了多少钱。马建国回忆说，最难的那一年，一斤苹果只卖几毛钱，
不少人家干脆把果树砍了改种玉米。

转机出现在五六年前。县里修通了通往村里的硬化路，又在村口建起了冷库和分拣中心。
苹果摘下来以后，可以先进冷库保鲜，再根据大小和外观分级出售，价格一下子拉开了档次。
与此同时，村里的几位年轻人开始尝试在网上卖苹果。他们拍视频、做直播，
把果园的样子、苹果的脆甜讲给全国各地的网友听。

二十六岁的马小燕是马建国的女儿，大学毕业后回到了村里，如今是村里电商服务站的负责人。
她告诉记者，今年服务站已经帮村民在网上卖出了三十多万斤苹果，订单最远发到了海南和黑龙江。
“网上的顾客对品质要求高，我们就跟大家一起定标准，果子个头、颜色、有没有伤疤，都要仔细挑。”

为了提高苹果品质，县农业部门还派来了技术员，指导果农科学修剪、合理施肥，
推广果园生草和病虫害绿色防控技术。马建国说，以前打农药全凭经验，
现在有技术员告诉他什么时候打、打多少，不仅省了钱，苹果也更放心了。

天色渐暗，分拣中心里依然灯火通明。一箱箱贴着二维码的苹果被装上货车，
连夜运往城里的物流中心。马建国站在车旁，看着货车慢慢开远，
脸上露出了笑容：“日子是一年比一年有奔头了。”
"""

ZH_TW_BOOKSHOP = """
在臺北溫州街附近的一條小巷裡，有一家不起眼的舊書店。店面只有七八坪大，
從地板到天花板堆滿了書，走道窄得只能容一個人側身通過。
店主林先生今年六十五歲，這家店他已經經營了將近三十年。

林先生年輕時在出版社當編輯，後來出版社結束營業，他便用積蓄租下這間小店，
開始收購和販售舊書。他說，剛開始的那幾年，附近有好幾家舊書店，
大學生和老師們常常一家一家地逛，一個下午就能淘到好幾本絕版書。
後來網路書店興起，房租一年比一年貴，周圍的同行陸續關門，只剩下他還在堅持。

店裡的書大多來自搬家或清理藏書的家庭。每次有人打電話來，林先生就騎著機車去載，
有時候一整個書房的書，要分好幾趟才能運完。他把書帶回店裡，一本一本擦拭、修補、分類，
再用鉛筆在扉頁上輕輕寫下價格。「每一本舊書都有過主人，書頁裡夾著的車票、書籤、
寫在空白處的筆記，都是別人生活留下的痕跡。」

這些年，來店裡的客人變了。過去多是學生和研究者，現在則有不少年輕人專門來拍照，
也有人是看了網路上的介紹，特地從外地趕來。林先生並不排斥，
他說只要有人願意走進書店、翻一翻書，就是好事。有些年輕人一開始只是來拍照，
後來成了常客，甚至會主動幫忙整理書架。

最近，林先生開始在店裡舉辦小型的讀書會，每個月一次，每次討論一本舊書。
參加的人不多，通常十來個人擠在書堆之間，有人坐在小板凳上，有人乾脆坐在地上。
討論結束後，大家會一起喝茶，聊聊各自在舊書裡發現的故事。

問起這家店還能開多久，林先生笑了笑說，他也不知道，只要身體還行、房東還願意租，
他就會一直開下去。「城市變得很快，但總得有個地方，讓人可以慢下來，跟過去的時光說說話。」
"""

JA_AUTUMN = """
十月の最後の日曜日、久しぶりに近所の川沿いの遊歩道を歩いてみました。
夏の間は暑くてなかなか外に出る気になれなかったのですが、
朝晩すっかり涼しくなり、散歩にはちょうどいい季節です。

家を出たのは朝の八時ごろ。川の水面には薄い霧がかかっていて、向こう岸の木々が
ぼんやりと見えました。遊歩道の桜並木は葉が少しずつ色づき始めていて、
足もとには落ち葉が積もっています。踏むたびにかさかさと乾いた音がして、
なんだか子どものころに戻ったような気持ちになりました。

途中の小さな橋の上では、年配の男性が釣り糸を垂れていました。
何が釣れるのか聞いてみると、この時期はハゼがよく釣れるそうです。
バケツの中をのぞかせてもらうと、小さな魚が五、六匹元気に泳いでいました。
「天ぷらにするとおいしいんだよ」と笑って教えてくれました。

一時間ほど歩いたところで、川沿いの小さなパン屋に立ち寄りました。
焼きたてのクロワッサンとコーヒーを買って、店の前のベンチでひと休み。
通り過ぎる自転車や、散歩中の犬をぼんやり眺めながら過ごす時間は、
平日の忙しさを忘れさせてくれます。

帰り道、公園の花壇ではコスモスが風に揺れていました。ピンクや白の花が一面に咲いていて、
何人もの人が写真を撮っていました。来週はもう少し遠くまで歩いてみようと思います。
"""

EN_BIRDS = """
Every January, on the first Saturday after the new year, about forty members of our society
gather in the car park beside the old mill before sunrise. We split into eight small teams,
each with a clipboard, a map of its section of the river, and a thermos that is usually empty
by ten o'clock. By mid-afternoon the teams have walked roughly thirty miles of bank between
them and written down every bird they could see or hear.

We have now done this twenty times, and the notebooks fill most of a shelf in the society's
room above the library. This winter a few of us finally typed them all into a spreadsheet.
The exercise took longer than the counts themselves, but the numbers tell a story that none
of us could have told from memory alone.

The clearest change is in the waterfowl. Two decades ago, teal and wigeon arrived in the
hundreds and stayed on the flooded meadows below the weir until March. Since the meadows were
drained for grazing, their numbers have fallen steadily, and last winter we recorded fewer
than sixty of each. At the same time, the new gravel lakes to the north have drawn in great
crested grebes, which were a rarity on our early counts and are now seen by almost every team.

Small garden birds show a more mixed picture. Blue tits and robins are as common as ever.
Goldfinches, which hardly appeared in our first notebooks, have become one of the most
numerous species, perhaps because so many households now put out seed feeders. House
sparrows, by contrast, have quietly disappeared from two of the villages along our route.

We are careful not to claim too much. Our methods have changed over the years: binoculars
got better, some teams became more experienced, and a handful of counts were cut short by fog
or snow. A single site surveyed once a year can only hint at what is happening across a whole
region. Still, the long record is valuable precisely because it was kept by the same group,
on the same day, along the same stretch of water.

If you would like to join next year's count, no experience is needed. New members are paired
with someone who knows the birds, and the only real requirement is a willingness to stand
still in the cold for longer than seems sensible.
"""

# The cafe article carries mojibake ("cafÃ©", "itâ€™s") and full-width ASCII on purpose.
EN_CAFE_DETAILS = (
    "Practical details: the café is at "
    + fullwidth("14")
    + " Mill Street and is open "
    + fullwidth("7")
    + " days a week, from "
    + fullwidth("6")
    + " am to "
    + fullwidth("3")
    + " pm. The Wi-Fi password is still "
    + fullwidth("KETTLE2023")
    + ", written on the board by the till. "
    + mojibake(
        "The café’s crème brûlée is back on the menu, and it’s the one thing Okafor refuses to put in a cup."
    )
)
EN_CAFE = """
When the council announced that Mill Street would be closed for eleven months of road works,
Dana Okafor assumed her café would not survive the year. The little shop, which seats twenty
people on a good day, depends on the foot traffic of commuters walking from the station to
the office park. With the pavement fenced off and the bus stop moved two streets away, that
traffic vanished almost overnight.

"The first week, we sold nine coffees on a Monday," she told me, laughing about it now.
"Nine. I made more than that for my own family at breakfast."

Instead of waiting it out, Okafor and her two employees started treating the road works as a
neighbour rather than an enemy. They introduced a flask service for the construction crews,
filling insulated containers each morning and collecting them at lunch. They printed a small
map showing the safest walking route around the barriers and left copies at the station. And
they began opening at six instead of seven, because the crews started early and so, it turned
out, did a lot of nurses from the nearby clinic.

The menu changed too. Slow, fiddly items that needed a calm counter were dropped. In their
place came a short list of things that could be carried through a building site: thick soups
in sealed cups, flat breads folded around eggs and greens, and a lemon cake that holds
together in a coat pocket. The best seller, to Okafor's surprise, was a plain porridge with
honey that she had added almost as an afterthought.

By the fourth month, takings were back to where they had been before the fences went up. By
the time the road reopened, the café had a list of regulars that included engineers, drivers,
and a traffic warden who admits she now plans her route around the lemon cake.

Not every small business on the street was so lucky. Two shops closed during the works, and
another cut its opening hours in half. Okafor is quick to say that her café had advantages: a
sympathetic landlord, savings from a good year, and staff who were willing to try new things.
"We were not cleverer than anyone else," she said. "We just had a bit more room to make
mistakes."

Asked what she would tell another owner facing the same news, she did not hesitate. "Go
outside and look at who is still walking past. They are your customers now, even if they are
wearing hard hats."
"""

EN_FERRY = """
Commuters who rely on the morning ferry from Westholm to the mainland face longer days from
next month, after the operator confirmed that the 6.40am sailing will be withdrawn during the
winter timetable.

The change, which takes effect on 4 November, means the first crossing of the day will leave
at 7.25am. For islanders who work at the hospital or on early shifts at the port, that is too
late. Several told the Gazette they would now have to travel the evening before and stay with
friends or in a guest house.

"It adds a night away from home every week, and that is not a small thing when you have
children," said one nurse, who asked not to be named because she had not yet spoken to her
employer. "We were told the early boat was safe. Now it is gone with six weeks' notice."

The operator said the decision followed a fall in passenger numbers on the early sailing,
which carried an average of eighteen people a day last winter, and the need to take one of
its two vessels out of service for an engine overhaul. A spokesperson said the company
understood the frustration and would review the timetable in the spring once the overhaul is
complete.

Island councillors have written to the operator asking it to reconsider, and have suggested
that a smaller passenger-only boat could run the early crossing at lower cost. The operator
has said it will look at the proposal, but warned that finding crew for a single early
sailing would be difficult at short notice.

Local businesses are also worried. The owner of the island's only bakery, who sends bread to
two cafés on the mainland each morning, said she would either have to bake through the night
or lose the contract. The primary school, which employs two teachers who live on the
mainland, is looking at whether the start of the day can be moved back by twenty minutes.

Islanders who want to respond to the consultation can email ferry.review@harbourlane-council.org.uk
or call the council's transport desk on +44 20 7946 0958 before the end of the month.

A public meeting will be held in the community hall on Thursday evening. Representatives of
the operator and the council have both agreed to attend, and residents are being asked to
bring details of how the change would affect them so that the figures can be put in front of
the company.
"""


# ---------------------------------------------------------------------------------------------
# Web pages: HTML templates (boilerplate around the body)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """The visible parts of one article page: the body and the boilerplate around it."""

    site: str
    title: str
    byline: str
    body: tuple[str, ...]
    nav: tuple[str, ...]
    crumbs: tuple[str, ...]
    related: tuple[str, ...]
    comments: tuple[tuple[str, str], ...]
    footer: tuple[str, ...]


ZH_HOT = (
    "本周末全市气温回落 早晚出门注意添衣",
    "高考志愿填报进入倒计时 专家提醒别只看分数线",
    "老旧小区加装电梯又有新进展",
    "夜市经济升温 这几条街人气最旺",
    "暑期少儿游泳培训开班 家长需留意资质",
)


def links(items: tuple[str, ...], base: str) -> str:
    """Render a list of link titles as <li><a> items with made-up numbered hrefs."""
    return "".join(f'<li><a href="{base}{i + 1001}.html">{esc(t)}</a></li>\n' for i, t in enumerate(items))


def zh_portal_html(a: Article, *, charset_meta: str | None) -> str:
    """A Chinese news-portal page: top bar, nav, breadcrumbs, article, related, comments, footer."""
    head_charset = f'<meta charset="{charset_meta}">\n' if charset_meta else ""
    nav = "".join(f'<li><a href="/{i}/">{esc(n)}</a></li>' for i, n in enumerate(a.nav))
    body = "".join(f"<p>{esc(p)}</p>\n" for p in a.body)
    comments = "".join(
        f'<li><span class="user">{esc(u)}</span><p>{esc(c)}</p><span class="like">赞</span></li>\n'
        for u, c in a.comments
    )
    footer = "".join(f"<p>{esc(f)}</p>\n" for f in a.footer)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{head_charset}<title>{esc(a.title)}_{esc(a.site)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/css/main.css">
<style>.topbar{{height:30px;background:#f4f4f4}}.nav li{{float:left;margin:0 12px}}</style>
<script>var _cl=_cl||[];_cl.push(["pv",location.pathname]);</script>
</head>
<body>
<div class="topbar"><a href="/">首页</a> | <a href="/login">登录</a> | <a href="/register">注册</a>
 | <a href="/app">下载客户端</a> | <a href="/rss">订阅</a></div>
<div class="header"><a class="logo" href="/">{esc(a.site)}</a>
<form class="search" action="/search"><input type="text" name="q" placeholder="请输入关键词">
<button type="submit">搜索</button></form></div>
<ul class="nav">{nav}</ul>
<div class="crumbs">您当前的位置：{" &gt; ".join(esc(c) for c in a.crumbs)}</div>
<div class="main">
<div class="article">
<h1>{esc(a.title)}</h1>
<div class="info">{esc(a.byline)}</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="content">
{body}</div>
<div class="page-tools"><a href="#">打印本页</a> <a href="#">关闭窗口</a> <a href="#top">返回顶部</a></div>
</div>
<div class="related"><h3>相关阅读</h3>
<ul>
{links(a.related, "/news/")}</ul></div>
<div class="comments"><h3>网友评论</h3>
<p class="count">已有 {len(a.comments) * 7 + 3} 人参与，{len(a.comments)} 条评论</p>
<ul>
{comments}</ul>
<textarea placeholder="文明上网，理性发言"></textarea><button>发表评论</button>
<p class="tip">登录后才能发表评论，<a href="/login">立即登录</a></p></div>
<div class="sidebar"><h3>热点排行</h3>
<ol>
{links(ZH_HOT, "/hot/")}</ol></div>
</div>
<div class="footer">
<p><a href="/about">关于我们</a> | <a href="/contact">联系我们</a> | <a href="/ads">广告服务</a>
 | <a href="/sitemap">网站地图</a> | <a href="/legal">法律声明</a></p>
{footer}</div>
<script src="/static/js/stat.js"></script>
</body>
</html>
"""


def zh_tw_magazine_html(a: Article, *, charset_meta: str) -> str:
    """A traditional-Chinese web magazine page: menu, breadcrumbs, article, related, messages, footer."""
    nav = "".join(f'<li><a href="/c/{i}">{esc(n)}</a></li>' for i, n in enumerate(a.nav))
    body = "".join(f"<p>{esc(p)}</p>\n" for p in a.body)
    comments = "".join(f"<li><b>{esc(u)}</b>：{esc(c)}</li>\n" for u, c in a.comments)
    return f"""<!DOCTYPE html>
<html lang="zh-TW">
<head>
<meta charset="{charset_meta}">
<title>{esc(a.title)}｜{esc(a.site)}</title>
<script>var _q=_q||[];_q.push(["view"]);</script>
</head>
<body>
<div class="top"><a href="/member">會員登入</a> | <a href="/subscribe">訂閱電子報</a>
 | <a href="/fb">粉絲專頁</a></div>
<header><a class="logo" href="/">{esc(a.site)}</a><ul class="menu">{nav}</ul></header>
<div class="crumbs">{" &gt; ".join(esc(c) for c in a.crumbs)}</div>
<article>
<h1>{esc(a.title)}</h1>
<p class="meta">{esc(a.byline)}</p>
<div class="share">分享：<a href="#">臉書</a> <a href="#">LINE</a> <a href="#">複製連結</a></div>
{body}</article>
<section class="related"><h3>延伸閱讀</h3><ul>
{links(a.related, "/articles/")}</ul></section>
<section class="messages"><h3>讀者留言（{len(a.comments)}）</h3><ul>
{comments}</ul><p>請先<a href="/member">登入</a>再留言。</p></section>
<footer>{"".join(f"<p>{esc(f)}</p>" for f in a.footer)}
<p><a href="/about">關於我們</a> | <a href="/privacy">隱私權政策</a>
 | <a href="/contact">聯絡我們</a></p></footer>
</body>
</html>
"""


def zh_blog_html(a: Article) -> str:
    """A Chinese personal blog page: header, sidebar (profile, tags, archive), comments, footer."""
    body = "".join(f"<p>{esc(p)}</p>\n" for p in a.body)
    comments = "".join(
        f'<div class="cmt"><b>{esc(u)}</b>：{esc(c)} <a href="#">回复</a></div>\n' for u, c in a.comments
    )
    nav = " | ".join(f'<a href="/{i}/">{esc(n)}</a>' for i, n in enumerate(a.nav))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(a.title)} - {esc(a.site)}</title>
<script>document.documentElement.className="js";</script>
</head>
<body>
<header><h2><a href="/">{esc(a.site)}</a></h2><p class="motto">慢慢走，慢慢看</p>
<nav>{nav}</nav></header>
<main>
<div class="crumbs">{" » ".join(esc(c) for c in a.crumbs)}</div>
<article>
<h1>{esc(a.title)}</h1>
<p class="meta">{esc(a.byline)}</p>
{body}<p class="tags">标签：<a href="/tag/1">旅行</a> <a href="/tag/2">茶</a> <a href="/tag/3">乡村</a></p>
<p class="prev-next">上一篇：<a href="/posts/1.html">雨天在家做了一锅腌笃鲜</a><br>
下一篇：<a href="/posts/3.html">把阳台改成了小菜园</a></p>
</article>
<section class="related"><h3>相关阅读</h3><ul>
{links(a.related, "/posts/")}</ul></section>
<section class="comments"><h3>评论（{len(a.comments)}）</h3>
{comments}<form><input name="nick" placeholder="昵称"><textarea name="c"></textarea>
<button>提交评论</button></form></section>
</main>
<aside><h3>关于博主</h3><p>一个喜欢到处走走的普通上班族。</p>
<h3>文章归档</h3><ul><li>2023年4月 (3)</li><li>2023年3月 (5)</li><li>2023年2月 (2)</li></ul>
<h3>友情链接</h3><ul><li><a href="#">山那边的小屋</a></li><li><a href="#">一日三餐记</a></li></ul></aside>
<footer>{"".join(f"<p>{esc(f)}</p>" for f in a.footer)}</footer>
</body>
</html>
"""


def zh_forum_html(a: Article, *, charset_meta: str) -> str:
    """A Chinese forum thread: board navigation, the opening post, replies, signatures, footer."""
    body = "<br>\n".join(esc(p) for p in a.body)
    replies = "".join(
        f'<div class="post"><div class="author">{esc(u)}</div>'
        f'<div class="floor">{i + 2}楼</div><div class="msg">{esc(c)}</div>'
        f'<div class="sign">—— 每天一小时，健康一辈子</div></div>\n'
        for i, (u, c) in enumerate(a.comments)
    )
    nav = " | ".join(f'<a href="/forum-{i}.html">{esc(n)}</a>' for i, n in enumerate(a.nav))
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="{charset_meta}">
<title>{esc(a.title)} - 运动健身 - {esc(a.site)}</title>
<script type="text/javascript">var discuz_uid = '0', cookiepre = 'zy_';</script>
</head>
<body>
<div id="toptb">您好，游客 <a href="/member.php?mod=logging">登录</a>
 | <a href="/member.php?mod=register">立即注册</a></div>
<div id="hd"><a href="/">{esc(a.site)}</a><div class="nav">{nav}</div></div>
<div id="pt">{" &gt; ".join(esc(c) for c in a.crumbs)}</div>
<div class="thread-info">查看: 2318 | 回复: {len(a.comments)}
 | <a href="#">只看楼主</a> | <a href="#">倒序浏览</a></div>
<div class="post"><div class="author">老李喆</div><div class="floor">楼主</div>
<h1>{esc(a.title)}</h1>
<div class="byline">{esc(a.byline)}</div>
<div class="msg">{body}</div>
<div class="attach">[图片] IMG_0412.jpg (486.2 KB, 下载次数: 37)</div>
<div class="sign">—— 球台边见！</div></div>
{replies}<div class="fastpost"><textarea>您需要登录后才可以回帖</textarea><button>发表回复</button></div>
<div id="ft">{"".join(f"<p>{esc(f)}</p>" for f in a.footer)}</div>
</body>
</html>
"""


def en_page_html(a: Article, *, cookie: str, extra_aside: str, charset: str = "utf-8") -> str:
    """An English article page: cookie banner, nav, breadcrumbs, article, related, newsletter, footer."""
    nav = "".join(f'<li><a href="/{n.lower().replace(" ", "-")}/">{esc(n)}</a></li>' for n in a.nav)
    body = "".join(f"<p>{esc(p)}</p>\n" for p in a.body)
    comments = "".join(
        f'<li class="comment"><b>{esc(u)}</b> <span class="ago">2 days ago</span><p>{esc(c)}</p>'
        f'<a href="#">Reply</a> <a href="#">Report</a></li>\n'
        for u, c in a.comments
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="{charset}">
<title>{esc(a.title)} | {esc(a.site)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{event:"page_view"}});</script>
</head>
<body>
<div id="cookie-banner" role="dialog"><p>{esc(cookie)}</p>
<button>Accept all</button> <button>Reject non-essential</button> <a href="/cookies">Manage settings</a></div>
<a class="skip" href="#main">Skip to content</a>
<header><a class="logo" href="/">{esc(a.site)}</a>
<nav><ul>{nav}</ul></nav>
<form action="/search"><input name="q" placeholder="Search"><button>Go</button></form></header>
<div class="breadcrumbs">{" › ".join(esc(c) for c in a.crumbs)}</div>
<main id="main">
<article>
<h1>{esc(a.title)}</h1>
<p class="byline">{esc(a.byline)}</p>
<div class="share">Share: <a href="#">Email</a> <a href="#">Facebook</a> <a href="#">X</a>
 <a href="#">Copy link</a></div>
{body}</article>
<section class="related"><h2>Related</h2><ul>
{links(a.related, "/stories/")}</ul></section>
<section class="comments"><h2>Comments ({len(a.comments)})</h2><ul>
{comments}</ul><p>You must be <a href="/login">signed in</a> to comment.</p></section>
</main>
<aside>{extra_aside}
<div class="newsletter"><h3>Get our weekly newsletter</h3><input type="email" placeholder="Your email">
<button>Sign up</button><p>We will never share your address.</p></div></aside>
<footer>{"".join(f"<p>{esc(f)}</p>" for f in a.footer)}
<p><a href="/privacy">Privacy policy</a> · <a href="/terms">Terms of use</a>
 · <a href="/accessibility">Accessibility</a> · <a href="/contact">Contact us</a></p></footer>
</body>
</html>
"""


def ja_blog_html(title: str, body: tuple[str, ...]) -> str:
    """A small Japanese blog page with a header, body, tags, comment count and footer."""
    ps = "".join(f"<p>{esc(p)}</p>\n" for p in body)
    return f"""<!DOCTYPE html>
<html lang="ja">
<head><meta charset="utf-8"><title>{esc(title)} | さくら便り</title></head>
<body>
<header><a href="/">さくら便り</a><nav><a href="/">ホーム</a> | <a href="/about">プロフィール</a>
 | <a href="/archive">アーカイブ</a> | <a href="/contact">お問い合わせ</a></nav></header>
<main><article><h1>{esc(title)}</h1><p class="date">2023年10月29日 日曜日</p>
{ps}<p class="tags">タグ：<a href="/tag/walk">散歩</a> <a href="/tag/autumn">秋</a></p></article>
<section class="comments"><h3>コメント（2）</h3>
<p>きれいな写真ですね。私も歩いてみたくなりました。</p><p>ハゼの天ぷら、懐かしいです。</p></section></main>
<footer><p>© 2023 さくら便り All rights reserved.</p></footer>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------
# Web pages: short, spam, and odd pages
# ---------------------------------------------------------------------------------------------


def en_spam_html() -> str:
    """Keyword stuffing, the same lines many times, many links, almost no prose."""
    kw = "cheap watches, best cheap watches, cheap watches online, cheap watches sale, buy cheap watches"
    line = "Buy cheap watches online - best cheap watches price - cheap watches sale - free shipping!!!"
    kinds = ("men", "women", "kids", "sport", "gold", "silver", "black", "steel", "leather", "digital")
    items = [f"cheap {k} watches {y}" for y in ("2022", "2023") for k in kinds]
    link_list = "".join(f'<li><a href="/{t.replace(" ", "-")}.html">{t}</a></li>\n' for t in items)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8">
<title>Cheap Watches | Best Cheap Watches | Cheap Watches Online | Cheap Watches Sale 2023</title>
<meta name="keywords" content="{kw}, {kw}, {kw}">
</head>
<body>
<h1>Cheap Watches Cheap Watches Best Cheap Watches</h1>
<p>Welcome to best cheap watches online store. We have cheap watches best price cheap watches.</p>
{("<p>" + line + "</p>" + chr(10)) * 30}<div style="display:none">{(kw + " ") * 20}</div>
<ul>
{link_list}</ul>
<p>CLICK HERE CLICK HERE CLICK HERE >>> <a href="/buy">BUY NOW</a> <<< LIMITED OFFER !!!</p>
{("<p>cheap watches cheap watches cheap watches cheap watches cheap watches</p>" + chr(10)) * 15}
</body>
</html>
"""


def zh_spam_html() -> str:
    """Chinese download-site SEO spam: repeated slogan lines and lists of links."""
    slogan = "免费下载 最新版 点击进入 >>> 高速下载 绿色安全 无需注册"
    kinds = (
        "视频播放器",
        "办公软件",
        "压缩工具",
        "输入法",
        "浏览器",
        "手机游戏",
        "单机游戏",
        "杀毒软件",
        "看图工具",
        "录屏软件",
        "翻译软件",
        "驱动大全",
    )
    items = [f"{k}{s}" for k in kinds for s in ("免费下载", "最新版下载", "破解版")]
    link_list = "".join(
        f'<li><a href="/soft/{i + 100}.html">{esc(t)}</a></li>\n' for i, t in enumerate(items)
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8">
<title>免费下载_最新版_破解版_绿色版_点击进入_软件下载站</title>
<meta name="keywords" content="{("免费下载,最新版,破解版,绿色版,点击进入," * 8).rstrip(",")}">
</head>
<body>
<h1>免费下载 最新版 点击进入</h1>
{("<p>" + slogan + "</p>" + chr(10)) * 30}<ul>
{link_list}</ul>
{("<p>点击进入 点击进入 点击进入 免费下载 免费下载 最新版 最新版</p>" + chr(10)) * 12}
<p>本站所有软件免费下载 最新版 点击进入 更多精彩 >>> 立即下载 <<<</p>
</body>
</html>
"""


def login_html() -> str:
    """A login form: a handful of words and no content."""
    return """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>用户登录 - 清河日报</title></head>
<body>
<form action="/login" method="post">
<h2>用户登录</h2>
<input name="user" placeholder="手机号/邮箱"><input name="pwd" type="password" placeholder="密码">
<label><input type="checkbox"> 记住我</label>
<button>登录</button>
<p><a href="/forgot">忘记密码？</a> <a href="/register">注册新账号</a></p>
</form>
</body>
</html>
"""


def thanks_html() -> str:
    """A very short English page (newsletter confirmation)."""
    return """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Thanks! | The Kettle Journal</title></head>
<body>
<h1>Thanks for subscribing!</h1>
<p>Check your inbox to confirm.</p>
<p><a href="/">Back to home</a></p>
</body>
</html>
"""


def gibberish_html() -> str:
    """Mostly code and made-up filler words: no real prose in any language."""
    rng = random.Random(20230914)
    syllables = ("va", "lo", "rin", "ta", "qu", "mes", "dor", "ix", "po", "sul", "ne", "kra", "zo", "bel")
    lines = []
    for _ in range(14):
        words = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(12)]
        lines.append(" ".join(words) + ".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    blobs = ["".join(rng.choice(alphabet) for _ in range(76)) for _ in range(6)]
    code = """function qz(a,b){for(var i=0;i<a.length;i++){b^=a.charCodeAt(i)<<((i%4)*8)}return b>>>0}
var t=[0x3f,0x1a,0x77,0x04],k=qz("xx",0);if(k&1){t.reverse()}console.log(t.join("|"));
def tmp(xs):
    return [x*x for x in xs if x % 3 == 1] or [0]
SELECT id, COUNT(*) AS n FROM tmp_t WHERE flag = 1 GROUP BY id HAVING n > 2;
#define W(x) ((x) << 3 | (x) >> 5)
for f in *.bak; do mv "$f" "${f%.bak}.old"; done"""
    return f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>tmp</title></head>
<body>
<pre>{esc(code)}</pre>
<p>{esc(" ".join(lines[:7]))}</p>
<pre>{chr(10).join(blobs)}</pre>
<p>{esc(" ".join(lines[7:]))}</p>
<pre>{esc(code)}</pre>
</body>
</html>
"""


def not_found_html() -> str:
    """The body of an HTTP 404 response."""
    return """<html>
<head><title>404 Not Found</title></head>
<body>
<center><h1>404 Not Found</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


def tiny_png() -> bytes:
    """A valid 2x2 RGB PNG built by hand (deterministic bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xc0\x30\x30\x30\x80\xc0" + b"\x00\x30\x80\xc0\xc0\xc0\x30"
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    idat = zlib.compress(raw, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# ---------------------------------------------------------------------------------------------
# Web pages: the list that goes into the WARC
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One captured URL: what the server sent, plus what the page is for and what should happen."""

    url: str
    ip: str
    content_type: str  # the HTTP Content-Type header, exactly as sent
    body: bytes
    purpose: str
    fate: str
    status: int = 200
    server: str = "nginx"
    extra_headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)


QINGHE_FOOTER = (
    "Copyright © 2008-2023 清河日报社 版权所有 未经书面授权禁止转载、摘编或建立镜像",
    "违法和不良信息举报电话：0000-96000000 举报邮箱：jubao@qinghe-daily.com.cn",
)


def build_pages() -> list[Page]:
    """Return every web page of the sample WARC, in capture order."""
    library = Article(
        site="清河日报",
        title="市图书馆延长夜间开放时间 工作日开到晚上十点",
        byline="2023-08-15 07:32  来源：清河日报  作者：周敏  责任编辑：李晓",
        body=paras(ZH_LIBRARY, "zh"),
        nav=("首页", "本地", "国内", "财经", "教育", "文化", "体育", "视频", "专题", "图片"),
        crumbs=("首页", "本地新闻", "社会民生", "正文"),
        related=(
            "社区书屋开到家门口 居民借书更方便",
            "暑期少儿阅读季启动 百场活动等你来",
            "图书馆新增自助借还机 办证只需一分钟",
            "老城区将新建三座城市书房",
            "市民阅读调查：纸质书依然最受欢迎",
        ),
        comments=(
            ("海边的风", "早就该这样了，支持！下班终于有地方看书了。"),
            ("青蛙不跳", "希望周一也别闭馆，周一正好是我休息日。"),
            ("读书人老张", "插座太少是真的，每次去都抢不到。"),
        ),
        footer=QINGHE_FOOTER,
    )
    tea = Article(
        site="兰山小记",
        title="在山里的茶园住了三天",
        byline="发布于 2023-04-02 · 阅读 1,208 · 分类：在路上",
        body=paras(ZH_TEA, "zh"),
        nav=("首页", "在路上", "吃吃喝喝", "读书笔记", "留言板", "关于"),
        crumbs=("首页", "在路上", "正文"),
        related=("去海边小城看了一次日出", "外婆的腊肉", "一个人的周末徒步路线", "秋天的银杏大道"),
        comments=(
            ("小鹿", "看得我也想去采茶了！请问村子叫什么名字？"),
            ("木子", "一芽一叶那段写得真好，原来掐断口会发红。"),
        ),
        footer=(
            "© 2016-2023 兰山小记 · 本站文字除特别说明外均为原创，转载请注明出处",
            "由 某开源博客程序 驱动 · 主题：简单",
        ),
    )
    battery = Article(
        site="华夏科技网",
        title=f"东岭循环动力电池回收新产线投产 年处理能力达{fullwidth('2')}万吨",
        byline="2023-09-12 16:05  来源：华夏科技网  记者：宋一帆",
        body=paras(ZH_BATTERY, "zh"),
        nav=("首页", "资讯", "新能源", "汽车", "手机", "家电", "评测", "专题"),
        crumbs=("首页", "新能源", "产业动态"),
        related=(
            "退役电池梯次利用：储能电站成新出路",
            "三部门发文规范动力电池回收利用",
            "一文看懂磷酸铁锂和三元电池的区别",
            "电池“体检”新标准下月起实施",
            "钠离子电池离量产还有多远",
        ),
        comments=(
            ("电动车主", "希望以后换电池能便宜点。"),
            ("路人甲", "小作坊确实该管管了，污染太严重。"),
            ("Tech老王", "湿法回收成本高不高？文章没讲。"),
        ),
        footer=("华夏科技网 版权所有 © 2011-2023", "本站所载文章仅代表作者观点，不代表本站立场"),
    )
    basketball = Article(
        site="镜湖在线",
        title="十六支业余球队角逐 “邻里杯”社区篮球联赛开赛",
        byline="2023-09-04 21:10  来源：镜湖在线体育频道  作者：何川",
        body=paras(ZH_BASKETBALL, "zh"),
        nav=("首页", "新闻", "体育", "房产", "汽车", "健康", "美食", "论坛"),
        crumbs=("首页", "体育", "本地赛事"),
        related=(
            "全民健身月：十个免费健身场地推荐",
            "社区足球场改造完成 夜间灯光开放",
            "老年门球队十年如一日坚持训练",
            "业余跑者如何避免运动损伤",
            "少儿篮球训练营报名开始",
        ),
        comments=(
            ("南苑球迷", "老友队牛！明年我也要报名。"),
            ("小新", "下周还有比赛吗？想带孩子去看。"),
            ("篮球少年", "裁判很专业，比去年好多了。"),
        ),
        footer=(
            "镜湖在线 版权所有 Copyright © 2010-2023",
            "联系电话：0000-88880000 广告合作：ad@jinghu-online.com.cn",
        ),
    )
    market = Article(
        site="北方生活网",
        title="老菜市场换新颜 摊主和街坊都说好",
        byline="2023-07-21 08:40  来源：北方生活网  记者：吴桐",
        body=paras(ZH_MARKET, "zh"),
        nav=("首页", "民生", "社区", "美食", "出行", "房产", "便民服务"),
        crumbs=("首页", "民生", "社区新闻"),
        related=(
            "十五分钟便民生活圈建设提速",
            "社区食堂试点扩大到二十个街道",
            "老旧小区改造：居民说了算",
            "早市夜市如何兼顾热闹与秩序",
        ),
        comments=(
            ("槐树街老住户", "改完确实干净了，就是停车还是难。"),
            ("爱买菜的小王", "电子屏报价这个好，省得一家家问。"),
        ),
        footer=(
            "北方生活网 版权所有 © 2012-2023 未经许可不得转载",
            "京ICP备17042365号-1  京公网安备 11010502038721号",
            "互联网违法和不良信息举报中心 | 网络110报警服务",
        ),
    )
    canal = Article(
        site="江南文化网",
        title="在古运河边的小镇过一个慢周末",
        byline="2023-06-20 10:15  来源：江南文化网  作者：沈禾",
        body=paras(ZH_CANAL, "zh"),
        nav=("首页", "文化", "旅游", "非遗", "美食", "读书", "视频"),
        crumbs=("首页", "旅游", "周边游"),
        related=(
            "五座值得慢慢逛的水乡小镇",
            "蓝印花布：一块布上的江南",
            "跟着老船夫听运河故事",
            "竹编老手艺走进小学课堂",
        ),
        comments=(
            ("水乡人", "临水镇的酱菜确实好吃，每次都要带几罐。"),
            ("周末去哪儿", "人少的时候去最好，千万别赶节假日。"),
        ),
        footer=("江南文化网 版权所有 2009-2023", "本网站部分图片来源于网友投稿，如有侵权请联系删除"),
    )
    pingpong = Article(
        site="中原论坛",
        title="【活动回顾】我们小区乒乓球俱乐部成立十周年啦",
        byline="发表于 2023-05-22 20:41",
        body=paras(ZH_PINGPONG, "zh"),
        nav=("首页", "社区生活", "运动健身", "美食天地", "二手交易", "招聘求职"),
        crumbs=("中原论坛", "社区生活", "运动健身", "帖子"),
        related=(),
        comments=(
            ("球友小赵", "恭喜恭喜！十年真不容易，陈师傅辛苦了。"),
            ("乒乓爱好者", "明年的免费教学一定报名，孩子想学很久了。"),
            ("路过的喆哥", "当年那张晾衣绳球台我也打过，哈哈，怀念。"),
        ),
        footer=("Powered by 论坛程序 2005-2023", "中原论坛 版权所有 | 联系我们 | 手机版 | 小黑屋"),
    )
    apples = Article(
        site="西北农业信息网",
        title="高原苹果迎来丰收 果农搭上电商快车",
        byline="2023-10-18 09:00  来源：西北农业信息网  记者：马骏",
        body=paras(ZH_APPLES, "zh"),
        nav=("首页", "农业新闻", "市场价格", "种植技术", "养殖技术", "农资", "政策"),
        crumbs=("首页", "农业新闻", "产业发展"),
        related=(
            "苹果冷库贮藏的五个要点",
            "果园生草技术问答",
            "农产品直播带货如何起步",
            "今年秋季水果价格走势分析",
        ),
        comments=(
            ("果农老马", "我们村今年也不错，就是运费有点贵。"),
            ("买苹果的", "去年在网上买过这边的苹果，确实脆甜。"),
        ),
        footer=("西北农业信息网 版权所有", "主办单位：西北农业信息中心（示例） 技术支持：信息科"),
    )
    bookshop = Article(
        site="臺北書屋誌",
        title="巷弄裡的舊書店，守著一座城市的記憶",
        byline="2023年5月8日  文／陳怡君  攝影／吳冠宇",
        body=paras(ZH_TW_BOOKSHOP, "zh"),
        nav=("首頁", "書店地圖", "人物專訪", "閱讀活動", "關於我們"),
        crumbs=("首頁", "人物專訪", "本文"),
        related=(
            "溫州街周邊的五家獨立書店",
            "舊書修補入門：從一把骨刀開始",
            "在二手書裡找到的一封信",
            "城市裡的小型讀書會",
        ),
        comments=(
            ("愛書人", "這家店我去過，老闆人很好，會推薦書。"),
            ("小魚", "希望它能一直開下去！"),
        ),
        footer=("Copyright 2023 臺北書屋誌 版權所有，轉載請註明出處",),
    )
    birds = Article(
        site="Riverside Naturalists' Society",
        title="What twenty winters of counting birds taught us",
        byline="Field Notes · 12 February 2023 · By the Winter Count team",
        body=paras(EN_BIRDS, "en"),
        nav=("Home", "About", "Events", "Membership", "Field Notes", "Contact"),
        crumbs=("Home", "Field Notes", "Winter 2023"),
        related=(
            "A beginner's guide to winter ducks",
            "How to build a simple nest box",
            "Spring walk programme now online",
            "Results of the 2022 moth night",
        ),
        comments=(
            ("Helen R.", "Fascinating to see the goldfinch numbers. Same story in our garden."),
            ("Martin", "Thank you for typing all this up. Will the spreadsheet be shared?"),
        ),
        footer=("© 2023 Riverside Naturalists' Society. Registered charity no. 1098765 (sample).",),
    )
    cafe = Article(
        site="The Kettle Journal",
        title="The café that made friends with the road works",
        byline="By Sam Ellery · 22 August 2023 · 6 min read",
        body=(*paras(EN_CAFE, "en"), EN_CAFE_DETAILS),
        nav=("Food", "Drink", "Places", "People", "Recipes", "Newsletter"),
        crumbs=("Home", "People", "Small business"),
        related=(
            "Ten soups that travel well",
            "What makes a good neighbourhood bakery",
            "The quiet return of the flask",
            "How to price a cup of coffee",
        ),
        comments=(
            ("jo_b", "The lemon cake is genuinely excellent. Go early."),
            ("Pete", "Great story. More like this please."),
        ),
        footer=("© 2023 Kettle Journal Media. All rights reserved.",),
    )
    ferry = Article(
        site="Harbour Lane Gazette",
        title="Ferry timetable change leaves island commuters with longer days",
        byline="By our local affairs reporter · Published 21 September 2023",
        body=paras(EN_FERRY, "en"),
        nav=("News", "Sport", "What's On", "Property", "Jobs", "Announcements"),
        crumbs=("Home", "News", "Local"),
        related=(
            "Island school celebrates new library",
            "Harbour wall repairs to start in spring",
            "Letters: the case for a night bus",
            "Weather warning for the weekend",
        ),
        comments=(),
        footer=(
            "© Harbour Lane Media Ltd 2023. Registered in England and Wales, company no. 08765432 (sample).",
            "Subscribe from £1 a week. Manage your subscription.",
        ),
    )
    cookie = "We use cookies to make this site work and to understand how it is used."
    return [
        Page(
            url="http://news.qinghe-daily.com.cn/2023/0815/city-library-night-hours.html",
            ip="220.181.38.148",
            content_type="text/html; charset=utf-8",
            body=zh_portal_html(library, charset_meta="utf-8").encode("utf-8"),
            purpose="Chinese news article (UTF-8) inside heavy portal boilerplate",
            fate="kept",
            server="Tengine",
        ),
        Page(
            url="https://blog.lanshan.cn/posts/2023/04/tea-garden-three-days.html",
            ip="61.135.169.121",
            content_type="text/html; charset=UTF-8",
            body=zh_blog_html(tea).encode("utf-8"),
            purpose="Chinese personal blog post (UTF-8) with sidebar, tags and comments",
            fate="kept",
            server="openresty",
        ),
        Page(
            url="https://www.huaxia-keji.com.cn/news/2023/0912/battery-recycling.html",
            ip="202.108.22.5",
            content_type="text/html; charset=utf-8",
            body=zh_portal_html(battery, charset_meta="utf-8").encode("utf-8"),
            purpose="Chinese tech news with full-width ASCII (ＣＥＯ, ＤＬ－３００, ９０％) and one "
            "mojibake sentence (UTF-8 read as cp1252)",
            fate="kept (normalized)",
        ),
        Page(
            url="http://sports.jinghu-online.com.cn/local/2023/0904/neighbourhood-cup.html",
            ip="123.125.114.144",
            content_type="text/html; charset=utf-8",
            body=zh_portal_html(basketball, charset_meta="utf-8").encode("utf-8"),
            purpose="Chinese sports news (UTF-8) inside portal boilerplate",
            fate="kept",
        ),
        Page(
            url="https://www.beifang-shenghuo.cn/article/10234.html",
            ip="123.125.115.110",
            content_type="text/html; charset=utf-8",
            body=zh_portal_html(market, charset_meta="utf-8").encode("utf-8"),
            purpose="Chinese community news whose footer carries 京ICP备17042365号-1 and "
            "京公网安备 11010502038721号",
            fate="kept (ICP licence found)",
        ),
        Page(
            url="http://www.jiangnan-wenhua.com.cn/show/2023/0620/canal-town.html",
            ip="115.239.210.27",
            content_type="text/html; charset=GBK",
            body=zh_portal_html(canal, charset_meta=None).encode("gbk"),
            purpose="GBK page; charset declared only in the HTTP Content-Type header",
            fate="kept",
            server="Apache",
        ),
        Page(
            url="http://bbs.zhongyuan-luntan.cn/thread-88231-1-1.html",
            ip="61.135.185.32",
            content_type="text/html",
            body=zh_forum_html(pingpong, charset_meta="gb2312").encode("gbk"),
            purpose="forum thread encoded GBK but declared gb2312 only in `<meta charset>`; contains "
            "喆 and 镕, which GB2312 lacks (decode as GB18030)",
            fate="kept",
            server="Apache",
        ),
        Page(
            url="http://www.xibei-nongye.cn/zixun/2023/1018/apple-harvest.html",
            ip="202.108.33.60",
            content_type="text/html",
            body=zh_portal_html(apples, charset_meta=None).encode("gbk"),
            purpose="GBK page with no charset anywhere (header or meta); detection must find it",
            fate="kept",
            server="Microsoft-IIS/7.5",
        ),
        Page(
            url="https://www.taibei-shuwu.tw/articles/2023/05/old-bookshop.html",
            ip="168.95.245.12",
            content_type="text/html; charset=big5",
            body=zh_tw_magazine_html(bookshop, charset_meta="big5").encode("big5"),
            purpose="traditional Chinese article, Big5 (declared in header and meta), .tw domain",
            fate="dropped: compliance:not_domestic (hosted in Taiwan, no ICP number); "
            "text converted to simplified",
        ),
        Page(
            url="https://www.riverside-naturalists.org/field-notes/2023/twenty-winters.html",
            ip="198.51.100.23",
            content_type="text/html; charset=utf-8",
            body=en_page_html(
                birds,
                cookie=cookie + " You can change your choice at any time.",
                extra_aside="<h3>Upcoming events</h3><ul><li>Dawn chorus walk, 6 May</li>"
                "<li>Pond dipping for families, 20 May</li></ul>",
            ).encode("utf-8"),
            purpose="English article (.org) with cookie banner, nav, sidebar and footer",
            fate="kept",
        ),
        Page(
            url="https://www.thekettlejournal.com/people/2023/08/cafe-and-the-road-works",
            ip="104.21.48.117",
            content_type="text/html; charset=utf-8",
            body=en_page_html(
                cafe,
                cookie=cookie + " By clicking Accept you agree to our cookie policy.",
                extra_aside="<h3>Most read</h3><ol><li>The perfect boiled egg, settled</li>"
                "<li>Why your bread is dense</li><li>A week of packed lunches</li></ol>",
            ).encode("utf-8"),
            purpose="English feature (.com) with mojibake (cafÃ©, itâ€™s) and full-width "
            "ASCII (１４, ＫＥＴＴＬＥ２０２３)",
            fate="kept (normalized)",
            server="cloudflare",
        ),
        Page(
            url="https://www.harbourlane-gazette.co.uk/news/local/ferry-timetable-change",
            ip="212.58.226.40",
            content_type="text/html; charset=utf-8",
            body=en_page_html(
                ferry,
                cookie="This website uses cookies. Some are essential; others help us improve it.",
                extra_aside="<h3>Most read</h3><ol><li>Road closure on the coast road</li>"
                "<li>Planning row over old chapel</li></ol>",
            ).encode("utf-8"),
            purpose="English local news (.co.uk) with subscription prompts and cookie banner",
            fate="kept",
            server="Apache",
        ),
        Page(
            url="http://best-cheap-deals-online-now.com/cheap-watches-best-price.html",
            ip="203.0.113.77",
            content_type="text/html; charset=utf-8",
            body=en_spam_html().encode("utf-8"),
            purpose="English spam: keyword stuffing, repeated lines, link lists, hidden text",
            fate="dropped: quality (spam)",
        ),
        Page(
            url="http://www.mianfei-xiazai-zhan.cn/soft/index.html",
            ip="14.215.177.38",
            content_type="text/html; charset=utf-8",
            body=zh_spam_html().encode("utf-8"),
            purpose="Chinese SEO spam: repeated 免费下载 最新版 点击进入 lines and link lists",
            fate="dropped: quality (spam)",
        ),
        Page(
            url="https://account.qinghe-daily.com.cn/login",
            ip="220.181.38.150",
            content_type="text/html; charset=utf-8",
            body=login_html().encode("utf-8"),
            purpose="nearly empty login page (a few words, a form)",
            fate="dropped: quality (too short)",
            server="Tengine",
        ),
        Page(
            url="https://www.sakura-tayori.jp/blog/2023/10/autumn-riverside-walk.html",
            ip="133.242.5.18",
            content_type="text/html; charset=utf-8",
            body=ja_blog_html("秋の川沿いを歩いて", paras(JA_AUTUMN, "zh")).encode("utf-8"),
            purpose="Japanese blog post (kana + kanji): neither Chinese nor English",
            fate="dropped: language",
            server="Apache",
        ),
        Page(
            url="http://dev.tinker-notes.net/scratch/tmp.html",
            ip="192.0.2.41",
            content_type="text/html; charset=utf-8",
            body=gibberish_html().encode("utf-8"),
            purpose="mostly code, base64-like blobs and made-up filler words; no real prose",
            fate="dropped: quality (not prose)",
        ),
        Page(
            url="https://www.thekettlejournal.com/newsletter/thanks",
            ip="104.21.48.117",
            content_type="text/html; charset=utf-8",
            body=thanks_html().encode("utf-8"),
            purpose="very short English page (newsletter confirmation, about ten words)",
            fate="dropped: quality (too short)",
            server="cloudflare",
        ),
        Page(
            url="https://news.qinghe-daily.com.cn/static/img/logo.png",
            ip="220.181.38.148",
            content_type="image/png",
            body=tiny_png(),
            purpose="non-HTML response (a 2x2 PNG)",
            fate="skipped: not HTML",
            server="Tengine",
            extra_headers=(("Cache-Control", "max-age=2592000"),),
        ),
        Page(
            url="https://www.riverside-naturalists.org/field-notes/2019/old-page.html",
            ip="198.51.100.23",
            content_type="text/html",
            body=not_found_html().encode("utf-8"),
            purpose="HTTP 404 response with a small HTML error body",
            fate="skipped: HTTP 404",
            status=404,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# WARC writing
# ---------------------------------------------------------------------------------------------


def record_id(kind: str, url: str) -> str:
    """A stable WARC-Record-ID for one record (uuid5 of its kind and URL)."""
    return f"<urn:uuid:{uuid.uuid5(RECORD_NS, kind + ' ' + url)}>"


def warc_date(index: int) -> datetime:
    """The fixed capture time of the index-th page."""
    return CRAWL_START + timedelta(seconds=37 * index)


def write_warc(path: Path, pages: list[Page]) -> None:
    """Write a gzipped WARC/1.0: one warcinfo record, then a request and a response per page."""
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=True)
    info_fields = (
        ("software", "corpusloop samples/make_samples.py"),
        ("format", "WARC File Format 1.0"),
        ("conformsTo", "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/"),
        ("description", "Sample captures for corpusloop tests. All text is original to the project."),
        ("isPartOf", "corpusloop-samples"),
        ("robots", "classic"),
        ("http-header-user-agent", USER_AGENT),
    )
    info = "".join(f"{k}: {v}\r\n" for k, v in info_fields).encode("utf-8")
    info_headers = StatusAndHeaders(
        "",
        [
            ("WARC-Type", "warcinfo"),
            ("WARC-Record-ID", record_id("warcinfo", path.name)),
            ("WARC-Filename", path.name),
            ("WARC-Date", CRAWL_START.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ],
        protocol="WARC/1.0",
    )
    writer.write_record(
        writer.create_warc_record(
            "", "warcinfo", payload=BytesIO(info), length=len(info), warc_headers=info_headers
        )
    )
    for i, page in enumerate(pages):
        when = warc_date(i + 1)
        iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        resp_id = record_id("response", page.url)
        scheme_host, _, rest = page.url.partition("://")[2].partition("/")
        path_q = "/" + rest
        req_headers = StatusAndHeaders(
            f"GET {path_q} HTTP/1.1",
            [
                ("Host", scheme_host),
                ("User-Agent", USER_AGENT),
                ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                ("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"),
                ("Accept-Encoding", "identity"),
                ("Connection", "close"),
            ],
            is_http_request=True,
        )
        request = writer.create_warc_record(
            page.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=req_headers,
            warc_headers_dict={
                "WARC-Type": "request",
                "WARC-Record-ID": record_id("request", page.url),
                "WARC-Date": iso,
                "WARC-Target-URI": page.url,
                "WARC-IP-Address": page.ip,
                "WARC-Concurrent-To": resp_id,
            },
        )
        reason = {200: "OK", 404: "Not Found"}[page.status]
        resp_headers = StatusAndHeaders(
            f"{page.status} {reason}",
            [
                ("Date", http_date(when)),
                ("Server", page.server),
                ("Content-Type", page.content_type),
                ("Content-Length", str(len(page.body))),
                *page.extra_headers,
                ("Connection", "close"),
            ],
            protocol="HTTP/1.1",
        )
        response = writer.create_warc_record(
            page.url,
            "response",
            payload=BytesIO(page.body),
            length=len(page.body),
            http_headers=resp_headers,
            warc_headers_dict={
                "WARC-Type": "response",
                "WARC-Record-ID": resp_id,
                "WARC-Date": iso,
                "WARC-Target-URI": page.url,
                "WARC-IP-Address": page.ip,
            },
        )
        writer.write_record(request)
        writer.write_record(response)
    path.write_bytes(buf.getvalue())


# ---------------------------------------------------------------------------------------------
# JSONL web documents
# ---------------------------------------------------------------------------------------------

JSONL_PAGES = (
    {
        "id": "jsonl-001",
        "url": "https://news.qinghe-daily.com.cn/brief/2023/0901/metro-line-3.html",
        "text": "清河市地铁三号线北延段今天上午开通试运营。新开通的区段全长九点六公里，设车站六座，"
        "从起点站到终点站约需十八分钟。运营方表示，试运营初期的发车间隔为八分钟，"
        "早晚高峰将视客流情况加开列车。沿线居民可以在各站出入口领取新版线路图。",
    },
    {
        "id": "jsonl-002",
        "url": "https://www.eastfield-garden.org/news/autumn-seed-swap",
        "text": "The Eastfield community garden will hold its autumn seed swap on Saturday morning. "
        "Bring any seeds you saved this year in labelled envelopes, and take home whatever you "
        "would like to grow next spring. Volunteers will serve tea and cake in the shed, and "
        "there will be a short talk on drying beans at eleven.",
    },
    {
        "id": "jsonl-003",
        "url": "https://www.jiachang-cai.cn/recipes/tomato-egg.html",
        "text": "番茄炒蛋看起来简单，想做好却有几个小窍门。鸡蛋打散后加一点点清水，炒出来会更嫩；"
        "番茄先用开水烫一下去皮，切成小块，下锅后多炒一会儿，把汁水炒出来。"
        "最后把炒好的鸡蛋倒回锅里，加少许盐和糖，翻匀就可以出锅了。",
    },
    {
        "id": "jsonl-004",
        "url": "https://reviews.homeware-notes.com/kettles/steel-kettle-six-months",
        "text": "I have used this kettle every morning for six months. It boils a full litre in a little "
        "under three minutes, the lid opens with one hand, and the handle stays cool. The only "
        "complaint is the click when it switches off, which is loud enough to wake a light "
        "sleeper. Otherwise it has been quiet, reliable and easy to descale.",
    },
    {
        "id": "jsonl-005",
        "url": "https://wiki.corpusloop.invalid/team/tech-talk-beam-windows",
        "text": "本周的技术分享会主题是 Apache Beam 的窗口（windowing）机制。主讲人将结合一个"
        "实时日志处理的例子，介绍 fixed window、sliding window 和 session window 的区别，"
        "以及 watermark 如何决定一个窗口何时输出结果。欢迎感兴趣的同事参加，会后有问答环节。",
    },
)


def write_jsonl(path: Path, rows: tuple[dict[str, str], ...] | list[dict[str, str]]) -> None:
    """Write one JSON object a line, UTF-8, keys in the given order, LF line ends."""
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_bytes(text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Books
# ---------------------------------------------------------------------------------------------

EN_BOOK_TITLE = "The Ledger of Gull Rock"
EN_BOOK_AUTHOR = "Edith Marrow"

EN_CHAPTERS = (
    """
The lighthouse on Gull Rock had been kept by the Penrose family for three generations, and in
all that time the ledger had never missed a night. Each evening, after the lamp was lit and the
clockwork wound, the keeper sat at the small table beneath the stairs and wrote the date, the
wind, the state of the sea, and the ships that passed. The entries were short and plain. Nobody
had ever thought of them as a story.

Alice Penrose was eleven the winter her father fell ill, and she had been reading the ledger
since she was six. She knew the old hand of her grandfather, who wrote his sevens with a bar
across them, and the cramped, careful hand of her father, who never used two words where one
would do. She knew that in 1881 a schooner called the Hesper had lost her mast in sight of the
rock, and that her grandfather had written only: "Hesper dismasted. Crew taken off by the
Porthcarrow boat. All well."

When the doctor came across from the mainland in the pilot's launch, he listened to her
father's chest for a long time and then told her mother, in the kitchen, that he must not climb
the tower again before spring. Alice heard it from the stairs. She heard her mother ask who,
then, was to keep the light, and she heard the doctor say that surely the Board would send a
relief keeper. Her mother laughed in a way Alice did not like, and said that the Board had been
promising a relief keeper since before Alice was born.

That night, Alice climbed the hundred and four steps with her mother, carrying the oil can while
her mother carried the lantern. They trimmed the wicks together, cleaned the great lens with the
soft cloths that were kept for nothing else, and wound the weights that turned it. When the beam
finally swept out across the water, her mother let out a breath that seemed to have been held
for days.

Afterwards, at the little table beneath the stairs, her mother opened the ledger, dipped the
pen, and then held it out to Alice without a word. Alice took it. Her hand shook a little, but
she wrote the date, and the wind, which was south-westerly and freshening, and the sea, which
was moderate. Then she sat for a moment, wondering what else to put. There had been no ships.
At last she wrote, in letters she hoped were as neat as her father's: "Light lit at 4.52. Keeper
unwell. Kept by A. Penrose and her mother."
""",
    """
The relief keeper did not come in December, nor in January. Letters went across to the mainland
with the supply boat and answers came back, polite and vague, promising that the matter was in
hand. In the meantime, the light was kept.

Alice learned the work quickly, because there was no choice but to learn it. She learned to read
the barometer and to tap its glass gently to see which way the needle wanted to go. She learned
which of the storm shutters stuck in wet weather and how to free them with a wedge of wood and
the flat of her hand. She learned that the lens must be cleaned every morning, even when the
night had been clear and the glass looked perfect, because salt found its way onto everything.

Her father, propped up in the bed by the kitchen stove, could not climb the stairs but he could
still teach. He made her recite the order of the evening's work until she could say it in her
sleep. He asked her, every night when she came down, what the wind had done and how the beam had
looked through the spray. Sometimes he corrected her. More often he only nodded, and once, after
a bad night in February when the gale had howled around the tower until dawn, he reached out and
squeezed her hand and said nothing at all.

The ledger changed, too. Alice could not help writing a little more than her father would have
done. She noted the gannets diving off the north ledge and the seal that had begun to haul out on
the landing stage at low tide. She wrote down the names of the fishing boats that passed close
enough to read, and when one of them dipped its flag to the tower she wrote that down as well,
with an exclamation mark that she later scratched out and then, on reflection, drew in again.

In March a steamer called the Caroline Ash passed at dusk, close in, and signalled with her lamp.
Alice did not know the code well enough to read it, so she copied down the long and short
flashes as best she could and showed them to her father. He studied them for a long time, his
lips moving, and then he smiled for the first time in weeks. "She says, 'Good light, Gull Rock,'"
he told her. "That's all. Just that. Put it in the book."
""",
    """
The relief keeper arrived at last in April, on a morning so calm that the sea looked like a sheet
of grey silk. His name was Thomas Varley, and he had kept lights on three different coasts. He
was a tall, quiet man with a grey beard and a way of looking at things for a long time before he
touched them.

He spent his first day walking around the tower with Alice at his side. He inspected the lamp,
the lens, the weights and the clockwork, the oil store and the shutters. He asked her questions,
and she answered them. At the end of the day he sat down at the little table beneath the stairs
and asked if he might read the ledger.

Alice watched him turn the pages. He read her grandfather's short entries and her father's
shorter ones, and then he came to the winter, and her own handwriting, and he slowed down. He
read about the gannets and the seal and the fishing boats. He read about the Caroline Ash. Once
he turned back a page to read something again, and Alice felt her face grow hot, because she
knew it was the night she had written that the beam looked like a broom sweeping the stars off
the sea.

When he had finished, he closed the book and sat with his hand flat on its cover. "This is a
good record," he said. "Better than most I've seen. A ledger is meant to tell the next keeper
what the last one knew. Yours does that."

Her father was well enough by May to climb the stairs again, slowly, with Mr Varley behind him.
The Board decided that the rock should have two keepers from now on, and Mr Varley stayed. Alice
went back to the school on the mainland in the autumn, crossing each Monday with the supply boat
and returning each Friday.

But on Friday evenings, after the light was lit, she still sat at the little table beneath the
stairs and wrote the week's entry herself. Mr Varley insisted on it. He said that a light needed
a keeper, and a ledger needed a writer, and that the two were not always the same person.
""",
)

# The second edition changes these words (each occurs exactly once in the first edition).
SECOND_EDITION_EDITS = (
    ("Alice Penrose was eleven", "Alice Penrose was twelve"),
    ("the hundred and four steps", "the hundred and six steps"),
    ("a sheet\nof grey silk", "a sheet\nof grey satin"),
    ("a tall, quiet man", "a tall, silent man"),
    ("Better than most I've seen.", "Better than most I have seen."),
    ("called the Hesper had", "called the _Hesper_ had"),
    ("called the Caroline Ash passed", "called the _Caroline Ash_ passed"),
)

ZH_BOOK_TITLE = "山城雨季"
ZH_BOOK_AUTHOR = "林晚"
ZH_CHAPTERS = (
    (
        "搬家",
        """
我们家搬到山城的那一年，我九岁。那是五月底，火车在隧道里钻进钻出，窗外一会儿是黑的，
一会儿是绿的。母亲靠在窗边打盹，父亲一直盯着手里那张写着地址的纸条，
好像一不留神它就会飞走。

山城的雨是我们下火车时就迎上来的。不是北方那种哗啦一下的大雨，而是细细密密的，
像是空气本身变湿了。父亲借来一辆三轮车，把我们的几个箱子和一卷铺盖绑在上面，
推着往坡上走。路是一级一级的石阶，被雨水洗得发亮，两边的房子挤在一起，
屋檐几乎要碰到对面人家的窗户。

我们的新家在半山腰，是一栋三层小楼的第二层。房子很旧，木头楼梯踩上去吱吱作响，
墙角长着一层淡淡的青苔。母亲进门看了一圈，什么也没说，挽起袖子就开始擦窗户。
父亲把箱子一个一个搬上楼，累得坐在门槛上喘气。我站在窗边往外看，
只看见一片灰蒙蒙的屋顶，和更远处被雾遮住一半的山。

那天晚上，我们在一盏昏黄的灯下吃了搬家后的第一顿饭：一锅稀饭和一碟从火车上带来的咸菜。
屋外的雨一直没停，顺着瓦片滴在楼下的铁皮棚上，叮叮咚咚地响。我问父亲，
这里的雨什么时候停。父亲想了想，说，听说要下到七月。

我差点哭出来。在老家，夏天是用来在河里游泳、在晒谷场上追着跑的。可在这里，
我连一个认识的人都没有，只能看着窗外的雨发呆。母亲似乎看出了我的心思，
她放下碗，摸了摸我的头，说：“雨下久了，总会晴的。到时候，这山上什么都有。”

那时候我不相信她。后来我才知道，她说的每一句话都是真的。

第二天一早，我被一阵叫卖声吵醒。推开窗，雨小了一些，楼下的石阶上，
一个挑着担子的老人正慢慢往上走，担子两头的竹筐里装着刚出锅的豆花，冒着白白的热气。
他一边走，一边用一种我听不太懂的调子喊着。母亲下楼买了两碗，端上来的时候，
豆花上浇着红亮的辣油，撒着葱花和碎花生。我吃了一口，辣得直吸气，眼泪都出来了，
却又忍不住吃第二口。

父亲笑着说，这就是山城的味道，先辣你一下，再让你离不开。母亲在一旁接了一句，
说人也是这样，刚认识的时候觉得生，处久了就舍不得了。我那时候听不懂这话，
只顾着低头把碗里最后一点豆花刮干净。

那天下午，父亲去新单位报到，母亲带着我去附近的小学办转学手续。学校在山坡的另一边，
我们沿着石阶下去，又沿着另一道石阶上来，走得我两腿发软。教导处的老师戴着一副厚厚的眼镜，
翻了翻我的成绩单，说下个星期一就可以来上课了。出门的时候，正赶上课间休息，
操场上一群孩子在雨里追来追去，谁也不打伞，嘴里喊着我听不懂的话。
母亲低头问我怕不怕，我摇了摇头，手却把她的衣角攥得更紧了。

回家的路上，母亲在一家杂货铺买了一把油纸伞，伞面是淡黄色的，上面画着几枝梅花。
她把伞递给我，说这是给我上学用的。那把伞后来陪了我很多年，伞骨断过两次，
都是父亲用细铁丝一点点缠好的。每次撑开它，我都会想起那个下着小雨的下午，
想起操场上那些不打伞的孩子，后来他们中的好几个，成了我最好的朋友。
""",
    ),
    (
        "邻居",
        """
住在我们楼上的是一位姓许的老太太，一个人住，养了一只灰色的猫。
楼下住着一对年轻夫妇，男的在码头上开吊车，女的在街口的裁缝铺里帮工。
刚搬来的那几天，我每次上下楼都低着头，生怕碰上谁要跟我说话。

最先跟我说话的是那只猫。准确地说，是它某天下午从许奶奶家的窗台跳到我们家的窗台上，
隔着玻璃跟我对视了很久。我打开窗，它一点也不客气地跳进来，在屋里转了一圈，
最后趴在我的作业本上睡着了。没过多久，楼上传来许奶奶的声音：“灰灰——灰灰——”
我只好抱着猫上楼去敲门。

许奶奶的家和我们家一样大，却显得宽敞得多，因为屋里几乎没有什么家具，
只有一张床、一张方桌和靠墙的一排书架。书架上摆满了书，有些书脊已经褪色，看不清字了。
她接过猫，上下打量了我一眼，问我几年级，喜不喜欢看书。我说喜欢，
她就从书架上抽出一本薄薄的小书递给我，说看完了再来换。

从那以后，我几乎每个星期都要上楼一趟。许奶奶的书什么都有：童话、游记、讲星星的、
讲昆虫的，还有一些我看不懂的诗。她从不问我读懂了没有，只是在我还书的时候，
让我说说最喜欢哪一段。有时候我说得结结巴巴，她就耐心地听着，等我说完，
再给我讲她自己的看法。

有一次，我在一本游记的扉页上看到一行小字，写着“赠阿许，一九五六年春”。
我拿去问许奶奶，她愣了一下，接过书看了很久，才说那是她一个老同学送的。
她们年轻的时候在同一所师范学校读书，毕业以后一个留在山城教书，一个去了很远的北方，
后来就慢慢断了联系。说这些的时候，她的声音很平静，只是用手指一遍一遍地摸着那行字。
那天我走的时候，她没有像平时那样再挑一本书给我，而是把那本游记留在了桌上。

第二个星期我再上楼，那本游记已经回到了书架上原来的位置。许奶奶又像往常一样，
问我最近读了什么，喜欢哪一段，好像什么事都没有发生过。只是从那以后，
她偶尔会在我面前提起北方的冬天，说那里的雪下起来没完没了，屋檐下挂着的冰柱有胳膊那么粗。
我知道，她说的是那个老同学去的地方。

楼下的那对夫妇也渐渐熟了起来。开吊车的叔叔嗓门很大，每天傍晚下班回来，
人还在石阶上，声音就先到了。裁缝铺的阿姨手很巧，她见我的裤子短了一截，
二话不说拿去放了边，第二天送回来，裤脚还多缝了一道蓝色的滚边。母亲过意不去，
做了一碗红烧肉送下去，从那以后，两家人常常你送我一碗汤，我送你一盘菜，
楼道里总是飘着饭菜的香味。

雨还是一直下。可我不再觉得日子难熬了。放学回来，我先去楼下阿姨的铺子门口站一会儿，
看她踩缝纫机；然后上楼写作业；写完作业，就抱着书去找许奶奶。
灰灰总是先听见我的脚步声，在门后喵喵地叫。

有一天晚上，父亲下班回来，说他在厂里听人讲，我们这栋楼已经有七十多年了，
比整条街的房子都老。母亲说，难怪楼梯响得那么厉害。父亲却说，他觉得这楼好，
楼里的人更好。那是搬家以后，我第一次听见父亲说这里好。
""",
    ),
    (
        "放晴",
        """
七月初的一个早晨，我是被阳光照醒的。

起初我以为自己还在做梦。窗外没有雨声，屋里亮得出奇，连墙角的青苔都泛着一层金色。
我光着脚跑到窗边，推开窗户，看见了一个我从来没有见过的山城：天是蓝的，蓝得透亮；
远处的山一层叠着一层，绿得发黑；山脚下，一条宽阔的大江拐了一个弯，
江面上闪着碎银一样的光。

整条街好像都醒了。楼下的阿姨把被子抱出来，搭在门口的竹竿上晒；
开吊车的叔叔站在石阶上伸懒腰，嘴里哼着不成调的歌；许奶奶的窗户也开着，
灰灰蹲在窗台上，眯着眼睛晒太阳。卖豆花的老人照常挑着担子上来，
他的吆喝声今天听起来格外响亮。

母亲站在我身后，也看着窗外。她没有说“我早就告诉过你”，只是轻轻地笑了。

吃过早饭，我第一次没有打伞就出了门。石阶上的水还没干透，踩上去有点滑，
两旁人家的门口摆出了一盆盆的花草，吊兰、月季、指甲花，叶子上还挂着水珠。
巷子口的理发店开了门，老师傅坐在门口的藤椅上，收音机里放着一段我听不懂的戏。
我从巷子这头走到那头，又从那头走回来，好像要把这条走了一个多月的路重新认识一遍。

那个星期天，父亲说要带我们去爬山。我们沿着屋后的小路一直往上走，
路边长满了野草和不知名的小花，偶尔有一两只蝴蝶从草丛里飞起来。走到半山腰，
父亲指着一片开阔的平台说，站在这里，可以看见整个山城。我们站在那里，
看着密密麻麻的房子顺着山势铺开，一直铺到江边；看着江上的轮船拖着长长的白色水痕，
慢慢地往下游开去。

我突然想起许奶奶书里的一句话，说一个地方住久了，就会长进人的心里。
那时候我还不太明白这句话的意思，但站在山上的那一刻，我觉得自己好像有点懂了。

下山的时候，我们在路边的小摊上买了一袋刚摘的杨梅。回到家，我挑了最大最红的几颗，
用一个小碗装着，给许奶奶送上楼去。她尝了一颗，说真甜，又从书架上抽出一本书给我，
是一本讲山城历史的旧书，扉页上有一行褪了色的钢笔字，
写着一个我不认识的名字和一个很久以前的日期。

“这是我年轻时候的书，”她说，“现在给你了。你是山城的孩子了。”

到了八月，山城热得像一口蒸笼。大人们说，这里的夏天是出了名的，白天太阳晒得石阶发烫，
晚上也不见凉快。楼里的人家都把竹床、凉椅搬到巷子里，一直坐到后半夜。
开吊车的叔叔从码头带回一个大西瓜，用井水镇了一下午，傍晚切开，分给整栋楼的人吃。
许奶奶摇着一把蒲扇，给我们讲她小时候的山城：那时候还没有这么多房子，江边全是吊脚楼，
一到涨水的季节，有的人家要从窗户里划船出去。我听得入了迷，连西瓜汁流到胳膊上都没有发觉。

那是我在山城过的第一个夏天。多年以后回想起来，记得最清楚的，反倒不是那些下雨的日子，
而是巷子里的竹床、井水里的西瓜，和许奶奶扇子底下慢悠悠的声音。
母亲说得没错，雨下久了，总会晴的；晴了以后，这山上果然什么都有。

那年夏天后来又下了很多场雨，以后的每一年也都是这样。但我再也没有问过父亲雨什么时候停。
我知道，雨总会停的，天总会晴的，而在雨停之前，楼梯会响，豆花会辣，
楼上有书，楼下有汤，日子就这样一天一天地过下去。
""",
    ),
)

ROMAN = ("I", "II", "III")
CN_NUMERALS = ("一", "二", "三")

EN_HEADER = """\
The Corpusloop Sample eBook of {title}

This short book was written for the corpusloop project, which keeps it in its
samples folder as test material for the book reader. You may copy it, change
it and pass it on under the Apache License, Version 2.0, the same licence as
the rest of the project. Its people and places are invented, and none of its
text comes from any other book.

Title: {title}

Author: {author}

Release date: {release}

Language: {language}

*** START OF THE CORPUSLOOP SAMPLE EBOOK {upper} ***
"""

EN_FOOTER = """\
*** END OF THE CORPUSLOOP SAMPLE EBOOK {upper} ***

About these sample files

Everything above the START line and below the END line is the wrapper, not
the book. A reader that keeps the wrapper will mix licence notes into the
corpus, which is exactly the mistake this file is here to catch.

The corpusloop project publishes this file under the Apache License, Version
2.0. If you change it, please say so near the top, and keep this note so the
next reader knows where the file came from.
"""

GUTENBERG_STYLE_HEADER = """\
The Ledger of Gull Rock, Second Edition (a corpusloop sample)

This is the second edition of a sample book that the corpusloop project wrote
for its own tests. It is laid out the way the free ebooks of Project Gutenberg
are laid out, with their exact START and END marker lines, so that the reader
is tested on that real format. The words are the project's own and carry its
licence, the Apache License, Version 2.0. A few words differ from the first
edition and the lines are wrapped at a different width, so the two editions
make a near-duplicate pair.

Title: The Ledger of Gull Rock

Author: Edith Marrow

Release date: March 3, 2021 [eBook #90002]
                Most recently updated: January 9, 2023

Language: English

Credits: Typed and checked by the corpusloop sample team


*** START OF THE PROJECT GUTENBERG EBOOK THE LEDGER OF GULL ROCK ***
"""

GUTENBERG_STYLE_FOOTER = """\
*** END OF THE PROJECT GUTENBERG EBOOK THE LEDGER OF GULL ROCK ***


Notes on this edition

The only changes from the first edition are a handful of words, the ship names
set in underscores, and the line width. Neither edition copies any other text.

Should you build something with this file, the Apache License, Version 2.0
applies to it as it applies to the rest of corpusloop. No fee is asked and no
permission is needed beyond what that licence already grants.
"""


def wrap_en(paragraphs: tuple[str, ...], width: int) -> str:
    """Wrap English paragraphs at width, a blank line between them."""
    return "\n\n".join(textwrap.fill(p, width=width, break_on_hyphens=False) for p in paragraphs)


def english_book(edition: int) -> str:
    """The English book, first (72 columns) or second edition (64 columns, a few words changed)."""
    chapters = []
    for number, block in zip(ROMAN, EN_CHAPTERS, strict=True):
        text = block
        if edition == 2:
            for old, new in SECOND_EDITION_EDITS:
                assert text.count(old) <= 1, old
                text = text.replace(old, new)
        width = 72 if edition == 1 else 64
        chapters.append(f"CHAPTER {number}.\n\n{wrap_en(paras(text, 'en'), width)}\n")
    if edition == 2:
        joined = "".join(EN_CHAPTERS)
        for old, _ in SECOND_EDITION_EDITS:
            assert joined.count(old) == 1, old
    upper = EN_BOOK_TITLE.upper()
    front = f"\n\n\n{EN_BOOK_TITLE.upper()}\n\nby {EN_BOOK_AUTHOR}\n\n\n\n"
    body = front + "\n\n\n".join(chapters) + "\n\n\n"
    if edition == 1:
        header = EN_HEADER.format(
            title=EN_BOOK_TITLE,
            author=EN_BOOK_AUTHOR,
            release="March 3, 2021 [Sample eBook #1]",
            language="English",
            upper=upper,
        )
        return header + body + EN_FOOTER.format(upper=upper)
    return GUTENBERG_STYLE_HEADER + body + GUTENBERG_STYLE_FOOTER


def chinese_book() -> str:
    """The Chinese book: paragraphs one per line, indented with two ideographic spaces."""
    chapters = []
    for numeral, (name, block) in zip(CN_NUMERALS, ZH_CHAPTERS, strict=True):
        lines = "\n\n".join("\u3000\u3000" + p for p in paras(block, "zh"))
        chapters.append(f"第{numeral}章 {name}\n\n{lines}\n")
    header = EN_HEADER.format(
        title=ZH_BOOK_TITLE,
        author=ZH_BOOK_AUTHOR,
        release="June 18, 2022 [Sample eBook #2]",
        language="Chinese",
        upper=ZH_BOOK_TITLE,
    )
    front = f"\n\n\n{ZH_BOOK_TITLE}\n\n{ZH_BOOK_AUTHOR} 著\n\n\n\n"
    return header + front + "\n\n\n".join(chapters) + "\n\n\n" + EN_FOOTER.format(upper=ZH_BOOK_TITLE)


# ---------------------------------------------------------------------------------------------
# Literature
# ---------------------------------------------------------------------------------------------


def poem(
    pid: str, title: str, author: str, lines: str, lang: str, license_id: str = "CC0-1.0"
) -> dict[str, str]:
    """One poem record; stanzas are separated by a blank line, lines by a newline."""
    text = "\n".join(line.strip() for line in lines.strip().splitlines())
    return {"id": pid, "title": title, "author": author, "text": text, "license": license_id, "lang": lang}


POEMS = (
    poem(
        "poem-001",
        "山居晓望",
        "周砚",
        """
晨起推柴门，云低不见村。
一溪穿石过，孤鸟落松根。
""",
        "zh",
    ),
    poem(
        "poem-002",
        "江夜泊舟",
        "周砚",
        """
孤舟夜泊小桥东，两岸灯光映水红。
一枕涛声眠不得，半江明月入窗中。
""",
        "zh",
    ),
    poem(
        "poem-003",
        "秋夜聽雨",
        "沈青禾",
        """
秋夜聽疏雨，孤燈伴舊書。
鄰家人語歇，簷滴到更初。
""",
        "zh",
    ),
    poem(
        "poem-004",
        "登樓",
        "沈青禾",
        """
獨上高樓望遠山，白雲深處鳥飛還。
長風吹落梧桐葉，一片秋聲滿水灣。
""",
        "zh",
        "CC-BY-4.0",
    ),
    poem(
        "poem-005",
        "田家",
        "周砚",
        """
细雨初晴布谷鸣，新秧插遍水田平。
农家午饭炊烟起，小犬隔篱吠客行。
""",
        "zh",
    ),
    poem(
        "poem-006",
        "早班地铁",
        "林晚",
        """
七点十分的车厢里
每个人都在低头
有人读着昨天的新闻
有人在梦里又坐过了一站

窗外的隧道一闪一闪
像一本翻得太快的书
我在其中一页下车
走进了今天
""",
        "zh",
    ),
    poem(
        "poem-007",
        "外婆的枣树",
        "林晚",
        """
外婆，院子里的枣树又结果了
青的红的，挂满了枝头
像你从前数给我听的
那些怎么也数不完的日子

我踮起脚，摘下一颗
还是小时候的味道
只是树下那把竹椅
空了很久

风吹过来的时候
叶子沙沙地响
我总觉得
是你在叫我回家吃饭
""",
        "zh",
        "CC-BY-4.0",
    ),
    poem(
        "poem-008",
        "Low Tide",
        "Ruth Calder",
        """
The sea has gone out for the afternoon
and left its pockets on the sand:
a crab shell, a rope, a blue glass stone,
the mark of a gull's small hand.

I walk where the water walked this morning,
careful, as if it might come back
to find me reading its letters
and want them returned, in a stack.
""",
        "en",
    ),
    poem(
        "poem-009",
        "Rain on the Allotment",
        "Owen Hale",
        """
And still the rain, and still the rain,
on the bean poles and the shed,
on the barrow left upended
and the onions in their bed.

And still the rain, and still the rain,
on the path we meant to lay,
on the seed packets I forgot
and the gloves I left to stay.

And still the rain, and still the rain,
and the kettle on inside,
and the whole wet garden drinking
with its green mouth open wide.
""",
        "en",
    ),
    poem(
        "poem-010",
        "Night Bus",
        "Ruth Calder",
        """
The night bus hums along the ring road,
half empty, lit like a fish tank.
A man asleep against the window,
a girl with a cello, a cleaner, me.
Nobody speaks. The driver nods
at every stop as if to say:
we are all going somewhere, slowly,
and that is enough for tonight.
""",
        "en",
        "CC-BY-4.0",
    ),
)

ESSAY_SLOW_READING = """
这几年，我读书的速度越来越快。手机上有各种各样的“十分钟读完一本书”，
书店里也摆满了“一本书读懂”什么什么的小册子。好像读书这件事，只要抓住要点就够了，
剩下的都是可以省掉的水分。

可是最近重读一本少年时代读过的小说，我发现自己记得的，恰恰是那些“水分”。
我早就忘了故事的结局，却还记得书里写到的一场雨：雨点落在铁皮屋顶上的声音，
主人公躲在屋檐下数着水洼里的涟漪。那一段对情节毫无推动，今天的编辑大概会建议删掉，
可它让我在三十年后依然能闻到那场雨的气味。

慢读并不是一种姿态，而是一种让文字有机会进入自己的方式。读得快的时候，
我们是在搬运信息，把书里的东西装进脑子里；读得慢的时候，书里的东西会和我们自己的记忆、
经验慢慢混在一起，长出新的东西来。一本书读完了，合上以后还在心里走动，
这才是读书最珍贵的部分。

当然，不是每一本书都值得慢读。说明书、报表、大部分的新闻，快速浏览就够了。
问题在于，我们常常把所有的书都当作说明书来读。于是，读的书越来越多，留下的东西却越来越少。

所以我给自己定了一个小规矩：每个月至少挑一本书，不设期限，不做笔记，不急着读完。
读到喜欢的句子，就停下来，看看窗外，想一想。有时候一个晚上只读了三五页，也没有关系。
书不会跑，时间也不会因为读得慢而浪费。
"""

ESSAY_KITCHEN = """
小时候，我以为厨房是一个只属于母亲的地方。她每天早上五点多就在里面忙碌，
锅碗瓢盆的声音是我醒来之前听到的第一种声音。等我长大、离开家、自己开始做饭，
才慢慢明白，厨房其实是一个关于时间的地方。

做饭的每一个步骤都有它自己的时间。米要提前泡，豆子要前一天晚上就放进水里，
炖汤要小火慢慢地熬，急不得。炒青菜却恰恰相反，火要旺，动作要快，多炒半分钟，
颜色就黄了。一个会做饭的人，心里都有一张看不见的时间表，知道什么时候该等，什么时候该抢。

我刚学做饭的时候，最常犯的错误就是着急。肉还没腌入味就下锅，汤还没熬出香味就关火。
做出来的菜，样子差不多，味道却总是差了一截。母亲在电话里听我抱怨，
只说了一句：“你给它多少时间，它就还你多少味道。”

这句话后来我常常想起，不只是在厨房里。学一门手艺、养一盆花、交一个朋友，
大概都是这样。很多事情没有捷径，该等的时间一分钟也省不掉。

现在，每到周末，我会花一个下午慢慢地炖一锅汤。汤在炉子上咕嘟咕嘟地响，
我坐在旁边看书，偶尔起身撇去浮沫，加一点水。那几个小时里，我什么也不赶，
什么也不追，只是等着。等到汤色变白，香味飘满屋子，我就知道，
时间已经把该做的事情做完了。

有时候朋友问我，花一下午炖一锅汤，值得吗？我想了想，觉得值得。
那一下午并没有被浪费，它变成了汤里的味道，也变成了我心里的一点安静。
"""

ESSAY_TREES = """
我住的那条街上有一排老梧桐，据说是七十多年前种下的。夏天，树冠在街道上方连成一片，
阳光只能从叶子的缝隙里漏下来，在地上印出一块一块的光斑。走在树下，
即使是最热的午后，也能感到一丝凉意。

前几年，街道要拓宽，有人提议把这些树移走。消息传开以后，附近的居民自发地写信、
开会，讨论了好几个月。有人担心树根会拱坏路面，有人抱怨秋天落叶太多，
但更多的人说，这条街之所以是这条街，就是因为这些树。最后，拓宽的方案改了，
树留了下来，只是在树池边加了一圈护栏。

我常常想，一座城市里的树，其实和城市里的人一样，各有各的脾气。梧桐高大，
给人遮阴；银杏长得慢，却能活很久；桂花平时不起眼，一到秋天，整条巷子都是香的。
它们站在那里，不说话，却记得比谁都多：哪一年发过大水，哪一年下过大雪，
哪一户人家搬走了，哪一家新开了店。

城市在变，楼越盖越高，路越修越宽。可是每当我走过那排梧桐，看见树下乘凉的老人、
追着落叶跑的孩子，就觉得有些东西还是不变的好。一棵树要长几十年才能成荫，
砍掉它却只要一个下午。留下一棵树，就是给以后的人留下一片阴凉。

去年秋天，我在树下遇见一位扫落叶的环卫工人。他说他扫这条街已经十几年了，
每年这个时候最累，一天要扫好几遍。我以为他会抱怨，他却笑着说，
落叶多说明树长得好，他扫着也高兴。
"""

ESSAY_NOTEBOOK = """
For most of my adult life I have carried a small notebook in my coat pocket. It is not a
diary, and it is certainly not a work of art. Most pages hold shopping lists, half-remembered
phone numbers, and the names of books that someone mentioned over dinner. But scattered among
these are a few hundred short notes that I would not trade for anything: a sentence overheard
on a train, the colour of the sky on a particular evening, a question my daughter asked when
she was four.

What I have learned from the notebook is how little I would otherwise remember. Leafing
through an old one, I find whole afternoons that had vanished from my memory until a single
line brought them back. The notes are not accurate records; they are more like handles, small
places to grip a day that would otherwise slide away.

People sometimes ask why I do not simply use my phone. I have tried. The trouble is that the
phone is always offering me something else to look at, and by the time I have unlocked it, the
thought I wanted to keep has been replaced by three new ones. The notebook offers nothing. It
waits, and that is exactly its value.

If you want to start, my only advice is to lower your standards. Write badly, write briefly,
write things that seem too small to matter. The point is not to produce something worth
reading now. The point is to leave a trail that your future self can follow back.
"""

ESSAY_BRIDGES = """
There is a bridge near my house that nobody has ever photographed on purpose. It is a flat
concrete span over a small river, with plain railings and a footpath on one side. It was
built, according to a plaque that is now hard to read, about sixty years ago. In all that time,
as far as I know, it has done exactly what it was meant to do: carry people and cars from one
bank to the other, every day, without drama.

We tend to celebrate the spectacular structures, the ones with soaring cables and daring
curves. They deserve their fame. But most of the world runs on boring bridges, and boring
pipes, and boring power lines, designed by engineers whose names nobody remembers and
maintained by crews who work at night so that the rest of us will not notice them.

The quiet success of these things is easy to overlook because success, in their case, looks
like nothing happening. A bridge that does not fall down does not make the news. A water main
that does not burst is not a story. The only time most of us think about infrastructure is
when it fails.

Perhaps we should make a habit of noticing it while it works. The next time you cross a plain
old bridge, consider the calculations, the inspections, the repainting and the patching that
have kept it standing for longer than you have been alive. It is not glamorous. It is
something better: dependable.
"""


def essay(eid: str, title: str, author: str, block: str, lang: str, license_id: str) -> dict[str, str]:
    """One essay record; paragraphs are separated by a blank line."""
    text = "\n\n".join(paras(block, lang))
    return {"id": eid, "title": title, "author": author, "text": text, "license": license_id, "lang": lang}


ESSAYS = (
    essay("essay-001", "慢读", "林晚", ESSAY_SLOW_READING, "zh", "CC0-1.0"),
    essay("essay-002", "厨房里的时间", "沈青禾", ESSAY_KITCHEN, "zh", "CC-BY-4.0"),
    essay("essay-003", "城市里的树", "周砚", ESSAY_TREES, "zh", "CC0-1.0"),
    essay("essay-004", "On Keeping a Notebook", "Owen Hale", ESSAY_NOTEBOOK, "en", "CC0-1.0"),
    # A restrictive licence tag on purpose, so the licence check has something to refuse.
    essay(
        "essay-005",
        "In Praise of Boring Bridges",
        "Ruth Calder",
        ESSAY_BRIDGES,
        "en",
        "LicenseRef-All-Rights-Reserved",
    ),
)


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------

README_HEAD = """\
# Sample data

Small, bundled inputs for tests, examples and benchmarks. **Every sentence in these files was
written for corpusloop** (no third-party text), and the files are under the project's licence,
Apache-2.0. Domains, IP addresses, people, ICP numbers and organisations are invented; any
resemblance to real ones is accidental.

Regenerate (byte-identical on every run: fixed dates, uuid5 record ids, gzip mtime 0):

```
.venv/bin/python samples/make_samples.py
```

Edit `samples/make_samples.py`, not the generated files.

{files_and_formats}
## Web pages in `web/sample.warc.gz`

In capture order. "Expected fate" is what the corpus pipeline should do with the page with its
default configuration.

| URL | IP | Content-Type (HTTP) | purpose | expected fate |
| --- | --- | --- | --- | --- |
"""


README_FILES = (
    (
        "web/sample.warc.gz",
        "WARC/1.0, one gzip member per record: a `warcinfo` record, then a `request` and a "
        "`response` record for each of {n_pages} URLs ({n_records} records). Every record has "
        "`WARC-Record-ID` and `WARC-Date`; requests and responses also `WARC-Target-URI` and "
        "`WARC-IP-Address`; each request has `WARC-Concurrent-To` pointing at its response",
    ),
    (
        "web/pages.jsonl",
        "5 short web documents, one JSON object a line: `id`, `url`, `text` (zh, en and one mixed zh/en)",
    ),
    (
        "books/en_ledger_of_gull_rock.txt",
        "English novella, 3 chapters, wrapped at 72 columns, LF, corpusloop-style START/END markers",
    ),
    (
        "books/zh_shancheng_yuji.txt",
        "Chinese novella 《山城雨季》, 3 chapters, one paragraph a line indented with two U+3000 spaces",
    ),
    (
        "books/en_ledger_of_gull_rock_2nd_ed.txt",
        "second edition of the English book: the real Project Gutenberg marker lines, a UTF-8 BOM, "
        "CRLF line ends, 64 columns, a few words changed: a near-duplicate of the first edition",
    ),
    (
        "literature/poems.jsonl",
        "10 short poems (`id`, `title`, `author`, `text`, `license`, `lang`): classical-style "
        "五言/七言 and modern Chinese (two in traditional characters) and English; short lines and "
        "one refrain that must not read as spam",
    ),
    ("literature/essays.jsonl", "5 short essays, same fields (3 zh, 2 en)"),
)

README_FORMATS = """\
## Books: the format the reader must handle

- The book is the text strictly between the marker lines
  `*** START OF THE CORPUSLOOP SAMPLE EBOOK <TITLE> ***` and
  `*** END OF THE CORPUSLOOP SAMPLE EBOOK <TITLE> ***` (books 1 and 2), or the real
  `*** START OF THE PROJECT GUTENBERG EBOOK <TITLE> ***` and
  `*** END OF THE PROJECT GUTENBERG EBOOK <TITLE> ***` (book 3). Everything outside is a licence
  wrapper with `Title:`, `Author:`, `Release date:`, `Language:` lines before the START marker.
- Inside the markers: the title and author, then the chapters. English chapter headings are a
  line of their own, exactly `CHAPTER I.`, `CHAPTER II.`, `CHAPTER III.`; Chinese ones are
  `第一章 搬家`, `第二章 邻居`, `第三章 放晴` (numeral, 章, one ASCII space, name).
- Book 3 starts with a UTF-8 BOM and uses CRLF line ends, as files downloaded from Project
  Gutenberg do.

## Literature: licence values

`license` is test metadata, not the licence of the text (all text here is Apache-2.0 as part of
the project). Values used: `CC0-1.0`, `CC-BY-4.0`, and on `essay-005` only
`LicenseRef-All-Rights-Reserved`, so the licence check has one record to refuse.
"""


def readme_files(n_pages: int) -> str:
    """The README's file table and format notes."""
    rows = "".join(
        f"| `{name}` | {what.format(n_pages=n_pages, n_records=1 + 2 * n_pages)} |\n"
        for name, what in README_FILES
    )
    return "## Files\n\n| file | what it is |\n| --- | --- |\n" + rows + "\n" + README_FORMATS


def readme(pages: list[Page]) -> str:
    """The samples README, with the page table built from the page list."""
    rows = "".join(f"| `{p.url}` | {p.ip} | `{p.content_type}` | {p.purpose} | {p.fate} |\n" for p in pages)
    head = README_HEAD.format(files_and_formats=readme_files(len(pages)))
    tail = """
Notes for the reader:

- Three Chinese pages are not UTF-8: GBK with `charset=GBK` only in the HTTP header; GBK with
  `<meta charset="gb2312">` only (it contains 喆 and 镕, outside GB2312, so decode GB2312/GBK
  labels as GB18030); and GBK with no declaration at all. The `.tw` page is Big5.
- Mojibake is the UTF-8 bytes of the text decoded as Windows-1252 (e.g. `cafÃ©`, `itâ€™s`);
  `ftfy.fix_encoding` restores it exactly. Full-width ASCII is U+FF01..U+FF5E (e.g. `ＤＬ－３００`);
  NFKC folds it.
- The `.tw` page is hosted in Taiwan (168.95.x.x), the `.jp` page in Japan; the rest of the
  non-Chinese pages use foreign or documentation (TEST-NET) ranges.
- Every other Chinese page is hosted on a mainland-China IP (220.181, 61.135, 202.108, 123.125,
  115.239, 14.215).
"""
    return head + rows + tail


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def write_text(path: Path, text: str, *, crlf: bool = False, bom: bool = False) -> None:
    """Write UTF-8 text with chosen line ends; never depends on the platform's defaults."""
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def main() -> None:
    """Write every sample file under samples/."""
    for sub in ("web", "books", "literature"):
        (HERE / sub).mkdir(exist_ok=True)
    pages = build_pages()
    write_warc(HERE / "web" / "sample.warc.gz", pages)
    write_jsonl(HERE / "web" / "pages.jsonl", JSONL_PAGES)
    write_text(HERE / "books" / "en_ledger_of_gull_rock.txt", english_book(1))
    write_text(HERE / "books" / "zh_shancheng_yuji.txt", chinese_book())
    write_text(HERE / "books" / "en_ledger_of_gull_rock_2nd_ed.txt", english_book(2), crlf=True, bom=True)
    write_jsonl(HERE / "literature" / "poems.jsonl", POEMS)
    write_jsonl(HERE / "literature" / "essays.jsonl", ESSAYS)
    write_text(HERE / "README.md", readme(pages))


if __name__ == "__main__":
    main()
