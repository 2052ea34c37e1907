/**
 * The HTML report script's helpers (client-script.ts puts them in its closure): building DOM nodes whose text
 * is set with textContent, and formatting money, rates and durations. Plain ES2020, kept as a string.
 */
export const CLIENT_HELPERS = String.raw`  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function add(parent, tag, className, text) {
    return parent.appendChild(el(tag, className, text));
  }
  function pre(parent, text) {
    return add(parent, 'pre', '', text);
  }
  function usd(text) {
    if (text === null || text === undefined) return 'unknown';
    var value = Number(text);
    if (value === 0) return '$0';
    if (Math.abs(value) >= 1) return '$' + value.toFixed(2);
    // Four significant digits, never in exponent form (1e-7).
    var digits = Math.min(15, 3 - Math.floor(Math.log10(Math.abs(value))));
    return '$' + value.toFixed(digits).replace(/\.?0+$/, '');
  }
  function percent(rate) {
    return (Math.floor(rate * 1000 + 1e-9) / 10).toString() + '%';
  }
  function duration(ms) {
    if (ms === null || ms === undefined) return 'unknown';
    var seconds = Math.round(ms / 1000);
    var parts = [];
    if (seconds >= 3600) parts.push(Math.floor(seconds / 3600) + 'h');
    if (seconds >= 60) parts.push(Math.floor((seconds % 3600) / 60) + 'm');
    parts.push((seconds % 60) + 's');
    return parts.join(' ');
  }
  function json(value) {
    return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  }
  function badge(status) {
    return el('span', 'badge ' + (status || 'errored'), status || 'none');
  }
  function stat(parent, label, value, note) {
    var box = add(parent, 'div', 'stat');
    add(box, 'div', 'muted', label);
    add(box, 'div', 'value', value);
    if (note) add(box, 'div', 'muted', note);
    return box;
  }

`
