"""Forty matters for the demo district's first community, 红旗社区, written through the services.

The complaints are demo content in Chinese, written for the demo (they read like the
messages residents leave on municipal hotlines, e.g. the 2020 TipDM Cup data set in
../shared/data/taidi2020, but none is copied from it). Each matter is raised by a
resident (or recorded for one by the grid worker) and then taken through the matter
services step by step, so the timeline, deadlines and notices are the real thing:
some are new, some being handled, parked for the deliberation day, escalated,
whistled to departments, resolved, rated, sent back, not accepted or merged.

Everything is written at the time of loading: the new ones are due within a day,
the emergency in the demo grid worker's grid within the hour, so the deadline scan
(``tongxin check-deadlines``) soon has something to flag.
"""

from dataclasses import dataclass

from tongxin.demo import names
from tongxin.matters import services
from tongxin.matters.categories import NEIGHBOURHOOD
from tongxin.matters.choices import Channel, Level
from tongxin.matters.models import Category, Matter
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.models import Organisation
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

# Who acts for the owner at each level.
HANDLER_AT = {
    Level.GRID: Role.GRID_WORKER,
    Level.COMPOUND: Role.COMPOUND_SECRETARY,
    Level.COMMUNITY: Role.COMMUNITY_SECRETARY,
    Level.STREET: Role.STREET_OFFICER,
    Level.DISTRICT: Role.DISTRICT_OFFICER,
}


@dataclass(frozen=True)
class DemoMatter:
    key: str
    compound: int  # index among the first community's compounds
    title: str
    description: str
    category: tuple  # names from the top of the tree down
    steps: tuple = ()
    reporter: object = 2  # "resident" (the demo login) or the head of the n-th flat
    building: int = 0  # index among the compound's buildings (first grid first)
    channel: str = ""  # set: the grid worker recorded it for the resident here
    emergency: bool = False


def _n(second, third=None):
    """Return a neighbourhood category path (社区治理 › second › third)."""
    return (NEIGHBOURHOOD, second, third) if third else (NEIGHBOURHOOD, second)


TRIAGE_NOW, TRIAGE_LATER, TRIAGE_UP = ("triage", "immediate"), ("triage", "pending"), (
    "triage", "escalate")

