"""Quality signals and rules (pipelines.text.quality): each rule against a realistic text that breaks it.

The texts are written-out documents of the kind each rule exists to catch; their lines are long on
purpose (a line is the unit of several rules), hence the file-wide E501 exemption.
"""
# ruff: noqa: E501

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.config import ConfigError, configs_dir, dump_yaml
from pipelines.text.quality import (
    C4_RULES,
    CHINESEWEBTEXT_RULES,
    FINEWEB_RULES,
    GOPHER_QUALITY_RULES,
    GOPHER_REPETITION_RULES,
    LONG_FORM_ZH_RULES,
    QualityConfig,
    compute_signals,
    decide,
    first_failure,
    load_quality_config,
    rule_plan,
)
from pipelines.text.words import en_words, words

# --- English web texts ------------------------------------------------------------------------------

GOOD_EN = """The city council approved a plan on Tuesday to turn the old rail yard on the east side into a public park, ending a debate that has lasted almost ten years.
Under the plan, the site will get walking paths, a playground, a small amphitheater and a community garden with space for about two hundred plots.
Construction is expected to begin next spring and to take roughly eighteen months, although officials warned that the schedule depends on how quickly the soil can be cleaned.
The rail yard was used for more than a century to repair locomotives, and tests have found oil and heavy metals in several places.
"We have waited a long time for this, and we want to do it properly," said Maria Lopez, who chairs the council's parks committee.
Residents who spoke at the meeting were mostly in favor, but some asked that the park include more shade trees and a place for dogs to run.
The project will cost about 14 million dollars, most of which will come from a state grant that the city won last year.
The council will hold two more public hearings before the final design is approved, and the first is scheduled for the second week of March."""

SHORT_EN = """The library will be closed on Monday for the public holiday. Normal opening hours resume on Tuesday at nine."""

PRIMER_EN = """Sam has a red hat. He is six. He can run to the bus. The bus is big and it is red too.
Pam is his pal. She has a cat. The cat is fat. It can sit on a mat by the bed.
Up we go! Mom and Dad go up the hill. Sam and Pam run on the mud. Oh no, he got wet.
We can see a pig in a pen. It is pink. It has a big ear. Can it hop? No, it can not.
At six we eat. I had an egg. Dad had jam on his bun. Sam had a cup of tea."""

LONG_WORDS_EN = """Internationalization consultancy specializing in telecommunications infrastructure modernization and cybersecurity certification.
Cloud-native containerization methodologies supporting microservices orchestration and infrastructure-as-code automation.
Enterprise-grade observability platforms delivering distributed transactionality alongside multidimensional visualization.
Hyperconverged virtualization environments guaranteeing interoperability standardization throughout decentralized organizations.
Comprehensive professionalization programmes accelerating commercialization, industrialization and internationalization of biotechnologies.
Uncompromising responsiveness, transparency, accountability and sustainability characterize every engagement."""

HASHTAGS_EN = """#sunrise #harbour #morning Sunrise over the harbour was worth the early alarm. The walk down to the pier was cold. #photography #nofilter
#boats #coast The fishing boats were heading out as the light turned gold. The gulls followed them all the way out to sea. #seagulls #travel
#coffee #lighthouse Grabbed a coffee from the kiosk by the lighthouse. Watched the tide come in for an hour before heading home. #weekend"""

ELLIPSES_EN = """so i finally went to the concert... it was loud... like really loud... but the band was amazing... we got there late because of traffic... then the parking was full... so we parked like a mile away... walked in the rain... got soaked... but honestly worth it... the drummer did a solo for ten minutes... my ears are still ringing... anyway... going to sleep now... work tomorrow... ugh... why did i do this to myself... at least the merch was cheap... got a shirt... and a poster... and a mug..."""

BULLETS_EN = """- Preheat the oven to 200 degrees and line a large tray with baking paper before you start.
- Cut the potatoes into thick wedges, leaving the skin on for extra flavour and texture.
- Toss the wedges in olive oil, sea salt, black pepper and a generous pinch of smoked paprika.
- Spread them out in a single layer so that they roast instead of steaming in their own moisture.
- Bake for about forty minutes, turning them once halfway through, until they are golden and crisp.
- Serve straight away with garlic mayonnaise, a squeeze of lemon or your favourite tomato relish."""

ELLIPSIS_LINES_EN = """Scientists have discovered a new species of tree frog in the cloud forests of northern Peru, and they say it may already be…
The city council voted on Tuesday night to extend the opening hours of all public libraries during the exam season.
A retired teacher who has spent forty years restoring an old steam locomotive finally took it for its first run this weekend, and the crowd that gathered…
Local farmers say that the unusually warm winter has brought the cherry blossom forward by almost three weeks this year.
The national museum is asking the public to help identify hundreds of photographs found in the attic of a former newspaper office."""

SCORES_EN = """Results of the 12th round: Harbour City 3-1 Northgate (45', 67', 88' / 12'); Riverside 0-0 Eastfield; Lakeview 2-2 Old Town (5', 90+2' / 33', 71').
Table after 12 games: 1. Harbour City 28 pts (+15); 2. Lakeview 24 (+9); 3. Old Town 22 (+6); 4. Riverside 19 (+2); 5. Eastfield 15 (-4); 6. Northgate 9 (-13).
Top scorers: J. Morris 11 (3 pen.); A. Okafor 9; T. Lindqvist 8 (1 pen.); R. Silva 7; K. Brown 7 (2 pen.).
Attendance: 14,235 / 9,870 / 11,402; total 35,507 (avg. 11,836); 2023-24: 33,912 (avg. 11,304).
Next round, 14.03: 15:00 Northgate - Lakeview; 17:30 Eastfield - Harbour City; 20:00 Old Town - Riverside and the derby."""

SPEC_EN = """Stainless steel electric kettle holds 1.7 litres. A 3000 watt element brings water up in under three minutes.
Cordless design sits on a 360 degree swivel base. A concealed heating plate makes cleaning easy.
Automatic shut-off switches it off once boiling. Boil-dry protection prevents damage if it runs empty.
A removable limescale filter keeps drinks clear. This filter can go in a dishwasher.
Fingerprint-resistant brushed finish comes in silver, matte black, cream or sage green.
Every kettle carries a two year manufacturer warranty. Spare filters are sold separately."""

