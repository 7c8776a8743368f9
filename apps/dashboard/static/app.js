// The dashboard page: hash routes, each view drawn from the JSON API. Text from the cluster
// is always set as text (never parsed as HTML).
const view = document.getElementById('view');
const errorBox = document.getElementById('error');
let timer;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function table(id, columns, rows) {
  return el('table', { id },
    el('thead', {}, el('tr', {}, columns.map(([label, num]) => el('th', { class: num ? 'num' : undefined }, label)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c, i) => el('td', { class: columns[i][1] ? 'num' : undefined }, c))))));
}

const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : n);
const time = (ms) => (ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace('Z', '') : '');
const link = (hash, text) => el('a', { class: 'link', href: hash }, text);
const enc = encodeURIComponent;

async function api(path, init) {
  const res = await fetch(path, init);
  const json = await res.json().catch(() => ({ error: { code: 'BAD_RESPONSE', message: `HTTP ${res.status}` } }));
  if (!res.ok) throw new Error(`${json.error?.code ?? res.status}: ${json.error?.message ?? ''}`);
  return json;
}

const post = (path, body) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function showError(err) {
  errorBox.hidden = err === undefined;
  errorBox.textContent = err === undefined ? '' : String(err.message ?? err);
}

function field(label, input) {
  return el('label', {}, label, input);
}

// ---- cluster ----
let lastTotals;
async function clusterView() {
  const data = await api('/api/cluster');
  document.getElementById('namesrv').textContent = `NameServer ${data.namesrvAddr}`;
  const now = Date.now();
  const rates = new Map();
  if (lastTotals !== undefined) {
    const secs = (now - lastTotals.at) / 1000;
    for (const b of data.brokers) {
      const prev = lastTotals.brokers.get(b.addr);
      if (prev !== undefined && secs > 0) rates.set(b.addr, [Math.max(0, (b.messagesIn - prev.in) / secs), Math.max(0, (b.messagesOut - prev.out) / secs)]);
    }
  }
  lastTotals = { at: now, brokers: new Map(data.brokers.map((b) => [b.addr, { in: b.messagesIn, out: b.messagesOut }])) };
  const rows = data.brokers.map((b) => {
    const r = rates.get(b.addr);
    return [b.cluster, b.brokerName, b.brokerId, b.addr, b.answering ? b.version : 'not answering', fmt(b.topics), fmt(b.messagesIn), fmt(b.messagesOut),
      r ? r[0].toFixed(1) : '…', r ? r[1].toFixed(1) : '…', fmt(b.producerGroups), fmt(b.consumerGroups), b.uptime ?? ''];
  });
  return [
    el('h2', {}, `Brokers (${data.brokers.length})`),
    table('brokers', [['cluster'], ['broker'], ['id', 1], ['address'], ['version'], ['topics', 1], ['messages in', 1], ['messages out', 1], ['in/s', 1], ['out/s', 1], ['producer groups', 1], ['consumer groups', 1], ['up']], rows),
    el('p', { class: 'note' }, 'Counts are since each broker started; rates are over the last refresh (every 3 s).'),
  ];
}

// ---- topics ----
async function topicsView() {
  const data = await api('/api/topics');
  const filter = el('input', { id: 'topic-filter', placeholder: 'filter' });
  const all = el('input', { type: 'checkbox', id: 'topic-all' });
  const body = el('div');
  const draw = () => {
    const f = filter.value.trim().toLowerCase();
    const rows = data.topics.filter((t) => (all.checked || t.kind === 'normal') && t.topic.toLowerCase().includes(f));
    body.replaceChildren(table('topics', [['topic'], ['kind']], rows.map((t) => [link(`#/topics/${enc(t.topic)}`, t.topic), t.kind])));
  };
  filter.addEventListener('input', draw);
  all.addEventListener('change', draw);
  draw();
  const name = el('input', { id: 'new-topic', required: true, placeholder: 'TopicName' });
  const queues = el('input', { id: 'new-topic-queues', type: 'number', min: 1, max: 1024, value: 8 });
  const order = el('input', { id: 'new-topic-order', type: 'checkbox' });
  const create = el('form', { id: 'create-topic', on: { submit: async (e) => {
    e.preventDefault();
    try {
      const n = Number(queues.value);
      await post('/api/topics', { topic: name.value.trim(), readQueueNums: n, writeQueueNums: n, order: order.checked });
      location.hash = `#/topics/${enc(name.value.trim())}`;
    } catch (err) { showError(err); }
  } } }, field('topic', name), field('queues per broker', queues), field('ordered', order), el('button', { type: 'submit' }, 'Create topic'));
  return [el('h2', {}, 'Create a topic'), create, el('h2', {}, `Topics (${data.topics.length})`), el('form', {}, field('filter', filter), field('system, retry and DLQ', all)), body];
}

