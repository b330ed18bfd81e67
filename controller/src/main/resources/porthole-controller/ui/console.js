// Porthole operator console. Plain modern JavaScript, no dependencies, no build step.
//
// Rules this file keeps:
// - Every piece of data from the API is rendered with textContent or as a property (container names,
//   images, evidence lines and file names are attacker-controlled); nothing is parsed as HTML.
// - The token lives in sessionStorage and travels only in the Authorization header: the alert stream
//   is read with fetch() and a ReadableStream (EventSource cannot send headers), downloads are fetched
//   and handed to the browser as blobs.
// - Memory and DOM are bounded: at most MAX_ALERTS alerts are kept, lists render only visible rows.
'use strict';

const TOKEN_KEY = 'porthole.token';
const MAX_ALERTS = 10000;
const INITIAL_ALERTS = 1000;
const REMEDIATIONS_SHOWN = 200;
const ALERT_ROW_HEIGHT = 50;
const CONTAINER_ROW_HEIGHT = 34;
const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const RULES = ['HOST_NAMESPACES', 'OOM_KILLED', 'OOM_KILL_DISABLED_UNBOUNDED', 'SELINUX_ASSUMPTION',
  'MISSING_SYSCALL', 'CONNECTION_FAILURES', 'HOST_DIVERGENCE', 'COLLECTOR_DROPS', 'HOST_SILENT'];
const FINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'REJECTED']);

const THEME_KEY = 'porthole.theme';

const $ = id => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// Theme: dark for an incident room, light for daylight. The system's preference
// (prefers-color-scheme) until the user picks one with the switch; the pick is kept in local
// storage (it is not a secret).

function storedTheme() {
  try {
    const theme = localStorage.getItem(THEME_KEY);
    return theme === 'dark' || theme === 'light' ? theme : null;
  } catch (e) {
    return null;
  }
}

function currentTheme() {
  return storedTheme() || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}

function applyTheme() {
  const stored = storedTheme();
  if (stored) document.documentElement.dataset.theme = stored;
  else delete document.documentElement.dataset.theme;
  const theme = currentTheme();
  for (const b of document.querySelectorAll('.theme-switch')) {
    b.textContent = theme === 'dark' ? 'Dark' : 'Light';
    b.setAttribute('aria-label', 'Theme: ' + theme + '. Switch to ' + (theme === 'dark' ? 'light' : 'dark'));
    b.title = 'Switch to the ' + (theme === 'dark' ? 'light' : 'dark') + ' theme';
  }
}

function switchTheme() {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  try {
    localStorage.setItem(THEME_KEY, next);
  } catch (e) {
    document.documentElement.dataset.theme = next;
  }
  applyTheme();
}

/** Creates an element with a class and text (as text, never HTML). */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = String(text);
  return node;
}

function button(label, onClick, className) {
  const b = el('button', className, label);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function parseTime(text) {
  const ms = text ? Date.parse(text) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

function formatTime(text) {
  const ms = parseTime(text);
  if (ms == null) return '';
  const d = new Date(ms);
  const sameDay = d.toDateString() === new Date().toDateString();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return sameDay ? time : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + time;
}

function formatAgo(text) {
  const ms = parseTime(text);
  if (ms == null) return 'never';
  return formatDuration(Date.now() - ms) + ' ago';
}

function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0') + ' min';
  const h = Math.floor(s / 3600);
  return h + ' h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' min';
}

function formatBytes(n) {
  if (n == null) return '';
  if (n < 1024) return n + ' B';
  if (n < 1 << 20) return (n / 1024).toFixed(1) + ' KiB';
  return (n / (1 << 20)).toFixed(1) + ' MiB';
}

function shortId(id) {
  return (id || '').slice(0, 12);
}

function severityBadge(severity) {
  const s = SEVERITIES.includes(severity) ? severity : 'INFO';
  return el('span', 'sev sev-' + s, severity || 'UNKNOWN');
}

function isolationText(c) {
  if (!c.isolated) return 'no';
  if (c.isolation && c.isolation.enforced === false) return 'ISOLATED, NOT ENFORCED (collector retrying)';
  const restoreAt = c.isolation && parseTime(c.isolation.restoreAt);
  if (restoreAt == null) return 'ISOLATED, no TTL';
  return 'ISOLATED, ' + formatDuration(restoreAt - Date.now()) + ' left';
}

// ---------------------------------------------------------------------------------------------
// API

class Unauthorized extends Error {}

const api = {
  token: null,

  async request(path, options = {}) {
    const headers = Object.assign({ 'Authorization': 'Bearer ' + this.token }, options.headers || {});
    const response = await fetch(path, Object.assign({}, options, { headers, cache: 'no-store', credentials: 'omit' }));
    if (response.status === 401) throw new Unauthorized('the token was not accepted');
    return response;
  },

  async json(path, options) {
    const response = await this.request(path, options);
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      // not JSON: described below by the status
    }
    if (!response.ok) {
      const message = body && body.message ? body.message : 'HTTP ' + response.status;
      const error = new Error(message);
      error.status = response.status;
      error.code = body && body.error;
      throw error;
    }
    return body;
  },
};

