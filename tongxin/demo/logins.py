"""The demo logins: one per role, shared by the builder, the printer, the README and the tests.

Titles and hints are demo content in Chinese (like the district's place names), not
interface text: they are printed for whoever runs ``make demo``.
"""

from dataclasses import dataclass

from tongxin.people.choices import Role

DEMO_PASSWORD = "tongxin2026"
DEMO_URL = "http://127.0.0.1:8000/"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    title: str
    try_this: str


DEMO_LOGINS = (
    DemoLogin("resident", Role.RESIDENT, "居民",
              "说事、跟进自己的事项、评价办理结果；只看得到自己一户"),
    DemoLogin("grid", Role.GRID_WORKER, "网格员",
              "听事分拣、入户走访；只看得到本网格的住户"),
    DemoLogin("grid2", Role.GRID_WORKER, "网格员（另一小区）",
              "与 grid 对照：看不到 grid 网格里的任何人"),
    DemoLogin("building", Role.BUILDING_HEAD, "楼栋长",
              "代本楼居民说事；只看得到本楼"),
    DemoLogin("compound", Role.COMPOUND_SECRETARY, "小区党支部书记",
              "召集红板凳议事会、发布会议纪要"),
    DemoLogin("community", Role.COMMUNITY_SECRETARY, "社区党委书记",
              "党群议事日、五议一备两公开；看得到本社区四个小区"),
    DemoLogin("committee", Role.COMMITTEE_MEMBER, "社区两委委员",
              "参与议事、导入居民花名册"),
    DemoLogin("mediator", Role.MEDIATOR, "人民调解员",
              "登记和调解纠纷、维护调解台账"),
    DemoLogin("lawyer", Role.LEGAL_ADVISER, "法律顾问",
              "云律团接单、提供法律意见"),
    DemoLogin("police", Role.COMMUNITY_POLICE, "社区民警",
              "警民联调：先接警、先调解，再移交联调室"),
    DemoLogin("street", Role.STREET_OFFICER, "街道干部",
              "专题联席会议、街道吹哨；看得到本街道三个社区"),
    DemoLogin("district", Role.DISTRICT_OFFICER, "区社治委",
              "吹哨派单、督办部门报到；看全区统计"),
    DemoLogin("dept", Role.DEPARTMENT_STAFF, "职能部门（城管局）",
              "接哨报到、限时办理、反馈结果"),
    DemoLogin("partner", Role.PARTNER_MEMBER, "共建单位成员",
              "双报到、认领需求清单和微心愿"),
    DemoLogin("property", Role.PROPERTY_STAFF, "物业公司人员",
              "参加议事、接受红色物业考核"),
    DemoLogin("owners", Role.OWNERS_COMMITTEE, "业委会成员",
              "参加议事和联合调解"),
    DemoLogin("admin", Role.SYSTEM_ADMIN, "系统管理员",
              "管理地点、组织、人员和角色；进入后台"),
)


def login_for(username):
    """Return the demo login with this user name."""
    return next(login for login in DEMO_LOGINS if login.username == username)