# Unique news sentences, one line each, for composing longer documents.
FILLER_EN = [
    "The regional rail operator said on Monday that trains between the coast and the capital would run every fifteen minutes from the start of the summer timetable.",
    "Engineers spent most of the winter replacing signals along the northern section, where delays had become common after heavy storms in the autumn.",
    "Passenger numbers have recovered to about ninety percent of their level before the pandemic, according to figures published by the transport ministry.",
    "Commuters who travel before seven in the morning will be able to buy a cheaper ticket, a change that unions had demanded for several years.",
    "The operator also plans to add bicycle spaces to every carriage, after a survey found that many riders cycle to and from their local station.",
    "Critics argue that the new timetable does little for smaller towns in the hills, where some stations see only two trains a day.",
    "A spokesperson for the ministry said a separate study of rural services would be finished before the end of the year.",
    "Ticket machines at forty stations are being replaced because the old models cannot read contactless cards or mobile phones.",
    "Station staff will receive training on helping passengers with limited mobility, and ramps will be available at every platform by next spring.",
    "The cost of the upgrade is estimated at 230 million euros, shared between the national government and the three regions along the line.",
    "Freight companies have asked for guarantees that their night-time slots will not be cut to make room for more passenger trains.",
    "Local businesses near the central station hope the extra trains will bring more visitors during the festival season in July and August.",
    "A new footbridge over the tracks at the old harbour stop is due to open in September, replacing a level crossing that was closed last year.",
    "Officials said they would publish punctuality figures every month so that passengers can judge whether the promised improvements arrive.",
    "The mayor of the port town welcomed the announcement but said she would keep pressing for a direct service to the airport.",
    "Weekend engineering works will continue until May, with buses replacing trains on some Sundays between the two largest cities.",
    "Drivers on the line will move to a four-day week under an agreement reached after long negotiations last autumn.",
    "Environmental groups praised the plan, noting that every full train takes hundreds of cars off the motorway that runs beside the tracks.",
    "Season ticket prices will rise by two percent in January, the smallest increase in a decade, the operator confirmed.",
    "Historians at the railway museum are collecting photographs and memories from people who worked on the line before it was electrified.",
]

# A run-on disclaimer with no punctuation: its first m tokens are the repeated passage of the
# duplicated-n-gram cases (m a multiple of n, so the whole passage counts).
DISCLAIMER_EN = (
    "the opinions expressed in this report belong solely to the individual contributors who wrote them and do not "
    "necessarily reflect the official position of the publisher or of any partner organisation that supported the "
    "research described here including public agencies private donors universities and independent foundations "
    "across several countries over many years"
)

DUP_PARAS_EN = """Our town's summer market opens this Saturday on the square by the old town hall, with more than sixty stalls selling fruit, cheese, bread and flowers.

Sign up for our weekly newsletter to get the latest local news in your inbox.

This year the organisers have added a children's corner with face painting, a puppet show and a small climbing wall run by volunteers from the scout group.

Sign up for our weekly newsletter to get the latest local news in your inbox.

Parking will be limited near the square, so visitors are asked to walk, cycle or use the free shuttle bus from the sports ground.

Sign up for our weekly newsletter to get the latest local news in your inbox."""

DUP_PARA_CHARS_EN = """The town's summer market opens this Saturday on the square by the old town hall, with more than sixty stalls.

This year the organisers have added a children's corner with face painting, a puppet show and a small climbing wall.

About the market: the market association is a volunteer-run group founded in 1987 that works with local farmers, bakers and craftspeople to keep the square lively every weekend from May to October, and it depends on donations, membership fees and the help of more than two hundred residents who set up stalls, direct traffic and clean up afterwards.

Parking will be limited near the square, so visitors are asked to walk, cycle or use the free shuttle bus.

Musicians from the music school will play on the steps of the town hall from eleven until two in the afternoon.

The weather forecast promises sunshine, although organisers will put up tents in case of an afternoon shower.

About the market: the market association is a volunteer-run group founded in 1987 that works with local farmers, bakers and craftspeople to keep the square lively every weekend from May to October, and it depends on donations, membership fees and the help of more than two hundred residents who set up stalls, direct traffic and clean up afterwards."""

REPLIES_EN = """I switched to a standing desk last year and my back pain has almost disappeared, though it took about a month to get used to it.
Reply
Same here, but I found that an anti-fatigue mat made a huge difference for my knees and feet during the first few weeks.
Reply
Did anyone else have trouble finding a desk that goes low enough? I am quite short and most models start too high for me.
Reply
Try the ones with three leg sections, they usually go down further than the two-section frames sold in the big furniture stores.
Reply"""

DUP_LINE_CHARS_EN = """The museum reopens on Friday after a two-year renovation that added a glass roof over the central courtyard and a new wing for temporary exhibitions.
Tickets can be booked online from 9 a.m. on weekdays, and entry to the permanent collection remains free for visitors under eighteen and for local residents with a library card, as it has been since the museum first opened its doors to the public in 1911.
The first temporary show brings together about eighty paintings of the river by artists from three centuries, many of them lent by private collectors.
Tickets can be booked online from 9 a.m. on weekdays, and entry to the permanent collection remains free for visitors under eighteen and for local residents with a library card, as it has been since the museum first opened its doors to the public in 1911.
The café on the ground floor has been run by the same family for four generations and will reopen on the same day."""

SEO_2GRAM_EN = """Looking for cheap flights? Our cheap flights finder compares cheap flights from hundreds of airlines. Book cheap flights to Paris, cheap flights to Rome, cheap flights to London and cheap flights to New York today.
Why pay more? With our cheap flights deals you always get cheap flights at the best price. Compare cheap flights, choose your cheap flights and save money on every trip you take this year.
Members receive alerts about cheap flights every morning, and the app shows cheap flights near your home airport as soon as the fares are published."""

