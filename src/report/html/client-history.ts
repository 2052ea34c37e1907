/**
 * The HTML report script's run history (client-script.ts puts it in its closure): pass rate and cost of the
 * last runs as an inline SVG chart, and the tests flipping over time. Every text is set with textContent.
 * Plain ES2020, kept as a string.
 */
export const CLIENT_HISTORY = String.raw`  function renderHistory(history) {
    var NS = 'http://www.w3.org/2000/svg';
    var runs = history.runs;
    add(app, 'h2', '', 'History');
    add(app, 'div', 'muted', 'The last ' + runs.length + (runs.length === 1 ? ' run' : ' runs') + ' recorded in ' +
      history.location + ', this one last.');
    var box = add(app, 'div', 'history');
    var left = 48, right = 72, top = 10, plot = 160, step = 22;
    var width = left + Math.max(runs.length, 2) * step + right;
    var svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(top + plot + 36));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Pass rate and cost of the last ' + runs.length + ' runs');
    function node(tag, attributes, text) {
      var child = document.createElementNS(NS, tag);
      Object.keys(attributes).forEach(function (name) { child.setAttribute(name, String(attributes[name])); });
      if (text !== undefined) child.textContent = text;
      return svg.appendChild(child);
    }
    var maxCost = 0;
    runs.forEach(function (run) { if (run.costUsd !== null) maxCost = Math.max(maxCost, run.costUsd); });
    var bottom = top + plot;
    node('line', { x1: left, y1: bottom, x2: width - right, y2: bottom, class: 'axis' });
    node('line', { x1: left, y1: top, x2: width - right, y2: top, class: 'axis' });
    node('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, '100%');
    node('text', { x: left - 6, y: bottom + 4, 'text-anchor': 'end' }, '0%');
    node('text', { x: width - right + 6, y: top + 4 }, usd(maxCost));
    node('text', { x: width - right + 6, y: bottom + 4 }, '$0');
    var points = [];
    runs.forEach(function (run, index) {
      var x = left + index * step + step / 2;
      var title = run.label + ', ' + run.commit.slice(0, 7) + ': ' + percent(run.passRate) + ' of ' + run.total +
        ' passed, ' + (run.costUsd === null ? 'cost unknown' : usd(run.costUsd) + ' at batch prices');
      if (run.costUsd !== null && maxCost > 0) {
        var height = (run.costUsd / maxCost) * plot;
        var bar = node('rect', { x: x - step / 3, y: bottom - height, width: (2 * step) / 3, height: height, class: 'cost-bar' });
        bar.appendChild(document.createElementNS(NS, 'title')).textContent = title;
      }
      var y = bottom - run.passRate * plot;
      points.push(x + ',' + y);
      var dot = node('circle', { cx: x, cy: y, r: 3, class: 'pass-dot' });
      dot.appendChild(document.createElementNS(NS, 'title')).textContent = title;
    });
    node('polyline', { points: points.join(' '), class: 'pass-line' });
    node('text', { x: left, y: bottom + 20 }, runs[0].label);
    if (runs.length > 1) node('text', { x: width - right, y: bottom + 20, 'text-anchor': 'end' }, runs[runs.length - 1].label);
    box.appendChild(svg);
    var legend = add(box, 'div', 'legend muted');
    add(add(legend, 'span'), 'span', 'swatch pass-swatch').after('pass rate (line, left axis)');
    add(add(legend, 'span'), 'span', 'swatch cost-swatch').after('cost at batch prices (bars, right axis)');
    var unpriced = runs.filter(function (run) { return run.costUsd === null; }).length;
    if (unpriced) add(box, 'div', 'muted', unpriced + (unpriced === 1 ? ' run has' : ' runs have') + ' no cost (an unpriced model): no bar.');

    var count = history.flips.length + history.moreFlips;
    if (!count) return;
    add(app, 'h3', '', 'Flipping over time: ' + count + (count === 1 ? ' test' : ' tests') +
      ' changed verdict at least twice in the last ' + history.flipRuns + ' runs');
    var table = add(app, 'table', 'over-time');
    var header = add(add(table, 'thead'), 'tr');
    ['Test', 'Flips', 'Last ' + history.flipRuns + ' runs, oldest first'].forEach(function (t) { add(header, 'th', '', t); });
    var tbody = add(table, 'tbody');
    var SHOWN = { p: ['\u2713', 'passed'], f: ['\u2717', 'failed'], e: ['!', 'errored'] };
    history.flips.forEach(function (flip) {
      var tr = add(tbody, 'tr');
      add(tr, 'td', 'test-id', flip.id);
      add(tr, 'td', '', String(flip.flips));
      var cell = add(tr, 'td', 'verdicts');
      flip.statuses.forEach(function (status) {
        var mark = SHOWN[status] || ['\u00b7', 'not in that run'];
        add(cell, 'span', 'v-' + (status || 'none'), mark[0]).title = mark[1];
      });
    });
    if (history.moreFlips) add(app, 'div', 'muted', history.moreFlips + ' more are left out here.');
  }

`
