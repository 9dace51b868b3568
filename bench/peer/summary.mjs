// Turns the peer benchmark's raw runs into rows (medians; ratios ours / reference per repetition) and limits.
import { median } from '../lib/stats.mjs';

const key = (r) => `${r.temperature}|${r.strategy}|${r.ranks}|${r.disks}`;
const finite = (values) => values.filter((v) => typeof v === 'number' && Number.isFinite(v));
const med = (values) => (finite(values).length ? median(finite(values)) : null);

// The two sides of one repetition ran back to back, so a slow spell of this shared machine (one
// compile varies by half from minute to minute) slows both: the ratio of a row is the median of
// the per-repetition ratios, not the ratio of two medians that may come from different spells.
function pairedRatio(ours, reference, pick) {
  const ratios = [];
  for (const run of ours) {
    const twin = reference.find((r) => r.rep === run.rep);
    const [a, b] = [pick(run), twin ? pick(twin) : null];
    if (Number.isFinite(a) && Number.isFinite(b) && b > 0) ratios.push(a / b);
  }
  return med(ratios);
}

/** Rows { name, kind, temperature, strategy, ranks, disks, ours_s, peer_s, ratio, n, timeouts } and limits. */
export function summarize(runs, limitRuns) {
  const groups = new Map();
  for (const run of runs) {
    if (!groups.has(key(run))) groups.set(key(run), []);
    groups.get(key(run)).push(run);
  }
  const rows = [];
  for (const list of groups.values()) {
    const { temperature, strategy, ranks, disks } = list[0];
    const side = (impl) => list.filter((r) => r.impl === impl);
    const metrics = [
      // Both are medians over repetitions; jit() is the slowest rank of each job.
      ['job', 'whole job', (r) => r.job_s],
      ['jit', 'jit() first call', (r) => (r.first_ms === null ? null : r.first_ms / 1000)],
    ];
    for (const [kind, label, pick] of metrics) {
      const ours = med(side('ours').map(pick));
      const peer = med(side('reference').map(pick));
      // A raw compile run just before this configuration's cold pair (the headline cold jit()).
      const raw = (run) => limitRuns.find((l) => l.name === 'raw compile, paired' && l.rep === run.rep);
      rows.push({
        name: `${temperature} ${label}, ${strategy}, ${ranks} ranks, ${disks} disk${disks > 1 ? 's' : ''}`,
        kind,
        temperature,
        strategy,
        ranks,
        disks,
        ours_s: ours,
        peer_s: peer,
        ratio: pairedRatio(side('ours'), side('reference'), pick),
        ratio_of_medians: ours !== null && peer ? ours / peer : null,
        // Ours against the raw compile run just before it, per repetition (where one was run).
        ours_vs_raw:
          kind === 'jit' && temperature === 'cold'
            ? med(side('ours').map((r) => (pick(r) ?? NaN) / (raw(r)?.job_s ?? NaN)))
            : null,
        // Ours only: the builder's compile inside the job (compare with the raw compile limit).
        ours_compile_s: med(side('ours').map((r) => r.compile_s)),
        n: [side('ours').length, side('reference').length],
        timeouts: [side('ours'), side('reference')].map((s) => s.filter((r) => r.timed_out).length),
      });
    }
  }

  const limits = {};
  const byName = new Map();
  for (const run of limitRuns) {
    const name = `${run.name}${run.ranks > 1 ? ` @${run.ranks}` : ''}`;
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name).push(run);
  }
  for (const [name, list] of byName) {
    const entry = { ranks: list[0].ranks, job_s: med(list.map((r) => r.job_s)) };
    for (const field of [
      'call_ms',
      'allgather_ms',
      'barrier_ms',
      'rendezvous_ms',
      'rendezvous_first_ms',
      'warm_jit_ms',
      'warm_floor_ms',
      'floor_ms',
    ]) {
      const value = med(list.map((r) => r[field]));
      if (value !== null) entry[field] = value;
    }
    limits[name] = entry;
  }
  return { rows, limits };
}