SEO_3GRAM_EN = """Order any sofa this month and delivery is free of charge, assembly is free of charge and removal of your old furniture is free of charge.
Not sure about the colour? Fabric samples are free of charge, and a home visit from one of our designers is free of charge too.
Returns within thirty days are free of charge, repairs under the warranty are free of charge, and cleaning advice is always free of charge."""

SEO_4GRAM_EN = """Book your stay with us for the best price guaranteed on hotels in every major city. We compare rates from hundreds of booking sites so that you always get the best price guaranteed.
Planning a family holiday? Our team finds apartments and villas with space for everyone, all at the best price guaranteed. If you see a lower rate elsewhere, we refund the difference, because we offer the best price guaranteed.
Business travellers can manage invoices in one place and still enjoy the best price guaranteed on every booking. Download the app to get the best price guaranteed and exclusive mobile offers."""

LOREM_EN = """Welcome to the new website of the Riverside Rowing Club, where you will find news about races, training times and social events for members of all ages.
Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.
The club was founded in 1892 and has trained several national champions, as well as hundreds of people who simply enjoy being on the water early in the morning.
Beginners' courses start in April and run for six weeks, with all equipment provided and experienced coaches in the boat beside you.
Membership fees have not changed this year, and there are reduced rates for students, families and people who are out of work.
If you would like to visit, come to the boathouse on any Saturday morning and one of the coaches will be happy to show you around."""

CODE_EN = """Writing your first web page is easier than most people think, and you only need a text editor and a browser to get started.
In this tutorial we will build a small greeting page that asks for your name and then says hello to you by name.
First, create a file called greet.html and add a text box and a button, then add a short script at the bottom of the page.
The script defines a function greet() { const name = input.value; output.textContent = "Hello, " + name; } that runs when the button is clicked.
Save the file, open it in your browser and type your name into the box to check that the greeting appears below the button.
In the next lesson we will add some colours and fonts so that the page looks a little more friendly and easier to read."""

FEW_SENTENCES_EN = """The committee that has spent the last two years reviewing the way the county maintains its rural roads published its final report on Thursday, recommending that more of the budget be spent on drainage and less on resurfacing roads that are still in good condition.
According to the report, water that collects under the surface after heavy rain is responsible for most of the potholes that residents complain about every spring, and fixing the ditches and culverts along the worst stretches would save the county money within five years.
Members of the committee will present their findings to the full council next month, and residents will be able to comment on the proposals at a series of meetings in village halls across the county during the summer."""

HEADLINES_EN = """Council approves new park on the site of the former rail yard
Storm brings down trees and power lines across the northern valleys
Local bakery wins national award for its sourdough and rye breads
Hospital opens a new maternity ward after three years of building work
Students from the technical college design a solar car for the summer race
Fishermen warn that rising fuel prices could keep boats in the harbour
Museum of the sea celebrates its hundredth anniversary with free entry
Volunteers plant two thousand trees along the banks of the river Avon"""

SHORT_LINES_EN = """Lemon drizzle cake is the perfect bake for a sunny afternoon in the garden with friends and family.
You will need:
Two hundred grams of butter.
Two hundred grams of sugar.
Four large eggs, beaten.
Two lemons, finely zested.
Two hundred grams of flour.
A pinch of salt.
Beat the butter and sugar until pale, add the eggs slowly, then fold in the flour, salt and zest before baking for forty-five minutes."""

CHAR_DUP_EN = """The council approved a plan on Tuesday to turn the old rail yard on the east side into a public park, ending a debate that has lasted almost ten years.
Photo courtesy of the city archive.
Under the plan, the site will get walking paths, a playground, a small amphitheater and a community garden with space for about two hundred plots.
Construction is expected to begin next spring and to take roughly eighteen months, although officials warned that the schedule depends on how quickly the soil can be cleaned.
Photo courtesy of the city archive.
The rail yard was used for more than a century to repair locomotives, and tests have found oil and heavy metals in several places.
Residents who spoke at the meeting were mostly in favor, but some asked that the park include more shade trees and a place for dogs to run.
The project will cost about 14 million dollars, most of which will come from a state grant that the city won last year."""

LIST_EN = """Equipment for hire.
Studio strobe heads
Octagonal softbox diffusers
Background paper rolls
Heavy boom arms
Battery power packs
Rolling equipment trolleys
Colour checker cards
Reflectors and holders
Cinema video tripods
Wireless flash triggers
Motorised camera sliders
Professional anamorphic adapters
Professional tethering accessories
Sandbags and weights
Professional incident lightmeters
Atmospheric haze machines
Theatrical lighting gels
Professional weatherproof raincovers
Professional motorised dollytracks
Silent portable generators
Professional intercom headsets
Professional teleprompter systems
Professional cinematography monitors
Professional waveform oscilloscopes
Comprehensive insurance included.
Delivery costs extra.
Students receive discounts.
Professional operators available."""

# --- Chinese web texts ------------------------------------------------------------------------------

GOOD_ZH = """市政府周二宣布，东区旧铁路货场将改造成一座向所有市民开放的城市公园，这项讨论了将近十年的计划终于有了结果。
根据规划，公园里将修建步道、儿童游乐场、一座小型露天剧场，以及一片可以容纳大约两百块菜地的社区花园。
工程预计明年春天开工，工期大约十八个月。不过官员提醒说，进度在很大程度上取决于土壤治理的速度。
这片货场在一百多年里一直用来维修火车头，检测发现多处土壤含有油污和重金属，必须先进行清理。
负责公园事务的委员李敏说：“我们等这一天等了很久，所以一定要把它做好。”
参加听证会的居民大多表示支持，也有人希望公园多种一些遮阴的树木，并留出一块让狗自由奔跑的场地。
整个项目预计花费约一亿元，其中大部分来自该市去年获得的一笔省级专项资金。
在最终设计方案通过之前，市政府还将举行两次公开听证会，第一次定于三月的第二个星期。"""

REVIEW_ZH = "房间很干净，服务员态度也不错，就是早餐品种少了点，下次出差还会选择这家酒店。"

