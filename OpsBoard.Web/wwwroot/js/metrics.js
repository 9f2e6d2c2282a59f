// /metrics: the selected KPI's 13-month trend as an ECharts line, with its target as a dashed mark line.
(() => {
  "use strict";
  document.querySelectorAll("[data-trend]").forEach(el => {
    if (!window.echarts) return;
    const data = JSON.parse(el.dataset.trend);
    const rate = data.measure === "Rate";
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 48, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: "axis", valueFormatter: v => v == null ? "无数据" : rate ? `${v} %` : `${v}` },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", min: rate ? v => Math.max(0, Math.floor(v.min / 10) * 10) : 0, max: rate ? 100 : null },
      series: [{
        type: "line", name: data.name, data: data.values, connectNulls: false, symbolSize: 6,
        markLine: data.target == null ? undefined : {
          symbol: "none", lineStyle: { type: "dashed", color: "#d9363e" },
          label: { position: "insideEndTop", formatter: `目标 ${data.target}${rate ? " %" : ""}` }, data: [{ yAxis: data.target }],
        },
      }],
    });
    window.addEventListener("resize", () => chart.resize());
  });
})();
