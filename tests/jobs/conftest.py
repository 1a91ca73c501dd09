"""Fixtures of the bulk-job tests: valid people by the hundred, their 采集表, an app with a token."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from stdnum.cn import ric

from formsvc import db
from formsvc.registry import tokens

from ..conftest import make_app
from ..sheets.workbooks import blank_template, fill

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力"
TITLES = (("工程", "建筑工程", "工程师"), ("卫生", "内科学", "主治医师"),
          ("教育", "小学数学", "一级教师"), ("会计", "会计", "会计师"),
          ("工程", "机械设计", "高级工程师"), ("农业", "农学", "助理农艺师"))


def person(index: int, *, batch: str = "12") -> dict[str, Any]:
    """A valid, distinct title record: its identity number, gender and birth date agree."""
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=(index * 37) % 9000)
    body = f"420102{birth:%Y%m%d}{index % 1000:03d}"
    number = body + ric.calc_check_digit(body + "0")
    series, speciality, title = TITLES[index % len(TITLES)]
    return {
        "姓名": SURNAMES[index % len(SURNAMES)] + GIVEN[index * 7 % len(GIVEN)]
        + GIVEN[index // 30 % len(GIVEN)],
        "性别": "男" if int(number[16]) % 2 else "女",
        "证件类型": "居民身份证",
        "证件号码": number,
        "出生日期": birth,
        "职称系列": series,
        "专业名称": speciality,
        "职称名称": title,
        "评审组织": f"咸宁市{series}系列中级职称评审委员会",
        "批准单位": "咸宁市职称改革工作领导小组办公室",
        "批准文号": f"咸职改办〔2019〕{batch}号" if index < 1000 else f"咸职改办〔2020〕{batch}号",
        "批准日期": dt.date(2019, 12, 1),
    }


def people(count: int, **options: Any) -> list[dict[str, Any]]:
    return [person(i, **options) for i in range(count)]


def photo_zip(numbers: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, number in enumerate(numbers):
            image = Image.new("RGB", (350, 490), (240, 240, 240))
            image.paste((40 + index * 20, 60, 90), (100, 120, 250, 400))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG")
            archive.writestr(f"{number}.jpg", buffer.getvalue())
    return out.getvalue()


@pytest.fixture
def jobs_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    app = make_app(tmp_path, font_dir, monkeypatch, JOB_CHUNK_SIZE=50)
    db.upgrade(app)
    yield app
    from formsvc.jobs.runners import runner_for

    runner = runner_for(app)
    if hasattr(runner, "shutdown"):
        runner.shutdown()
    db.dispose(app)


@pytest.fixture
def auth(jobs_app: Flask) -> dict[str, str]:
    with jobs_app.app_context():
        return {"Authorization": f"Bearer {tokens.create(db.session(), '咸宁市职改办')}"}


@pytest.fixture
def sheet_of(jobs_app: Flask):
    template = blank_template(jobs_app.test_client(), "title-history")

    def make(rows: list[dict[str, Any]]) -> bytes:
        return fill(template, rows)

    return make
