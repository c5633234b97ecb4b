/** The dashboard's charts, drawn with Chart.js (window.Chart, loaded before this module)
 * from the JSON block the server rendered. Every chart's numbers are also in a table
 * on the page, so nothing is only visible as colour or shape. */
import { locale } from "./i18n.js";

const data = JSON.parse(document.getElementById("dashboard-data").textContent);
const Chart = window.Chart;

// Distinct hues that stay readable on light and dark backgrounds; stacked series
// are also told apart by their order in the legend and by the table.
const PALETTE = ["#1f5fbf", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d"];
const colour = (i) => PALETTE[i % PALETTE.length];

function textColour() {
  return getComputedStyle(document.body).getPropertyValue("--fg").trim() || "#1d2330";
}

function baseOptions(stacked) {
  const fg = textColour();
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { labels: { color: fg } } },
    scales: {
      x: { stacked, ticks: { color: fg } },
      y: { stacked, beginAtZero: true, ticks: { color: fg, precision: 0 } },
    },
  };
}

function bar(canvasId, labels, datasets, stacked = true) {
  const canvas = document.getElementById(canvasId);
  if (!canvas || !Chart) return;
  new Chart(canvas, { type: "bar", data: { labels, datasets }, options: baseOptions(stacked) });
}

const dayMonth = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", timeZone: "UTC" });
const short = (iso) => dayMonth.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));

// Items per state per group: one stacked bar per group.
bar("chart-states", data.groups.map((g) => g.name),
  data.states.map((state, i) => ({
    label: data.state_labels[state],
    data: data.groups.map((g) => data.state_counts[String(g.id)][i]),
    backgroundColor: colour(i),
  })));

bar("chart-by-channel", data.weeks.map(short),
  data.by_channel.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: colour(i) })));

bar("chart-by-type", data.weeks.map(short),
  data.by_type.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: colour(i) })));

// Cumulative flow: stacked areas, the workflow's order from bottom (published) to top (proposed).
const FLOW_STATES = data.flow_states;
for (const canvas of document.querySelectorAll("canvas.flow-chart")) {
  const flow = data.flow.find((f) => String(f.group_id) === canvas.dataset.groupId);
  if (!flow || !Chart) continue;
  const options = baseOptions(true);
  options.elements = { point: { radius: 0 }, line: { tension: 0 } };
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.flow_days.map(short),
      datasets: FLOW_STATES.map((state) => {
        const i = data.states.indexOf(state);
        return { label: data.state_labels[state], data: flow.series[state], fill: true,
          backgroundColor: colour(i) + "99", borderColor: colour(i), borderWidth: 1 };
      }),
    },
    options,
  });
}