// ---------------------------------------------------------------------------------------------
// A virtual list: a spacer as tall as all rows, and only the visible rows (plus a few) in the DOM,
// recycled as the list scrolls. Rows have a fixed height, so a row inserted above the viewport moves
// nothing the reader sees (the scroll position is adjusted by whole rows).

class VirtualList {
  constructor(container, rowHeight, renderRow, onSelect) {
    this.container = container;
    this.rowHeight = rowHeight;
    this.renderRow = renderRow;
    this.onSelect = onSelect;
    this.items = [];
    this.keyOf = item => item.key;
    this.selectedKey = null;
    this.spacer = el('div', 'vspacer');
    container.append(this.spacer);
    this.pool = [];
    this.scheduled = false;
    container.addEventListener('scroll', () => this.schedule());
    container.addEventListener('keydown', event => this.onKey(event));
    container.addEventListener('click', event => {
      const row = event.target.closest('.vrow');
      if (row && row.dataset.index) this.select(Number(row.dataset.index));
    });
    new ResizeObserver(() => this.schedule()).observe(container);
  }

  /**
   * Replaces the items; keeps the selection and what the reader sees (scroll anchoring): when the
   * list is scrolled, or the selected row is in view, that row (the selected one, else the top one)
   * stays at the same place on the screen whatever was added, moved or dropped above it. Returns
   * how many pixels the list scrolled to keep it there (positive: rows landed above).
   */
  setItems(items, keyOf) {
    const view = this.container;
    let anchorKey = null;
    let anchorOffset = 0;
    if (this.items.length) {
      const selected = this.selectedIndex();
      const selectedTop = selected * this.rowHeight - view.scrollTop;
      if (selected >= 0 && selectedTop >= 0 && selectedTop < view.clientHeight) {
        anchorKey = this.selectedKey;
        anchorOffset = selectedTop;
      } else if (view.scrollTop > 0) {
        const first = Math.min(this.items.length - 1, Math.floor(view.scrollTop / this.rowHeight));
        anchorKey = this.keyOf(this.items[first]);
        anchorOffset = first * this.rowHeight - view.scrollTop;
      }
    }
    this.keyOf = keyOf;
    this.items = items;
    const before = view.scrollTop;
    // The spacer first, so that the new scroll position is not clamped to the old height.
    this.spacer.style.height = (items.length * this.rowHeight) + 'px';
    if (anchorKey != null) {
      const index = items.findIndex(item => keyOf(item) === anchorKey);
      if (index >= 0) view.scrollTop = index * this.rowHeight - anchorOffset;
    }
    this.render();
    return view.scrollTop - before;
  }

  selectedIndex() {
    if (this.selectedKey == null) return -1;
    return this.items.findIndex(item => this.keyOf(item) === this.selectedKey);
  }

  select(index) {
    if (index < 0 || index >= this.items.length) return;
    this.selectedKey = this.keyOf(this.items[index]);
    this.scrollIntoView(index);
    this.render();
    this.onSelect(this.items[index]);
  }

  scrollIntoView(index) {
    const top = index * this.rowHeight;
    const view = this.container;
    if (top < view.scrollTop) view.scrollTop = top;
    else if (top + this.rowHeight > view.scrollTop + view.clientHeight) view.scrollTop = top + this.rowHeight - view.clientHeight;
  }