MENU_ZH = """本店招牌菜
宫保鸡丁 38元
鱼香肉丝 32元
麻婆豆腐 22元
水煮牛肉 58元
回锅肉 36元
酸菜鱼 68元
干煸豆角 26元
蒜蓉西兰花 24元
番茄炒蛋 20元
酸辣土豆丝 18元
清炒时蔬 18元
扬州炒饭 22元
担担面 16元
红油抄手 20元
钟水饺 18元
夫妻肺片 42元
口水鸡 38元
凉拌木耳 16元
糖醋里脊 36元
香辣虾 78元
剁椒鱼头 88元
小炒黄牛肉 52元
啤酒鸭 48元
米饭 2元
营业时间 11:00-21:30"""

CODE_ZH = """用 Python 读取 CSV 文件的示例：
import csv
with open("data.csv", encoding="utf-8") as f:
    reader = csv.DictReader(f)
    rows = [row for row in reader if row["status"] == "active"]
print(len(rows), "rows loaded")
for row in rows[:10]:
    print(row["id"], row["name"], row["email"], row["created_at"])
total = sum(float(row["amount"]) for row in rows)
print("total amount: {:.2f}".format(total))
注意要指定 encoding 参数。"""

NOTICE_ZH = """【重要通知】因小区供水管道检修，本周六上午八点至下午六点全楼停水，请各位业主提前做好储水准备，给您带来的不便敬请谅解。
【重要通知】因小区供水管道检修，本周六上午八点至下午六点全楼停水，请各位业主提前做好储水准备，给您带来的不便敬请谅解。
【重要通知】因小区供水管道检修，本周六上午八点至下午六点全楼停水，请各位业主提前做好储水准备，给您带来的不便敬请谅解。
物业服务中心，联系电话见一楼大厅公告栏，如有疑问请在工作时间来电咨询。"""

REPLIES_ZH = """我去年开始用升降桌，腰疼基本好了，不过刚开始站着办公大概适应了一个月才习惯，现在每天站两三个小时。
回复
我也是，后来买了一块防疲劳地垫，膝盖和脚舒服多了，推荐大家试试看，地垫不贵但是效果很明显。
回复
有没有人遇到桌子降不到足够低的问题？我个子比较矮，很多型号最低高度都太高了，坐着打字手腕很累。
回复
可以看看三节桌腿的款式，一般比两节的降得更低，价格也差不了多少，买之前记得量一下合适的高度。
回复"""

SEO_ZH = """北京搬家公司哪家好？北京搬家公司推荐选择我们，北京搬家公司价格透明，北京搬家公司服务周到。
我们是北京搬家公司中的老字号，北京搬家公司电话全天有人接听，北京搬家公司车辆齐全，北京搬家公司师傅专业。
选择北京搬家公司，就选我们，北京搬家公司让您放心，北京搬家公司让您省心。
无论是居民搬家、公司搬迁还是钢琴搬运，北京搬家公司都能为您提供一站式服务，欢迎来电预约上门估价。
北京搬家公司覆盖朝阳、海淀、丰台、西城、东城等各个城区，北京搬家公司节假日照常营业。"""

HEADLINES_ZH = """市政府批准在旧铁路货场建设城市公园
暴风雨导致北部山区多处树木倒伏和电线中断
本地面包店凭借酸面包和黑麦面包获得全国大奖
市人民医院新建妇产科病房经过三年施工正式启用
技术学院学生为夏季比赛设计制造太阳能赛车
渔民担心燃油价格上涨会让渔船停靠在港口无法出海
海洋博物馆迎来建馆一百周年全天免费开放
志愿者在河流两岸种下两千棵树苗改善生态环境
老城区改造工程进入第二阶段部分道路将封闭施工
图书馆延长考试季开放时间方便学生复习备考"""

CHAR_DUP_ZH = """市政府周二宣布，东区旧铁路货场将改造成一座向所有市民开放的城市公园，这项讨论了将近十年的计划终于有了结果。
本文图片由市档案馆提供，版权归原作者所有，未经书面许可不得转载或用于任何商业用途。
根据规划，公园里将修建步道、儿童游乐场、一座小型露天剧场，以及一片可以容纳大约两百块菜地的社区花园。
工程预计明年春天开工，工期大约十八个月。不过官员提醒说，进度在很大程度上取决于土壤治理的速度。
本文图片由市档案馆提供，版权归原作者所有，未经书面许可不得转载或用于任何商业用途。
这片货场在一百多年里一直用来维修火车头，检测发现多处土壤含有油污和重金属，必须先进行清理。
参加听证会的居民大多表示支持，也有人希望公园多种一些遮阴的树木，并留出一块让狗自由奔跑的场地。
整个项目预计花费约一亿元，其中大部分来自该市去年获得的一笔省级专项资金。"""

LIST_ZH = """北京大学图书馆开放时间调整
周一至周五的全天开放
周六周日的上午开放
国家法定节假日闭馆。
寒暑假期间另行通知
电子阅览室预约系统
自习座位实名预约
研究小间按周预约
多媒体教室需要审批
校外读者凭证件入馆
遗失物品请到服务台认领
古籍特藏阅览需要提前申请
学位论文提交截止日期
新生入馆教育培训安排
馆际互借服务申请流程
图书逾期归还处理办法
校园卡挂失补办地点。
打印复印扫描收费标准
移动图书馆客户端下载
数据库校外访问指南
咨询电话请见图书馆网站。"""

SPEC_ZH = """这款笔记本电脑搭载英特尔酷睿处理器，十六个核心，最高睿频五点一吉赫。
内存容量三十二吉字节，固态硬盘容量一太字节，支持扩展。
屏幕尺寸十四点二英寸，刷新率一百二十赫兹，支持触控操作。
电池容量七十瓦时，支持一百四十瓦快速充电，续航时间约十二小时。
整机重量约一点三二千克，厚度约十四点九毫米，便于携带。
机身提供两个雷电四接口，一个耳机接口，支持外接显示器。
颜色可选深空灰、皓月银、晨曦金三种。
售价八千九百九十九元起，支持分期免息，官方商城现已开售。"""

