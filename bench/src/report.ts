// The Markdown table and the SVG chart of one bench run.
import type { Ratios, Stat, SummaryRow } from './summary.js';
import { metricOf } from './summary.js';
import type { Floor } from './floor.js';

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  loadAvgAtStart: number[];
  fdatasyncPerSec?: number;
  fdatasyncP50Us?: number;
  /** Plain Node.js 1 KiB echo between two processes over loopback (floor.ts). */
  floor?: Floor;
  versions: Record<string, string>;
}

export interface BenchResult {
  mode: 'quick' | 'full';
  reps: number;
  machine: Machine;
  launcher: string;
  params: Record<string, number>;
  rows: SummaryRow[];
  ratios: Ratios;
  targets: TargetCheck[];
  missing: string[];
  elapsedS: number;
}

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean | null;
}

const WORKLOADS: { id: string; title: string; cols: [string, string][] }[] = [
  { id: 'w1', title: 'W1 produce, 1 KiB, window 1000 unacknowledged', cols: [['msgs/s', 'msgs_per_s'], ['MB/s', 'mb_per_s'], ['s to last ack', 'secs']] },
  { id: 'w2', title: 'W2 catch-up consume, read back from the start', cols: [['msgs/s', 'msgs_per_s'], ['MB/s', 'mb_per_s'], ['read', 'received']] },
  { id: 'w3', title: 'W3 sync send latency (one at a time, each ack awaited), µs', cols: [['p50', 'p50_us'], ['p99', 'p99_us'], ['p99.9', 'p999_us'], ['max', 'max_us']] },
  {
    id: 'w4',
    title: 'W4 end-to-end latency at 10 k msg/s (producer and consumer in separate processes), µs',
    cols: [['p50', 'p50_us'], ['p99', 'p99_us'], ['p99.9', 'p999_us'], ['p99 from planned send', 'planned_p99_us'], ['received', 'received']],
  },
  {
    id: 'w5s',
    title: 'W5 64 senders sharing one producer (one connection), sync sends, fsync before the ack (SYNC_FLUSH / quorum confirms)',
    cols: [['msgs/s', 'msgs_per_s'], ['p50 µs', 'p50_us'], ['p99 µs', 'p99_us']],
  },
  { id: 'w5', title: 'W5 64 producer clients (one connection each), sync sends, fsync before the ack', cols: [['msgs/s', 'msgs_per_s'], ['p50 µs', 'p50_us'], ['p99 µs', 'p99_us']] },
  { id: 'w6', title: 'W6 broker memory holding 10 M × 1 KiB', cols: [['messages', 'messages'], ['commit log GiB', 'log_gib'], ['RSS MiB', 'rss_mib'], ['peak RSS MiB', 'hwm_mib'], ['fill msgs/s', 'fill_msgs_per_s']] },
  { id: 'w7', title: 'W7 restart after SIGKILL with a 4 GiB commit log', cols: [['commit log GiB', 'log_gib'], ['s to ready', 'ready_s'], ['s to first ack', 'first_ack_s']] },
];

export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  const r = a >= 100 ? Math.round(x) : a >= 10 ? Math.round(x * 10) / 10 : Math.round(x * 100) / 100;
  return r.toLocaleString('en-US');
}

export function fmtStat(s: Stat | undefined): string {
  if (s === undefined) return '–';
  if (s.n === 1 || s.min === s.max) return fmtNum(s.median);
  return `${fmtNum(s.median)} [${fmtNum(s.min)}–${fmtNum(s.max)}]`;
}

