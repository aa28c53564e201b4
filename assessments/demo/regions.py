"""Reference regions used by the demo: administrative division codes (GB/T 2260) and names."""

# (code, name, level, parent code)
REGIONS: list[tuple[str, str, str, str | None]] = [
    # Beijing is a municipality: the city is the top of its tree.
    ("110000", "北京市", "city", None),
    *[
        (code, name, "district", "110000")
        for code, name in [
            ("110101", "东城区"),
            ("110102", "西城区"),
            ("110105", "朝阳区"),
            ("110106", "丰台区"),
            ("110107", "石景山区"),
            ("110108", "海淀区"),
            ("110109", "门头沟区"),
            ("110111", "房山区"),
            ("110112", "通州区"),
            ("110113", "顺义区"),
            ("110114", "昌平区"),
            ("110115", "大兴区"),
            ("110116", "怀柔区"),
            ("110117", "平谷区"),
            ("110118", "密云区"),
            ("110119", "延庆区"),
        ]
    ],
    ("370000", "山东省", "province", None),
    ("370300", "淄博市", "city", "370000"),
    *[
        (code, name, "district", "370300")
        for code, name in [
            ("370302", "淄川区"),
            ("370303", "张店区"),
            ("370304", "博山区"),
            ("370305", "临淄区"),
            ("370306", "周村区"),
            ("370321", "桓台县"),
            ("370322", "高青县"),
            ("370323", "沂源县"),
        ]
    ],
    ("330000", "浙江省", "province", None),
    *[
        (code, name, "city", "330000")
        for code, name in [
            ("330100", "杭州市"),
            ("330200", "宁波市"),
            ("330300", "温州市"),
            ("330400", "嘉兴市"),
            ("330500", "湖州市"),
            ("330600", "绍兴市"),
            ("330700", "金华市"),
            ("330800", "衢州市"),
            ("330900", "舟山市"),
            ("331000", "台州市"),
            ("331100", "丽水市"),
        ]
    ],
]

# Municipal universities of Beijing (市属高校) reviewed against the higher-education framework.
UNIVERSITIES: list[tuple[str, str, str]] = [
    ("4111010005", "北京工业大学", "110105"),
    ("4111010028", "首都师范大学", "110108"),
    ("4111010025", "首都医科大学", "110106"),
    ("4111011417", "北京联合大学", "110105"),
    ("4111011232", "北京信息科技大学", "110108"),
    ("4111010016", "北京建筑大学", "110102"),
]

# Where K-12 demo schools go, in round-robin order: Beijing's districts, Zibo's districts, Zhejiang's cities.
SCHOOL_REGION_CODES: list[str] = [code for code, _n, level, _p in REGIONS if level == "district"] + [
    code for code, _n, level, parent in REGIONS if level == "city" and parent == "330000"
]
