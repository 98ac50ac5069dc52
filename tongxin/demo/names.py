"""Names for the fictional demo district 同心区 (demo data, not interface text).

Lists are tuples so their order, and hence every name drawn from them with the
seeded generator, is the same on every run.
"""

DISTRICT_NAME = "同心区"

# street → its three communities → four compounds each (24 in all).
STREETS = (
    ("同心街道", (
        ("红旗社区", ("幸福里小区", "阳光花园", "锦绣家园", "梧桐苑")),
        ("向阳社区", ("翠湖小区", "丽景花园", "金桂苑", "康乐新村")),
        ("春晖社区", ("玉兰小区", "紫荆花园", "和谐家园", "绿洲小区")),
    )),
    ("和平街道", (
        ("团结社区", ("银杏里", "东风小区", "光明新村", "春江花苑")),
        ("友谊社区", ("书香园", "枫林小区", "桃李苑", "松鹤家园")),
        ("新华社区", ("海棠苑", "嘉禾小区", "怡景园", "滨河小区")),
    )),
)

GOVERNANCE_OFFICE = "同心区委社会治理委员会（社治委）"
DEPARTMENTS = (
    "同心区城市管理局（城管局）",
    "同心区住房和城乡建设局（住建局）",
    "同心区生态环境局",
    "同心公安分局",
    "同心区市场监督管理局（市场监管局）",
)
# Partner units: (where: "district" | "street" | "community", name). The community
# one sits in the first community, so the partner demo login has a unit there.
PARTNER_UNITS = (
    ("community", "同心实验小学"),
    ("street", "国网同心供电所"),
    ("district", "同心区人民医院"),
)
SOCIAL_ORGANISATION = "同心志愿者协会"
PROPERTY_BRANDS = (
    "万家", "安居", "恒信", "锦程", "康泰", "嘉和", "和顺", "佳园",
)


def street_working_committee(street):
    return street + "党工委"


def street_office(street):
    return street + "办事处"


def community_committee(community):
    return community + "党委"


def compound_branch(compound):
    return compound + "党支部"


def grid_group(compound, grid):
    return compound + grid + "党小组"


def property_company(brand, compound):
    return brand + "物业" + compound + "项目部"


def owners_committee(compound):
    return compound + "业主委员会"


def grid_name(number):
    return "第%d网格" % number


def building_name(number):
    return "%d号楼" % number


def household_name(unit, floor, room):
    return "%d单元%d%02d" % (unit, floor, room)


# Common surnames, most frequent first; the generator favours the front of the list.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
MALE_GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁亮建国峰志文浩宇俊凯晨阳东林海成"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀玲桂英华红梅琳婷雪慧莉萍燕颖倩洁琴云兰凤佳欣怡悦"
