using OpsBoard.Data.Accounts;
using OpsBoard.Data.Reception;

namespace OpsBoard.Data.Demo;

/// <summary>A demo login: what the README lists and what tests sign in with.</summary>
public sealed record DemoAccount(string Login, string DisplayName, string Description);

sealed record DemoUnit(string Code, string Name, string Kind, string? ParentCode);

sealed record DemoStreet(string Code, string Name, string Kind, string[] Villages)
{
    /// <summary>Streets (街道) have communities (社区) living in flats; towns (镇) have villages (村) with farm groups (组).</summary>
    public bool IsUrban => Kind == "street";
}

sealed record DemoLine(char Code, string Name, string Kind, string? UnitCode);

sealed record DemoWindow(string Code, string Name, string Kind, char[] Lines);

sealed record DemoAccountSpec(DemoAccount Account, string Role, string? UnitCode, string? Title);

sealed record DemoCategory(string Code, double Weight, string DepartmentCode, string[] Summaries);

/// <summary>
/// The fictional county 云溪县: its units, service lines, windows, staff and the kinds of matters its people raise.
/// Structure, not volume: everything here is small and fixed; <see cref="DemoHistory"/> makes the volume.
/// </summary>
static class DemoCounty
{
    public const string CenterCode = "demo";
    public const string CenterName = "云溪县群众来访接待中心";
    public const string County = "云溪县";

    /// <summary>Fictional: no province uses the code 59, so a demo number can never be a real person's.</summary>
    public const string AreaCode = "593127";

    public const string PetitionOffice = "xfj";

    /// <summary>The joint window whose seat goes to another department when that department's volume calls for it (《泗县联合接访工作方案》三).</summary>
    public const string RotatingWindow = "LH6";

    public static readonly DemoUnit[] Departments =
    [
        new("xfj", "县信访局", "petition_office", null),
        new("gaj", "县公安局", "department", null),
        new("zjj", "县住建局", "department", null),
        new("zrgh", "县自然资源和规划局", "department", null),
        new("fwzs", "县房屋征收中心", "department", null),
        new("fgzx", "县房管中心", "department", null),
        new("jtj", "县交通局", "department", null),
        new("nync", "县农业农村局", "department", null),
        new("rsj", "县人社局", "department", null),
        new("sfj", "县司法局", "department", null),
        new("wjw", "县卫健委", "department", null),
        new("jyj", "县教育局", "department", null),
        new("mzj", "县民政局", "department", null),
        new("sthj", "县生态环境局", "department", null),
        new("scjg", "县市场监管局", "department", null),
    ];

    public static readonly DemoStreet[] Streets =
    [
        new("chengdong", "城东街道", "street", ["东门社区", "文昌社区", "新华社区", "滨江社区", "锦绣社区", "朝阳社区"]),
        new("chengxi", "城西街道", "street", ["西门社区", "长乐社区", "凤鸣社区", "和平社区", "金桥社区"]),
        new("chengnan", "城南街道", "street", ["南湖社区", "学府社区", "丰泽社区", "南苑社区", "红星社区", "花园社区", "幸福社区"]),
        new("chengbei", "城北街道", "street", ["北关社区", "新城社区", "工业园社区", "北辰社区"]),
        new("qingshi", "青石镇", "town", ["青石村", "上湾村", "下湾村", "石桥村", "枫林村", "后山村"]),
        new("baisha", "白沙镇", "town", ["白沙村", "沙坪村", "河口村", "新塘村", "牛角村", "渡口村", "茶园村"]),
        new("taoyuan", "桃源镇", "town", ["桃源村", "桃花村", "杏林村", "李家村", "黄土村"]),
        new("liuhe", "柳河镇", "town", ["柳河村", "柳湾村", "三里村", "马鞍村", "荷塘村", "长岗村", "大坪村", "小坪村"]),
        new("longtan", "龙潭镇", "town", ["龙潭村", "龙井村", "青龙村", "水口村", "高桥村"]),
        new("shuangxi", "双溪镇", "town", ["双溪村", "东溪村", "西溪村", "合水村", "竹园村", "田心村"]),
        new("shimen", "石门镇", "town", ["石门村", "关口村", "岩下村", "松林村"]),
        new("songling", "松岭镇", "town", ["松岭村", "云岭村", "雾山村", "坳上村", "茶山村", "栗木村", "松岭社区"]),
    ];