MATTERS = (
    # --- 幸福里小区, the demo grid worker's grid -------------------------------------------
    DemoMatter(
        "flying_wire", 0, "楼上住户从窗户拉电线给电动车充电",
        "我们楼一单元五楼有住户每天晚上从窗户拉一根电线下来，给停在楼下的电动车充电，一插就是一整夜。"
        "楼下就是自行车棚，电线还搭在空调外机上，万一起火后果不堪设想。希望网格员上门劝一劝，"
        "也希望小区能多装几个集中充电桩。",
        _n("电动车充电", "飞线充电"), (("support", 2),), reporter="resident",
    ),
    DemoMatter(
        "fire_lane", 0, "消防通道被货车堵死",
        "2号楼北侧消防通道从早上起停着一辆拉建材的厢式货车，司机联系不上，整条通道完全堵死了。"
        "楼里住着好几位行动不便的老人，真出点事消防车根本进不来，请尽快处理！",
        _n("安全隐患", "消防通道"), emergency=True, reporter=3, building=1,
    ),
    DemoMatter(
        "east_gate_lights", 0, "小区东门路灯坏了一个多星期",
        "东门进来那一段的三盏路灯坏了一个多星期，晚上黑漆漆的，下夜班回来心里发慌，"
        "前两天还有老人在台阶上绊了一跤。麻烦物业尽快修一下。",
        _n("公共设施", "路灯照明"), reporter=4,
    ),
    DemoMatter(
        "bins_full", 0, "垃圾分类投放点垃圾满了两天没清运",
        "3号楼旁边的分类投放点，厨余垃圾桶已经满了两天，垃圾袋堆在桶外面，天热味道很大，还招苍蝇。"
        "是不是清运车换了时间？请物业和环卫对接一下。",
        _n("垃圾分类", "垃圾清运"), (TRIAGE_NOW,), reporter=5, building=2,
    ),
    DemoMatter(
        "skipping_rope", 0, "楼上深夜跳绳噪音扰民",
        "楼上住户最近每天晚上十点以后在家里跳绳，咚咚声一直持续半个多小时，孩子睡不着，"
        "我上去敲过门，对方态度还不好。希望社区出面协调一下。",
        _n("邻里关系", "噪音扰民"), (TRIAGE_LATER,), reporter=6,
    ),
    DemoMatter(
        "charging_shed", 0, "建议在小区西侧空地建非机动车充电棚",
        "小区里电动车越来越多，只有门口八个充电口，根本不够用，所以才有人飞线充电。"
        "西侧围墙边那块空地一直闲着，建议建一个带充电桩和喷淋的车棚，费用可以按次收，"
        "既安全又方便。",
        _n("电动车充电", "充电桩"),
        (("support", 3), TRIAGE_LATER,
         ("golden", "从根本上解决飞线充电，且有具体选址和收费建议"), ("park",)),
        reporter=7,
    ),
    DemoMatter(
        "door_lock", 0, "单元门禁坏了一周没人修",
        "我们单元的门禁坏了快一周了，门一直关不上，外卖员、推销的随便进出，"
        "晚上还有人在楼道里抽烟。给物业打了两次电话，说报修了，但一直没人来。",
        _n("物业管理", "门禁与安保"),
        (TRIAGE_NOW, ("resolve", "物业已更换1号楼一单元门禁电控锁和闭门器，门禁恢复正常。",
                      "物业服务合同第六条：公共设施设备的日常维修养护。",
                      "门禁刷卡开门、自动闭合正常，连续三天回访无故障。")),
        reporter="resident",
    ),
    DemoMatter(
        "corridor_junk", 0, "楼道里堆满旧家具和纸箱",
        "1号楼三单元一到三楼的楼道里堆了旧沙发、纸箱和几辆破自行车，有的堆了大半年，"
        "楼道本来就窄，晚上看不清还容易绊倒，也是消防隐患。",
        _n("邻里关系", "楼道堆物"),
        (TRIAGE_NOW, ("resolve", "网格员逐户告知后，物业组织清理楼道堆物，共清出旧家具4件、纸箱十余个。",
                      "《消防法》第二十八条：不得占用、堵塞、封闭疏散通道。",
                      "楼道全部清空，保持畅通；网格员每周巡查一次。"),
         ("inspect", True, "楼道已清空，居民代表现场验收通过。"), ("rate", "satisfied", "清理得很干净，谢谢！")),
        reporter=8,
    ),
    DemoMatter(
        "pipe_leak", 0, "楼上水管漏水渗到我家天花板",
        "我家卫生间天花板这几天一直往下滴水，墙皮都泡起来了，应该是楼上卫生间的水管漏了。"
        "楼上是租户，房东在外地联系不上，能不能请社区帮忙找一下房东，尽快维修。",
        _n("邻里关系", "漏水纠纷"),
        (TRIAGE_NOW, ("resolve",
                      "网格员联系到房东，房东委托维修师傅更换了楼上卫生间的老化下水管，并承担楼下墙面修补费用。",
                      "《民法典》第二百八十八条：相邻关系应当按照有利生产、方便生活、团结互助、公平合理的原则处理。",
                      "不再渗水，楼下天花板三日后干燥，墙面修补完毕。"),
         ("rate", "basically", "漏水解决了，墙面修补还要再等几天。")),
        reporter=9,
    ),
    DemoMatter(
        "veg_patch", 0, "绿化带被个别住户挖了种菜",
        "小区中心绿地有一块被人挖了种菜，还围上了旧纱网，浇的是粪水，味道很大，"
        "其他住户意见很大。希望物业恢复绿化。",
        _n("绿化养护", "绿地侵占"),
        (TRIAGE_NOW, ("resolve", "物业与种菜住户沟通后拆除了纱网，菜地已翻整。",
                      "《物业管理条例》第五十条：不得擅自改变物业管理区域内按照规划建设的公共建筑和共用设施用途。",
                      "拆除围挡，恢复平整。"),
         ("rate", "unsatisfied", "只是把菜拔了，地还是光秃秃的一片泥，没有补种草皮。")),
        reporter=10, building=2,
    ),
    DemoMatter(
        "school_district", 0, "咨询孩子明年上小学的学区划分",
        "孩子明年九月上小学，想问一下我们小区对口的是哪所小学，户口刚迁过来不满一年有没有影响？",
        ("教育文体", "教育行政管理", "其他"),
        (("reject", "not_governance", "学区划分由区教育局招生办负责，已告知居民咨询电话和网上报名入口。"),),
        reporter=11,
    ),
    DemoMatter(
        "flying_wire_again", 0, "又看到有人飞线充电",
        "1号楼有人从五楼窗户吊电线下来给电动车充电，太危险了，上次就有人反映过，怎么还没人管？",
        _n("电动车充电", "飞线充电"), (("merge", "flying_wire"),), reporter=12,
    ),
    DemoMatter(
        "fee_rise", 0, "物业费上涨没有经过业主大会",
        "物业贴出通知，下个月起物业费从每平米1.2元涨到1.6元，说是人工成本上涨。"
        "这么大的事没有开业主大会，也没有公示服务内容有什么变化，我们不认可。",
        _n("物业管理", "物业费"), (TRIAGE_UP,), reporter=13,
    ),
    DemoMatter(
        "lift_install", 0, "加装电梯低层住户反对，事情卡住了",
        "我们3号楼是1993年的老楼，六楼住的都是七八十岁的老人，大家想申请加装电梯，"
        "费用方案也谈得差不多了，可一楼两户坚决反对，说挡光还吵。希望社区出面协调。",
        _n("老旧小区改造", "加装电梯"),
        (TRIAGE_UP, ("escalate", Level.COMMUNITY, "涉及全楼住户利益协调，需社区组织议事协商。")),
        reporter=14, building=2,
    ),
    DemoMatter(
        "street_stalls", 0, "小区南门外人行道被商铺占道经营",
        "南门外那排商铺把桌椅、货架全摆到人行道上，晚上还有烧烤摊，行人只能走机动车道，"
        "接送孩子特别危险。跟店主说过没用，希望城管来管一管。",
        _n("停车管理", "乱停乱放"),
        (("support", 1), TRIAGE_UP, ("escalate", Level.DISTRICT, "占道经营需城管执法。"),
         ("whistle", 0)),
        reporter=15,
    ),
    DemoMatter(
        "night_works", 0, "小区旁边工地夜间施工噪音",
        "小区东边在建的商业楼这半个月每天晚上都施工到一两点，打桩和渣土车的声音特别大，"
        "老人孩子都睡不好。请问他们有夜间施工许可吗？",
        ("环境保护", "环境污染", "噪音污染"),
        (TRIAGE_UP, ("escalate", Level.DISTRICT, "建筑施工噪声需生态环境部门查处。"),
         ("whistle", 2), ("report_in",)),
        reporter=16,
    ),
    DemoMatter(
        "zombie_car", 0, "僵尸车占用车位一年多",
        "地面停车场最里面那辆银色轿车停了一年多没动过，轮胎都瘪了，车上落满了灰，"
        "小区车位本来就紧张。物业说不是业主的车，他们也没办法。",
        _n("停车管理", "僵尸车"),
        (TRIAGE_UP, ("escalate", Level.DISTRICT, "无主车辆需公安交管部门认定处置。"),
         ("whistle", 3),
         ("answer", "经查该车辆登记车主已联系，车主同意自行拖离，已于三日内拖走。"),
         ("resolve", "公安分局联系到车主，车辆已拖离，车位交还小区统一管理。",
          "《道路交通安全法》及本市机动车停放管理规定。",
          "车辆拖离，车位恢复使用。")),
        reporter=17, building=1,
    ),
    DemoMatter(
        "more_parking", 0, "希望小区增加停车位",
        "小区只有一百多个车位，住户的车有三百多辆，每天晚上七点以后就找不到地方停，"
        "只能停到外面马路上被贴条。能不能想办法增加车位？",
        _n("停车管理", "停车位不足"),
        (TRIAGE_LATER, ("close_unsolved",
                        "小区内已无可改建车位的空地；已协调周边商场夜间停车优惠，并向街道申报立体停车场选址。")),
        reporter=18, building=2,
    ),
    DemoMatter(
        "elder_visit", 0, "独居老人家里燃气灶打不着火",
        "网格员走访时，1号楼独居的王奶奶说燃气灶打不着火已经好几天，一直在吃冷饭。",
        _n("公共设施"), (TRIAGE_NOW,), reporter=19, channel=Channel.VISIT,
    ),
    DemoMatter(
        "dog_mess", 0, "小区里狗粪随处可见",
        "早上遛狗的人很多，不少人不捡狗粪，草地边、单元门口经常能踩到，希望物业加强宣传，"
        "设几个拾便袋箱。",
        _n("邻里关系", "宠物管理"), (), reporter=20, channel=Channel.MOBILE_LISTENING,
    ),
    # --- 阳光花园, the second grid worker's grid ------------------------------------------
    DemoMatter(
        "gym_broken", 1, "小区健身器材坏了容易伤人",
        "中心广场的漫步机踏板断了一边，转腰器也松了，每天都有老人孩子在上面玩，"
        "很容易受伤。请尽快修理或者先围起来。",
        _n("公共设施", "健身器材"),
    ),
    DemoMatter(
        "bbq_smoke", 1, "楼下烧烤店油烟直排扰民",
        "底商新开的烧烤店，排烟管直接对着我们二楼的窗户，每天从下午四点烤到半夜，"
        "家里的窗户都不敢开，衣服晾在阳台上全是烟味。",
        ("环境保护", "环境污染", "大气污染"), reporter=3,
    ),
    DemoMatter(
        "lift_trapped", 1, "电梯一个月困人三次",
        "5号楼的电梯这个月已经困人三次了，最长一次关了四十分钟，物业每次都说修好了。"
        "楼里老人多，大家都不敢坐了，请彻底检修。",
        _n("物业管理", "电梯维修"), (TRIAGE_NOW,), reporter=4,
    ),
    DemoMatter(
        "tree_shade", 1, "楼前大树遮挡阳光，家里白天要开灯",
        "4号楼前面的几棵香樟树长得比三楼还高，一楼二楼的住户白天都得开灯，"
        "衣服也晒不干，树枝还刮窗户。请物业修剪一下。",
        _n("绿化养护", "树木修剪"),
        (TRIAGE_NOW, ("resolve", "物业请园林公司对4号楼前五棵香樟进行了疏枝修剪。",
                      "《城市绿化条例》关于树木修剪的规定，修剪前已报备。",
                      "树冠降至三楼窗台以下，不影响采光。"),
         ("inspect", True, "现场查看修剪到位。"), ("close",)),
        reporter=5,
    ),
    DemoMatter(
        "sorting_far", 1, "垃圾分类投放点离得太远",
        "撤桶并点以后，我们7号楼离最近的投放点要走五六分钟，老人拎着垃圾来回很不方便，"
        "有人就随手扔在楼下。能不能在7号楼附近增设一个投放点？",
        _n("垃圾分类", "分类投放"),
        (TRIAGE_LATER, ("resolve", "经小区议事会商议，在7号楼西侧增设一处定时定点投放点。",
                        "《生活垃圾分类管理条例》及小区议事会决议。",
                        "新投放点已启用，早晚各两小时有督导员值守。")),
        reporter=6, building=2,
    ),
    DemoMatter(
        "road_next_door", 1, "隔壁小区门口路面坑洼",
        "隔壁金桂苑小区门口那段路坑坑洼洼，下雨积水，骑车经过很危险。",
        _n("公共设施", "道路破损"),
        (("reject", "not_here", "该路段属向阳社区金桂苑，已转告所在社区。"),), reporter=7,
    ),
    DemoMatter(
        "dogs_unleashed", 1, "遛狗不拴绳吓到孩子",
        "晚上小区里好几只大狗不拴绳到处跑，前天一只金毛扑到我家孩子身上，把孩子吓哭了，"
        "狗主人还说它不咬人。希望小区定个规矩。",
        _n("邻里关系", "宠物管理"), (TRIAGE_LATER, ("park",)), reporter=8,
    ),
    DemoMatter(
        "guard_absent", 1, "夜间保安经常脱岗",
        "最近几次半夜回来，北门岗亭里都没人，道闸一直开着，外来车辆随便进。"
        "前几天还有住户电动车电瓶被偷。物业说人手不够。",
        _n("物业管理", "门禁与安保"), (TRIAGE_UP,), reporter=9,
    ),
    # --- 锦绣家园 ------------------------------------------------------------------------------
    DemoMatter(
        "thrown_objects", 2, "高空抛物砸坏车窗",
        "昨天下午停在6号楼下的车，后挡风玻璃被楼上扔下来的一个玻璃瓶砸碎了，"
        "幸好当时没有人经过。希望物业查一下监控，也提醒一下住户。",
        _n("安全隐患", "高空抛物"),
    ),
    DemoMatter(
        "bulky_waste", 2, "楼下大件垃圾堆了一周没人清",
        "有住户装修，把旧床垫、旧柜子堆在2号楼下面，已经一个星期了，物业说要另外收费才清运。",
        _n("垃圾分类", "大件垃圾"), (TRIAGE_NOW,), reporter=3,
    ),
    DemoMatter(
        "tiles_falling", 2, "外墙瓷砖脱落砸到楼下",
        "1号楼东侧外墙的瓷砖已经掉了好几块，昨天一块砸在单元门口的雨棚上，"
        "太吓人了。这是老楼，物业说要动用维修资金，得社区牵头。",
        _n("老旧小区改造", "外墙与屋面"),
        (TRIAGE_UP, ("escalate", Level.COMMUNITY, "需动用专项维修资金，由社区牵头组织。"),
         ("resolve", "社区牵头组织业主表决动用维修资金，施工队已对1号楼东侧外墙空鼓瓷砖全部铲除并做涂料翻新。",
          "《住宅专项维修资金管理办法》，业主表决同意率超过三分之二。",
          "东侧外墙无空鼓，施工期间设置警示围挡。"),
         ("rate", "satisfied", "社区很给力，两个月就办好了。")),
        reporter=4,
    ),
    DemoMatter(
        "drain_backflow", 2, "一下雨下水道就倒灌",
        "小区的雨水和污水管道是混在一起的，而且老化堵塞，每次下大雨，1楼住户家里的地漏就往外冒污水，"
        "已经好几年了。希望彻底改造管网。",
        _n("老旧小区改造", "管网改造"),
        (TRIAGE_UP, ("escalate", Level.DISTRICT, "雨污分流改造需住建部门立项。"), ("whistle", 1)),
        reporter=5, building=1,
    ),
    DemoMatter(
        "parcels", 2, "快递堆在门口没人管，经常丢件",
        "小区没有快递柜，快递员都把包裹堆在北门门卫室外面的地上，下雨就淋湿，"
        "上个月我丢了两个快递。希望物业引进快递柜或者设一个代收点。",
        _n("物业管理", "物业服务质量"),
        (TRIAGE_NOW, ("resolve", "物业与快递公司协商，在北门门卫室旁安装两组智能快递柜，门卫室设临时代收架。",
                      "物业服务合同及业主委员会意见。",
                      "快递柜已投入使用，包裹不再落地堆放。"),
         ("rate", "satisfied", "快递柜装好了，方便多了。")),
        reporter=7, building=1,
    ),
    DemoMatter(
        "cleaning_poor", 2, "保洁不到位，楼道一个月没拖",
        "我们单元的楼道一个多月没人拖过地，扶手上全是灰，垃圾桶周边也脏。交了物业费，"
        "服务却越来越差。",
        _n("物业管理", "物业服务质量"),
        (TRIAGE_NOW, ("resolve", "物业调整保洁排班，每单元每周拖地两次。",
                      "物业服务合同保洁服务标准。",
                      "楼道地面、扶手无明显灰尘。"),
         ("inspect", False, "抽查三个单元，仍有两个单元扶手积灰，需整改。")),
        reporter=6,
    ),
    # --- 梧桐苑 ---------------------------------------------------------------------------------
    DemoMatter(
        "sunroom", 3, "顶楼住户违建阳光房",
        "8号楼顶楼住户正在楼顶平台上搭钢结构阳光房，占用了公共屋面，楼下住户担心漏水，"
        "也影响楼顶的太阳能热水器检修。",
        _n("违章搭建"),
    ),
    DemoMatter(
        "potholes", 3, "小区主路破损积水",
        "小区主路从大门到5号楼那段坑坑洼洼，一下雨全是积水，电动车经过溅得一身泥，"
        "老人走路也容易崴脚。",
        _n("公共设施", "道路破损"), (TRIAGE_LATER,), reporter=3,
    ),
    DemoMatter(
        "gate_blocked", 3, "车辆乱停堵住单元门",
        "网格员在红马扎走访时，居民反映3号楼单元门口经常被私家车堵住，轮椅和婴儿车都出不去。",
        _n("停车管理", "乱停乱放"),
        (TRIAGE_NOW, ("resolve", "物业在单元门口施划禁停黄线并安装挡车桩，网格员联系常停车主沟通。",
                      "小区停车管理规约。",
                      "单元门口两米内无车辆停放。"),
         ("rate", "satisfied", "")),
        reporter=4, channel=Channel.MOBILE_LISTENING,
    ),
    DemoMatter(
        "square_dance", 3, "广场舞音响太大",
        "每天晚上七点到九点，小区中心广场跳广场舞，音响开得特别大，中考的孩子在家没法复习。",
        _n("邻里关系", "噪音扰民"),
        (TRIAGE_NOW, ("resolve", "社区与广场舞队协商，音量控制在60分贝以内，结束时间提前到晚上八点半。",
                      "《噪声污染防治法》第六十四条及居民公约。",
                      "音量经测量不超过60分贝。")),
        reporter=5,
    ),
    DemoMatter(
        "tool_house", 3, "建议设立楼栋共享工具屋",
        "很多家庭的电钻、梯子一年用不了几次，建议在物业用房里设一个共享工具屋，"
        "居民登记借用，党员志愿者轮流管理，也能增进邻里感情。",
        _n("公共设施"),
        (TRIAGE_LATER, ("golden", "低成本、可复制，能调动党员志愿者参与"), ("park",)),
        reporter=6,
    ),
    DemoMatter(
        "market_spill", 3, "小区周边菜市场占道，早高峰堵车",
        "小区北门外的早市每天早上把摊位摆到马路上，上班高峰时车辆根本开不出小区，"
        "小区物业和社区都管不了，需要街道统筹。",
        _n("停车管理", "乱停乱放"),
        (TRIAGE_UP, ("escalate", Level.STREET, "涉及多个社区和市场管理，需街道统筹。")),
        reporter=7,
    ),
)