async function topicView(topic) {
  const data = await api(`/api/topics/${enc(topic)}`);
  const result = el('p', { id: 'send-result', class: 'note' });
  const body = el('textarea', { id: 'send-body', rows: 3, cols: 50, required: true });
  const tags = el('input', { id: 'send-tags' });
  const keys = el('input', { id: 'send-keys' });
  const send = el('form', { id: 'send-message', on: { submit: async (e) => {
    e.preventDefault();
    try {
      const r = await post('/api/messages', { topic, body: body.value, tags: tags.value, keys: keys.value });
      result.replaceChildren(`${r.status}: msgId ${r.msgId}, stored on ${r.brokerName} queue ${r.queueId} at offset ${r.queueOffset} `, link(`#/messages/${r.offsetMsgId}`, 'view'));
      showError();
    } catch (err) { showError(err); }
  } } }, field('body', body), field('tags', tags), field('keys', keys), el('button', { type: 'submit' }, 'Send'));
  const del = el('button', { id: 'delete-topic', on: { click: async () => {
    if (!confirm(`Delete topic ${topic} from every broker and NameServer?`)) return;
    try { await api(`/api/topics/${enc(topic)}`, { method: 'DELETE' }); location.hash = '#/topics'; } catch (err) { showError(err); }
  } } }, 'Delete topic');
  return [
    el('h2', {}, `Topic ${topic}`),
    el('p', {}, `${fmt(data.messages)} messages held in ${data.queues.length} queues.`),
    table('queues', [['broker'], ['queue', 1], ['min offset', 1], ['max offset', 1], ['messages', 1]],
      data.queues.map((q) => [q.brokerName, q.queueId, fmt(q.minOffset), fmt(q.maxOffset), fmt(q.maxOffset - q.minOffset)])),
    el('h2', {}, 'Send a test message'), send, result,
    el('h2', {}, 'Danger'), del,
  ];
}

// ---- consumer groups ----
async function groupsView() {
  const data = await api('/api/groups');
  const missing = data.notAnswering.length === 0 ? undefined : el('p', { class: 'note' }, `Not answering, so their groups are missing: ${data.notAnswering.join(', ')}`);
  return [el('h2', {}, `Consumer groups (${data.groups.length})`), missing,
    table('groups', [['group'], ['brokers'], ['system']], data.groups.map((g) => [link(`#/groups/${enc(g.group)}`, g.group), g.brokerNames.join(', '), g.system ? 'yes' : '']))];
}

async function groupView(group) {
  const data = await api(`/api/groups/${enc(group)}`);
  return [el('h2', {}, `Consumer group ${group}`), el('p', {}, `Total lag: ${fmt(data.lag)} messages.`),
    table('progress', [['topic'], ['broker'], ['queue', 1], ['broker offset', 1], ['consumer offset', 1], ['lag', 1]],
      data.queues.map((q) => [q.topic, q.brokerName, q.queueId, fmt(q.brokerOffset), q.consumerOffset < 0 ? 'none' : fmt(q.consumerOffset), fmt(q.lag)]))];
}