export function markdown(r: BenchResult): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`## Results of ${m.date} (${r.mode}, ${r.reps} run${r.reps === 1 ? '' : 's'} per peer and workload)`, '');
  out.push(
    `Machine: ${m.cores} × ${m.cpu}, ${m.memGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}; load average at start ${m.loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}.`,
  );
  if (m.fdatasyncPerSec !== undefined) out.push(`Disk: 4 KiB write + fdatasync loop ${fmtNum(m.fdatasyncPerSec)}/s (p50 ${fmtNum(m.fdatasyncP50Us ?? NaN)} µs).`);
  if (m.floor !== undefined) {
    const f = m.floor;
    out.push(
      `Loopback floor (plain Node.js 1 KiB echo between two processes): one at a time p50 ${fmtNum(f.sync_p50_us)} µs, p99 ${fmtNum(f.sync_p99_us)} µs; ` +
        `at 10 k/s p50 ${fmtNum(f.paced_p50_us)} µs, p99 ${fmtNum(f.paced_p99_us)} µs. W3 and W4 cannot go below these round trips.`,
    );
    if (f.conns64_rt_per_s !== undefined) {
      out.push(
        `The same echo over 64 connections, one request in flight on each (W5's shape with 64 producer clients): ${fmtNum(f.conns64_rt_per_s)} round trips/s, ` +
          `${fmtNum(f.conns64_cpu_us_per_rt ?? NaN)} µs of CPU per round trip in client and server together: the most that shape could reach here before any work is done.`,
      );
    }
  }
  out.push(`Versions: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}. Contrail server started with ${r.launcher}.`);
  out.push('', 'Median [min–max] over the runs; every server and client shares the same cores, and peers run interleaved so ratios come from the same conditions.', '');
  for (const w of WORKLOADS) {
    const rows = r.rows.filter((x) => x.workload === w.id);
    if (rows.length === 0) continue;
    out.push(`### ${w.title}`, '', `| peer | runs | ${w.cols.map((c) => c[0]).join(' | ')} |`, `|---|---|${w.cols.map(() => '---:').join('|')}|`);
    for (const row of rows) {
      const runs = row.failures > 0 ? `${row.runs - row.failures} (${row.failures} failed)` : String(row.runs);
      out.push(`| ${row.peer} | ${runs} | ${w.cols.map((c) => fmtStat(row.metrics[c[1]])).join(' | ')} |`);
    }
    out.push('');
  }
  out.push('### Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const t of r.targets) out.push(`| ${t.target} | ${t.value} | ${t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'} |`);
  if (r.missing.length > 0) out.push('', `Not run: ${r.missing.join('; ')}.`);
  out.push('', `Ratios (Contrail ÷ JetStream, same run): \`${JSON.stringify(r.ratios)}\``, '');
  return out.join('\n');
}

export function checkTargets(rows: readonly SummaryRow[], ratios: Ratios, fsyncPerSec: number | undefined): TargetCheck[] {
  const t: TargetCheck[] = [];
  const rx = (v: number | null, unit = '×'): string => (v === null ? '–' : `${v}${unit}`);
  t.push({ target: 'W1 produce ≥ 2× JetStream', value: rx(ratios.produce_vs_jetstream), met: ratios.produce_vs_jetstream === null ? null : ratios.produce_vs_jetstream >= 2 });
  t.push({ target: 'W2 consume ≥ 2× JetStream', value: rx(ratios.consume_vs_jetstream), met: ratios.consume_vs_jetstream === null ? null : ratios.consume_vs_jetstream >= 2 });
  t.push({ target: 'W3 sync p99 ≤ ½ JetStream', value: rx(ratios.sync_p99_vs_jetstream), met: ratios.sync_p99_vs_jetstream === null ? null : ratios.sync_p99_vs_jetstream <= 0.5 });
  t.push({ target: 'W4 end-to-end p99 ≤ 2 ms', value: ratios.e2e_p99_ms === null ? '–' : `${ratios.e2e_p99_ms} ms`, met: ratios.e2e_p99_ms === null ? null : ratios.e2e_p99_ms <= 2 });
  const shapes: [string, string][] = [
    ['w5s', '64 senders on one producer'],
    ['w5', '64 producer clients'],
  ];
  for (const [id, shape] of shapes) {
    const w5 = metricOf(rows, 'contrail', id, 'msgs_per_s');
    const rq = metricOf(rows, 'rabbitmq-quorum', id, 'msgs_per_s');
    const target = `W5 SYNC_FLUSH, ${shape}: ≥ 10× fdatasync rate`;
    if (w5 !== undefined && fsyncPerSec !== undefined) {
      const x = Math.round((w5 / fsyncPerSec) * 10) / 10;
      t.push({ target, value: `${fmtNum(w5)} msgs/s = ${x}× ${fmtNum(fsyncPerSec)}/s`, met: x >= 10 });
    } else t.push({ target, value: '–', met: null });
    t.push({
      target: `W5, ${shape}: ahead of RabbitMQ quorum`,
      value: w5 === undefined || rq === undefined ? '–' : `${fmtNum(w5)} vs ${fmtNum(rq)} msgs/s`,
      met: w5 === undefined || rq === undefined ? null : w5 > rq,
    });
  }
  const rss = metricOf(rows, 'contrail', 'w6', 'rss_mib');
  t.push({ target: 'W6 broker RSS ≤ 256 MiB holding 10 M messages', value: rss === undefined ? '–' : `${fmtNum(rss)} MiB`, met: rss === undefined ? null : rss <= 256 });
  const rs = metricOf(rows, 'contrail', 'w7', 'first_ack_s');
  t.push({ target: 'W7 restart ≤ 3 s after SIGKILL, 4 GiB log', value: rs === undefined ? '–' : `${fmtNum(rs)} s`, met: rs === undefined ? null : rs <= 3 });
  return t;
}