STOCKS_ZH = """今日收盘行情（单位：元，涨跌幅%）：
上证指数 3245.67 +1.23%；深证成指 10876.54 +1.87%；创业板指 2134.56 +2.45%；
贵州茅台 1688.00 +0.52%；宁德时代 198.45 +3.21%；招商银行 35.62 -0.28%；
中国平安 48.90 +1.05%；比亚迪 256.30 +2.76%；隆基绿能 22.15 -1.34%；
成交额：沪市 4,523 亿，深市 5,876 亿，合计 10,399 亿；北向资金净流入 56.78 亿。
涨停 68 家，跌停 5 家；上涨 3,456 家，下跌 1,234 家，平盘 210 家。
板块方面，新能源汽车、半导体和券商板块领涨，煤炭、银行板块小幅回调。"""

# --- books and literature ------------------------------------------------------------------------------

POEM_ZH = """床前明月光，
疑是地上霜。
举头望明月，
低头思故乡。"""

POEM_EN = """I'm Nobody! Who are you?
Are you - Nobody - too?
Then there's a pair of us!
Don't tell! they'd advertise - you know!

How dreary - to be - Somebody!
How public - like a Frog -
To tell one's name - the livelong June -
To an admiring Bog!"""

CHAPTER_ZH = """第一回　灵根育孕源流出　心性修持大道生

诗曰：混沌未分天地乱，茫茫渺渺无人见。自从盘古破鸿蒙，开辟从兹清浊辨。覆载群生仰至仁，发明万物皆成善。欲知造化会元功，须看西游释厄传。

盖闻天地之数，有十二万九千六百岁为一元。将一元分为十二会，乃子、丑、寅、卯、辰、巳、午、未、申、酉、戌、亥之十二支也。每会该一万八百岁。且就一日而论：子时得阳气，而丑则鸡鸣；寅不通光，而卯则日出；辰时食后，而巳则挨排；日午天中，而未则西蹉；申时晡而日落酉；戌黄昏而人定亥。

感盘古开辟，三皇治世，五帝定伦，世界之间，遂分为四大部洲：曰东胜神洲，曰西牛贺洲，曰南赡部洲，曰北俱芦洲。这部书单表东胜神洲。海外有一国土，名曰傲来国。国近大海，海中有一座名山，唤为花果山。"""

BOOK_STUB_ZH = """第一百二十回　甄士隐详说太虚情　贾雨村归结红楼梦
（此回原稿缺失，待补。）"""

BOOK_TABLE_EN = """Table 4. Rainfall at the Kew observatory, in millimetres, 1901-1906.
1901  45.2  38.1  52.7  41.0  55.3  48.9  61.2  70.4  58.8  66.1  72.5  49.3
1902  51.8  33.4  47.2  39.5  60.1  52.6  58.3  64.7  61.9  70.2  68.8  55.1
1903  48.6  41.7  55.9  44.3  57.8  50.2  66.5  73.1  60.4  64.9  75.3  52.7
1904  39.9  36.2  49.8  42.6  53.4  47.1  59.7  68.2  57.3  62.8  70.6  47.9
1905  53.1  40.5  51.3  46.8  58.9  54.4  63.8  71.9  62.5  68.4  74.1  56.2
1906  46.7  35.8  50.6  40.2  56.1  49.7  60.9  69.5  59.6  65.3  71.8  50.8"""

BOOK_REPEATED_EN = "\n\n".join([
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
    "However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered the rightful property of some one or other of their daughters.",
    "\"My dear Mr. Bennet,\" said his lady to him one day, \"have you heard that Netherfield Park is let at last?\"",
] * 3)

BOOK_GOOD_EN = """It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.

However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered the rightful property of some one or other of their daughters.

"My dear Mr. Bennet," said his lady to him one day, "have you heard that Netherfield Park is let at last?"

Mr. Bennet replied that he had not.

"But it is," returned she; "for Mrs. Long has just been here, and she told me all about it."

Mr. Bennet made no answer."""

BOOK_ENGLISH_ZH = """Preface to the bilingual edition.
This volume brings together the English translation prepared in 1922 with the original Chinese text of the first chapters. The translator's notes, which explain names, titles and references to older poetry, have been kept in full, and a short glossary at the end lists the terms that readers meet most often.
The Chinese text follows the edition printed in Shanghai. 本书中文部分据上海版排印。"""

LIT_STUB = "《无题》"


# --- helpers ----------------------------------------------------------------------------------------

DUP_N_THRESHOLDS = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}  # Gopher's, as in the config


def repeated_passage_doc(n: int) -> str:
    """Filler news with the disclaimer's first m words (m a multiple of n) said twice, in two
    different lines, padded so that the repeated characters fall just above the n-gram threshold
    and at or below the (n-1)-gram one: duplicated n-grams are then the first rule to fail."""
    lo, hi = DUP_N_THRESHOLDS[n], DUP_N_THRESHOLDS.get(n - 1, 0.5)
    words = DISCLAIMER_EN.split()
    m = next(m for m in range(36, len(words) + 1) if m % n == 0)
    passage = " ".join(words[:m])
    repeated_chars = sum(len(w) for w in words[:m])
    lines = [f"Please note that {passage} unless stated otherwise.",
             f"As we said at the top of this page, {passage} in any way."]
    for filler in FILLER_EN:
        if repeated_chars / len("\n".join(lines)) <= hi:
            break
        lines.insert(-1, filler)
    text = "\n".join(lines)
    assert lo < repeated_chars / len(text) <= hi, (n, repeated_chars / len(text))
    return text


def all_failures(signals: dict[str, float], lang: str, source: str, cfg: QualityConfig) -> list[str]:
    """Every rule the signals break, in `decide`'s order (decide reports only the first)."""
    return [f"{ruleset}:{reason}"
            for ruleset, rules, section in rule_plan(lang, source, cfg)
            for rule in rules
            if (reason := first_failure(signals, (rule,), section))]