// ---- messages ----
async function messagesView() {
  const topic = el('input', { id: 'q-topic', required: true });
  const kind = el('select', { id: 'q-kind' }, el('option', { value: 'key' }, 'key'), el('option', { value: 'msgId' }, 'message ID (UNIQ_KEY)'));
  const value = el('input', { id: 'q-value', required: true });
  const results = el('div', { id: 'q-results' });
  const form = el('form', { id: 'query', on: { submit: async (e) => {
    e.preventDefault();
    try {
      const data = await api(`/api/messages?topic=${enc(topic.value.trim())}&${kind.value}=${enc(value.value.trim())}`);
      results.replaceChildren(data.messages.length === 0 ? el('p', {}, 'No message found.') :
        table('found', [['stored'], ['msgId'], ['tags'], ['keys'], ['broker'], ['queue', 1], ['offset', 1], ['body']],
          data.messages.map((m) => [time(m.storeTimestamp), link(`#/messages/${m.offsetMsgId}`, m.msgId), m.tags ?? '', m.keys.join(' '), m.brokerName, m.queueId, m.queueOffset,
            m.bodyEncoding === 'utf8' ? m.body.slice(0, 80) : `(${m.bodySize} bytes binary)`])));
      showError();
    } catch (err) { showError(err); }
  } } }, field('topic', topic), field('by', kind), field('value', value), el('button', { type: 'submit' }, 'Search'));
  const id = el('input', { id: 'q-offset-id', required: true, size: 34 });
  const byId = el('form', { on: { submit: (e) => { e.preventDefault(); location.hash = `#/messages/${id.value.trim()}`; } } }, field('offset message ID', id), el('button', { type: 'submit' }, 'View'));
  return [el('h2', {}, 'Find messages'), form, results, el('h2', {}, 'By where it is stored'), byId];
}

async function messageView(id) {
  const { message: m } = await api(`/api/messages/${enc(id)}`);
  const rows = [['topic', m.topic], ['msgId', m.msgId], ['offsetMsgId', m.offsetMsgId], ['tags', m.tags ?? ''], ['keys', m.keys.join(' ')],
    ['broker / queue / offset', `${m.brokerName} / ${m.queueId} / ${m.queueOffset}`], ['born', `${time(m.bornTimestamp)} from ${m.bornHost}`],
    ['stored', `${time(m.storeTimestamp)} on ${m.storeHost}`], ['reconsume times', m.reconsumeTimes], ['body size', `${m.bodySize} bytes`]];
  return [el('h2', {}, 'Message'), table('message', [['field'], ['value']], rows),
    el('h2', {}, 'Properties'), table('properties', [['key'], ['value']], Object.entries(m.properties)),
    el('h2', {}, m.bodyEncoding === 'utf8' ? 'Body' : 'Body (base64)'), el('pre', { id: 'message-body' }, m.body)];
}

// ---- routing ----
const routes = [
  [/^#\/cluster$/, () => clusterView(), 'cluster', true],
  [/^#\/topics$/, () => topicsView(), 'topics'],
  [/^#\/topics\/(.+)$/, (t) => topicView(decodeURIComponent(t)), 'topics'],
  [/^#\/groups$/, () => groupsView(), 'groups'],
  [/^#\/groups\/(.+)$/, (g) => groupView(decodeURIComponent(g)), 'groups'],
  [/^#\/messages$/, () => messagesView(), 'messages'],
  [/^#\/messages\/(.+)$/, (id) => messageView(decodeURIComponent(id)), 'messages'],
];

async function render() {
  clearTimeout(timer);
  const hash = location.hash || '#/cluster';
  const route = routes.find(([re]) => re.test(hash)) ?? routes[0];
  const [re, draw, tab, refresh] = route;
  const arg = hash.match(re)?.[1];
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.tab === tab);
  try {
    const content = await draw(arg);
    if (location.hash && location.hash !== hash) return;
    view.replaceChildren(...content);
    showError();
  } catch (err) {
    showError(err);
  }
  if (refresh) timer = setTimeout(render, 3000);
}

window.addEventListener('hashchange', () => { lastTotals = undefined; render(); });
render();
