// Builds bench/results/latest.{json,md,svg} from the results of the three benchmarks: the
// headline targets, every side-by-side row, the limits measured in the same run, and the chart.
import { existsSync, readFileSync } from 'node:fs';
import { sec } from './stats.mjs';
import { COLORS, lineChart } from './svg.mjs';
import { targetRows } from './targets.mjs';

const read = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null);

/** { json, md, svg } for the results directory `dir` and the machine description. */
export function buildReport(dir, machine) {
  const peer = read(`${dir}/peer.json`);
  const local = read(`${dir}/local.json`);
  const bcast = read(`${dir}/bcast.json`);
  const targets = targetRows({ peer, local, bcast });
  const rows = [
    ...targets.map(({ note: _note, ...row }) => row),
    ...(peer?.rows ?? []).map((r) => ({
      ...r,
      target: '≤ 1.0×',
      met: r.ratio === null ? null : r.ratio <= 1,
    })),
  ];
  const json = { machine, quick: peer?.quick ?? local?.quick ?? null, rows, limits: peer?.limits ?? {} };
  return { json, md: markdown(machine, targets, peer), svg: peer ? chart(peer, machine) : null };
}

const ratio = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)}×`);
const mark = (met) => (met === null || met === undefined ? '–' : met ? 'yes' : '**no**');

/** The machine line shown with every table. */
export function machineLine(m) {
  return `${m.nproc} cores (${m.cpu}), ${m.memory}, Node ${m.node}, ${m.mpi}, ${m.compiler}, python3-dijitso ${m.dijitso}; load average ${m.load.join(' / ')} (start / end)`;
}

/** What the jobs ran without (lib/env.mjs) and, when measured, what it costs a job's start-up. */
function removedNote(machine, peer) {
  const removed = machine.removedFromEnv ?? [];
  if (removed.length === 0) return [];
  const [name, withIt] =
    Object.entries(peer?.limits ?? {}).find(([n]) => n.startsWith('with NODE_EXTRA_CA_CERTS')) ?? [];
  const without = withIt ? peer.limits[name.replace(/^with NODE_EXTRA_CA_CERTS: /, '')] : undefined;
  const cost =
    withIt && without
      ? ` With it, \`mpirun -n ${withIt.ranks} node -e 0\` took ${sec(withIt.job_s)} against ${sec(without.job_s)} without.`
      : '';
  return [
    `Benchmark processes run without ${removed.join(', ')}, which this machine sets: node reads and parses`,
    `that certificate file at every start, for TLS connections no job makes; python ignores it.${cost}`,
  ];
}

function markdown(machine, targets, peer) {
  const out = [
    `# Benchmark results (${peer?.quick ? 'quick' : 'full'} run, ${machine.date})`,
    '',
    `Machine: ${machineLine(machine)}.`,
    '',
    'Ratios are ours / reference (python3-dijitso) measured in the same run, interleaved: the median over',
    'repetitions of the ratio within each repetition, whose two jobs ran back to back; times are medians.',
    'Whole job = `mpirun` start to end; jit() = slowest rank, timed inside each rank around the call',
    "(the reference's create_comms_and_role is counted in its first call, as ours counts its rendezvous).",
    ...removedNote(machine, peer),
    '',
    '## Targets',
    '',
    '| row | ours | reference | ratio | limit (same run) | target | holds |',
    '| --- | ---: | ---: | ---: | --- | --- | :---: |',
    ...targets.map(
      (t) =>
        `| ${t.name} | ${sec(t.ours_s)} | ${sec(t.peer_s)} | ${ratio(t.ratio)} | ${t.limit ?? '–'} | ${t.target} | ${mark(t.met)} |`,
    ),
    '',
  ];
  const notes = targets.filter((t) => t.note);
  if (notes.length)
    out.push('### Why the rows that miss do', '', ...notes.map((t) => `- **${t.name}**: ${t.note}`), '');
  if (peer) {
    out.push(
      `## Every configuration (${peer.lines}-line source, ${peer.reps} repetitions)`,
      '',
      '| temperature | measure | strategy | ranks | disks | ours | reference | ratio |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of peer.rows) {
      const measure = { job: 'whole job', jit: 'jit() 1st call', jit2: 'jit() 2nd call' }[r.kind];
      const timeouts = r.timeouts?.[1]
        ? ` (${r.timeouts[1]} reference deadlock${r.timeouts[1] > 1 ? 's' : ''})`
        : '';
      out.push(
        `| ${r.temperature} | ${measure} | ${r.strategy} | ${r.ranks} | ${r.disks} | ${sec(r.ours_s)} | ${sec(r.peer_s)}${timeouts} | ${ratio(r.ratio)} |`,
      );
    }
    out.push(
      '',
      '## Limits measured in the same run',
      '',
      '| limit | ranks | whole job | inside |',
      '| --- | ---: | ---: | --- |',
    );
    for (const [name, l] of Object.entries(peer.limits)) {
      const inside = [
        'call_ms',
        'allgather_ms',
        'barrier_ms',
        'rendezvous_ms',
        'warm_jit_ms',
        'warm_floor_ms',
        'floor_ms',
      ]
        .filter((f) => l[f] !== undefined)
        .map((f) => `${f.replace('_ms', '')} ${l[f].toFixed(2)} ms`)
        .join(', ');
      out.push(`| ${name.replace(/ @\d+$/, '')} | ${l.ranks} | ${sec(l.job_s)} | ${inside || '–'} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

function chart(peer, machine) {
  const pick = (strategy, temperature, impl) =>
    peer.rows
      .filter((r) => r.kind === 'job' && r.strategy === strategy && r.temperature === temperature)
      .filter((r) => r.disks === Math.max(1, r.ranks / 2))
      .map((r) => [r.ranks, impl === 'ours' ? r.ours_s : r.peer_s]);
  const floor = (name) =>
    Object.entries(peer.limits)
      .filter(([n]) => n.startsWith(name))
      .map(([, l]) => [l.ranks, l.job_s]);
  const panels = ['root', 'node', 'process'].map((strategy) => ({
    title: `strategy ${strategy}`,
    series: [
      { label: 'ours, cold', color: COLORS.ours, points: pick(strategy, 'cold', 'ours') },
      {
        label: 'reference dijitso, cold',
        color: COLORS.reference,
        points: pick(strategy, 'cold', 'reference'),
      },
      { label: 'ours, warm', color: COLORS.ours, dash: '6 4', points: pick(strategy, 'warm', 'ours') },
      {
        label: 'reference dijitso, warm',
        color: COLORS.reference,
        dash: '6 4',
        points: pick(strategy, 'warm', 'reference'),
      },
      { label: 'floor: mpirun node -e 0', color: COLORS.floor, dash: '2 3', points: floor('node -e 0') },
      {
        label: 'floor: mpirun python3 -c "import mpi4py.MPI"',
        color: '#bcbd22',
        dash: '2 3',
        points: floor('python3'),
      },
    ],
  }));
  return lineChart({
    title: 'Whole mpirun job: ours vs reference dijitso (ranks 2k, 2k+1 share a disk)',
    subtitle: `${peer.lines}-line C++ source; ${machine.nproc} cores ${machine.cpu}, Node ${machine.node}, ${machine.mpi}`,
    yLabel: 'seconds (median)',
    panels,
  });
}