    /// <summary>The streets' share of petitioners: the county seat's four streets are the most populous.</summary>
    public static readonly double[] StreetWeights = [14, 11, 13, 9, 7, 8, 6, 9, 6, 7, 4, 5];

    // Ticket prefixes skip I and O, which the hall screen's readers confuse with 1 and 0.
    public static readonly DemoLine[] Lines =
    [
        new('A', "综合接待", ServiceKind.Reception, null),
        new('B', "县公安局", ServiceKind.Joint, "gaj"),
        new('C', "县住建局", ServiceKind.Joint, "zjj"),
        new('D', "县自然资源和规划局", ServiceKind.Joint, "zrgh"),
        new('E', "县房屋征收中心", ServiceKind.Joint, "fwzs"),
        new('F', "县房管中心", ServiceKind.Joint, "fgzx"),
        new('G', "县交通局", ServiceKind.Joint, "jtj"),
        new('H', "县农业农村局", ServiceKind.Joint, "nync"),
        new('J', "县人社局", ServiceKind.Joint, "rsj"),
        new('K', "县卫健委", ServiceKind.Joint, "wjw"),
        new('N', "县民政局", ServiceKind.Joint, "mzj"),
        new('L', "法律咨询（县司法局律师）", ServiceKind.Legal, null),
        new('P', "心理疏导", ServiceKind.Psychological, null),
        new('V', "视频接访", ServiceKind.Video, null),
        new('M', "矛盾调处", ServiceKind.Mediation, null),
    ];

    public static readonly DemoWindow[] Windows =
    [
        new("DJ1", "登记窗口1", ServiceKind.Registration, []),
        new("DJ2", "登记窗口2", ServiceKind.Registration, []),
        new("JT1", "接谈窗口1", ServiceKind.Reception, ['A']),
        new("JT2", "接谈窗口2", ServiceKind.Reception, ['A']),
        new("JT3", "接谈窗口3", ServiceKind.Reception, ['A']),
        new("LH1", "联合接访窗口1", ServiceKind.Joint, ['B']),
        new("LH2", "联合接访窗口2", ServiceKind.Joint, ['C']),
        new("LH3", "联合接访窗口3", ServiceKind.Joint, ['D']),
        new("LH4", "联合接访窗口4", ServiceKind.Joint, ['E']),
        new("LH5", "联合接访窗口5", ServiceKind.Joint, ['F']),
        new(RotatingWindow, "联合接访窗口6", ServiceKind.Joint, ['G', 'K', 'N']),
        new("LH7", "联合接访窗口7", ServiceKind.Joint, ['H']),
        new("LH8", "联合接访窗口8", ServiceKind.Joint, ['J']),
        new("FL", "法律咨询室", ServiceKind.Legal, ['L']),
        new("XL", "心理咨询室", ServiceKind.Psychological, ['P']),
        new("SP", "视频接访室", ServiceKind.Video, ['V']),
        new("TC", "调处室", ServiceKind.Mediation, ['M']),
    ];

    /// <summary>Departments that take the rotating joint window in turn with its regular department.</summary>
    public static readonly string[] SpareDepartments = ["wjw", "mzj"];

    /// <summary>
    /// The staff each joint-window department sends to the center, one each, 相对固定 (《泗县联合接访工作方案》五(二)):
    /// the joint roster names them, and each signs in with their own account (login = the department's code).
    /// </summary>
    public static readonly (string DepartmentCode, string Name)[] JointStaff =
    [
        ("gaj", "王建军"), ("zjj", "刘芳"), ("zrgh", "陈伟"), ("fwzs", "杨帆"), ("fgzx", "张丽华"),
        ("jtj", "赵志强"), ("nync", "李秀英"), ("rsj", "周敏"), ("wjw", "吴桂兰"), ("mzj", "郭涛"),
    ];

