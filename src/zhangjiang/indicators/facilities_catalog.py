"""Facility ids, the shared shape of facility indicators, and per-facility phrasing.

Every facility indicator has the dimension ``facility`` whose values are the short ids
below. The report phrases the same indicator differently per facility (上海光源 “900余篇”
papers, the protein facility “616篇”), so ``FACILITY_STYLES`` overrides an indicator's
``style`` for one facility; ``style_for`` picks the right one.
"""

from __future__ import annotations

from typing import Any

from zhangjiang.indicators.model import Indicator

__all__ = ["FACILITIES", "FACILITY_STYLES", "facility_indicator", "style_for"]

#: Facility id -> (Chinese name as the report writes it, English name).
FACILITIES: dict[str, tuple[str, str]] = {
    "ssrf": ("上海光源一期", "Shanghai Synchrotron Radiation Facility (phase I)"),
    "ssrf2": ("上海光源线站工程（光源二期）", "SSRF beamline project (phase II)"),
    "hard_xfel": ("硬X射线自由电子激光装置", "Hard X-ray free-electron laser facility"),
    "soft_xfel": (
        "上海软X射线自由电子激光装置",
        "Shanghai soft X-ray free-electron laser facility",
    ),
    "protein": (
        "国家蛋白质科学研究（上海）设施",
        "National Facility for Protein Science in Shanghai",
    ),
    "ward": (
        "转化医学国家重大科技基础设施（上海）",
        "National Facility for Translational Medicine (Shanghai)",
    ),
    "shenguang2": ("神光II高功率激光装置", "Shenguang-II high-power laser facility"),
    "liver_cancer": ("国家肝癌科学中心", "National Center for Liver Cancer"),
    "seafloor": ("国家海底科学观测网", "National seafloor observation network"),
    "gas_turbine": (
        "高效低碳燃气轮机试验装置",
        "High-efficiency low-carbon gas turbine test facility",
    ),
    "sulf": (
        "上海超强超短激光实验装置",
        "Shanghai Superintense Ultrafast Laser Facility",
    ),
    "live_cell": (
        "活细胞结构与功能成像等线站工程",
        "Live-cell structure and function imaging beamlines",
    ),
    "supercomputing": ("上海超级计算中心", "Shanghai Supercomputer Center"),
}

#: (indicator id, facility id) -> Style keyword arguments used instead of the indicator's.
FACILITY_STYLES: dict[tuple[str, str], dict[str, Any]] = {
    ("facility.beam_hours", "protein"): {
        "qualifier": "余",
        "base": 10000,
        "unit": "小时",
    },
    ("facility.user_visits", "protein"): {
        "qualifier": "约",
        "base": 100,
        "unit": "人次",
    },
    ("facility.papers", "ssrf"): {"qualifier": "余", "base": 100, "unit": "篇"},
}


def facility_indicator(**fields: Any) -> Indicator:
    """Return an Indicator of the facilities domain, by facility unless told otherwise."""
    fields.setdefault("dimensions", ("facility",))
    fields.setdefault("domain", "facilities")
    return Indicator(**fields)


def style_for(indicator: Indicator, dimensions: dict[str, Any]) -> dict[str, Any]:
    """Return the Style keyword arguments for one value of ``indicator``."""
    override = FACILITY_STYLES.get((indicator.id, str(dimensions.get("facility"))))
    return dict(override if override is not None else indicator.style)
