/**
 * The HTML report's script, run by the page (named by its hash in the page's Content-Security-Policy). It
 * reads the embedded JSON and builds the page with the DOM: every text from a suite or a model is set with
 * textContent, never parsed as HTML. Rows are rendered a window at a time, more as the list is scrolled, so
 * that 10,000 tests open at once. Plain ES2020, kept as a string: it runs in the browser, not in Node. Its DOM
 * and formatting helpers are in client-helpers.ts, its run history in client-history.ts.
 */
import { CLIENT_HELPERS } from './client-helpers.js'
import { CLIENT_HISTORY } from './client-history.js'

export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var PAGE = 100;
  var FLIPS_PAGE = 20;
  var results = JSON.parse(document.getElementById('results-data').textContent);
  var extra = JSON.parse(document.getElementById('report-data').textContent);
  var tests = results.tests || [];
  var app = document.getElementById('app');
  app.textContent = '';

${CLIENT_HELPERS}${CLIENT_HISTORY}  // --- Which tests are flaky and which changed against the baseline.
  var flaky = new Set(((results.repeats && results.repeats.flaky) || []).map(function (f) { return f.id; }));
  var baseline = results.baseline;
  var changed = new Map();
  if (baseline) {
    baseline.regressions.forEach(function (id) { changed.set(id, 'regression'); });
    baseline.fixes.forEach(function (id) { changed.set(id, 'fix'); });
  }
  var firstEntry = new Map();
  tests.forEach(function (entry, index) {
    entry.__index = index;
    if (!firstEntry.has(entry.id)) firstEntry.set(entry.id, entry);
  });

  // --- Header.
  var summary = results.summary;
  document.title = 'Evals ' + results.status + ': ' + summary.passed + '/' + summary.total + ' passed';
  var heading = add(app, 'h1', '', 'Claude Batch Evals ');
  heading.appendChild(badge(results.status));
  add(app, 'div', 'muted', 'Written ' + results.generated_at + '. Batches: ' + (results.batch_ids.join(', ') || 'none') + '.');
  if (results.reuse) add(app, 'div', 'muted', 'Reused: ' + results.reuse.reused + ' of ' + results.reuse.requests +
    ' requests from ' + source(results.reuse.from) + ', not requested again; they cost $' + results.reuse.saved_batch_usd +
    ' at batch prices when made.');
  if (results.failure_reasons.length) {
    var reasons = add(app, 'ul', 'reasons');
    results.failure_reasons.forEach(function (reason) { add(reasons, 'li', '', reason); });
  }
  var stats = add(app, 'div', 'stats');
  stat(stats, 'Pass rate', percent(summary.pass_rate), 'minimum ' + percent(summary.min_pass_rate));
  stat(stats, 'Tests', String(summary.total),
    summary.passed + ' passed, ' + summary.failed + ' failed, ' + summary.errored + ' errored' +
    (summary.samples !== summary.total ? ' (' + summary.samples + ' samples)' : ''));
  var cost = results.cost;
  if (cost.total_usd) {
    stat(stats, 'Cost at batch prices', usd(cost.total_usd.batch), usd(cost.total_usd.standard) + ' at standard prices');
    stat(stats, 'Saved by batching', usd(cost.total_usd.savings));
  } else {
    stat(stats, 'Cost at batch prices', 'unknown', 'at least ' + usd(cost.known_usd.batch) + ': some requests could not be priced');
    stat(stats, 'Saved by batching', 'unknown', 'at least ' + usd(cost.known_usd.savings) + ' on the priced requests');
  }
  var mix = extra.priceMix;
  if (mix) stat(stats, 'Price mix', mix.batch + ' at batch, ' + mix.standard + ' at standard',
    'sent by the standard API when the batches ran out of time (on-timeout: standard); waiting would have saved ' +
      (mix.waitingSavesUsd === null ? 'an unknown amount' : usd(mix.waitingSavesUsd)));
  stat(stats, 'Cache hit rate', extra.cacheHitRate === null ? 'no cached prefix' : percent(extra.cacheHitRate),
    extra.cachedInputShare === null ? 'no request wrote or read the prompt cache'
      : 'of marked requests read the cache; ' + percent(extra.cachedInputShare) + ' of input tokens were cache reads');
  if (cost.cache) {
    var saved = cost.cache.saved_usd.batch;
    stat(stats, saved.charAt(0) === '-' ? 'Cost more by caching' : 'Saved by caching',
      usd(saved.replace(/^-/, '')), 'at batch prices, against cache: off');
  }
  stat(stats, 'Batch duration', duration(results.batch_duration_ms));
  renderChart();
  if (extra.history) renderHistory(extra.history);

  function renderChart() {
    var rows = extra.costByModel;
    if (!rows.length) return;
    add(app, 'h2', '', 'Where the money went');
    var box = add(app, 'div', 'chart');
    var kinds = [];
    rows.forEach(function (row) {
      (row.parts || []).forEach(function (part) { if (kinds.indexOf(part.kind) < 0) kinds.push(part.kind); });
    });
    var max = 0;
    rows.forEach(function (row) { if (row.batchUsd !== null) max = Math.max(max, Number(row.batchUsd)); });
    var NS = 'http://www.w3.org/2000/svg';
    var labelWidth = 300;
    var barWidth = 500;
    var height = 24;
    var svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('width', String(labelWidth + barWidth + 120));
    svg.setAttribute('height', String(rows.length * height));
    svg.setAttribute('role', 'img');
    function svgText(x, y, text) {
      var node = document.createElementNS(NS, 'text');
      node.setAttribute('x', String(x));
      node.setAttribute('y', String(y));
      node.textContent = text;
      svg.appendChild(node);
    }
    rows.forEach(function (row, index) {
      var y = index * height;
      svgText(0, y + 16, row.model + (row.role === 'judge' ? ' (judge)' : '') + ', ' + row.requests +
        (row.requests === 1 ? ' request' : ' requests'));
      if (row.batchUsd === null) {
        svgText(labelWidth, y + 16, 'cost unknown: ' + row.unknown);
        return;
      }
      var x = labelWidth;
      var pieces = row.parts ? row.parts : [{ kind: null, batchUsd: row.batchUsd }];
      pieces.forEach(function (part) {
        var width = max > 0 ? (Number(part.batchUsd) / max) * barWidth : 0;
        var rect = document.createElementNS(NS, 'rect');
        rect.setAttribute('x', String(x));
        rect.setAttribute('y', String(y + 4));
        rect.setAttribute('width', String(width));
        rect.setAttribute('height', String(height - 8));
        rect.setAttribute('class', part.kind === null ? 'k5' : 'k' + kinds.indexOf(part.kind));
        var title = document.createElementNS(NS, 'title');
        title.textContent = (part.kind || 'all tokens') + ': ' + usd(part.batchUsd);
        rect.appendChild(title);
        svg.appendChild(rect);
        x += width;
      });
      svgText(x + 6, y + 16, usd(row.batchUsd));
    });
    box.appendChild(svg);
    var legend = add(box, 'div', 'legend muted');
    kinds.forEach(function (kind, index) {
      var item = add(legend, 'span');
      add(item, 'span', 'swatch k' + index);
      item.appendChild(document.createTextNode(kind));
    });
    add(legend, 'span', '', 'At batch prices.');
    rows.forEach(function (row) {
      if (row.partsUnknown) add(box, 'div', 'muted', row.model + ': ' + row.partsUnknown + '.');
    });
  }

  // --- Baseline: the flips first, old and new output side by side.
  if (baseline) renderBaseline();

  function outputOf(entry) {
    if (!entry) return 'Not in this run.';
    if (entry.output !== null && entry.output !== undefined) return entry.output;
    if (entry.error) return entry.error.type + ': ' + entry.error.message;
    return '(no output)';
  }
  function renderBaseline() {
    add(app, 'h2', '', 'Against the baseline');
    add(app, 'div', 'muted', 'Baseline ' + baseline.file + ', pass rate ' + percent(baseline.pass_rate) + '. ' + baseline.significance);
    [['regressions', 'Regressions (pass \u2192 fail)'], ['fixes', 'Fixes (fail \u2192 pass)']].forEach(function (kind) {
      var ids = baseline[kind[0]];
      if (!ids.length) return;
      add(app, 'h3', '', kind[1] + ': ' + ids.length);
      var list = add(app, 'div', 'flips ' + kind[0]);
      var shown = 0;
      var more = el('button', 'more', '');
      function next() {
        ids.slice(shown, shown + FLIPS_PAGE).forEach(function (id) { list.appendChild(flip(id)); });
        shown = Math.min(ids.length, shown + FLIPS_PAGE);
        more.textContent = 'Show more (' + (ids.length - shown) + ' left)';
        if (shown >= ids.length) more.remove();
      }
      more.addEventListener('click', next);
      app.appendChild(more);
      next();
    });
  }
  function flip(id) {
    var entry = firstEntry.get(id);
    var box = el('div', 'flip');
    var title = add(box, 'div');
    add(title, 'strong', '', id);
    if (entry && entry.description) title.appendChild(document.createTextNode(' \u2014 ' + entry.description));
    var pair = add(box, 'div', 'pair');
    var old = add(pair, 'div', 'old');
    var oldEntries = extra.baselineOutputs[id] || [];
    add(old, 'h3', '', 'Baseline output');
    if (!oldEntries.length) add(old, 'div', 'muted', 'The baseline file was not read for outputs.');
    oldEntries.forEach(function (o) {
      if (oldEntries.length > 1) add(old, 'div', 'muted', 'sample ' + o.sample + ': ' + o.status);
      pre(old, outputOf(o));
    });
    var now = add(pair, 'div', 'new');
    add(now, 'h3', '', 'This run\u2019s output');
    tests.forEach(function (e) {
      if (e.id !== id) return;
      if (e.samples > 1) add(now, 'div', 'muted', 'sample ' + e.sample + ': ' + e.status);
      pre(now, outputOf(e));
    });
    if (entry) add(box, 'div', 'muted', entry.reason || '');
    return box;
  }

  // --- The tests: filter, search, sort, a window of rows at a time.
  add(app, 'h2', '', 'Tests');
  var controls = add(app, 'div', 'controls');
  var verdictOf = function (e) { return e.verdict || e.status; };
  var filters = [
    ['all', 'All', function () { return true; }],
    ['failed', 'Failed', function (e) { return verdictOf(e) === 'failed'; }],
    ['errored', 'Errored', function (e) { return verdictOf(e) === 'errored'; }],
    ['flaky', 'Flaky', function (e) { return flaky.has(e.id); }],
    ['changed', 'Changed vs baseline', function (e) { return changed.has(e.id); }]
  ];
  var state = { filter: 'all', query: '', sort: 'order', descending: false };
  var buttons = filters.map(function (filter) {
    var count = tests.filter(filter[2]).length;
    var button = add(controls, 'button', '', filter[1] + ' (' + count + ')');
    button.dataset.filter = filter[0];
    button.setAttribute('aria-pressed', String(filter[0] === state.filter));
    button.addEventListener('click', function () {
      state.filter = filter[0];
      buttons.forEach(function (b) { b.setAttribute('aria-pressed', String(b === button)); });
      update();
    });
    return button;
  });
  var search = add(controls, 'input');
  search.type = 'search';
  search.placeholder = 'Search id, description, vars';
  search.setAttribute('aria-label', 'Search tests');
  search.addEventListener('input', function () { state.query = search.value.trim().toLowerCase(); update(); });
  var counter = add(app, 'div', 'muted counter');

  var haystacks = tests.map(function (e) {
    return (e.id + '\n' + (e.description || '') + '\n' + JSON.stringify(e.vars)).toLowerCase();
  });
  var RANK = { errored: 0, failed: 1, passed: 2 };
  var sorts = {
    order: function (a, b) { return a.__index - b.__index; },
    id: function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : a.__index - b.__index; },
    status: function (a, b) { return RANK[verdictOf(a)] - RANK[verdictOf(b)] || a.__index - b.__index; },
    score: function (a, b) { return (a.score === null ? 2 : a.score) - (b.score === null ? 2 : b.score) || a.__index - b.__index; },
    cost: function (a, b) { return costOf(a) - costOf(b) || a.__index - b.__index; }
  };
  function costOf(e) { return e.cost_usd ? Number(e.cost_usd.batch) : Infinity; }

  var table = add(app, 'div', 'table');
  table.setAttribute('role', 'table');
  var head = add(table, 'div', 'row head');
  head.setAttribute('role', 'row');
  [['#', 'order'], ['Test', 'id'], ['Verdict', 'status'], ['Sample', null], ['Score', 'score'], ['Cost', 'cost'], ['Reason', null]]
    .forEach(function (column) {
      var cell = add(head, 'span', '', column[0]);
      if (!column[1]) return;
      cell.dataset.sort = column[1];
      cell.addEventListener('click', function () {
        state.descending = state.sort === column[1] ? !state.descending : false;
        state.sort = column[1];
        update();
      });
    });
  var body = add(table, 'div', 'rows');
  var sentinel = add(app, 'div', 'more');
  var moreButton = add(sentinel, 'button', '', 'Show more');
  moreButton.addEventListener('click', function () { renderMore(); });
  var visible = [];
  var shown = 0;

  function update() {
    var test = filters.filter(function (f) { return f[0] === state.filter; })[0][2];
    visible = [];
    for (var i = 0; i < tests.length; i++) {
      if (test(tests[i]) && (!state.query || haystacks[i].indexOf(state.query) >= 0)) visible.push(tests[i]);
    }
    visible.sort(sorts[state.sort]);
    if (state.descending) visible.reverse();
    body.textContent = '';
    shown = 0;
    renderMore();
  }
  function renderMore() {
    var end = Math.min(visible.length, shown + PAGE);
    for (; shown < end; shown++) body.appendChild(row(visible[shown]));
    counter.textContent = 'Showing ' + shown + ' of ' + visible.length + ' matching entries (' + tests.length + ' in all).';
    sentinel.hidden = shown >= visible.length;
  }
  if ('IntersectionObserver' in window) {
    new IntersectionObserver(function (seen) {
      if (seen[0].isIntersecting && shown < visible.length) renderMore();
    }, { rootMargin: '400px' }).observe(sentinel);
  }

  function row(entry) {
    var line = el('div', 'row');
    line.setAttribute('role', 'row');
    line.tabIndex = 0;
    line.dataset.id = entry.id;
    add(line, 'span', '', String(entry.__index + 1));
    var name = add(line, 'span', '', entry.id + (entry.description ? ' \u2014 ' + entry.description : ''));
    name.title = entry.id;
    add(line, 'span').appendChild(badge(verdictOf(entry)));
    add(line, 'span', '', entry.samples > 1 ? entry.sample + '/' + entry.samples : '');
    add(line, 'span', '', entry.score === null ? '' : entry.score.toFixed(2));
    add(line, 'span', '', (entry.cost_usd ? usd(entry.cost_usd.batch) : 'unknown') + (entry.reused_from ? ' (reused)' : ''));
    add(line, 'span', '', entry.reason || (entry.error ? entry.error.message : ''));
    var detail = null;
    function toggle() {
      if (detail) {
        detail.remove();
        detail = null;
      } else {
        detail = details(entry);
        line.after(detail);
      }
      line.setAttribute('aria-expanded', String(detail !== null));
    }
    line.addEventListener('click', toggle);
    line.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); toggle(); }
    });
    return line;
  }

  function promptAsSent(parent, request) {
    if (request.system !== undefined) {
      add(parent, 'div', 'muted', 'system');
      pre(parent, contentText(request.system));
    }
    (request.messages || []).forEach(function (message) {
      add(parent, 'div', 'muted', message.role);
      pre(parent, contentText(message.content));
    });
  }
  function contentText(content) {
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return json(content);
    return content.map(function (block) {
      return block && block.type === 'text' ? block.text : json(block);
    }).join('\n\n');
  }
  function assertionRows(tbody, list, depth) {
    list.forEach(function (a) {
      var tr = add(tbody, 'tr');
      var type = add(tr, 'td', depth ? 'nested' : '', a.type + (a.metric ? ' [' + a.metric + ']' : ''));
      type.title = 'weight ' + a.weight;
      add(tr, 'td').appendChild(badge(a.errored ? 'errored' : a.pass ? 'passed' : 'failed'));
      add(tr, 'td', '', typeof a.score === 'number' ? a.score.toFixed(2) : '');
      add(tr, 'td', '', a.value === undefined || a.value === null ? '' : json(a.value));
      var reason = add(tr, 'td', '', a.reason);
      if (a.judge) {
        add(reason, 'div', 'muted', 'Judge ' + a.judge.model + ':');
        pre(reason, a.judge.reply === null ? '(no reply)' : a.judge.reply);
      }
      if (a.results) assertionRows(tbody, a.results, depth + 1);
    });
  }
  function source(from) {
    var where = [from.branch, from.commit && from.commit.slice(0, 7), from.generated_at].filter(Boolean);
    return (from.run_id ? 'run #' + from.run_id : from.file) + ' (' + where.join(', ') + ')';
  }
  function details(entry) {
    var box = el('div', 'detail');
    add(box, 'div', 'muted', entry.file + ':' + entry.line + ' \u00b7 ' + entry.model + ' \u00b7 ' + entry.custom_id +
      ' \u00b7 ' + entry.result_type + (entry.stop_reason ? ' (' + entry.stop_reason + ')' : ''));
    if (entry.vars && Object.keys(entry.vars).length) {
      add(box, 'h3', '', 'Vars');
      pre(box, json(entry.vars));
    }
    add(box, 'h3', '', 'Prompt as sent');
    promptAsSent(box, entry.request);
    add(box, 'h3', '', 'Output');
    pre(box, outputOf(entry));
    add(box, 'h3', '', 'Assertions');
    if (entry.assertions.length) {
      var table = add(box, 'table', 'assertions');
      var header = add(add(table, 'thead'), 'tr');
      ['Type', 'Result', 'Score', 'Value', 'Reason'].forEach(function (t) { add(header, 'th', '', t); });
      assertionRows(add(table, 'tbody'), entry.assertions, 0);
    } else add(box, 'div', 'muted', 'None.');
    if (entry.reason) add(box, 'div', '', 'Verdict: ' + entry.reason);
    add(box, 'h3', '', 'Usage and cost');
    add(box, 'div', '', entry.cost_usd
      ? usd(entry.cost_usd.batch) + ' at batch prices, ' + usd(entry.cost_usd.standard) + ' at standard prices'
      : 'Cost unknown: ' + (entry.cost_unknown_reason || 'no usage'));
    if (entry.reused_from) add(box, 'div', '', 'Reused from ' + source(entry.reused_from) + ': not requested by this run.');
    if (entry.usage) pre(box, json(entry.usage));
    var request = add(box, 'details');
    add(request, 'summary', '', 'The request as sent (JSON)');
    pre(request, json(entry.request));
    return box;
  }

  update();
})();
`