class _Cast:
    """Find the people and places the demo matters need, by the demo district's layout."""

    def __init__(self, district, community):
        self.district = district
        self.community = community
        self.compounds = list(Place.objects.filter(parent=self.community).order_by("code"))
        self.categories = {}
        for category in Category.objects.filter(district=district).select_related(
                "parent__parent"):
            path, node = [], category
            while node is not None:
                path.insert(0, node.name)
                node = node.parent
            self.categories[tuple(path)] = category
        self.departments = list(Organisation.objects.filter(
            place=district, kind=OrgKind.DEPARTMENT).order_by("pk"))
        self._buildings = {}

    def buildings(self, compound):
        """Return the buildings of the compound's first grid (the demo logins' grids)."""
        if compound not in self._buildings:
            grid = Place.objects.filter(parent=self.compounds[compound],
                                        kind=PlaceKind.GRID).order_by("code").first()
            self._buildings[compound] = list(grid.children.order_by("code"))
        return self._buildings[compound]

    def building(self, spec):
        buildings = self.buildings(spec.compound)
        return buildings[spec.building % len(buildings)]

    def reporter(self, spec, building):
        if spec.reporter == "resident":
            return Person.objects.get(username="resident")
        flats = list(Place.objects.filter(parent=building).order_by("code"))
        flat = flats[spec.reporter % len(flats)]
        return Person.objects.filter(household=flat, is_household_head=True).order_by("pk").first()

    def holder(self, role, place=None, organisation=None):
        """Return who holds ``role`` there, a demo login before anyone else."""
        people = Person.objects.filter(roles__role=role, is_active=True)
        if place is not None:
            people = people.filter(roles__place=place)
        if organisation is not None:
            people = people.filter(roles__organisation=organisation)
        people = people.distinct().order_by("pk")
        return people.filter(username__isnull=False).first() or people.first()

    def handler(self, matter):
        return self.holder(HANDLER_AT[Level(matter.owner_level)], matter.owner_place)

    def neighbours(self, matter, count):
        """Return ``count`` residents of the matter's building, other than the reporter."""
        return list(Person.objects.filter(
            household__parent=matter.place, roles__isnull=True, username__isnull=True,
        ).exclude(pk=matter.reporter_id).order_by("-household__code")[:count])


