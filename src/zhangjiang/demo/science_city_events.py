"""Demo events: the seed's lines without figures (§1.2, 2022), plus synthetic 2020-2021 ones.

One event is one line of the report, grouped by the section that prints it (``lead``,
``science_city``, ``finance``, ``industry``, ``new_tracks``, ``institutions``). The 2022
texts are the seed's own wording; the dates are not in the seed, so only their year
(or month, for "8月") is given (precision 年 / 月).
"""

from __future__ import annotations

from datetime import date
from typing import Any

__all__ = ["EVENTS", "event_rows"]

# (year, group, kind, month or None, area, entity, text_zh, text_en)
EVENTS: list[tuple[int, str, str, int | None, str, str, str, str]] = [
    (2021, "lead", "其他", None, "张江科学城", "示例事件（合成）",
     "示例事件（合成）：科学城年度工作会议召开",
     "Synthetic example event: the science city's annual work meeting"),
    (2021, "industry", "集中开工", 9, "张江科学城", "示例项目（合成）",
     "9月，示例项目（合成）集中开工",
     "In September, synthetic example projects started construction together"),
    (2022, "lead", "其他", None, "张江科学城", "张江科学城",
     "张江科学城持续深化空间规划调整，国际一流科学城市建设取得新的突破",
     "Zhangjiang Science City continued to refine its spatial plan and made new "
     "breakthroughs towards a world-class science city"),
    (2022, "lead", "其他", None, "上海", "在沪国家重大科技基础设施",
     "加快推进在沪国家重大科技基础设施建设，已建成设施服务效能持续提升，新一批设施建设加快推进",
     "construction of the national research infrastructure in Shanghai sped up, the "
     "facilities in operation served users better and a new batch advanced faster"),
    (2022, "science_city", "方案编制", None, "张江科学城", "张江科学城扩区提质行动方案",
     "持续深化空间规划调整，编制完成张江科学城扩区提质行动方案，聚焦科学、产业和城市功能提升，"
     "加快推进张江科学城从“园”向“城”的转变，国际一流科学城市建设取得新的突破。",
     "The spatial plan was refined further and the action plan for enlarging the science "
     "city and raising its quality was completed; focusing on science, industry and urban "
     "functions, Zhangjiang is turning from a park into a city, with new breakthroughs "
     "towards a world-class science city."),
    (2022, "finance", "平台建设", None, "张江科学城", "上海股权托管交易中心、长三角资本市场服务基地",
     "加快建设上海股权托管交易中心、长三角资本市场服务基地两大企业投融资服务平台",
     "faster construction of two investment and financing platforms for enterprises, the "
     "Shanghai Equity Exchange Center and the Yangtze River Delta Capital Market Service Base"),
    (2022, "industry", "集中开工", 8, "张江科学城",
     "张江人工智能岛二期、张江药谷产业化基地、张江上海集成电路设计产业综合体",
     "8月，张江人工智能岛二期、张江药谷产业化基地、张江上海集成电路设计产业综合体集中开工",
     "In August, construction started together on phase II of the Zhangjiang AI Island, "
     "the Zhangjiang Drug Valley industrialisation base and the Zhangjiang Shanghai IC "
     "design complex"),
    (2022, "new_tracks", "方案编制", None, "张江科学城",
     "张江数据要素产业集聚区建设方案；“张江在线”新经济生态园",
     "研究制定张江数据要素产业集聚区建设方案，加快推进“张江在线”新经济生态园建设",
     "Drew up the plan for the Zhangjiang data-element industry cluster and sped up the "
     "\"Zhangjiang Online\" new-economy park"),
    (2022, "new_tracks", "评估检查", None, "张江高科技园区",
     "产业园区“三线一单”和规划环评；国家生态工业示范区碳实施路径报告",
     "推进产业园区“三线一单”和规划环评实施情况跟踪评估，编制张江高科技园区国家生态工业示范区碳实施路径报告",
     "Followed up the parks' \"three lines, one list\" and planning environmental "
     "assessment, and drafted the carbon pathway report of the Zhangjiang Hi-Tech Park as "
     "a national eco-industrial demonstration park"),
    (2022, "new_tracks", "联盟成立", None, "张江科学城",
     "张江元宇宙创新发展联盟；张江（元宇宙）数链产业基地",
     "成立张江元宇宙创新发展联盟，张江（元宇宙）数链产业基地入选第三批市级特色产业园区",
     "Founded the Zhangjiang Metaverse Innovation and Development Alliance; the Zhangjiang "
     "(Metaverse) data-chain industry base was named in the third batch of city-level "
     "specialised industrial parks"),
    (2022, "institutions", "试点启动", None, "张江科学城",
     "张江跨境科创监管服务中心；空运研发材料查验快速通道",
     "持续提升张江跨境科创监管服务中心服务能级，试点启动空运研发材料查验快速通道",
     "Raised the service level of the Zhangjiang cross-border innovation customs service "
     "center and piloted a fast inspection lane for air-freighted R&D materials"),
    (2022, "institutions", "评估检查", None, "张江科学城", "生物医药特殊物品联合监管平台",
     "生物医药特殊物品联合监管平台完成中期检查",
     "The joint supervision platform for biomedical special goods passed its mid-term "
     "review"),
    (2022, "institutions", "机构成立", None, "张江科学城", "知识产权“四合一”基层人民检察院",
     "全国首个知识产权“四合一”基层人民检察院在张江成立",
     "The country's first \"four-in-one\" intellectual-property grassroots people's "
     "procuratorate was founded in Zhangjiang"),
    # Appended, so that the ids of the events above stay as they were.
    (2020, "lead", "其他", None, "张江科学城", "示例事件（合成）",
     "示例事件（合成）：科学城建设推进大会召开",
     "Synthetic example event: the science city's construction conference"),
    (2020, "finance", "平台建设", 11, "张江科学城", "示例平台（合成）",
     "11月，示例投融资服务平台（合成）上线运行",
     "In November, a synthetic example investment and financing platform went live"),
    (2022, "facilities", "其他", None, "上海", "在沪国家重大科技基础设施",
     "加快推进在沪国家重大科技基础设施建设，上海软X射线自由电子激光装置预计2023年投入运行，"
     "硬X射线自由电子激光装置加快推进设备进场安装及光速线站贯通；上海光源、国家蛋白质科学研究"
     "（上海）设施、上海超级计算中心等一批已建成大科学设施服务效能不断提升；新一批“十四五”"
     "国家重大科技基础设施规划正式项目和储备项目稳步推进。",
     "Construction of the national research infrastructure in Shanghai sped up: the "
     "Shanghai soft X-ray free-electron laser is expected to start operating in 2023, and "
     "equipment installation and beamline connection of the hard X-ray free-electron laser "
     "advanced faster; the Shanghai Synchrotron Radiation Facility, the National Facility "
     "for Protein Science in Shanghai, the Shanghai Supercomputer Center and other "
     "facilities in operation served users ever better; the formal and reserve projects of "
     "the new batch of national research infrastructure in the 14th Five-Year Plan "
     "advanced steadily."),
]  # fmt: skip


def event_rows() -> list[dict[str, Any]]:
    """Return the rows of the ``events`` form, numbered in order within each group."""
    rows: list[dict[str, Any]] = []
    orders: dict[tuple[int, str], int] = {}
    for year, group, kind, month, area, entity, zh, en in EVENTS:
        orders[year, group] = orders.get((year, group), 0) + 1
        rows.append(
            {
                "event_id": f"E{year}-{len(rows) + 1:03d}",
                "date": date(year, month, 1) if month else date(year, 12, 31),
                "precision": "月" if month else "年",
                "area": area,
                "entity": entity,
                "kind": kind,
                "group": group,
                "order": orders[year, group],
                "text_zh": zh,
                "text_en": en,
            }
        )
    return rows
