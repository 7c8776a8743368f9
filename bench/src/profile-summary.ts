// Where the time goes in a .cpuprofile (node --cpu-prof): self time by function, and by package.
// usage: node bench/dist/src/profile-summary.js <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function selfTimes(p: CpuProfile): { byFunction: [string, number][]; byArea: [string, number][]; totalMs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    total += us;
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const short = url.replace(/.*\/(packages|node_modules)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${short ? `${short}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = /packages\/([^/]+)\//.exec(url)?.[1] ?? /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith('node:') ? 'node internals' : n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : 'native/other');
    area.set(a, (area.get(a) ?? 0) + us);
  }
  const sort = (m: Map<string, number>): [string, number][] => [...m.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, v / 1000]);
  return { byFunction: sort(fn), byArea: sort(area), totalMs: total / 1000 };
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: profile-summary.js <file.cpuprofile> [top]');
  const top = Number(process.argv[3] ?? 25);
  const s = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (ms: number): string => `${((ms / s.totalMs) * 100).toFixed(1).padStart(5)}%`;
  console.log(`${file}: ${s.totalMs.toFixed(0)} ms sampled`);
  console.log('by area:');
  for (const [k, ms] of s.byArea.slice(0, 12)) console.log(`  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${k}`);
  console.log('by function (self):');
  for (const [k, ms] of s.byFunction.slice(0, top)) console.log(`  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${k}`);
}