def _raise(cast, spec):
    building = cast.building(spec)
    reporter = cast.reporter(spec, building)
    fields = {"title": spec.title, "description": spec.description,
              "category": cast.categories[spec.category], "emergency": spec.emergency}
    if spec.channel:
        worker = cast.holder(Role.GRID_WORKER, building.parent)
        return services.raise_matter(by=worker, place=building, reporter=reporter,
                                     channel=spec.channel, limit=False, **fields)
    return services.raise_matter(by=reporter, limit=False, **fields)


def _step(cast, matter, step, made):
    """Take one scripted step on ``matter``; return the matter as it is afterwards."""
    action, *args = step
    handler = cast.handler(matter)
    if action == "triage":
        return services.triage(matter, by=handler, kind=args[0])
    if action == "escalate":
        return services.escalate(matter, by=handler, to_level=args[0], reason=args[1])
    if action == "park":
        return services.park(matter, by=handler)
    if action == "golden":
        return services.flag_golden(matter, by=handler, reason=args[0])
    if action == "support":
        for neighbour in cast.neighbours(matter, args[0]):
            services.support(matter, by=neighbour)
        return matter
    if action == "whistle":
        return services.whistle(matter, by=handler, departments=[cast.departments[args[0]]])
    if action in ("report_in", "answer"):
        item = matter.whistles.select_related("department").get()
        staff = cast.holder(Role.DEPARTMENT_STAFF, organisation=item.department)
        if action == "report_in":
            services.report_in(item, by=staff)
        else:
            services.answer_whistle(item, by=staff, answer=args[0])
        return matter
    if action == "resolve":
        return services.resolve(matter, by=handler, what_was_done=args[0], basis=args[1],
                                standard=args[2])
    if action == "inspect":
        inspector = cast.holder(Role.BUILDING_HEAD, matter.place)
        return services.inspect(matter, by=inspector, passed=args[0], note=args[1])
    if action == "rate":
        return services.rate(matter, by=matter.reporter, satisfaction=args[0], comment=args[1])
    if action == "close":
        return services.close(matter, by=handler)
    if action == "close_unsolved":
        return services.close_unsolved(matter, by=handler, reason=args[0])
    if action == "reject":
        return services.reject(matter, by=handler, reason=args[0], note=args[1])
    if action == "merge":
        services.merge(matter, into=made[args[0]], by=handler)
        return Matter.objects.get(pk=matter.pk)
    raise ValueError(f"unknown demo step {action}")


def write_demo_matters(district, *, stdout=None):
    """Raise and work the demo matters unless the district has matters; return how many.

    The demo app's seed (manifest.py), after the categories (matters) and the deadline
    settings and holidays (deadlines).
    """
    if Matter.objects.filter(district=district).exists():
        return {"changed": 0}
    (street_name, communities), *_others = names.STREETS
    street = Place.objects.get(parent=district, name=street_name)
    cast = _Cast(district, Place.objects.get(parent=street, name=communities[0][0]))
    made = {}
    for spec in MATTERS:
        matter = _raise(cast, spec)
        for step in spec.steps:
            matter = _step(cast, matter, step, made)
        made[spec.key] = matter
    return {"changed": len(made)}
