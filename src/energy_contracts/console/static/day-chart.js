/* The building day view's chart: what the building pays over one local day; and the price
 * series page's chart (data-chart="series-prices"): the series over one local day of its
 * time zone, in the same shape (one interval per slot of its grid, no source, no window).
 *
 * Draws the effective-prices answer embedded in #chart-data with Chart.js. The x axis is
 * elapsed minutes since the local midnight, ticked at each local hour, so that a 23- or
 * 25-hour day is laid out as it passes (02:00 appears twice, or not at all). Each interval
 * is one horizontal step coloured by its level; the user-level contract's steps are dashed,
 * the building's solid. Unknown stretches are shaded and labelled, the cheapest window is
 * banded, now is a line. When the answer carries a tariff breakdown, its parts (energy, grid,
 * levy, other, VAT) are stacked beneath the total, by sign: positive parts upwards from zero,
 * a negative part downwards. What was drawn is written back onto the canvas (data-drawn-*).
 */
(function () {
  "use strict";
  var canvas = document.querySelector(
    'canvas[data-chart="effective-prices"], canvas[data-chart="series-prices"]'
  );
  if (!canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var answer = data.answer;
  var intervals = answer.intervals;
  var start = Date.parse(answer.from);
  var minutes = function (iso) { return (Date.parse(iso) - start) / 60000; };
  var span = minutes(answer.to);

  var LEVEL = {
    VERY_CHEAP: "#1a9850", CHEAP: "#91cf60", NORMAL: "#fee08b",
    EXPENSIVE: "#fc8d59", VERY_EXPENSIVE: "#d73027"
  };
  var UNKNOWN = "#d9d9d9", WINDOW = "#1f4fd1", NOW = "#111111", CONNECTOR = "#777777";
  var PARTS = [
    ["energy", "#4c78a8"], ["grid", "#f58518"], ["levy", "#54a24b"],
    ["other", "#b279a2"], ["vat", "#9d755d"]
  ];

  // Two points per known interval (its start and end at its price), one null point per
  // unknown one, so that a step never leans and a gap breaks the line.
  var owner = [];
  var steps = function (valueOf) {
    var points = [];
    intervals.forEach(function (interval, index) {
      var value = valueOf(interval, index);
      if (value === null) {
        // As many points as the price's own dataset has (``owner``), all of them gaps.
        points.push({x: minutes(interval.start), y: null});
        if (interval.price !== null) points.push({x: minutes(interval.end), y: null});
        return;
      }
      points.push({x: minutes(interval.start), y: value});
      points.push({x: minutes(interval.end), y: value});
    });
    return points;
  };
  intervals.forEach(function (interval, index) {
    owner.push(index);
    if (interval.price !== null) owner.push(index);
  });
  var ownInterval = function (context) {
    var first = owner[context.p0DataIndex];
    return first === owner[context.p1DataIndex] ? intervals[first] : null;
  };

  var hasBreakdown = intervals.some(function (interval) { return interval.breakdown; });
  var datasets = [{
    label: "price",
    data: steps(function (interval) {
      return interval.price === null ? null : Number(interval.price);
    }),
    borderWidth: hasBreakdown ? 3 : 2,
    pointRadius: 0,
    pointHitRadius: 4,
    spanGaps: false,
    fill: false,
    segment: {
      borderColor: function (context) {
        var interval = ownInterval(context);
        return interval ? LEVEL[interval.level] || CONNECTOR : CONNECTOR;
      },
      borderDash: function (context) {
        var interval = ownInterval(context);
        return interval && interval.source === "user" ? [6, 4] : undefined;
      }
    }
  }];
  // A breakdown's parts stacked by sign, as stacked bars are: positive parts upwards from
  // zero, negative ones (a negative energy price) downwards, so that no two areas overlap;
  // the total is the line. ``stack[i][k]`` is part k's [bottom, top] in interval i.
  var stack = intervals.map(function (interval) {
    if (!interval.breakdown) return null;
    var up = 0, down = 0;
    return PARTS.map(function (part) {
      var value = Number(interval.breakdown[part[0]]);
      if (value >= 0) { up += value; return [up - value, up]; }
      down += value;
      return [down - value, down];
    });
  });
  if (hasBreakdown) {
    // One dataset per part for the legend, the tooltip and the scale (its far edges); the
    // areas themselves are drawn beneath the line (``areas``).
    PARTS.forEach(function (part, depth) {
      datasets.push({
        label: part[0],
        data: steps(function (interval, index) {
          return stack[index] ? stack[index][depth][1] : null;
        }),
        borderWidth: 0,
        pointRadius: 0,
        backgroundColor: part[1] + "cc",
        borderColor: part[1],
        fill: false,
        spanGaps: false
      });
    });
  }

  var drawn = {steps: 0, gaps: 0, window: false, now: false};
  var xOf = function (chart, value) { return chart.scales.x.getPixelForValue(value); };

  // Beneath the line: each known interval's area in its level's colour (unless the parts of
  // its breakdown fill it: a day may mix a contract with a tariff and one without), each
  // unknown stretch shaded and labelled. Edges on whole pixels, so that neighbouring areas
  // meet without a seam.
  var areas = {
    id: "levelsAndUnknownStretches",
    beforeDatasetsDraw: function (chart) {
      var area = chart.chartArea, ctx = chart.ctx;
      var zero = Math.min(Math.max(chart.scales.y.getPixelForValue(0), area.top), area.bottom);
      drawn.gaps = 0;
      var runStart = null;
      ctx.save();
      intervals.forEach(function (interval, index) {
        var x0 = Math.round(xOf(chart, minutes(interval.start)));
        var x1 = Math.round(xOf(chart, minutes(interval.end)));
        if (interval.price === null) {
          ctx.fillStyle = UNKNOWN;
          ctx.fillRect(x0, area.top, x1 - x0, area.bottom - area.top);
          drawn.gaps += 1;
          // One label per run of unknown intervals (a series' page has one per slot).
          if (runStart === null) runStart = x0;
          var next = intervals[index + 1];
          if (next && next.price === null) return;
          ctx.save();
          ctx.translate((runStart + x1) / 2 + 4, area.top + (area.bottom - area.top) / 2);
          runStart = null;
          ctx.rotate(-Math.PI / 2);
          ctx.fillStyle = "#555555";
          ctx.font = "12px system-ui, sans-serif";
          ctx.textAlign = "center";
          ctx.fillText("no price", 0, 0);
          ctx.restore();
        } else if (!interval.breakdown) {
          var y = chart.scales.y.getPixelForValue(Number(interval.price));
          ctx.fillStyle = (LEVEL[interval.level] || CONNECTOR) + "b3";
          ctx.fillRect(x0, Math.min(y, zero), x1 - x0, Math.abs(zero - y));
        } else {
          stack[index].forEach(function (edges, depth) {
            if (!chart.isDatasetVisible(depth + 1)) return;
            var bottom = Math.round(chart.scales.y.getPixelForValue(edges[0]));
            var top = Math.round(chart.scales.y.getPixelForValue(edges[1]));
            ctx.fillStyle = PARTS[depth][1] + "cc";
            ctx.fillRect(x0, Math.min(top, bottom), x1 - x0, Math.abs(bottom - top));
          });
        }
      });
      ctx.restore();
    }
  };

  var marks = {
    id: "windowAndNow",
    afterDatasetsDraw: function (chart) {
      var area = chart.chartArea, ctx = chart.ctx;
      var meta = chart.getDatasetMeta(0);
      drawn.steps = 0;
      for (var i = 0; i + 1 < meta.data.length; i++) {
        if (owner[i] === owner[i + 1] && !meta.data[i].skip && !meta.data[i + 1].skip) {
          drawn.steps += 1;
        }
      }
      ctx.save();
      if (data.window) {
        var w0 = xOf(chart, minutes(data.window.start)), w1 = xOf(chart, minutes(data.window.end));
        ctx.fillStyle = "rgba(31, 79, 209, 0.12)";
        ctx.fillRect(w0, area.top, w1 - w0, area.bottom - area.top);
        ctx.fillStyle = WINDOW;
        ctx.fillRect(w0, area.top, w1 - w0, 8);
        ctx.font = "bold 12px system-ui, sans-serif";
        ctx.textAlign = "left";
        var label = "cheapest " + data.window.label + " · ⌀ " + data.window.average_price;
        var at = Math.min(w0, area.right - ctx.measureText(label).width - 4);
        ctx.fillText(label, Math.max(area.left + 2, at), area.top + 22);
        drawn.window = true;
      }
      var now = minutes(data.now);
      if (now >= 0 && now < span) {
        var x = Math.round(xOf(chart, now)) + 0.5;
        ctx.strokeStyle = NOW;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x, area.top);
        ctx.lineTo(x, area.bottom);
        ctx.stroke();
        ctx.fillStyle = NOW;
        ctx.font = "12px system-ui, sans-serif";
        ctx.textAlign = "left";
        ctx.fillText("now", x + 4, area.bottom - 6);
        drawn.now = true;
      }
      ctx.restore();
      canvas.dataset.drawnSteps = String(drawn.steps);
      canvas.dataset.drawnGaps = String(drawn.gaps);
      canvas.dataset.drawnWindow = String(drawn.window);
      canvas.dataset.drawnNow = String(drawn.now);
      canvas.dataset.drawnMinutes = String(chart.scales.x.max - chart.scales.x.min);
    }
  };

  var tickLabels = {};
  data.ticks.forEach(function (tick) { tickLabels[minutes(tick.at)] = tick.label; });

  new Chart(canvas, {
    type: "line",
    data: {datasets: datasets},
    plugins: [areas, marks],
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: {mode: "nearest", axis: "x", intersect: false},
      scales: {
        x: {
          type: "linear",
          min: 0,
          max: span,
          afterBuildTicks: function (axis) {
            axis.ticks = data.ticks.map(function (tick) { return {value: minutes(tick.at)}; });
          },
          ticks: {
            autoSkip: true,
            maxRotation: 0,
            callback: function (value) { return tickLabels[value] || ""; }
          },
          grid: {color: "#eeeeee"}
        },
        y: {
          suggestedMin: 0,
          title: {display: true, text: answer.currency + "/kWh"},
          grid: {color: "#eeeeee"}
        }
      },
      plugins: {
        legend: {display: hasBreakdown},
        tooltip: {
          callbacks: {
            title: function (items) {
              var interval = intervals[owner[items[0].dataIndex]];
              var local = function (iso) {
                return new Date(iso).toLocaleTimeString([], {
                  hour: "2-digit", minute: "2-digit", timeZone: answer.timezone,
                  timeZoneName: "short"
                });
              };
              return local(interval.start) + " – " + local(interval.end);
            },
            label: function (item) {
              var interval = intervals[owner[item.dataIndex]];
              if (item.datasetIndex > 0) {
                var part = PARTS[item.datasetIndex - 1][0];
                return part + ": " + interval.breakdown[part];
              }
              return interval.price + " " + answer.currency + "/kWh · " +
                (interval.level || "") + " · " + (interval.source || "");
            }
          }
        }
      }
    }
  });
})();