// ---- SVG ----

const COLORS: Record<string, string> = { contrail: '#1f6feb', jetstream: '#2da44e', redis: '#cf222e', 'rabbitmq-quorum': '#bf8700' };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Bar {
  peer: string;
  s: Stat;
}
interface Group {
  label: string;
  bars: Bar[];
}

function panel(x0: number, y0: number, w: number, title: string, unit: string, groups: Group[], note: string): { svg: string; h: number } {
  const barH = 14;
  const gap = 10;
  const labelW = 150;
  const plotW = w - labelW - 90;
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.s.max)));
  const parts: string[] = [];
  parts.push(`<text x="${x0}" y="${y0 + 16}" font-size="15" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="${x0}" y="${y0 + 32}" font-size="11" fill="#555">${esc(note)}</text>`);
  let y = y0 + 44;
  for (const g of groups) {
    parts.push(`<text x="${x0}" y="${y + barH - 3}" font-size="12">${esc(g.label)}</text>`);
    for (const b of g.bars) {
      const bw = (b.s.median / max) * plotW;
      const x = x0 + labelW;
      const color = COLORS[b.peer] ?? '#888';
      parts.push(`<rect x="${x}" y="${y}" width="${bw.toFixed(1)}" height="${barH - 2}" fill="${color}"><title>${esc(`${b.peer}: ${fmtStat(b.s)} ${unit}`)}</title></rect>`);
      if (b.s.n > 1) {
        const a = x + (b.s.min / max) * plotW;
        const c = x + (b.s.max / max) * plotW;
        const cy = y + (barH - 2) / 2;
        parts.push(`<line x1="${a.toFixed(1)}" y1="${cy}" x2="${c.toFixed(1)}" y2="${cy}" stroke="#000" stroke-width="1"/>`);
        parts.push(`<line x1="${a.toFixed(1)}" y1="${cy - 3}" x2="${a.toFixed(1)}" y2="${cy + 3}" stroke="#000"/><line x1="${c.toFixed(1)}" y1="${cy - 3}" x2="${c.toFixed(1)}" y2="${cy + 3}" stroke="#000"/>`);
      }
      parts.push(`<text x="${(x + Math.max(bw, (b.s.max / max) * plotW) + 4).toFixed(1)}" y="${y + barH - 4}" font-size="11">${esc(fmtNum(b.s.median))}</text>`);
      y += barH;
    }
    y += gap;
  }
  return { svg: parts.join('\n'), h: y - y0 };
}

export function svgChart(r: BenchResult): string {
  const W = 760;
  const get = (peer: string, w: string, m: string): Stat | undefined => r.rows.find((x) => x.peer === peer && x.workload === w)?.metrics[m];
  const peers = [...new Set(r.rows.map((x) => x.peer))];
  const groups = (spec: [string, string, string][]): Group[] =>
    spec
      .map(([label, w, m]) => ({ label, bars: peers.flatMap((p) => (get(p, w, m) ? [{ peer: p, s: get(p, w, m) as Stat }] : [])) }))
      .filter((g) => g.bars.length > 0);
  const tp = panel(20, 50, W - 20, 'Throughput (msgs/s, higher is better)', 'msgs/s', groups([
    ['W1 produce 1 KiB', 'w1', 'msgs_per_s'],
    ['W2 catch-up consume', 'w2', 'msgs_per_s'],
    ['W5 64 senders, one producer', 'w5s', 'msgs_per_s'],
    ['W5 64 producer clients', 'w5', 'msgs_per_s'],
  ]), 'bar = median, whisker = min–max');
  const lat = panel(20, 60 + tp.h, W - 20, 'Latency (µs, lower is better)', 'µs', groups([
    ['W3 sync send p50', 'w3', 'p50_us'],
    ['W3 sync send p99', 'w3', 'p99_us'],
    ['W4 end-to-end p50', 'w4', 'p50_us'],
    ['W4 end-to-end p99', 'w4', 'p99_us'],
  ]), 'W4 at 10 k msgs/s, producer and consumer in separate processes');
  const H = 60 + tp.h + lat.h + 50;
  const legend = peers
    .map((p, i) => `<rect x="${20 + i * 150}" y="${H - 30}" width="12" height="12" fill="${COLORS[p] ?? '#888'}"/><text x="${36 + i * 150}" y="${H - 20}" font-size="12">${esc(p)}</text>`)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="20" y="28" font-size="17" font-weight="bold">${esc(`Contrail vs peers — ${r.machine.date} (${r.mode}, ${r.reps} runs, ${r.machine.cores} cores shared)`)}</text>`,
    tp.svg,
    lat.svg,
    legend,
    '</svg>',
    '',
  ].join('\n');
}
