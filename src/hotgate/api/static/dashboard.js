// Draws the dashboard's charts from the JSON the page carries (no inline script: strict CSP).
(function () {
  "use strict";
  const COLOURS = { "hotfix": "#e8590c", "needs-info": "#3b7ddd", "wait": "#f5b400", "no-hotfix": "#98a2b3" };
  const VERDICTS = ["hotfix", "needs-info", "wait", "no-hotfix"];
  function draw() {
    const data = JSON.parse(document.getElementById("chart-data").textContent);
    const days = [...new Set(data.by_day.map((r) => r.day))].sort();
    new Chart(document.getElementById("by-day"), {
      type: "bar",
      data: {
        labels: days,
        datasets: VERDICTS.map((v) => ({
          label: v,
          backgroundColor: COLOURS[v],
          maxBarThickness: 56,
          data: days.map((d) => (data.by_day.find((r) => r.day === d && r.verdict === v) || { count: 0 }).count),
        })),
      },
      options: { maintainAspectRatio: false, animation: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
    new Chart(document.getElementById("per-release"), {
      type: "bar",
      data: {
        labels: data.per_release.map((r) => r.release),
        datasets: [{ label: "hotfixes", backgroundColor: COLOURS.hotfix, maxBarThickness: 56, data: data.per_release.map((r) => r.count) }],
      },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    const states = Object.keys(data.states);
    new Chart(document.getElementById("states"), {
      type: "bar",
      data: { labels: states, datasets: [{ label: "decisions", backgroundColor: "#2f5bd3", maxBarThickness: 28, data: states.map((s) => data.states[s]) }] },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
