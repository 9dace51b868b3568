// A hand-written SVG line chart (no dependencies): whole-job time against ranks, one panel per
// strategy, ours against the reference, cold and warm, with the process start-up floors.

const COLORS = { ours: '#1f77b4', reference: '#d62728', floor: '#7f7f7f' };
const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * panels: [{ title, series: [{ label, color, dash, points: [[ranks, seconds], ...] }] }].
 * Returns the SVG text. The x axis is log2(ranks); every panel shares one y scale so they compare.
 */
export function lineChart({ title, subtitle, panels, yLabel }) {
  const width = 300;
  const height = 240;
  const pad = { left: 48, right: 12, top: 28, bottom: 36 };
  const legendHeight = 22 * Math.ceil(Math.max(...panels.map((p) => p.series.length)) / 2);
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.points));
  const xs = [...new Set(all.map(([x]) => x))].sort((a, b) => a - b);
  const yMax = niceCeil(Math.max(...all.map(([, y]) => y), 0.1));
  const totalW = width * panels.length;
  const totalH = height + 50 + legendHeight;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${totalH}" viewBox="0 0 ${totalW} ${totalH}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${totalW / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${totalW / 2}" y="34" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`,
  ];
  panels.forEach((panel, index) => {
    const x0 = index * width + pad.left;
    const y0 = 40 + pad.top;
    const w = width - pad.left - pad.right;
    const h = height - pad.top - pad.bottom;
    const lo = Math.log2(xs[0]);
    const span = Math.max(1e-9, Math.log2(xs.at(-1)) - lo);
    const px = (x) => x0 + (xs.length > 1 ? ((Math.log2(x) - lo) / span) * w : w / 2);
    const py = (y) => y0 + h - (y / yMax) * h;
    out.push(
      `<text x="${x0 + w / 2}" y="${y0 - 10}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`,
    );
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      out.push(
        `<line x1="${x0}" x2="${x0 + w}" y1="${py(v)}" y2="${py(v)}" stroke="#e5e5e5"/>`,
        `<text x="${x0 - 4}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`,
      );
    }
    for (const x of xs) {
      out.push(`<text x="${px(x)}" y="${y0 + h + 14}" text-anchor="middle">${x}</text>`);
    }
    out.push(
      `<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y0 + h}" stroke="#333"/>`,
      `<line x1="${x0}" x2="${x0 + w}" y1="${y0 + h}" y2="${y0 + h}" stroke="#333"/>`,
      `<text x="${x0 + w / 2}" y="${y0 + h + 28}" text-anchor="middle">ranks</text>`,
    );
    if (index === 0) {
      out.push(
        `<text transform="translate(${x0 - 36} ${y0 + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
      );
    }
    for (const s of panel.series) {
      const pts = s.points.filter(([, y]) => Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
      if (pts.length === 0) continue;
      const d = pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
      out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
      for (const [x, y] of pts) {
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
      }
    }
  });
  // One legend for all panels (they share series).
  const legendY = height + 50;
  panels[0].series.forEach((s, i) => {
    const lx = 20 + (i % 2) * (totalW / 2);
    const ly = legendY + Math.floor(i / 2) * 20;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(
      `<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 34}" y="${ly + 4}">${esc(s.label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(value) {
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

export { COLORS };
