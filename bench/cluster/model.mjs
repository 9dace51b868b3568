// The cluster benchmark's model and report: least-squares slopes per rank and per host from the
// measured jobs, what they give at a size no machine here can run, and the Markdown table.

/** Least squares for y ≈ X·b (rows of X are the predictors of one job); b, or null when singular. */
export function leastSquares(rows, ys) {
  const n = rows[0].length;
  const a = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) =>
      rows.reduce((sum, row, k) => sum + row[i] * (j < n ? row[j] : ys[k]), 0),
    ),
  );
  for (let col = 0; col < n; col++) {
    const pivot = a
      .slice(col)
      .reduce((best, row, i) => (Math.abs(row[col]) > Math.abs(a[best][col]) ? col + i : best), col);
    [a[col], a[pivot]] = [a[pivot], a[col]];
    if (Math.abs(a[col][col]) < 1e-9) return null;
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = a[row][col] / a[col][col];
      for (let j = col; j <= n; j++) a[row][j] -= factor * a[col][j];
    }
  }
  return a.map((row, i) => row[n] / row[i]);
}

/**
 * Per impl: file operations by name ≈ perRank·ranks + perHost·hosts (the form of the target) from
 * the traced jobs, rendezvous ms ≈ fixed + perRank·ranks + perHost·hosts from the untraced ones,
 * and both at `at` ({ ranks, hosts }). The largest relative residual says how well each fits.
 */
export function fitModel(jobs, at) {
  const model = {};
  for (const impl of [...new Set(jobs.map((job) => job.impl))]) {
    const mine = jobs.filter((job) => job.impl === impl && !job.error);
    const fit = (sample, predictors, value) => {
      const used = mine.filter(sample);
      if (used.length < predictors(used[0] ?? { ranks: 1, hosts: 1 }).length + 1) return null;
      const b = leastSquares(used.map(predictors), used.map(value));
      if (!b) return null;
      const predict = (job) => predictors(job).reduce((sum, x, i) => sum + x * b[i], 0);
      const residual = Math.max(
        ...used.map((job) => Math.abs(predict(job) - value(job)) / Math.max(1, value(job))),
      );
      return { coefficients: b, jobs: used.length, maxRelativeResidual: residual, at: predict(at) };
    };
    const ops = fit(
      (job) => job.traced && job.ops,
      (job) => [job.ranks, job.hosts],
      (job) => job.ops.path,
    );
    const time = fit(
      (job) => !job.traced && job.rendezvousMs !== undefined,
      (job) => [1, job.ranks, job.hosts],
      (job) => job.rendezvousMs,
    );
    model[impl] = {
      ops: ops && { perRank: ops.coefficients[0], perHost: ops.coefficients[1], ...pick(ops) },
      rendezvousMs: time && {
        fixed: time.coefficients[0],
        perRank: time.coefficients[1],
        perHost: time.coefficients[2],
        ...pick(time),
      },
    };
  }
  return model;
}

const pick = ({ jobs, maxRelativeResidual, at }) => ({ jobs, maxRelativeResidual, at });
const ms = (value) =>
  value === undefined ? '–' : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
const num = (value, digits = 1) => (value === undefined || value === null ? '–' : value.toFixed(digits));