# --- rules, table first -------------------------------------------------------------------------------

# (case id, lang, source, text, expected decide() result, True when no other rule fails either)
CASES = [
    # English web: kept
    ("en_news_article", "en", "web", GOOD_EN, None, True),
    # English web: gopher_quality
    ("en_closing_notice", "en", "web", SHORT_EN, "gopher_quality:below_min_words", False),
    ("en_reading_primer", "en", "web", PRIMER_EN, "gopher_quality:below_min_mean_word_length", True),
    ("en_jargon_dump", "en", "web", LONG_WORDS_EN, "gopher_quality:above_max_mean_word_length", True),
    ("en_hashtag_post", "en", "web", HASHTAGS_EN, "gopher_quality:too_many_hashes", False),
    ("en_trailing_off_post", "en", "web", ELLIPSES_EN, "gopher_quality:too_many_ellipses", False),
    ("en_recipe_bullets", "en", "web", BULLETS_EN, "gopher_quality:too_many_bullet_lines", True),
    ("en_teaser_list", "en", "web", ELLIPSIS_LINES_EN, "gopher_quality:too_many_ellipsis_lines", True),
    ("en_football_scores", "en", "web", SCORES_EN, "gopher_quality:too_few_alpha_words", True),
    ("en_kettle_spec", "en", "web", SPEC_EN, "gopher_quality:too_few_stop_words", True),
    # English web: gopher_repetition
    ("en_newsletter_plugs", "en", "web", DUP_PARAS_EN, "gopher_repetition:dup_para_frac", False),
    ("en_repeated_about_box", "en", "web", DUP_PARA_CHARS_EN, "gopher_repetition:dup_para_char_frac", False),
    ("en_comment_replies", "en", "web", REPLIES_EN, "gopher_repetition:dup_line_frac", True),
    ("en_repeated_ticket_line", "en", "web", DUP_LINE_CHARS_EN, "gopher_repetition:dup_line_char_frac", False),
    ("en_seo_flights", "en", "web", SEO_2GRAM_EN, "gopher_repetition:top_2_gram", True),
    ("en_seo_sofas", "en", "web", SEO_3GRAM_EN, "gopher_repetition:top_3_gram", False),
    ("en_seo_hotels", "en", "web", SEO_4GRAM_EN, "gopher_repetition:top_4_gram", False),
    *((f"en_disclaimer_{n}_grams", "en", "web", repeated_passage_doc(n),
       f"gopher_repetition:duplicated_{n}_n_grams", n >= 9) for n in range(5, 11)),
    # English web: c4
    ("en_lorem_placeholder", "en", "web", LOREM_EN, "c4:lorem_ipsum", True),
    ("en_code_tutorial", "en", "web", CODE_EN, "c4:curly_bracket", True),
    ("en_three_long_sentences", "en", "web", FEW_SENTENCES_EN, "c4:too_few_sentences", True),
    # English web: fineweb
    ("en_headline_list", "en", "web", HEADLINES_EN, "fineweb:line_punct_ratio", True),
    ("en_ingredient_lines", "en", "web", SHORT_LINES_EN, "fineweb:short_line_ratio", True),
    ("en_repeated_photo_credit", "en", "web", CHAR_DUP_EN, "fineweb:char_dup_ratio", True),
    ("en_equipment_list", "en", "web", LIST_EN, "fineweb:list_ratio", True),
    # Chinese web: kept
    ("zh_news_article", "zh", "web", GOOD_ZH, None, True),
    # Chinese web: chinesewebtext
    ("zh_hotel_review", "zh", "web", REVIEW_ZH, "chinesewebtext:short_text", False),
    ("zh_menu", "zh", "web", MENU_ZH, "chinesewebtext:short_lines", False),
    ("zh_code_snippet", "zh", "web", CODE_ZH, "chinesewebtext:too_few_chinese_chars", False),
    ("zh_repeated_notice", "zh", "web", NOTICE_ZH, "chinesewebtext:repeated_13_grams", False),
    # Chinese web: fineweb2 (cmn_Hani)
    ("zh_comment_replies", "zh", "web", REPLIES_ZH, "fineweb2:dup_line_frac", True),
    ("zh_seo_movers", "zh", "web", SEO_ZH, "fineweb2:top_2_gram", False),
    ("zh_headline_list", "zh", "web", HEADLINES_ZH, "fineweb2:line_punct_ratio", True),
    ("zh_repeated_photo_credit", "zh", "web", CHAR_DUP_ZH, "fineweb2:char_dup_ratio", True),
    ("zh_library_notices", "zh", "web", LIST_ZH, "fineweb2:list_ratio", True),
    ("zh_laptop_spec", "zh", "web", SPEC_ZH, "fineweb2:too_few_stop_words", True),
    ("zh_market_close", "zh", "web", STOCKS_ZH, "fineweb2:too_few_alpha_words", False),
    # Books and literature
    ("zh_novel_chapter", "zh", "book", CHAPTER_ZH, None, True),
    ("en_novel_chapter", "en", "book", BOOK_GOOD_EN, None, True),
    ("zh_missing_chapter", "zh", "book", BOOK_STUB_ZH, "book:too_short", True),
    ("en_rainfall_table", "en", "book", BOOK_TABLE_EN, "book:too_few_letters", True),
    ("en_scanned_pages_thrice", "en", "book", BOOK_REPEATED_EN, "book:repeated_paragraphs", True),
    ("zh_english_preface", "zh", "book", BOOK_ENGLISH_ZH, "book:too_few_chinese_chars", True),
    ("zh_poem", "zh", "literature", POEM_ZH, None, True),
    ("en_poem", "en", "literature", POEM_EN, None, True),
    ("zh_title_only", "zh", "literature", LIT_STUB, "literature:too_short", True),
]


@pytest.fixture(scope="module")
def cfg() -> QualityConfig:
    return QualityConfig()


