"""The level of a title (初级, 中级, 副高级, 正高级), derived from the title's name."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, get_args

TitleLevel = Literal["初级", "中级", "副高级", "正高级"]
TITLE_LEVELS: tuple[str, ...] = get_args(TitleLevel)

#: names that the patterns below would get wrong, or that follow no pattern at all
EXACT: dict[str, TitleLevel] = {
    # higher and vocational education
    "助教": "初级", "讲师": "中级", "教授": "正高级",
    # research; 助理研究员 is 中级 although most 助理… titles are 初级
    "研究实习员": "初级", "助理研究员": "中级", "研究员": "正高级",
    # health: the 师 of 医师/药师/护师/技师 is the upper step of 初级
    "医师": "初级", "药师": "初级", "护师": "初级", "技师": "初级",
    "中医师": "初级", "中药师": "初级",
    # agriculture: 兽医师 is 中级 like 农艺师
    "兽医师": "中级", "农业技术推广研究员": "正高级",
    # journalism, broadcasting, publishing
    "记者": "中级", "编辑": "中级", "主任记者": "副高级", "主任编辑": "副高级",
    "高级记者": "正高级", "高级编辑": "正高级", "播音员": "中级", "主任播音员": "副高级",
    "播音指导": "正高级", "编审": "正高级", "技术编辑": "中级",
    # libraries, archives, museums
    "馆员": "中级", "研究馆员": "正高级",
    # translation
    "译审": "正高级",
    # sports: 高级教练 and 国家级教练 are the 正高级 step
    "高级教练": "正高级", "国家级教练": "正高级",
    # schools before the 2015 reform: 小学高级教师 was 中级, 中学高级教师 副高级
    "中学高级教师": "副高级", "中学一级教师": "中级", "中学二级教师": "初级", "中学三级教师": "初级",
    "小学高级教师": "中级", "小学一级教师": "初级", "小学二级教师": "初级", "小学三级教师": "初级",
    "幼儿园高级教师": "中级", "幼儿园一级教师": "初级", "幼儿园二级教师": "初级",
}

#: 一级… to 四级… titles: the level of each grade depends on the series
NUMBERED: dict[str, tuple[TitleLevel, ...]] = {
    #         一级        二级      三级      四级
    "教师": ("中级", "初级", "初级"),
    "演员": ("正高级", "副高级", "中级", "初级"),
    "演奏员": ("正高级", "副高级", "中级", "初级"),
    "编剧": ("正高级", "副高级", "中级", "初级"),
    "导演": ("正高级", "副高级", "中级", "初级"),
    "指挥": ("正高级", "副高级", "中级", "初级"),
    "作曲": ("正高级", "副高级", "中级", "初级"),
    "美术师": ("正高级", "副高级", "中级"),
    "舞美设计师": ("正高级", "副高级", "中级"),
    "摄影师": ("正高级", "副高级", "中级"),
    "律师": ("正高级", "副高级", "中级", "初级"),
    "公证员": ("正高级", "副高级", "中级", "初级"),
    "教练": ("副高级", "中级", "初级"),
    "翻译": ("副高级", "中级", "初级"),
    "校对": ("中级", "初级", "初级"),
    "实习指导教师": ("中级", "初级", "初级"),
}
_GRADES = "一二三四"
_NUMBERED_NAME = re.compile(rf"([{_GRADES}])级(.+)")

#: what a name begins with, in the order tried
PREFIXES: tuple[tuple[str, TitleLevel], ...] = (
    ("正高级", "正高级"),
    ("教授级", "正高级"),   # 教授级高级工程师
    ("副", "副高级"),       # 副教授, 副主任医师, 副研究员, 副编审, 副研究馆员
    ("高级", "副高级"),     # 高级工程师, 高级会计师, 高级教师, 高级讲师
    ("主治", "中级"),       # 主治医师, 主治中医师
    ("主管", "中级"),       # 主管护师, 主管药师, 主管技师
    ("主任", "正高级"),     # 主任医师, 主任药师, 主任护师
    ("助理", "初级"),       # 助理工程师, 助理会计师, 助理馆员
)

#: what a name ends with, tried after the prefixes
SUFFIXES: tuple[tuple[str, TitleLevel | None], ...] = (
    ("教师", None),         # a teacher without a grade: the level is not in the name
    ("医师", "初级"), ("药师", "初级"), ("护师", "初级"), ("技师", "初级"),
    ("士", "初级"),         # 医士, 护士, 药士, 技士
    ("员", "初级"),         # 技术员, 会计员, 统计员, 实验员, 管理员
    ("师", "中级"),         # 工程师, 会计师, 经济师, 农艺师, 实验师
)

_QUALIFIER = re.compile(r"[（(][^）)]*[）)]$")


def normalise_title(title: str) -> str:
    """The title as the tables spell it: full-width forms folded, spaces and a trailing (…) dropped."""
    text = unicodedata.normalize("NFKC", title)
    text = "".join(text.split())
    return _QUALIFIER.sub("", text)


def level_of(title: str) -> TitleLevel | None:
    """The level of a title name, or None when the name follows no known pattern."""
    name = normalise_title(title)
    if name in EXACT:
        return EXACT[name]
    match = _NUMBERED_NAME.fullmatch(name)
    if match and match[2] in NUMBERED:
        grades = NUMBERED[match[2]]
        index = _GRADES.index(match[1])
        return grades[index] if index < len(grades) else None
    for prefix, level in PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return level
    for suffix, ending_level in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return ending_level
    return None