/** The Markdown report of a run. */
export function markdown({ machine, command, jobs, model, at }) {
  const lines = [
    '# Cluster benchmark: file operations on a shared cache, and scale',
    '',
    `${machine.date}, \`${command}\`, on ${machine.nproc} cores (${machine.cpu}), Node ${machine.node}, ` +
      `${machine.mpi}; load ${machine.load.join(' / ')} (start / end). Every job is a warm one: the library is in ` +
      'the shared cache ($SHARED on sshfs, client caches nfs-like: listings, attributes and "not found" kept 30 s), ' +
      'each rank runs the rendezvous and then one collective jit() (root strategy), ours in Node, the reference ' +
      'python3-dijitso through mpi4py. Each host mounts the share afresh for each job, so every job starts with cold ' +
      'client caches.',
    '',
    '**File operations** are the system calls strace saw a rank make on a path under $SHARED (a path argument, or a ' +
      'descriptor opened there: reads, mmap, fstat, close, ...), in the traced job; they are calls, not requests to ' +
      "the file server: the client's caches answer some of them. **Times** are the slowest rank's, from a barrier, " +
      'in a job without strace. Calls **by name** (open, stat, mkdir, rename, ...) are the lookups a client may send ' +
      'to the server; a `dlopen` is one of them (its reads and maps go **by descriptor**, through the open file). ' +
      'The target counts operations by name: at most 2 per rank plus 16 per host.',
    '',
    '| impl | hosts × ranks | rendezvous | jit() | all calls (job) | by name / by descriptor | per rank (min–max) | per host | start / rendezvous / jit / exit | most frequent calls | target (by name) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
  ];
  const byConfig = new Map();
  for (const job of jobs) {
    const id = `${job.impl} ${job.hosts}x${job.ranksPerHost}`;
    const entry = byConfig.get(id) ?? { impl: job.impl, hosts: job.hosts, ranksPerHost: job.ranksPerHost };
    if (job.traced) entry.traced = job;
    else entry.timed = job;
    byConfig.set(id, entry);
  }
  for (const entry of byConfig.values()) {
    const { traced, timed } = entry;
    const ops = traced?.ops;
    const failure = [timed, traced].find((job) => job?.error);
    const perHost = ops ? ops.perHost.reduce((a, b) => a + b, 0) / ops.perHost.length : undefined;
    const top = ops
      ? Object.entries(ops.bySyscall)
          .slice(0, 4)
          .map(([name, n]) => `${name} ${n}`)
          .join(', ')
      : failure
        ? `failed: ${failure.error.split('\n')[0].slice(0, 120)}`
        : '–';
    lines.push(
      `| ${entry.impl} | ${entry.hosts} × ${entry.ranksPerHost} | ${ms(timed?.rendezvousMs)} | ${ms(timed?.jitMs)} | ` +
        `${ops?.total ?? '–'} | ${ops ? `${ops.path} / ${ops.fd}` : '–'} | ${ops ? `${ops.perRankMin}–${ops.perRankMax}` : '–'} | ` +
        `${num(perHost)} | ${ops ? Object.values(ops.byPhase).join(' / ') : '–'} | ${top} | ` +
        `${2 * entry.hosts * entry.ranksPerHost + 16 * entry.hosts} |`,
    );
  }
  lines.push('', '## Where the calls are', '');
  for (const impl of [...new Set(jobs.map((job) => job.impl))]) {
    const largest = jobs
      .filter((job) => job.impl === impl && job.ops?.ranks)
      .sort((a, b) => b.ranks - a.ranks)[0];
    if (!largest) continue;
    const calls = (r) =>
      Object.entries(r.bySyscall)
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${name} ${n}`)
        .join(', ');
    const sorted = [...largest.ops.ranks].sort((a, b) => a.total - b.total);
    const fewest = sorted[0];
    const most = sorted.at(-1);
    lines.push(
      `- ${impl}, ${largest.hosts} × ${largest.ranksPerHost}: the fewest, rank ${fewest.rank}: ${fewest.total} (${calls(fewest)}); ` +
        `the most, rank ${most.rank}: ${most.total} (${calls(most)}).`,
    );
  }
  lines.push(
    '',
    `## A model at ${at.ranks.toLocaleString('en')} ranks on ${at.hosts} hosts`,
    '',
    'A model, not a measurement: straight lines fitted (least squares) to the jobs above, file operations as ' +
      'a·ranks + b·hosts, rendezvous time as c + a·ranks + b·hosts, then read at that size. The time slopes come from ' +
      `${machine.nproc} cores running up to ${Math.max(...jobs.map((job) => job.ranks))} ranks, so they are mostly the ` +
      "oversubscribed CPU's, not a network's; a real cluster has a core per rank and other latencies.",
    '',
    '| impl | file ops by name per rank | per host | at that size | worst fit residual | rendezvous: fixed | per rank | per host | at that size | worst fit residual |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [impl, { ops, rendezvousMs: time }] of Object.entries(model)) {
    lines.push(
      `| ${impl} | ${num(ops?.perRank, 2)} | ${num(ops?.perHost, 2)} | ${ops ? Math.round(ops.at).toLocaleString('en') : '–'} | ` +
        `${ops ? `${(ops.maxRelativeResidual * 100).toFixed(0)}%` : '–'} | ${ms(time?.fixed)} | ${num(time?.perRank, 2)} ms | ` +
        `${num(time?.perHost, 2)} ms | ${ms(time?.at)} | ${time ? `${(time.maxRelativeResidual * 100).toFixed(0)}%` : '–'} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
