import { describe, validateSignature, type Language } from '@dijitso/core-cache/runtime';
import { JitGenerateError } from './errors.js';
import type { JitParams } from './params.js';

/** What `generate` returns: the code of one shared library. */
export interface GeneratedCode {
  /** The C or C++ source. */
  source: string;
  /** Optional header, stored beside the source and includable as `"<signature>.h"`. */
  header?: string | undefined;
  /** 'c' or 'c++' (default). */
  language?: Language;
  /** Signatures of earlier `jit` results (in this process) to link against. */
  dependencies?: string[];
}

/** What `generate` is called with. */
export interface GenerateContext {
  signature: string;
  params: JitParams;
}

/** The callback that produces the code; called only on a miss, on a rank that builds (see JitOptions.generate). */
export type GenerateFn = (context: GenerateContext) => GeneratedCode | Promise<GeneratedCode>;

/** Generated code after checking. */
export interface CheckedCode {
  source: string;
  header: string | undefined;
  language: Language;
  dependencies: string[];
}

/** Call `generate` and check what it returns; any failure is a `JitGenerateError` keeping the cause. */
export async function runGenerate(generate: GenerateFn, context: GenerateContext): Promise<CheckedCode> {
  const { signature } = context;
  let result: unknown;
  try {
    result = await generate(context);
  } catch (error) {
    throw new JitGenerateError(
      signature,
      `generate() threw while generating ${signature}: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
  const invalid = (what: string): never => {
    throw new JitGenerateError(signature, `generate() for ${signature} returned an invalid result: ${what}`);
  };
  if (typeof result !== 'object' || result === null) {
    return invalid(
      `expected an object { source, header?, language?, dependencies? } but received ${describe(result)}`,
    );
  }
  const code = result as Record<string, unknown>;
  for (const name of Object.keys(code)) {
    if (!['source', 'header', 'language', 'dependencies'].includes(name)) {
      invalid(`unknown field "${name}" (valid: source, header, language, dependencies)`);
    }
  }
  if (typeof code.source !== 'string' || code.source.trim().length === 0) {
    invalid(`expected a non-empty string for source but received ${describe(code.source)}`);
  }
  if (code.header !== undefined && typeof code.header !== 'string') {
    invalid(`expected a string or undefined for header but received ${describe(code.header)}`);
  }
  const language = code.language ?? 'c++';
  if (language !== 'c' && language !== 'c++') {
    invalid(`expected 'c' or 'c++' for language but received ${describe(language)}`);
  }
  const dependencies = code.dependencies ?? [];
  if (!Array.isArray(dependencies)) {
    invalid(`expected an array of signatures for dependencies but received ${describe(dependencies)}`);
  }
  for (const dependency of dependencies as unknown[]) {
    try {
      validateSignature(dependency, 'dependency');
    } catch (error) {
      invalid((error as Error).message);
    }
  }
  return {
    source: code.source as string,
    header: code.header as string | undefined,
    language: language as Language,
    dependencies: dependencies as string[],
  };
}
