/** One message of gcc or clang (or the linker), parsed. */
export interface Diagnostic {
  /** File as the compiler named it (relative to the build folder: `<signature>.cpp`), '' for the linker. */
  file: string;
  /** 1-based line, 0 when the compiler gave none. */
  line: number;
  /** 1-based column, 0 when the compiler gave none. */
  column: number;
  severity: 'error' | 'warning' | 'note';
  message: string;
}

const LOCATED = /^(.+?):(\d+):(?:(\d+):)?\s+(fatal error|error|warning|note):\s+(.*)$/;
const UNLOCATED = /^(.+?):\s+(fatal error|error|warning|note):\s+(.*)$/;
const LINKER = /^(\S*\bld(?:\.\w+)?|collect2(?:\.exe)?):\s+(.*)$/;
// "sig.cpp:(.text+0x5): undefined reference to `g'": a linker error placed in an object's section.
const IN_SECTION = /^(.+?):\(\.[\w.]+(?:\+0x[0-9a-f]+)?\):\s+(.*)$/;

function severityOf(word: string): Diagnostic['severity'] {
  return word === 'fatal error' ? 'error' : (word as Diagnostic['severity']);
}

/** Parse gcc/clang/ld output into diagnostics; lines that are excerpts or context are skipped. */
export function parseDiagnostics(output: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trimEnd();
    let match = LOCATED.exec(line);
    if (match) {
      diagnostics.push({
        file: match[1]!,
        line: Number(match[2]),
        column: match[3] ? Number(match[3]) : 0,
        severity: severityOf(match[4]!),
        message: match[5]!,
      });
      continue;
    }
    match = LINKER.exec(line);
    if (match) {
      const text = match[2]!;
      // "collect2: error: ld returned 1 exit status" only repeats that the linker failed.
      if (/ld returned \d+ exit status/.test(text)) continue;
      const severity = /warning:/.test(text)
        ? 'warning'
        : /^note:|: in function /.test(text)
          ? 'note'
          : 'error';
      diagnostics.push({
        file: '',
        line: 0,
        column: 0,
        severity,
        message: text.replace(/^(error|warning):\s+/, ''),
      });
      continue;
    }
    match = IN_SECTION.exec(line);
    if (match) {
      diagnostics.push({ file: match[1]!, line: 0, column: 0, severity: 'error', message: match[2]! });
      continue;
    }
    match = UNLOCATED.exec(line);
    if (match && !/^\s/.test(line)) {
      diagnostics.push({
        file: match[1]!,
        line: 0,
        column: 0,
        severity: severityOf(match[2]!),
        message: match[3]!,
      });
    }
  }
  return diagnostics;
}

/**
 * Render diagnostics for a human: location, message, and the offending source line with a caret,
 * taken from `sources` (file name → text) rather than trusting the compiler's excerpt.
 */
export function formatDiagnostics(diagnostics: Diagnostic[], sources: Record<string, string>): string {
  const lines: string[] = [];
  for (const d of diagnostics) {
    const where = d.file ? `${d.file}:${d.line || '?'}${d.column ? `:${d.column}` : ''}: ` : '';
    lines.push(`  ${where}${d.severity}: ${d.message}`);
    const text = d.line > 0 ? sources[d.file]?.split('\n')[d.line - 1] : undefined;
    if (text !== undefined) {
      const gutter = String(d.line).padStart(5);
      lines.push(`  ${gutter} | ${text}`);
      if (d.column > 0) lines.push(`  ${' '.repeat(5)} | ${' '.repeat(Math.max(0, d.column - 1))}^`);
    }
  }
  return lines.join('\n');
}