    public static readonly DemoAccountSpec[] AccountSpecs =
    [
        new(new("director", "陈志远", "中心主任"), Roles.Director, null, null),
        new(new("duty", "刘海峰", "带班领导"), Roles.DutyLeader, null, "县信访局副局长"),
        new(new("clerk", "张晓燕", "登记员"), Roles.Clerk, null, null),
        new(new("window", "李文静", "窗口人员"), Roles.Clerk, null, null),
        new(new("officer", "赵磊", "责任单位经办人（城东街道）"), Roles.UnitOfficer, "chengdong", null),
        new(new("leader", "周国强", "责任单位分管领导（城东街道）"), Roles.UnitLeader, "chengdong", null),
        new(new("officer2", "孙丽", "责任单位经办人（县住建局）"), Roles.UnitOfficer, "zjj", null),
        new(new("stats", "吴敏", "统计员"), Roles.Statistician, null, null),
        new(new("admin", "郑斌", "系统管理员"), Roles.Admin, null, null),
        new(new("duty2", "黄志明", "带班领导"), Roles.DutyLeader, null, "县信访局副局长"),
        new(new("duty3", "马红梅", "带班领导"), Roles.DutyLeader, null, "县群众来访接待中心副主任"),
        new(new("duty4", "林建华", "带班领导"), Roles.DutyLeader, null, "县信访局四级调研员"),
        new(new("clerk2", "何佳", "登记员"), Roles.Clerk, null, null),
        new(new("window2", "高翔", "窗口人员"), Roles.Clerk, null, null),
        new(new("officer3", "罗刚", "责任单位经办人（县人社局）"), Roles.UnitOfficer, "rsj", null),
        new(new("leader2", "徐静", "责任单位分管领导（县住建局）"), Roles.UnitLeader, "zjj", null),
        new(new("leader3", "唐勇", "责任单位分管领导（县人社局）"), Roles.UnitLeader, "rsj", null),
        .. JointStaff.Select(s => new DemoAccountSpec(
            new(s.DepartmentCode, s.Name, $"联合接访窗口人员（{DepartmentName(s.DepartmentCode)}）"), Roles.Clerk, null, $"{DepartmentName(s.DepartmentCode)}驻中心接访人员")),
        // Reads and exports the operation log; separate from the admin whose actions it records.
        new(new("auditor", "钱秀兰", "审计员"), Roles.Auditor, null, null),
    ];

    static string DepartmentName(string code) => Departments.Single(d => d.Code == code).Name;

    /// <summary>County leaders who receive petitioners on Wednesdays (《大英县接待场所方案》三(四)); they need no login.</summary>
    public static readonly (string Name, string Title)[] CountyLeaders =
    [
        ("何卫东", "县委副书记"),
        ("钱立新", "常务副县长"),
        ("邓文华", "县委常委、政法委书记"),
        ("冯志刚", "副县长"),
    ];

    public static readonly DemoCategory[] Categories =
    [
        new("urban_construction", 14, "zjj", ["小区违章搭建影响采光通行", "老旧小区改造施工扰民", "物业服务不到位、公共维修资金使用不公开", "房屋质量问题开发商拒不维修"]),
        new("land_resources", 9, "zrgh", ["宅基地审批久拖不决", "邻里土地界址纠纷", "不动产登记办理受阻", "集体土地被非法占用"]),
        new("expropriation", 10, "fwzs", ["房屋征收补偿标准偏低", "安置房迟迟未交付", "征收评估结果有异议", "过渡安置费未按时发放"]),
        new("labour_social", 8, "rsj", ["养老保险补缴政策咨询", "工伤认定结果有异议", "企业未依法缴纳社保"]),
        new("wage_arrears", 10, "rsj", ["建筑工地拖欠农民工工资", "企业停产拖欠员工工资", "劳务分包商欠薪失联"]),
        new("agriculture", 9, "nync", ["土地承包经营权纠纷", "惠农补贴发放有误", "村集体收益分配不公", "农田灌溉设施损毁"]),
        new("public_security", 8, "gaj", ["邻里纠纷报警后处理不满意", "被诈骗案件进展查询", "户籍迁移办理受阻"]),
        new("transport", 4, "jtj", ["农村公路损坏影响出行", "公交线路调整不便", "道路施工占用耕地补偿"]),
        new("housing", 7, "fgzx", ["公租房申请审核有异议", "商品房网签备案受阻", "房屋产权证办理延误"]),
        new("health", 4, "wjw", ["医疗纠纷处理不满意", "新农合报销比例有异议"]),
        new("education", 4, "jyj", ["子女入学学位分配有异议", "学校乱收费", "民办教师待遇问题"]),
        new("civil_affairs", 4, "mzj", ["低保资格被取消", "残疾人补贴未发放", "养老机构服务问题"]),
        new("environment", 3, "sthj", ["养殖场污染环境", "企业夜间排放异味", "河道被倾倒垃圾"]),
        new("other", 6, "scjg", ["预付卡商家关门无法退款", "购买农资质量问题", "其他诉求"]),
    ];

    public static IReadOnlyList<DemoAccount> Accounts { get; } = AccountSpecs.Select(a => a.Account).ToArray();
}
