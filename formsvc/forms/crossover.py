"""What the two crossover forms of 武人社规〔2022〕2号 share: the official value lists.

Every list is 武人社规〔2022〕2号 附件1 填表说明 (and 附件2 说明) verbatim, in the official order.
"""

from __future__ import annotations

from typing import Literal, get_args

#: 证件类型 (填表说明3, 说明3)
CrossoverDocumentType = Literal["身份证", "士兵证", "军官证", "警官证", "港澳台证", "护照", "其他"]

#: 文化程度 (填表说明6, 说明4)
Education = Literal[
    "博士", "研究生", "大学本科", "大学专科和专科学校", "中等专业学校", "技校", "高级技校", "技师学院",
    "高中", "职高", "初中", "小学",
]

#: 考生来源 (填表说明7, 说明5)
CandidateSource = Literal[
    "国有企业", "集体企业", "私营企业", "个体外企", "外商投资", "港澳台商投资", "职业高中", "普通技工学校",
    "高级技工学校", "技师学院", "职业技术学院", "普通中专", "普通高中", "普通大专", "普通大学", "研究生院",
    "其他", "下岗失业人员", "现役军人", "农民工", "劳改劳教人员", "其他人员", "机关事业单位",
]

#: 证书领取 (填表说明8)
CertificateDelivery = Literal["自取", "快递到付"]

#: 级别 (填表说明10); 无级别 for 专项能力
SkillLevel = Literal["一级/高级技师", "二级/技师", "三级/高级工", "四级/中级工", "五级/初级工", "无级别"]

CROSSOVER_DOCUMENT_TYPES: tuple[str, ...] = get_args(CrossoverDocumentType)
EDUCATION: tuple[str, ...] = get_args(Education)
CANDIDATE_SOURCES: tuple[str, ...] = get_args(CandidateSource)
CERTIFICATE_DELIVERY: tuple[str, ...] = get_args(CertificateDelivery)
SKILL_LEVELS: tuple[str, ...] = get_args(SkillLevel)
