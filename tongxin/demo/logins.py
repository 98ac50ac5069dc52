"""The demo logins: one per role, shared by the builder, the printer, the README and the tests.

Titles and hints are demo content in Chinese (like the district's place names), not
interface text: they are printed for whoever runs ``make demo``.
"""

from dataclasses import dataclass

from tongxin.people.choices import Role

DEMO_PASSWORD = "tongxin2026"
DEMO_BIND = "127.0.0.1:8000"
DEMO_URL = "http://127.0.0.1:8000/"


def demo_url(bind=DEMO_BIND):
    """Return the address a browser opens for a server bound to ``host:port``."""
    host, _sep, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):  # every interface: this machine answers too
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    title: str
    try_this: str


DEMO_LOGINS = (
    DemoLogin("resident", Role.RESIDENT, "居民",
              "说事（可附照片）、“我也遇到”附议、跟进进度、评价结果、查看小区公示栏；只看得到自己一户"),
    DemoLogin("grid", Role.GRID_WORKER, "网格员",
              "待办里听事分拣（即办/待办/上报）、上报、退回；看得到本网格的住户和完整手机号"),
    DemoLogin("grid2", Role.GRID_WORKER, "网格员（另一小区）",
              "与 grid 对照：看不到 grid 网格里的任何人和事项"),
    DemoLogin("building", Role.BUILDING_HEAD, "楼栋长",
              "代本楼居民登记诉求；在公示栏验收办理结果；手机号打码"),
    DemoLogin("compound", Role.COMPOUND_SECRETARY, "小区党支部书记",
              "处理本小区的事项、列入党群议事日；看得到本小区网格、楼栋、住户"),
    DemoLogin("community", Role.COMMUNITY_SECRETARY, "社区党委书记",
              "处理社区层级的事项、上报街道；导入居民花名册；看得到本社区四个小区"),
    DemoLogin("committee", Role.COMMITTEE_MEMBER, "社区两委委员",
              "与社区书记一样处理社区事项、导入花名册"),
    DemoLogin("mediator", Role.MEDIATOR, "人民调解员",
              "查看本社区的事项和居民（调解台账在后续版本）"),
    DemoLogin("lawyer", Role.LEGAL_ADVISER, "法律顾问",
              "查看本社区的事项；居民手机号打码"),
    DemoLogin("police", Role.COMMUNITY_POLICE, "社区民警",
              "查看本社区的事项和居民"),
    DemoLogin("street", Role.STREET_OFFICER, "街道干部",
              "处理上报到街道的事项、上报到区；看得到本街道三个社区，手机号打码"),
    DemoLogin("district", Role.DISTRICT_OFFICER, "区社治委",
              "向职能部门吹哨、跟踪报到和答复、记录办理结果；看全区"),
    DemoLogin("dept", Role.DEPARTMENT_STAFF, "职能部门（城管局）",
              "在待办里接哨报到、答复；逾期报到会被标记"),
    DemoLogin("partner", Role.PARTNER_MEMBER, "共建单位成员",
              "看得到所在社区的地点，看不到居民个人信息"),
    DemoLogin("property", Role.PROPERTY_STAFF, "物业公司人员",
              "看得到所在小区的地点，看不到居民个人信息"),
    DemoLogin("owners", Role.OWNERS_COMMITTEE, "业委会成员",
              "在小区公示栏验收办理结果"),
    DemoLogin("admin", Role.SYSTEM_ADMIN, "系统管理员",
              "全区与后台 /admin/：期限规则、节假日、系统设置"),
)


def login_for(username):
    """Return the demo login with this user name."""
    return next(login for login in DEMO_LOGINS if login.username == username)
