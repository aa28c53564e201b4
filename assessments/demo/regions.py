"""Reference regions used by the demo: administrative division codes (GB/T 2260) and names."""

# (code, name, level, parent code)
REGIONS: list[tuple[str, str, str, str | None]] = [
    # Beijing is a municipality: the city is the top of its tree.
    ("110000", "北京市", "city", None),  # i18n: data
    *[
        (code, name, "district", "110000")
        for code, name in [
            ("110101", "东城区"),  # i18n: data
            ("110102", "西城区"),  # i18n: data
            ("110105", "朝阳区"),  # i18n: data
            ("110106", "丰台区"),  # i18n: data
            ("110107", "石景山区"),  # i18n: data
            ("110108", "海淀区"),  # i18n: data
            ("110109", "门头沟区"),  # i18n: data
            ("110111", "房山区"),  # i18n: data
            ("110112", "通州区"),  # i18n: data
            ("110113", "顺义区"),  # i18n: data
            ("110114", "昌平区"),  # i18n: data
            ("110115", "大兴区"),  # i18n: data
            ("110116", "怀柔区"),  # i18n: data
            ("110117", "平谷区"),  # i18n: data
            ("110118", "密云区"),  # i18n: data
            ("110119", "延庆区"),  # i18n: data
        ]
    ],
    ("370000", "山东省", "province", None),  # i18n: data
    ("370300", "淄博市", "city", "370000"),  # i18n: data
    *[
        (code, name, "district", "370300")
        for code, name in [
            ("370302", "淄川区"),  # i18n: data
            ("370303", "张店区"),  # i18n: data
            ("370304", "博山区"),  # i18n: data
            ("370305", "临淄区"),  # i18n: data
            ("370306", "周村区"),  # i18n: data
            ("370321", "桓台县"),  # i18n: data
            ("370322", "高青县"),  # i18n: data
            ("370323", "沂源县"),  # i18n: data
        ]
    ],
    ("330000", "浙江省", "province", None),  # i18n: data
    *[
        (code, name, "city", "330000")
        for code, name in [
            ("330100", "杭州市"),  # i18n: data
            ("330200", "宁波市"),  # i18n: data
            ("330300", "温州市"),  # i18n: data
            ("330400", "嘉兴市"),  # i18n: data
            ("330500", "湖州市"),  # i18n: data
            ("330600", "绍兴市"),  # i18n: data
            ("330700", "金华市"),  # i18n: data
            ("330800", "衢州市"),  # i18n: data
            ("330900", "舟山市"),  # i18n: data
            ("331000", "台州市"),  # i18n: data
            ("331100", "丽水市"),  # i18n: data
        ]
    ],
]

# Municipal universities of Beijing (市属高校) reviewed against the higher-education framework.
UNIVERSITIES: list[tuple[str, str, str]] = [
    ("4111010005", "北京工业大学", "110105"),  # i18n: data
    ("4111010028", "首都师范大学", "110108"),  # i18n: data
    ("4111010025", "首都医科大学", "110106"),  # i18n: data
    ("4111011417", "北京联合大学", "110105"),  # i18n: data
    ("4111011232", "北京信息科技大学", "110108"),  # i18n: data
    ("4111010016", "北京建筑大学", "110102"),  # i18n: data
]

# Where K-12 demo schools go, in round-robin order: Beijing's districts, Zibo's districts, Zhejiang's cities.
SCHOOL_REGION_CODES: list[str] = [code for code, _n, level, _p in REGIONS if level == "district"] + [
    code for code, _n, level, parent in REGIONS if level == "city" and parent == "330000"
]