@pytest.mark.parametrize(("lang", "source", "text", "expected", "only"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_decide_reason(cfg, lang, source, text, expected, only):
    signals = compute_signals(text, lang, source)
    assert decide(signals, lang, source, cfg) == expected
    if only:  # the text breaks exactly this rule (or none)
        assert all_failures(signals, lang, source, cfg) == ([expected] if expected else [])


def test_case_ids_are_unique():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("text", "lang"), [(POEM_ZH, "zh"), (POEM_EN, "en")], ids=["zh", "en"])
def test_poem_passes_as_literature_but_not_as_web(cfg, text, lang):
    assert decide(compute_signals(text, lang, "literature"), lang, "literature", cfg) is None
    assert decide(compute_signals(text, lang, "web"), lang, "web", cfg) is not None


def test_web_rules_on_a_poem_name_the_failure(cfg):
    assert decide(compute_signals(POEM_ZH, "zh"), "zh", "web", cfg) == "chinesewebtext:short_text"
    assert decide(compute_signals(POEM_EN, "en"), "en", "web", cfg) == "gopher_quality:below_min_words"


def test_thresholds_come_from_the_config(cfg):
    signals = compute_signals(SEO_2GRAM_EN, "en")
    assert decide(signals, "en", "web", cfg) == "gopher_repetition:top_2_gram"
    off = replace(cfg, en=replace(cfg.en, gopher_repetition=replace(cfg.en.gopher_repetition,
                                                                     max_top_2_gram_char_frac=None)))
    assert decide(signals, "en", "web", off) is None
    stricter = replace(cfg, en=replace(cfg.en, gopher_quality=replace(cfg.en.gopher_quality, max_words=100)))
    assert decide(compute_signals(GOOD_EN, "en"), "en", "web", stricter) == "gopher_quality:above_max_words"


def test_reasons_name_what_is_wrong():
    rule_tables = (GOPHER_QUALITY_RULES, GOPHER_REPETITION_RULES, C4_RULES, FINEWEB_RULES,
                   CHINESEWEBTEXT_RULES, LONG_FORM_ZH_RULES)
    reasons = {reason for table in rule_tables for reason, *_ in table}
    assert not {r for r in reasons if r.startswith(("enough", "has_", "ok"))}
    assert "too_few_stop_words" in reasons  # not datatrove's "gopher_enough_stop_words"


# --- signals -----------------------------------------------------------------------------------------


def test_signals_are_rounded_floats():
    for text, lang, source in ((GOOD_EN, "en", "web"), (GOOD_ZH, "zh", "web"), (CHAPTER_ZH, "zh", "book")):
        signals = compute_signals(text, lang, source)
        assert signals
        for name, value in signals.items():
            assert isinstance(value, float), name
            assert value == round(value, 4), name


def test_signal_names_per_language_and_source():
    en = compute_signals(GOOD_EN, "en")
    zh = compute_signals(GOOD_ZH, "zh")
    book = compute_signals(CHAPTER_ZH, "zh", "book")
    shared = {"n_chars", "n_words", "mean_word_length", "alpha_word_frac", "stop_words", "dup_line_frac",
              "top_2_gram_char_frac", "dup_10_gram_char_frac", "line_punct_frac", "newline_word_ratio"}
    assert shared <= set(en) and shared <= set(zh)
    assert {"c4_sentences", "c4_lorem_ipsum", "c4_curly_bracket"} <= set(en) - set(zh)
    assert {"mean_line_length", "zh_char_frac", "dup_13_gram_char_frac"} <= set(zh) - set(en)
    assert set(book) == {"n_chars", "letter_frac", "dup_para_char_frac", "zh_char_frac"}
    assert set(compute_signals(BOOK_GOOD_EN, "en", "book")) == {"n_chars", "letter_frac", "dup_para_char_frac"}


def test_empty_text_has_signals_and_is_dropped(cfg):
    assert decide(compute_signals("", "en"), "en", "web", cfg) == "gopher_quality:below_min_words"
    assert decide(compute_signals("", "zh"), "zh", "web", cfg) == "chinesewebtext:short_text"
    assert decide(compute_signals("", "zh", "literature"), "zh", "literature", cfg) == "literature:too_short"


def test_thirteen_gram_coverage_is_a_share_of_characters():
    line = "因小区供水管道检修本周六全楼停水请提前储水"  # 21 characters, no repeat inside
    assert compute_signals(line * 3, "zh")["dup_13_gram_char_frac"] == 1.0
    assert compute_signals(line + "窗外下着小雨，街上行人很少。", "zh")["dup_13_gram_char_frac"] == 0.0


def _reference_ngrams(words: list[str], n_chars: int) -> dict[str, float]:
    """datatrove's GopherRepetitionFilter n-gram loops, written plainly."""
    out = {}
    for n in (2, 3, 4):
        grams = [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
        top = Counter(grams).most_common(1)
        out[f"top_{n}_gram_char_frac"] = len(top[0][0]) * top[0][1] / n_chars if top else 0.0
    for n in range(5, 11):
        seen, repeated, i = set(), 0, 0
        while i < len(words) - n + 1:
            gram = tuple(words[i:i + n])
            if gram in seen:
                repeated += sum(map(len, gram))
                i += n
            else:
                seen.add(gram)
                i += 1
        out[f"dup_{n}_gram_char_frac"] = repeated / n_chars
    return out


def test_ngram_signals_match_the_plain_definition():
    rng = random.Random(7)
    docs = [GOOD_EN, SEO_2GRAM_EN, SEO_4GRAM_EN, DUP_PARAS_EN, *(repeated_passage_doc(n) for n in (5, 7))]
    vocab = GOOD_EN.split()[:12]
    docs += [" ".join(rng.choice(vocab[:rng.randint(2, 12)]) for _ in range(rng.randint(1, 80)))
             for _ in range(200)]
    for doc in docs:
        signals = compute_signals(doc, "en")
        expected = _reference_ngrams(en_words(doc), len(doc))
        for name, value in expected.items():
            assert signals[name] == round(value, 4), (name, doc[:60])


def test_fineweb_signals_see_the_lines_c4_keeps():
    # Lines under three words are not part of the text FineWeb's filter saw.
    text = GOOD_EN + "\nShare\nTweet\nPrint"
    assert compute_signals(text, "en")["short_line_frac"] == compute_signals(GOOD_EN, "en")["short_line_frac"] == 0


# --- words ---------------------------------------------------------------------------------------------


def test_chinese_is_never_split_on_whitespace():
    tokens = words("我们今天去北京大学参观图书馆", "zh")
    assert len(tokens) > 3 and "北京大学" in tokens
    spaced = words("我们 今天 去 北京大学", "zh")
    assert " " not in spaced and "" not in spaced and "北京大学" in spaced


def test_english_words_follow_nltk():
    assert words("I didn't know it's 3.14, e.g. in the U.S. today.", "en") == [
        "I", "did", "n't", "know", "it", "'s", "3.14", ",", "e.g.", "in", "the", "U.S.", "today", "."]


@pytest.mark.parametrize("call", [
    lambda: compute_signals("Bonjour tout le monde.", "fr"),
    lambda: compute_signals("Hello.", "EN"),
    lambda: decide({}, "ja", "web", QualityConfig()),
    lambda: words("Hallo Welt", "de"),
], ids=["signals", "case_matters", "decide", "words"])
def test_unknown_language_raises(call):
    with pytest.raises(ValueError, match="unsupported language"):
        call()


def test_unknown_source_raises():
    with pytest.raises(ValueError, match="unsupported source"):
        compute_signals(GOOD_EN, "en", "forum")
    with pytest.raises(ValueError, match="unsupported source"):
        decide({}, "en", "forum", QualityConfig())


def test_signals_for_another_source_are_an_error(cfg):
    with pytest.raises(KeyError, match="same lang and source"):
        decide(compute_signals(GOOD_EN, "en", "book"), "en", "web", cfg)


# --- config --------------------------------------------------------------------------------------------


def test_default_yaml_mirrors_the_dataclass():
    assert load_quality_config() == QualityConfig()
    assert load_quality_config(configs_dir() / "quality.yaml") == QualityConfig()


def test_published_defaults():
    cfg = QualityConfig()
    assert cfg.en.gopher_repetition.max_dup_10_gram_char_frac == 0.10
    assert cfg.zh.fineweb2.gopher_repetition.max_dup_line_frac == 0.287
    assert cfg.zh.fineweb2.gopher_repetition.max_dup_para_frac is None
    assert cfg.zh.fineweb2.fineweb.min_line_punct_frac == 0.106
    assert cfg.zh.fineweb2.fineweb.max_newline_word_ratio == 0.178
    assert cfg.zh.chinesewebtext.short_text_chars == 200
    assert (cfg.book.min_chars, cfg.literature.min_chars) == (200, 20)


def test_yaml_round_trip(tmp_path):
    cfg = QualityConfig()
    changed = replace(cfg, zh=replace(cfg.zh, chinesewebtext=replace(cfg.zh.chinesewebtext, short_text_chars=150)))
    path = tmp_path / "quality.yaml"
    path.write_text(dump_yaml(changed), encoding="utf-8")
    loaded = load_quality_config(path)
    assert loaded == changed
    assert loaded.zh.fineweb2.fineweb.max_short_line_frac is None
    assert isinstance(loaded.en.gopher_quality.min_alpha_word_frac, float)


def test_partial_yaml_keeps_other_defaults(tmp_path):
    path = tmp_path / "quality.yaml"
    path.write_text("en:\n  c4:\n    min_sentences: 3\n"
                    "zh:\n  fineweb2:\n    fineweb:\n      max_newline_word_ratio: 0.2\n"
                    "literature:\n  min_letter_frac: 0.4\n", encoding="utf-8")
    loaded = load_quality_config(path)
    default = QualityConfig()
    assert loaded.en.c4 == replace(default.en.c4, min_sentences=3)
    # a partial section starts from its own published values, not from the English ones
    assert loaded.zh.fineweb2.fineweb == replace(default.zh.fineweb2.fineweb, max_newline_word_ratio=0.2)
    assert loaded.literature == replace(default.literature, min_letter_frac=0.4)
    assert loaded.literature.min_chars == 20
    assert (loaded.en.gopher_quality, loaded.zh.chinesewebtext) == (default.en.gopher_quality,
                                                                   default.zh.chinesewebtext)


@pytest.mark.parametrize("body", [
    "en:\n  gopher_quality:\n    min_word: 10\n",  # misspelled threshold
    "zh:\n  fineweb2:\n    repetition: {}\n",  # misspelled section
    "web: {}\n",  # unknown top-level key
], ids=["threshold", "section", "top_level"])
def test_unknown_yaml_key_raises(tmp_path, body):
    path = tmp_path / "quality.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        load_quality_config(path)


# --- real data -----------------------------------------------------------------------------------------

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.mark.shared
def test_reviews_are_too_short_and_novel_chapters_pass(cfg):
    reviews_csv = SHARED / "text" / "chinese_reviews" / "ChnSentiCorp_htl_all.csv"
    novel_dir = SHARED / "books" / "lexos_classical_chinese"
    if not reviews_csv.is_file() or not novel_dir.is_dir():
        pytest.skip(f"shared data not found under {SHARED}")
    with open(reviews_csv, encoding="utf-8", newline="") as f:
        reviews = [row["review"] for row in csv.DictReader(f)][::3]  # every third: 2589 reviews
    reasons = Counter(decide(compute_signals(r, "zh"), "zh", "web", cfg) for r in reviews)
    assert reasons["chinesewebtext:short_text"] / len(reviews) > 0.75, reasons.most_common(5)

    text = "".join((novel_dir / name).read_text(encoding="utf-8")
                   for name in ("hongloumeng_first80.txt", "hongloumeng_last40.txt"))
    # No chapter headings in this edition; most chapters end with "...且听下回分解".
    chapters = [c for c in re.split(r"(?<=下回分解)[^\n]*\n", text) if c.strip()]
    assert len(chapters) > 80
    verdicts = Counter(decide(compute_signals(c, "zh", "book"), "zh", "book", cfg) for c in chapters)
    assert verdicts == Counter({None: len(chapters)})