  onKey(event) {
    const page = Math.max(1, Math.floor(this.container.clientHeight / this.rowHeight) - 1);
    const current = this.selectedIndex();
    const moves = { ArrowDown: current + 1, ArrowUp: current - 1, PageDown: current + page,
      PageUp: current - page, Home: 0, End: this.items.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const target = Math.min(this.items.length - 1, Math.max(0, moves[event.key]));
    this.select(target);
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  /** Renders the visible rows again (e.g. for countdowns). */
  render() {
    const view = this.container;
    this.spacer.style.height = (this.items.length * this.rowHeight) + 'px';
    const first = Math.max(0, Math.floor(view.scrollTop / this.rowHeight) - 5);
    const last = Math.min(this.items.length, Math.ceil((view.scrollTop + view.clientHeight) / this.rowHeight) + 5);
    const needed = last - first;
    view.removeAttribute('aria-activedescendant');
    while (this.pool.length < needed) {
      const row = el('div', 'vrow');
      row.id = view.id + '-row-' + this.pool.length;
      row.setAttribute('role', 'option');
      row.style.height = this.rowHeight + 'px';
      view.append(row);
      this.pool.push(row);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const row = this.pool[i];
      const index = first + i;
      if (i >= needed) {
        row.hidden = true;
        continue;
      }
      const item = this.items[index];
      row.hidden = false;
      row.dataset.index = String(index);
      row.style.transform = 'translateY(' + (index * this.rowHeight) + 'px)';
      const selected = this.keyOf(item) === this.selectedKey;
      row.setAttribute('aria-selected', selected ? 'true' : 'false');
      // Focus stays on the list; a screen reader follows the selected row.
      if (selected) view.setAttribute('aria-activedescendant', row.id);
      this.renderRow(row, item);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// State

const state = {
  role: null,
  alerts: new Map(),       // alertId -> alert
  alertOrder: [],          // alerts sorted by last seen, newest first (bounded by MAX_ALERTS)
  hosts: [],
  containers: [],
  remediations: [],
  view: 'alerts',
  streamAbort: null,
  timers: [],
  pendingAlerts: [],
  selectedAlertId: null,
  shownAlert: null,
  selectedContainerKey: null,
  shownContainerJson: null,
};

function alertTime(a) {
  return parseTime(a.lastSeen) || parseTime(a.publishedAt) || 0;
}

function isNewer(candidate, existing) {
  const c = parseTime(candidate.publishedAt) || 0;
  const e = parseTime(existing.publishedAt) || 0;
  return c > e || (c === e && (candidate.occurrences || 0) >= (existing.occurrences || 0));
}

/** Each alert's time, parsed once (a sort of 10,000 would parse 300,000 dates). */
const sortTimes = new WeakMap();

/** Merges alerts (from the stream or a page) into the bounded, sorted store. */
function mergeAlerts(incoming) {
  let changed = false;
  for (const alert of incoming) {
    if (!alert || !alert.alertId) continue;
    const existing = state.alerts.get(alert.alertId);
    if (existing && !isNewer(alert, existing)) continue;
    sortTimes.set(alert, alertTime(alert));
    state.alerts.set(alert.alertId, alert);
    changed = true;
  }
  if (!changed) return false;
  state.alertOrder = Array.from(state.alerts.values()).sort((a, b) => sortTimes.get(b) - sortTimes.get(a));
  if (state.alertOrder.length > MAX_ALERTS) {
    for (const dropped of state.alertOrder.splice(MAX_ALERTS)) state.alerts.delete(dropped.alertId);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Alerts view

let alertList;

function alertFilters() {
  return {
    host: $('f-host').value,
    rule: $('f-rule').value,
    severity: $('f-severity').value,
    container: $('f-container').value.trim().toLowerCase(),
  };
}

function alertMatches(a, f) {
  if (f.host && a.hostId !== f.host) return false;
  if (f.rule && a.rule !== f.rule) return false;
  if (f.severity && SEVERITIES.indexOf(a.severity) < SEVERITIES.indexOf(f.severity)) return false;
  if (f.container) {
    const name = (a.containerName || '').toLowerCase();
    const id = (a.containerId || '').toLowerCase();
    if (!name.includes(f.container) && !id.startsWith(f.container)) return false;
  }
  return true;
}

function renderAlertRow(row, a) {
  if (!row.firstChild) {
    row.classList.add('alerts-cols');
    const main = el('span', 'main-cell');
    main.append(el('span', 'title'), el('span', 'meta'));
    row.append(el('span', 'time'), el('span'), main);
  }
  const [time, severity, main] = row.children;
  time.textContent = formatTime(a.lastSeen || a.publishedAt);
  severity.replaceChildren(severityBadge(a.severity));
  main.children[0].textContent = a.title || a.rule || '';
  main.children[1].textContent = [a.rule, a.hostId, a.containerName || shortId(a.containerId)]
    .filter(Boolean).join('  \u00b7  ');
  row.dataset.alertId = a.alertId;
  row.dataset.rule = a.rule || '';
}

function refreshAlerts() {
  const filters = alertFilters();
  const shown = state.alertOrder.filter(a => alertMatches(a, filters));
  const shifted = alertList.setItems(shown, a => a.alertId);
  $('alerts-empty').hidden = shown.length > 0;
  $('count-alerts').textContent = String(state.alertOrder.length);
  $('alerts-summary').textContent = shown.length === state.alertOrder.length
    ? state.alertOrder.length + ' alerts'
    : shown.length + ' of ' + state.alertOrder.length + ' alerts';
  if (state.alertOrder.length >= MAX_ALERTS) {
    $('alerts-summary').textContent += ' (the newest ' + MAX_ALERTS + ' are kept)';
  }
  // Only a changed alert is rendered again, so that focus and scroll in the panel stay put.
  const selected = state.selectedAlertId && state.alerts.get(state.selectedAlertId);
  if (selected && selected !== state.shownAlert) showAlert(selected);
  return shifted;
}

function showAlert(a) {
  state.selectedAlertId = a.alertId;
  state.shownAlert = a;
  const panel = $('alert-detail');
  const parts = [];
  const head = el('h2');
  head.append(severityBadge(a.severity), document.createTextNode(' ' + (a.title || a.rule || '')));
  parts.push(head);
  const seen = formatTime(a.firstSeen) === formatTime(a.lastSeen) ? formatTime(a.lastSeen)
    : formatTime(a.firstSeen) + ' to ' + formatTime(a.lastSeen);
  parts.push(definitions([
    ['Rule', a.rule],
    ['Host', a.hostId],
    ['Container', a.containerName ? a.containerName + ' (' + shortId(a.containerId) + ')' : shortId(a.containerId)],
    ['Image', a.image],
    ['Seen', seen + (a.occurrences > 1 ? ', ' + a.occurrences + ' times' : '')],
  ]));
  // Evidence first: during an incident it is what the reader came for.
  parts.push(el('h3', null, 'Evidence'));
  const list = el('ul', 'evidence');
  for (const e of a.evidence || []) {
    const item = el('li');
    item.append(el('div', 'time', formatTime(e.time) + (e.topic ? '  ' + e.topic : '')), el('pre', null, e.description || ''));
    list.append(item);
  }
  if (!list.firstChild) list.append(el('li', 'hint', 'no evidence lines'));
  parts.push(list);
  if (a.summary) {
    parts.push(el('h3', null, 'What it means'));
    parts.push(el('p', null, a.summary));
  }
  if (a.remediation && (a.remediation.description || a.remediation.action)) {
    parts.push(el('h3', null, 'Suggested'));
    parts.push(el('p', null, [a.remediation.action, a.remediation.description].filter(Boolean).join(': ')));
  }
  const container = a.containerId && findContainer(a.hostId, a.containerId);
  if (container && state.role === 'operator') {
    parts.push(el('h3', null, 'Act on ' + (container.name || shortId(container.id))));
    parts.push(containerActions(container));
  }
  parts.push(el('h3', null, 'Attributes'));
  parts.push(definitions([...Object.entries(a.attributes || {}), ['alert id', a.alertId]]));
  panel.replaceChildren(...parts);
}

function definitions(pairs) {
  const dl = el('dl');
  for (const [name, value] of pairs) {
    if (value == null || value === '') continue;
    dl.append(el('dt', null, name), el('dd', null, value));
  }
  return dl;
}

// ---------------------------------------------------------------------------------------------
// Containers view

let containerList;

function containerKey(c) {
  return c.hostId + '/' + c.id;
}

function findContainer(hostId, id) {
  return state.containers.find(c => c.hostId === hostId && (c.id === id || c.id.startsWith(id)));
}

function renderContainerRow(row, c) {
  if (!row.firstChild) {
    row.classList.add('containers-cols');
    for (let i = 0; i < 6; i++) row.append(el('span'));
  }
  const cells = row.children;
  cells[0].textContent = c.hostId;
  cells[1].textContent = c.name || shortId(c.id);
  cells[2].textContent = c.image || '';
  cells[3].textContent = c.state || '';
  cells[3].className = 'state-' + (c.state || 'unknown');
  cells[4].textContent = c.networkMode || '';
  cells[5].textContent = isolationText(c);
  cells[5].className = c.isolated ? 'isolated' : '';
  row.dataset.containerName = c.name || '';
  row.dataset.isolated = c.isolated ? 'true' : 'false';
}

function refreshContainers() {
  const host = $('c-host').value;
  const text = $('c-text').value.trim().toLowerCase();
  const isolatedOnly = $('c-isolated').checked;
  const shown = state.containers.filter(c =>
    (!host || c.hostId === host)
    && (!isolatedOnly || c.isolated)
    && (!text || (c.name || '').toLowerCase().includes(text) || (c.image || '').toLowerCase().includes(text)
        || c.id.startsWith(text)));
  containerList.setItems(shown, containerKey);
  $('containers-empty').hidden = shown.length > 0;
  $('count-containers').textContent = String(state.containers.length);
  const isolated = state.containers.filter(c => c.isolated).length;
  $('containers-summary').textContent = shown.length + ' of ' + state.containers.length + ' containers, '
    + isolated + ' isolated';
  // Only a changed container is rendered again (every few seconds the list is read anew), so that
  // focus and scroll in the panel stay put.
  const selected = state.selectedContainerKey && state.containers.find(c => containerKey(c) === state.selectedContainerKey);
  if (selected && JSON.stringify(selected) !== state.shownContainerJson) showContainer(selected);
}

function showContainer(c) {
  state.selectedContainerKey = containerKey(c);
  state.shownContainerJson = JSON.stringify(c);
  const panel = $('container-detail');
  const parts = [el('h2', null, c.name || shortId(c.id))];
  const addresses = (c.addresses || []).map(a => [a.network, a.ipv4Address].filter(Boolean).join(' ')).join(', ');
  parts.push(definitions([
    ['Host', c.hostId],
    ['Id', shortId(c.id)],
    ['Image', c.image],
    ['State', c.state],
    ['Last action', c.lastAction],
    ['Network', c.networkMode],
    ['Addresses', addresses],
    ['Isolation', isolationDetail(c)],
    ['Flags', (c.flags || []).join(', ')],
    ['Updated', formatTime(c.updatedAt)],
  ]));
  const isolation = Array.from(parts[1].children).find(node => node.textContent === 'Isolation');
  if (isolation) isolation.nextElementSibling.classList.add('isolation-live');
  if (state.role === 'operator') {
    parts.push(el('h3', null, 'Actions'));
    parts.push(containerActions(c));
  }
  const related = state.alertOrder.filter(a => a.hostId === c.hostId && a.containerId === c.id).slice(0, 20);
  if (related.length) {
    parts.push(el('h3', null, 'Alerts'));
    const list = el('ul', 'evidence');
    for (const a of related) {
      const item = el('li');
      item.append(severityBadge(a.severity), document.createTextNode(' ' + (a.rule || '') + ' ' + formatTime(a.lastSeen)));
      list.append(item);
    }
    parts.push(list);
  }
  panel.replaceChildren(...parts);
}

function isolationDetail(c) {
  const i = c.isolated && c.isolation;
  return isolationText(c) + (i && i.interface ? ' (' + i.interface + ')' : '')
    + (i && i.reisolatedAt ? '; re-isolated after a restart at ' + i.reisolatedAt : '')
    + (i && i.enforced === false && i.notEnforcedReason ? '; ' + i.notEnforcedReason : '');
}

/** The operator's buttons for a container (only built for an operator token). */
function containerActions(c) {
  const box = el('div', 'actions');
  const target = { hostId: c.hostId, container: c.id, label: (c.name || shortId(c.id)) + ' on ' + c.hostId };
  if (c.isolated) {
    box.append(button('Restore network', () => openAction('RESTORE_NETWORK', target), 'action'));
  } else {
    box.append(button('Isolate network…', () => openAction('ISOLATE_NETWORK', target), 'action danger'));
  }
  box.append(button('Capture packets…', () => openAction('CAPTURE_PACKETS', target), 'action'));
  if (c.image) {
    box.append(button('Extract file from image…', () =>
      openAction('EXTRACT_FILE', { hostId: c.hostId, image: c.image, label: c.image + ' on ' + c.hostId }), 'action'));
  }
  return box;
}

// ---------------------------------------------------------------------------------------------
// Hosts and remediations views (small: plain tables)

function refreshHosts() {
  const body = $('hosts-body');
  const rows = state.hosts.map(h => {
    const tr = el('tr', h.silent ? 'silent' : '');
    const degraded = Object.entries(h.degradedSources || {});
    const status = el('td');
    if (h.silent) status.append(el('span', 'badge silent', 'SILENT'));
    else if (degraded.length) status.append(el('span', 'badge degraded', 'DEGRADED'));
    else status.append(el('span', 'badge ok', 'REPORTING'));
    const drops = Object.entries(h.drops || {}).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + n).join(', ');
    tr.append(el('td', 'mono', h.hostId), status,
      el('td', 'time', h.lastHeartbeat ? formatAgo(h.lastHeartbeat) : 'none yet'),
      el('td', 'mono', h.kernelVersion || ''),
      el('td', null, h.engineVersion ? h.engineVersion + (h.engineApiVersion ? ' (API ' + h.engineApiVersion + ')' : '') : ''),
      el('td', null, h.runningContainers == null ? '' : h.runningContainers),
      el('td', null, degraded.map(([k, v]) => k + ': ' + v).join('; ') || 'none'),
      el('td', null, drops || 'none'));
    tr.dataset.hostId = h.hostId;
    return tr;
  });
  body.replaceChildren(...rows);
  $('hosts-empty').hidden = rows.length > 0;
  $('count-hosts').textContent = String(state.hosts.length);
  const silent = state.hosts.filter(h => h.silent).length;
  const degraded = state.hosts.filter(h => !h.silent && Object.keys(h.degradedSources || {}).length).length;
  $('fleet').textContent = state.hosts.length + ' host' + (state.hosts.length === 1 ? '' : 's')
    + (silent ? ', ' + silent + ' SILENT' : '') + (degraded ? ', ' + degraded + ' degraded' : '');
  for (const id of ['f-host', 'c-host']) fillHostOptions($(id));
}

function fillHostOptions(select) {
  const current = select.value;
  const options = [select.options[0]];
  const ids = new Set(state.hosts.map(h => h.hostId));
  if (current) ids.add(current);
  for (const id of Array.from(ids).sort()) {
    const option = el('option', null, id);
    option.value = id;
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = current;
}

function remediationTarget(r) {
  if (r.action === 'EXTRACT_FILE') return (r.image || '') + ':' + (r.path || '') + ' on ' + (r.hostId || '');
  return (r.containerName || shortId(r.containerId)) + ' on ' + (r.hostId || '');
}

function refreshRemediations() {
  const rows = state.remediations.map(r => {
    const tr = el('tr');
    const status = el('td', 'status-' + r.status, r.status + (r.expired ? ' (expired)' : '') + (r.dryRun ? ' (dry run)' : ''));
    const artifact = el('td');
    if (r.artifact && r.artifact.complete && !r.artifact.evicted) {
      // Downloads need the operator role (an artifact may hold captured traffic or a file of the
      // image): a viewer is told what there is, with no button.
      if (state.role === 'operator') {
        const get = button('Download', () => download(r), 'download');
        get.setAttribute('aria-label', 'Download ' + (r.artifact.fileName || 'artifact'));
        artifact.append(get);
      }
      artifact.append(el('div', 'hint', (r.artifact.fileName || '') + ', ' + formatBytes(r.artifact.totalSize)
        + (state.role === 'operator' ? '' : ' (an operator token downloads it)')));
    } else if (r.artifact && r.artifact.evicted) {
      artifact.textContent = 'dropped (memory bound)';
    }
    const extra = r.action === 'ISOLATE_NETWORK' && r.ttlSeconds ? ' (TTL ' + r.ttlSeconds + ' s)'
      : r.durationSeconds ? ' (' + r.durationSeconds + ' s)' : '';
    tr.append(el('td', 'time', formatTime(r.requestedAt)), status, el('td', null, r.action + extra),
      el('td', 'wrap', remediationTarget(r)), el('td', null, r.requestedBy || ''), el('td', 'wrap', r.reason || ''),
      el('td', 'wrap', r.detail || ''), artifact);
    tr.dataset.remediationId = r.id;
    return tr;
  });
  $('remediations-body').replaceChildren(...rows);
  $('remediations-empty').hidden = rows.length > 0;
  $('count-remediations').textContent = String(state.remediations.length);
}

// ---------------------------------------------------------------------------------------------
// Actions: a dialog that asks for the parameters and a reason, then the outcome as it arrives

const ACTIONS = {
  ISOLATE_NETWORK: { title: 'Isolate the network', fields: [
    { name: 'ttlSeconds', label: 'Restore by itself after (seconds; 0 = stay isolated)', value: '600', min: 0, max: 86400 }] },
  RESTORE_NETWORK: { title: 'Restore the network', fields: [] },
  CAPTURE_PACKETS: { title: 'Capture packets', fields: [
    { name: 'durationSeconds', label: 'Duration (seconds)', value: '10', min: 1, max: 3600 }] },
  EXTRACT_FILE: { title: 'Extract a file from the image', fields: [
    { name: 'path', label: 'Absolute path in the image', value: '/etc/passwd', text: true }] },
};

let pendingAction = null;

function openAction(action, target) {
  const spec = ACTIONS[action];
  pendingAction = { action, target };
  $('action-title').textContent = spec.title;
  $('action-target').textContent = target.label;
  const fields = spec.fields.map(f => {
    const wrap = el('div', 'field');
    const label = el('label', null, f.label);
    const input = document.createElement('input');
    input.id = 'action-' + f.name;
    input.name = f.name;
    input.value = f.value;
    input.required = true;
    if (f.text) {
      input.type = 'text';
      input.pattern = '/.*';
      input.spellcheck = false;
    } else {
      input.type = 'number';
      input.min = String(f.min);
      input.max = String(f.max);
    }
    label.htmlFor = input.id;
    wrap.append(label, input);
    return wrap;
  });
  $('action-fields').replaceChildren(...fields);
  $('action-reason').value = '';
  $('action-error').textContent = '';
  $('action-submit').disabled = false;
  $('action-dialog').showModal();
  (fields.length ? fields[0].querySelector('input') : $('action-reason')).focus();
}

async function submitAction(event) {
  event.preventDefault();
  if (!pendingAction) return;
  const form = $('action-form');
  if (!form.reportValidity()) return;
  const { action, target } = pendingAction;
  const body = { action, reason: $('action-reason').value.trim(), hostId: target.hostId };
  if (target.container) body.container = target.container;
  if (target.image) body.image = target.image;
  for (const f of ACTIONS[action].fields) {
    const value = $('action-' + f.name).value.trim();
    body[f.name] = f.text ? value : Number(value);
  }
  if (!body.reason) {
    $('action-error').textContent = 'A reason is required.';
    return;
  }
  $('action-submit').disabled = true;
  try {
    const created = await api.json('/api/v1/remediations', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    $('action-dialog').close();
    pendingAction = null;
    followOutcome(created.id, ACTIONS[action].title, target.label);
  } catch (e) {
    if (e instanceof Unauthorized) return signOut('The token is no longer accepted; sign in again.');
    $('action-error').textContent = (e.code ? e.code + ': ' : '') + e.message;
    $('action-submit').disabled = false;
  }
}

/** A card that shows the command's status until its result arrives, then its outcome. */
function followOutcome(id, title, label) {
  const card = el('div', 'outcome wait');
  card.dataset.remediationId = id;
  const head = el('div', 'row');
  const status = el('strong', 'status-PENDING', 'PENDING');
  head.append(el('span', null, title), status, button('Dismiss', () => card.remove(), 'link'));
  const target = el('p', 'hint', label);
  const detail = el('p', 'outcome-detail');
  detail.title = '';
  const extra = el('div');
  card.append(head, target, detail, extra);
  $('outcomes').prepend(card);
  const started = Date.now();
  const poll = async () => {
    if (!state.role) return;
    try {
      const r = await api.json('/api/v1/remediations/' + encodeURIComponent(id));
      status.textContent = r.status + (r.expired ? ' (expired: no collector took it)' : '');
      status.className = 'status-' + r.status;
      detail.textContent = r.detail || (FINAL_STATUSES.has(r.status) ? '' : 'waiting for the collector…');
      detail.title = r.detail || '';
      const artifactPending = r.status === 'SUCCEEDED' && r.artifact && !r.artifact.complete && !r.artifact.evicted;
      if (FINAL_STATUSES.has(r.status) && !artifactPending) {
        card.className = 'outcome ' + (r.status === 'SUCCEEDED' ? 'ok' : 'bad');
        if (r.artifact && r.artifact.complete && !r.artifact.evicted) {
          extra.replaceChildren(button('Download ' + (r.artifact.fileName || 'artifact') + ' (' + formatBytes(r.artifact.totalSize) + ')',
            () => download(r), 'primary download'));
        }
        loadContainers();
        loadRemediations();
        return;
      }
      if (r.expired) {
        card.className = 'outcome bad';
        return;
      }
    } catch (e) {
      if (e instanceof Unauthorized) return signOut('The token is no longer accepted; sign in again.');
      detail.textContent = 'cannot read the outcome yet: ' + e.message;
    }
    const waited = Date.now() - started;
    setTimeout(poll, waited < 10000 ? 700 : 3000);
  };
  poll();
}

/** Fetches an artifact with the token in the header and hands it to the browser as a download. */
async function download(r) {
  try {
    const response = await api.request('/api/v1/remediations/' + encodeURIComponent(r.id) + '/artifact');
    if (!response.ok) {
      let message = 'HTTP ' + response.status;
      try {
        message = (await response.json()).message || message;
      } catch (e) {
        // keep the status
      }
      throw new Error(message);
    }
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = safeFileName(r.artifact && r.artifact.fileName, r.action === 'CAPTURE_PACKETS' ? 'capture.pcap' : 'artifact');
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (e) {
    if (e instanceof Unauthorized) return signOut('The token is no longer accepted; sign in again.');
    notice('Download failed: ' + e.message);
  }
}

/** The last path element, without control characters; the browser sanitises the rest. */
function safeFileName(name, fallback) {
  const base = String(name || '').split(/[\\/]/).pop().replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return base && base !== '.' && base !== '..' ? base.slice(0, 200) : fallback;
}

function notice(text) {
  const card = el('div', 'outcome bad');
  const head = el('div', 'row');
  head.append(el('span', null, text), button('Dismiss', () => card.remove(), 'link'));
  card.append(head);
  $('outcomes').prepend(card);
}

// ---------------------------------------------------------------------------------------------
// Loading: the alert stream (live), and periodic reads of the smaller views

async function loadAlertsPage() {
  const body = await api.json('/api/v1/alerts?limit=' + INITIAL_ALERTS);
  if (mergeAlerts(body.alerts || [])) refreshAlerts();
}

async function loadHosts() {
  state.hosts = (await api.json('/api/v1/hosts')).hosts || [];
  refreshHosts();
}

async function loadContainers() {
  try {
    state.containers = (await api.json('/api/v1/containers')).containers || [];
    refreshContainers();
  } catch (e) {
    handleLoadError(e);
  }
}

async function loadRemediations() {
  try {
    state.remediations = (await api.json('/api/v1/remediations?limit=' + REMEDIATIONS_SHOWN)).remediations || [];
    refreshRemediations();
  } catch (e) {
    handleLoadError(e);
  }
}

function handleLoadError(e) {
  if (e instanceof Unauthorized) signOut('The token is no longer accepted; sign in again.');
}

function setStream(text, live) {
  const node = $('stream');
  node.textContent = text;
  node.className = 'stream ' + (live ? 'live' : 'down');
}

/**
 * Reads the server-sent events with fetch (the token goes in a header), reconnecting with back-off.
 * Like EventSource, it sends back the last event id it saw (Last-Event-ID) so that the controller
 * replays what was missed, and waits the server's retry hint before a reconnection; on a `reset`
 * event (the missed alerts are no longer known) it reloads the alerts page instead.
 */
async function runStream() {
  let delay = 1000;
  let retry = 3000;
  let lastEventId = null;
  while (state.role) {
    const abort = new AbortController();
    state.streamAbort = abort;
    try {
      const headers = { Accept: 'text/event-stream' };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      const response = await api.request('/api/v1/alerts/stream', { signal: abort.signal, headers });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      setStream('live', true);
      // The first connection starts from a page of alerts; a resumed one is sent what it missed.
      if (!lastEventId) loadAlertsPage().catch(handleLoadError);
      delay = retry;
      await readEvents(response.body, event => {
        if (event.type === 'alert') queueAlert(event.data);
        else if (event.type === 'reset') loadAlertsPage().catch(handleLoadError);
      }, id => { lastEventId = id; }, ms => { retry = ms; delay = ms; });
      throw new Error('the stream ended');
    } catch (e) {
      if (e instanceof Unauthorized) return signOut('The token is no longer accepted; sign in again.');
      if (!state.role || abort.signal.aborted) return;
      setStream('reconnecting in ' + Math.round(delay / 1000) + ' s', false);
      await new Promise(resolve => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  }
}

/**
 * Parses a text/event-stream body into events ({type, id, data}); onId is told every id (also of
 * blocks without data, as EventSource keeps them), onRetry every retry hint in milliseconds.
 */
async function readEvents(body, onEvent, onId = () => {}, onRetry = () => {}) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // One pass over the buffer per chunk (no re-slicing of the rest for every event).
    const separator = /\r?\n\r?\n/g;
    let start = 0;
    let match;
    while ((match = separator.exec(buffer)) !== null) {
      const block = buffer.slice(start, match.index);
      start = separator.lastIndex;
      const event = { type: 'message', id: null, data: '' };
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.type = value;
        else if (field === 'id') event.id = value;
        else if (field === 'data') data.push(value);
        else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
      }
      if (event.id !== null && !event.id.includes('\0')) onId(event.id);
      if (data.length) {
        event.data = data.join('\n');
        onEvent(event);
      }
    }
    buffer = buffer.slice(start);
  }
}

/** Streamed alerts are applied once per animation frame, so a burst costs one sort and one render. */
function queueAlert(data) {
  try {
    state.pendingAlerts.push(JSON.parse(data));
  } catch (e) {
    return;
  }
  if (state.pendingAlerts.length === 1) {
    requestAnimationFrame(applyQueuedAlerts);
  }
}

function applyQueuedAlerts() {
  const batch = state.pendingAlerts;
  state.pendingAlerts = [];
  if (!mergeAlerts(batch)) return;
  // What the reader looks at stays in place (scroll anchoring): new rows land above it, and the
  // button (in a slot of its own, so that nothing moves) offers the way back to the top.
  if (refreshAlerts() > 0) $('alerts-top').classList.add('shown');
}

// ---------------------------------------------------------------------------------------------
// Views, login, start

function showView(name) {
  state.view = name;
  for (const tab of document.querySelectorAll('.tabs [role="tab"]')) {
    const selected = tab.dataset.view === name;
    tab.setAttribute('aria-selected', selected ? 'true' : 'false');
    tab.tabIndex = selected ? 0 : -1;
    $('view-' + tab.dataset.view).hidden = !selected;
  }
  if (name === 'alerts') alertList.render();
  if (name === 'containers') {
    containerList.render();
    loadContainers();
  }
  if (name === 'remediations') loadRemediations();
  if (name === 'hosts') loadHosts().catch(handleLoadError);
}

function setUpStatic() {
  applyTheme();
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);
  for (const b of document.querySelectorAll('.theme-switch')) b.addEventListener('click', switchTheme);
  for (const rule of RULES) $('f-rule').append(Object.assign(el('option', null, rule), { value: rule }));
  for (const s of SEVERITIES) $('f-severity').append(Object.assign(el('option', null, s + ' or worse'), { value: s }));
  for (const id of ['f-host', 'f-rule', 'f-severity']) $(id).addEventListener('change', () => refreshAlerts());
  $('f-container').addEventListener('input', () => refreshAlerts());
  for (const id of ['c-host', 'c-isolated']) $(id).addEventListener('change', refreshContainers);
  $('c-text').addEventListener('input', refreshContainers);
  $('alerts-top').addEventListener('click', () => {
    alertList.container.scrollTop = 0;
    $('alerts-top').classList.remove('shown');
  });
  alertList = new VirtualList($('alerts-list'), ALERT_ROW_HEIGHT, renderAlertRow, showAlert);
  containerList = new VirtualList($('containers-list'), CONTAINER_ROW_HEIGHT, renderContainerRow, showContainer);
  alertList.container.addEventListener('scroll', () => {
    if (alertList.container.scrollTop === 0) $('alerts-top').classList.remove('shown');
  });
  const tabs = Array.from(document.querySelectorAll('.tabs [role="tab"]'));
  for (const tab of tabs) {
    tab.addEventListener('click', () => showView(tab.dataset.view));
    tab.addEventListener('keydown', event => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      next.focus();
      showView(next.dataset.view);
    });
  }
  $('sign-out').addEventListener('click', () => signOut(''));
  $('login-form').addEventListener('submit', event => {
    event.preventDefault();
    const token = $('login-token').value.trim();
    $('login-token').value = '';
    if (token) signIn(token);
  });
  $('action-form').addEventListener('submit', submitAction);
  $('action-dialog').addEventListener('close', () => { pendingAction = null; });
  $('action-cancel').addEventListener('click', () => {
    pendingAction = null;
    $('action-dialog').close();
  });
}

function showLogin(message) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-token').focus();
}

async function signIn(token) {
  api.token = token;
  let who;
  try {
    who = await api.json('/api/v1/whoami');
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    api.token = null;
    return showLogin(e instanceof Unauthorized ? 'That token was not accepted.' : 'Cannot reach the controller: ' + e.message);
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.role = who.role;
  document.body.dataset.role = who.role;
  $('who').textContent = who.role === 'operator' ? 'operator' : 'viewer (read only)';
  $('login').hidden = true;
  $('app').hidden = false;
  showView('alerts');
  setStream('connecting', false);
  runStream();
  loadHosts().catch(handleLoadError);
  loadContainers();
  loadRemediations();
  state.timers.push(setInterval(() => loadHosts().catch(handleLoadError), 10000));
  state.timers.push(setInterval(() => {
    if (state.view === 'containers' || state.view === 'alerts') loadContainers();
  }, 5000));
  state.timers.push(setInterval(() => {
    if (state.view === 'remediations') loadRemediations();
  }, 5000));
  // Countdowns and "ago" texts: only the visible rows are rendered again.
  state.timers.push(setInterval(() => {
    if (state.view !== 'containers') return;
    containerList.render();
    const selected = state.containers.find(c => containerKey(c) === state.selectedContainerKey);
    const live = document.querySelector('#container-detail .isolation-live');
    if (selected && live) live.textContent = isolationDetail(selected);
  }, 1000));
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  api.token = null;
  state.role = null;
  delete document.body.dataset.role;
  if (state.streamAbort) state.streamAbort.abort();
  for (const timer of state.timers) clearInterval(timer);
  state.timers = [];
  state.alerts.clear();
  state.alertOrder = [];
  state.containers = [];
  state.remediations = [];
  state.selectedAlertId = null;
  state.shownAlert = null;
  state.selectedContainerKey = null;
  state.shownContainerJson = null;
  $('alert-detail').replaceChildren(el('p', 'hint', 'Select an alert (arrow keys or click) to see its evidence.'));
  $('container-detail').replaceChildren(el('p', 'hint', 'Select a container to see it and act on it.'));
  $('outcomes').replaceChildren();
  refreshAlerts();
  refreshContainers();
  refreshRemediations();
  showLogin(message);
}

/** A token in the address's fragment (the link `porthole up` prints) is taken once and removed. */
function tokenFromFragment() {
  if (!location.hash) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  history.replaceState(null, '', location.pathname + location.search);
  return token;
}

function start() {
  setUpStatic();
  const token = tokenFromFragment() || sessionStorage.getItem(TOKEN_KEY);
  if (token) signIn(token);
  else showLogin('');
}

start();
